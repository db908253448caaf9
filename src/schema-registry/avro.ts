import type * as Avsc from 'avsc';
import { describeValue, SerializationError, subject } from '../serializers/types.js';
import type { Schema } from './client.js';
import { loadPackage } from './load.js';
import {
  type CompiledSchema,
  type RegistrySerializer,
  registrySerializer,
  type SchemaRegistrySerializerOptions,
} from './registry-serializer.js';

// Avro in Confluent's wire format (what KafkaAvroSerializer writes, KafkaAvroDeserializer reads), encoded by
// avsc. Avro binary has one encoding per schema and value, so the payload is what Java's writer produces.

export interface AvroSerializerOptions extends SchemaRegistrySerializerOptions {
  /**
   * The writer schema, as Avro JSON (an object or its text). It is registered as given; the registry
   * canonicalizes Avro schemas, so formatting does not matter. Optional with useLatestVersion.
   */
  schema?: object | string;
  /**
   * Options for avsc's Type.forSchema (e.g. { logicalTypes }). `long` fields take a bigint or a safe-integer
   * number unless `registry.long` here says otherwise.
   */
  typeOptions?: Record<string, unknown>;
}

type AvscModule = typeof Avsc;

/**
 * A serializer for Avro values in Confluent's wire format. `T` is the shape of your values (e.g. an interface
 * matching the record); every value is checked against the schema and refused with the path of each field
 * that does not fit.
 *
 * ```ts
 * const value = avroSerializer<Order>({ registry, schema: { type: 'record', name: 'Order', fields: [...] } });
 * ```
 */
export function avroSerializer<T = unknown>(options: AvroSerializerOptions): RegistrySerializer<T> {
  const { schema, typeOptions = {} } = options;
  let local: Schema | undefined;
  if (schema !== undefined) {
    if (typeof schema !== 'string' && (typeof schema !== 'object' || schema === null)) {
      throw new TypeError(
        `avroSerializer: schema must be Avro JSON (an object or its text), got ${describeValue(schema)}.`,
      );
    }
    local = { schema: typeof schema === 'string' ? schema : JSON.stringify(schema), schemaType: 'AVRO' };
  }
  return registrySerializer<T>(
    {
      name: 'avroSerializer',
      schemaType: 'AVRO',
      compile: async (registered) => {
        const avro = await loadPackage<AvscModule>('avsc', 'avsc', '^5.7.0', 'avroSerializer');
        return compileAvro(avro, registered, typeOptions);
      },
    },
    local,
    options,
  );
}

function compileAvro(avro: AvscModule, schema: Schema, typeOptions: Record<string, unknown>): CompiledSchema {
  let parsed: unknown;
  try {
    parsed = JSON.parse(schema.schema);
  } catch (error) {
    throw new SerializationError(
      `avroSerializer: the schema is not valid JSON: ${(error as Error).message}.`,
      {
        cause: error,
      },
    );
  }
  let type: Avsc.Type;
  try {
    const registry = { long: bigintLong(avro), ...((typeOptions.registry as object | undefined) ?? {}) };
    type = avro.Type.forSchema(
      parsed as Avsc.Schema,
      { ...typeOptions, registry } as Partial<Avsc.ForSchemaOptions>,
    );
  } catch (error) {
    throw new SerializationError(
      `avroSerializer: avsc cannot use this Avro schema: ${(error as Error).message}.`,
      {
        cause: error,
      },
    );
  }
  const named = type as Avsc.Type & { name?: string; typeName: string };
  return {
    // Java's Schema.getFullName(): the full name of a record/enum/fixed, the type's name otherwise.
    recordName: named.name ?? named.typeName.split(':')[0],
    encode(data, context) {
      const problems: string[] = [];
      const valid = type.isValid(data, {
        errorHook(path: string[], value: unknown, expected: Avsc.Type) {
          if (problems.length < 5) {
            const where = path.length === 0 ? 'the value' : `field '${path.join('.')}'`;
            problems.push(`${where} must be ${describeAvroType(expected)}, got ${describeValue(value)}`);
          }
        },
      });
      if (!valid) {
        throw new SerializationError(
          `avroSerializer: ${subject(context)} does not fit the Avro schema${recordSuffix(named.name)}: ${problems.join('; ')}.`,
        );
      }
      return type.toBuffer(data);
    },
  };
}

const recordSuffix = (name: string | undefined) => (name === undefined ? '' : ` '${name}'`);

function describeAvroType(type: Avsc.Type): string {
  const t = type as Avsc.Type & { name?: string; typeName: string };
  if (t.name !== undefined) return `a ${t.typeName} '${t.name}'`;
  const text = JSON.stringify(type.schema());
  return text.length > 80 ? `${text.slice(0, 80)}...` : text;
}

const INT64_MIN = -(2n ** 63n);
const INT64_MAX = 2n ** 63n - 1n;

// avsc writes longs as JS numbers, which cannot hold every int64: this one also takes a bigint.
function bigintLong(avro: AvscModule): Avsc.types.LongType {
  return avro.types.LongType.__with({
    fromBuffer: (buf: Buffer) => buf.readBigInt64LE(0),
    toBuffer: (n: bigint | number) => {
      const buf = Buffer.alloc(8);
      buf.writeBigInt64LE(BigInt(n), 0);
      return buf;
    },
    fromJSON: (n: unknown) => BigInt(n as number),
    toJSON: (n: bigint | number) => Number(n),
    isValid: (n: unknown) =>
      typeof n === 'bigint'
        ? n >= INT64_MIN && n <= INT64_MAX
        : typeof n === 'number' && Number.isSafeInteger(n),
    compare: (a: bigint | number, b: bigint | number) => {
      const x = BigInt(a);
      const y = BigInt(b);
      return x === y ? 0 : x < y ? -1 : 1;
    },
  });
}
