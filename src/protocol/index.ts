// kafka-wire/protocol: Kafka's wire primitives and the request/response codecs we speak.

export * from './add-offsets-to-txn.js';
export * from './add-partitions-to-txn.js';
export { type ApiCodec, type ApiDefinition, type Complete, defineApi, readWhole } from './api.js';
export * from './api-versions.js';
export {
  type CodecContext,
  type EncodeProblem,
  KafkaDecodeError,
  KafkaEncodeError,
  type MessageType,
} from './codec-errors.js';
export * from './end-txn.js';
export * from './errors.js';
export * from './fetch.js';
export * from './finalized-features.js';
export * from './find-coordinator.js';
export * from './frame.js';
export * from './init-producer-id.js';
export * from './list-offsets.js';
export {
  createMessageCodec,
  type MessageCodec,
  type MessageCodecOptions,
  skipTaggedFields,
} from './message-codec.js';
export type { ConformsTo, DifferingProperties, MessageShape } from './message-shape.js';
export * from './metadata.js';
export * from './produce.js';
export { Reader } from './reader.js';
export * from './sasl-authenticate.js';
export * from './sasl-handshake.js';
export {
  type FieldSpec,
  inVersions,
  type MessageSpec,
  parseVersions,
  propertyName,
  type VersionRange,
} from './schema.js';
export * from './txn-offset-commit.js';
export { isUuidString, uuidToBytes, uuidToString, writeUuid, ZERO_UUID } from './uuid.js';
export * from './varint.js';
export { Writer } from './writer.js';
