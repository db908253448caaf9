import { jsonSerializer } from '../serializers/json.js';
import { describeValue, SerializationError, subject } from '../serializers/types.js';
import type { Schema } from './client.js';
import { loadPackage } from './load.js';
import {
  type CompiledSchema,
  type RegistrySerializer,
  registrySerializer,
  type SchemaRegistrySerializerOptions,
} from './registry-serializer.js';

// JSON Schema in Confluent's wire format (what KafkaJsonSchemaSerializer writes): magic byte, schema id, then
// the value as JSON text, spelled as Jackson writes it (see src/serializers/json.ts). Values are validated with
// Ajv before they are written, as Java's serializer validates them (json.fail.invalid.schema).

/** The part of an Ajv instance this serializer uses; pass your own to add formats or keywords. */
export interface AjvLike {
  compile(schema: object): AjvValidate;
  errorsText(errors?: unknown, options?: { dataVar?: string }): string;
}
interface AjvValidate {
  (data: unknown): boolean;
  errors?: unknown;
}

export interface JsonSchemaSerializerOptions extends SchemaRegistrySerializerOptions {
  /** The JSON Schema (an object or its text). Registered as given. Optional with useLatestVersion. */
  schema?: object | string;
  /** Check every value against the schema before writing it. Default true. */
  validate?: boolean;
  /**
   * The Ajv instance to compile schemas with (e.g. one with ajv-formats added). Default: one made for the
   * schema's draft ($schema: draft-07 and earlier-compatible, 2019-09 or 2020-12), non-strict, with all errors,
   * so schemas other tools wrote compile.
   */
  ajv?: AjvLike;
}

type AjvClass = new (
  options: Record<string, unknown>,
) => AjvLike & { addMetaSchema?(schema: object): unknown };

const DRAFT_2019 = /^https?:\/\/json-schema\.org\/draft\/2019-09\/schema#?$/;
const DRAFT_2020 = /^https?:\/\/json-schema\.org\/draft\/2020-12\/schema#?$/;
const DRAFT_07_OR_06 = /^https?:\/\/json-schema\.org\/draft-0[67]\/schema#?$/;
const DRAFT_04 = /^https?:\/\/json-schema\.org\/draft-04\/schema#?$/;

/**
 * A serializer for JSON values under a JSON Schema, in Confluent's wire format. With RecordNameStrategy or
 * TopicRecordNameStrategy the schema's "title" is the record name.
 */
export function jsonSchemaSerializer<T = unknown>(
  options: JsonSchemaSerializerOptions,
): RegistrySerializer<T> {
  const { schema, validate = true, ajv } = options;
  let local: Schema | undefined;
  if (schema !== undefined) {
    if (typeof schema !== 'string' && (typeof schema !== 'object' || schema === null)) {
      throw new TypeError(
        `jsonSchemaSerializer: schema must be a JSON Schema (an object or its text), got ${describeValue(schema)}.`,
      );
    }
    local = { schema: typeof schema === 'string' ? schema : JSON.stringify(schema), schemaType: 'JSON' };
  }
  return registrySerializer<T>(
    {
      name: 'jsonSchemaSerializer',
      schemaType: 'JSON',
      compile: async (registered) => {
        const document = parseSchema(registered.schema);
        const validator = validate ? (ajv ?? (await defaultAjv(document))) : undefined;
        return compileJsonSchema(document, validator);
      },
    },
    local,
    options,
  );
}

function parseSchema(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch (error) {
    throw new SerializationError(
      `jsonSchemaSerializer: the schema is not valid JSON: ${(error as Error).message}.`,
      {
        cause: error,
      },
    );
  }
}

async function defaultAjv(document: unknown): Promise<AjvLike> {
  const draft =
    typeof document === 'object' && document !== null
      ? (document as { $schema?: unknown }).$schema
      : undefined;
  const options = { strict: false, allErrors: true, logger: false };
  const load = (specifier: string) =>
    loadPackage<AjvClass>(specifier, 'ajv', '^8.0.0', 'jsonSchemaSerializer');
  if (typeof draft === 'string' && DRAFT_2020.test(draft))
    return new (await load('ajv/dist/2020.js'))(options);
  if (typeof draft === 'string' && DRAFT_2019.test(draft))
    return new (await load('ajv/dist/2019.js'))(options);
  if (typeof draft === 'string' && DRAFT_04.test(draft)) {
    throw new SerializationError(
      'jsonSchemaSerializer: the schema is draft-04, which Ajv 8 does not read by itself. Pass { ajv: new AjvDraft04() } (npm install ajv-draft-04), or { validate: false }.',
    );
  }
  const Ajv = await load('ajv');
  // Draft-06 validates like draft-07 for Ajv, which only needs to know its meta-schema's id.
  return new Ajv(
    typeof draft === 'string' && DRAFT_07_OR_06.test(draft) ? options : { ...options, validateSchema: false },
  );
}

function compileJsonSchema(document: unknown, ajv: AjvLike | undefined): CompiledSchema {
  if (typeof document !== 'object' && typeof document !== 'boolean') {
    throw new SerializationError(
      `jsonSchemaSerializer: a JSON Schema is an object (or true/false), got ${describeValue(document)}.`,
    );
  }
  let check: AjvValidate | undefined;
  if (ajv !== undefined) {
    try {
      check = ajv.compile(document as object);
    } catch (error) {
      throw new SerializationError(
        `jsonSchemaSerializer: Ajv cannot compile the schema: ${(error as Error).message}.`,
        {
          cause: error,
        },
      );
    }
  }
  const title =
    typeof document === 'object' && document !== null ? (document as { title?: unknown }).title : undefined;
  const json = jsonSerializer();
  return {
    recordName: typeof title === 'string' ? title : undefined,
    encode(data, context) {
      if (check !== undefined && !check(data)) {
        throw new SerializationError(
          `jsonSchemaSerializer: ${subject(context)} does not match the JSON Schema${typeof title === 'string' ? ` '${title}'` : ''}: ${ajv!.errorsText(check.errors, { dataVar: 'value' })}.`,
        );
      }
      return json.serialize(data, context) ?? Buffer.from('null');
    },
  };
}
