// kafka-wire/schema-registry: Avro, Protobuf and JSON Schema serializers in Confluent's wire format, and a
// schema registry client. Kept out of the core import; each format loads its package (avsc, protobufjs, ajv:
// optional peer dependencies) only when its serializer first runs.
export { type AvroSerializerOptions, avroSerializer } from './avro.js';
export {
  type CompatibilityLevel,
  type RegisteredSchema,
  type Schema,
  type SchemaReference,
  SchemaRegistryClient,
  type SchemaRegistryClientOptions,
  type SchemaType,
} from './client.js';
export {
  IncompatibleSchemaError,
  InvalidSchemaError,
  SchemaNotFoundError,
  SchemaRegistryAuthError,
  SchemaRegistryError,
  type SchemaRegistryErrorDetails,
} from './errors.js';
export { type AjvLike, type JsonSchemaSerializerOptions, jsonSchemaSerializer } from './json-schema.js';
export { type ProtobufSerializerOptions, protobufSerializer } from './protobuf.js';
export type { RegistrySerializer, SchemaRegistrySerializerOptions } from './registry-serializer.js';
export {
  recordNameStrategy,
  type SubjectNameInput,
  type SubjectNameStrategy,
  topicNameStrategy,
  topicRecordNameStrategy,
} from './subject-name.js';
export { type DecodedFrame, decodeFrame, encodeFrame, MAGIC_BYTE } from './wire-format.js';
