// kafka-wire: an Apache Kafka producer that speaks the wire protocol itself.
export { KafkaWireError, type KafkaWireErrorOptions } from './errors.js';
export {
  AuthenticationError,
  BrokerProtocolError,
  ClientClosedError,
  ConnectionSetupTimeoutError,
  NetworkError,
  RequestTimeoutError,
  UnsupportedVersionError,
} from './net/errors.js';
export { murmur2, partitionForKey } from './partition/index.js';
export type { DeliveryCallback, RecordMetadata } from './producer/accumulator.js';
export type {
  Acks,
  CompressionType,
  CustomPartitioner,
  PartitionerInput,
  ProducerOptions,
} from './producer/config.js';
export { ProducerConfigError } from './producer/config.js';
export { TopicNotAvailableError } from './producer/metadata.js';
export {
  BufferExhaustedError,
  type CloseOptions,
  Producer,
  RecordTooLargeError,
  UndeliveredRecordsError,
} from './producer/producer.js';
export { InvalidRecordError, type ProducerRecord } from './producer/record-input.js';
export { DeliveryTimeoutError, ProduceError } from './producer/sender.js';
export { KafkaDecodeError, KafkaEncodeError } from './protocol/codec-errors.js';
export { KafkaProtocolError } from './protocol/errors.js';
export * from './serializers/index.js';
