// fast-check generators for any message at any version, derived from a MessageSpec, plus the value a
// decoder must return for a generated input (every field present, absent ones at their defaults).
// Generated values exercise what the version allows: null where nullable, tagged fields set or left at
// their default, fields of other versions left out or set to their default, and optional fields left
// undefined (which encode as the default).

import fc from 'fast-check';
import {
  AddOffsetsToTxnApi,
  AddPartitionsToTxnApi,
  type ApiCodec,
  ApiVersionsApi,
  EndTxnApi,
  FetchApi,
  type FieldSpec,
  FindCoordinatorApi,
  InitProducerIdApi,
  inVersions,
  ListOffsetsApi,
  MetadataApi,
  ProduceApi,
  parseVersions,
  propertyName,
  TxnOffsetCommitApi,
  uuidToString,
  ZERO_UUID,
} from '../../../src/protocol/index.js';

// biome-ignore lint/suspicious/noExplicitAny: tests drive every API through one loop.
export type AnyApi = ApiCodec<any, any>;

export const ALL_APIS: readonly AnyApi[] = [
  ApiVersionsApi,
  MetadataApi,
  ProduceApi,
  InitProducerIdApi,
  FindCoordinatorApi,
  AddPartitionsToTxnApi,
  AddOffsetsToTxnApi,
  TxnOffsetCommitApi,
  EndTxnApi,
  FetchApi,
  ListOffsetsApi,
];

export function versionsOf(api: AnyApi): number[] {
  const versions: number[] = [];
  for (let v = api.minVersion; v <= api.maxVersion; v++) versions.push(v);
  return versions;
}

const LONE_SURROGATE = /\p{Cs}/u;

const stringArb = fc
  .oneof(
    { weight: 3, arbitrary: fc.string({ maxLength: 12 }) },
    { weight: 1, arbitrary: fc.string({ unit: 'grapheme', maxLength: 6 }) },
    { weight: 1, arbitrary: fc.string({ unit: 'binary', maxLength: 6 }) },
  )
  .filter((s) => !LONE_SURROGATE.test(s));

const uuidArb = fc.uint8Array({ minLength: 16, maxLength: 16 }).map((b) => uuidToString(b));

function primitiveArb(type: string): fc.Arbitrary<unknown> {
  switch (type) {
    case 'int8':
      return fc.integer({ min: -0x80, max: 0x7f });
    case 'int16':
      return fc.integer({ min: -0x8000, max: 0x7fff });
    case 'uint16':
      return fc.integer({ min: 0, max: 0xffff });
    case 'int32':
      return fc.integer({ min: -0x80000000, max: 0x7fffffff });
    case 'int64':
      return fc.bigInt({ min: -(2n ** 63n), max: 2n ** 63n - 1n });
    case 'float64':
      return fc.double();
    case 'bool':
      return fc.boolean();
    case 'string':
      return stringArb;
    case 'uuid':
      return fc.oneof(fc.constant(ZERO_UUID), uuidArb);
    case 'bytes':
    case 'records':
      return fc.uint8Array({ maxLength: 40 });
    default:
      throw new Error(`no arbitrary for ${type}`);
  }
}

function isArray(field: FieldSpec): boolean {
  return field.type.startsWith('[]');
}

/** Java-style default of a field, fresh. */
export function defaultOf(field: FieldSpec): unknown {
  const d = field.default;
  if (isArray(field)) return d === 'null' ? null : [];
  if (field.fields !== undefined) {
    const o: Record<string, unknown> = {};
    for (const f of field.fields) o[propertyName(f.name)] = defaultOf(f);
    return o;
  }
  switch (field.type) {
    case 'int64':
      return d === undefined ? 0n : BigInt(d);
    case 'bool':
      return d === true || d === 'true';
    case 'string':
      return d === 'null' ? null : d === undefined ? '' : String(d);
    case 'uuid':
      return ZERO_UUID;
    case 'bytes':
      return d === 'null' ? null : new Uint8Array(0);
    case 'records':
      return null;
    default:
      return d === undefined ? 0 : Number(d);
  }
}

function present(field: FieldSpec, version: number): boolean {
  return inVersions(parseVersions(field.versions), version);
}

function nullable(field: FieldSpec, version: number): boolean {
  return field.nullableVersions !== undefined && inVersions(parseVersions(field.nullableVersions), version);
}

function valueArb(field: FieldSpec, version: number): fc.Arbitrary<unknown> {
  let base: fc.Arbitrary<unknown>;
  if (isArray(field)) {
    const element =
      field.fields !== undefined ? structArb(field.fields, version) : primitiveArb(field.type.slice(2));
    base = fc.array(element, { maxLength: 3 });
  } else if (field.fields !== undefined) {
    base = structArb(field.fields, version);
  } else {
    base = primitiveArb(field.type);
  }
  return nullable(field, version) ? fc.option(base, { nil: null, freq: 4 }) : base;
}

/** Values valid at `version` for a struct with these fields. */
export function structArb(
  fields: readonly FieldSpec[],
  version: number,
): fc.Arbitrary<Record<string, unknown>> {
  const entries: Record<string, fc.Arbitrary<unknown>> = {};
  for (const field of fields) {
    const dflt = () => defaultOf(field);
    entries[propertyName(field.name)] = present(field, version)
      ? fc.oneof(
          { weight: 6, arbitrary: valueArb(field, version) },
          { weight: 1, arbitrary: fc.constant(undefined) },
          { weight: 1, arbitrary: fc.constant(null).map(dflt) },
        )
      : fc.oneof(fc.constant(undefined), fc.constant(null).map(dflt));
  }
  return fc.record(entries, { requiredKeys: [] });
}

/** What a decoder returns for `value` at `version`: every field, absent or undefined ones at their default. */
export function expectedDecoded(
  fields: readonly FieldSpec[],
  version: number,
  value: Record<string, unknown>,
) {
  const o: Record<string, unknown> = {};
  for (const field of fields) {
    const prop = propertyName(field.name);
    const v = value[prop];
    if (!present(field, version) || v === undefined) {
      o[prop] = defaultOf(field);
    } else if (v === null) {
      o[prop] = null;
    } else if (isArray(field) && field.fields !== undefined) {
      o[prop] = (v as Record<string, unknown>[]).map((e) => expectedDecoded(field.fields!, version, e));
    } else if (field.fields !== undefined) {
      o[prop] = expectedDecoded(field.fields, version, v as Record<string, unknown>);
    } else {
      o[prop] = v;
    }
  }
  return o;
}

/** Makes byte arrays comparable whatever their class (decoders return Buffer views). */
export function plain(value: unknown): unknown {
  if (value instanceof Uint8Array) return { bytes: Buffer.from(value).toString('hex') };
  if (Array.isArray(value)) return value.map(plain);
  if (value !== null && typeof value === 'object') {
    const o: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(value)) o[k] = plain(v);
    return o;
  }
  return value;
}
