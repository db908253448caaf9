// kafka-wire/partition: Java-compatible partitioning, pure functions of key bytes and metadata.
export {};
