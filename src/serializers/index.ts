// Serializers: turn typed keys and values into the bytes Kafka carries, byte-identical with Kafka's Java
// serializers. The schema registry serializers (Avro, Protobuf, JSON Schema) live in kafka-wire/schema-registry.
export { type JsonSerializerOptions, jsonSerializer } from './json.js';
export {
  booleanSerializer,
  bytesSerializer,
  doubleSerializer,
  floatSerializer,
  integerSerializer,
  longSerializer,
  type SyncSerializer,
  shortSerializer,
  stringSerializer,
  uuidSerializer,
  voidSerializer,
} from './primitives.js';
export {
  type SerializationContext,
  SerializationError,
  type Serialized,
  type SerializedType,
  type Serializer,
  type SerializerHeader,
  serializePart,
} from './types.js';
export { javaUtf8 } from './utf8.js';
