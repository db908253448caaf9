// kafka-wire: an Apache Kafka producer that speaks the wire protocol itself.
export { KafkaWireError, type KafkaWireErrorOptions } from './errors.js';
export { murmur2, partitionForKey } from './partition/index.js';
