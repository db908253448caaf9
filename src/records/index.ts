// kafka-wire/records: RecordBatch v2 encoding and decoding, CRC-32C and compression.
export {};
