// kafka-wire/partition: Java-compatible partitioning, pure functions of key bytes and metadata.
export { murmur2, partitionForKey, toPositive } from './murmur2.js';
export { RoundRobinPartitioner } from './round-robin.js';
export { StickyPartitioner, type StickyPartitionerOptions } from './sticky.js';
export { defaultRandomInt, type RandomInt, type TopicPartitionsView } from './types.js';
