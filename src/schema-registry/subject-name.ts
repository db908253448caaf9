import { SerializationError } from '../serializers/types.js';

// Which registry subject a schema goes under, as Confluent's serializers decide it (subject.name.strategy).
// Every stack that shares a topic must use the same strategy, or each registers under its own subject.

export interface SubjectNameInput {
  topic: string;
  isKey: boolean;
  /**
   * The schema's record name: the Avro full name, the Protobuf message's full name, the JSON Schema's title.
   * Undefined when the schema has none (a primitive Avro schema, a JSON Schema without a title).
   */
  recordName: string | undefined;
}

export type SubjectNameStrategy = (input: SubjectNameInput) => string;

/** `<topic>-key` / `<topic>-value`: one schema line per topic (Confluent's default). */
export const topicNameStrategy: SubjectNameStrategy = ({ topic, isKey }) =>
  `${topic}-${isKey ? 'key' : 'value'}`;

/** `<record name>`: one schema line per record type, shared by every topic that carries it. */
export const recordNameStrategy: SubjectNameStrategy = ({ recordName }) =>
  requireRecordName(recordName, 'recordNameStrategy');

/** `<topic>-<record name>`: several record types per topic, each with its own schema line. */
export const topicRecordNameStrategy: SubjectNameStrategy = ({ topic, recordName }) =>
  `${topic}-${requireRecordName(recordName, 'topicRecordNameStrategy')}`;

function requireRecordName(recordName: string | undefined, strategy: string): string {
  if (recordName === undefined || recordName === '') {
    throw new SerializationError(
      `${strategy} needs a record name, and this schema has none: give the Avro schema a named type (record, enum or fixed), or the JSON Schema a "title". Or use topicNameStrategy.`,
    );
  }
  return recordName;
}
