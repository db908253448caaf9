// kafka-wire/testing: a fake Kafka cluster for users' tests (and kafka-wire's own), speaking the real protocol
// over TCP on 127.0.0.1 so any Kafka client can be pointed at it.
export * from './fake-kafka.js';
export { KAFKA_VERSIONS, userCacheDir } from './kafka-jars.js';
export {
  DEFAULT_KAFKA_VERSION,
  type KafkaBroker,
  type RunningKafka,
  StartKafkaError,
  type StartKafkaOptions,
  startKafka,
} from './start-kafka.js';
export {
  DEFAULT_KAFKA_IMAGE,
  type RunningKafkaContainer,
  type StartKafkaContainerOptions,
  startKafkaContainer,
} from './start-kafka-container.js';
export type { CoordinatorApiName, CoordinatorRequest } from './transaction-coordinator.js';
