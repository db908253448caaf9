// kafka-wire/protocol: Kafka's wire primitives and the request/response codecs we speak.
export * from './varint.js';
