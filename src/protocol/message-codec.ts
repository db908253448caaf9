// Compiles a MessageSpec into a size/write/read codec for one version. Everything version-dependent
// (which fields exist, which are nullable, compact or classic encodings, tagged fields) is decided once
// per version, so encoding and decoding are plain loops over precomputed field plans.
//
// Semantics follow Java's generated *Data classes:
// - a field absent from the input (undefined) is written as its spec default;
// - a field the version does not carry decodes to its default; on encode it must be undefined or the
//   default, otherwise we throw (Java throws UnsupportedVersionException for non-ignorable fields; we
//   throw for all fields so nothing is ever dropped silently);
// - a tagged field is written only when it differs from its default;
// - unknown tagged fields are skipped on decode.

import { type CodecContext, KafkaDecodeError, KafkaEncodeError } from './codec-errors.js';
import type { Reader } from './reader.js';
import { type FieldSpec, inVersions, type MessageSpec, parseVersions, propertyName } from './schema.js';
import { ZERO_UUID } from './uuid.js';
import { uvarintSize } from './varint.js';
import {
  arrayCodec,
  BOOL,
  bytesCodec,
  type Codec,
  EncodeFault,
  FLOAT64,
  INT8,
  INT16,
  INT32,
  INT64,
  invalid,
  prependDecodePath,
  prependEncodePath,
  show,
  stringCodec,
  UINT16,
  UUID,
} from './wire-types.js';
import type { Writer } from './writer.js';

// --- defaults ------------------------------------------------------------------------------------------------

/** How a field's default is produced and recognised (version-independent, as in Java's generated code). */
interface DefaultRule {
  /** A fresh default value (fresh so that decoded objects never share arrays or structs). */
  make(): unknown;
  /** Whether `v` equals the default; Java writes tagged fields and checks absent fields this way. */
  is(v: unknown): boolean;
}

const PRIMITIVE_TYPES = new Set([
  'int8',
  'int16',
  'uint16',
  'int32',
  'int64',
  'float64',
  'bool',
  'string',
  'bytes',
  'records',
  'uuid',
]);

function elementType(type: string): string | undefined {
  return type.startsWith('[]') ? type.slice(2) : undefined;
}

function isStructField(field: FieldSpec): boolean {
  const element = elementType(field.type) ?? field.type;
  return !PRIMITIVE_TYPES.has(element);
}

function specError(field: FieldSpec, what: string): Error {
  return new Error(`message spec field ${field.name}: ${what}`);
}

function defaultRule(field: FieldSpec): DefaultRule {
  const d = field.default;
  const isNull = d === 'null';
  if (elementType(field.type) !== undefined) {
    if (isNull) return { make: () => null, is: (v) => v === null };
    if (d !== undefined) throw specError(field, 'arrays default to null or empty only');
    return { make: () => [], is: (v) => Array.isArray(v) && v.length === 0 };
  }
  if (field.fields !== undefined) {
    const members = field.fields.map((f) => ({ prop: propertyName(f.name), rule: defaultRule(f) }));
    return {
      make() {
        const o: Record<string, unknown> = {};
        for (const m of members) o[m.prop] = m.rule.make();
        return o;
      },
      is(v) {
        if (v === null || typeof v !== 'object') return false;
        const o = v as Record<string, unknown>;
        for (const m of members) {
          const x = o[m.prop];
          if (x !== undefined && !m.rule.is(x)) return false;
        }
        return true;
      },
    };
  }
  switch (field.type) {
    case 'int8':
    case 'int16':
    case 'uint16':
    case 'int32':
    case 'float64': {
      const n = d === undefined ? 0 : Number(d);
      if (!Number.isFinite(n)) throw specError(field, `bad default ${d}`);
      return { make: () => n, is: (v) => v === n };
    }
    case 'int64': {
      const n = d === undefined ? 0n : BigInt(d);
      return { make: () => n, is: (v) => v === n };
    }
    case 'bool': {
      const b = d === true || d === 'true';
      return { make: () => b, is: (v) => v === b };
    }
    case 'string': {
      const s = isNull ? null : d === undefined ? '' : String(d);
      return { make: () => s, is: (v) => v === s };
    }
    case 'uuid':
      return { make: () => ZERO_UUID, is: (v) => v === ZERO_UUID };
    case 'bytes':
      if (isNull) return { make: () => null, is: (v) => v === null };
      return { make: () => new Uint8Array(0), is: (v) => v instanceof Uint8Array && v.length === 0 };
    case 'records':
      // Java's generator defaults records to null whatever the spec says.
      return { make: () => null, is: (v) => v === null };
    default:
      throw specError(field, `unknown type ${field.type}`);
  }
}

// --- structs --------------------------------------------------------------------------------------------------

interface FieldPlan {
  readonly name: string;
  readonly prop: string;
  readonly versions: string;
  readonly defaults: DefaultRule;
  /** Undefined when the field is absent at this version. */
  readonly codec: Codec | undefined;
  /** Set when the field travels in the tagged-field section at this version. */
  readonly tag: number | undefined;
}

function compileStruct(fields: readonly FieldSpec[], version: number, flexible: boolean): Codec {
  const plans: FieldPlan[] = [];
  for (const field of fields) {
    const present = inVersions(parseVersions(field.versions), version);
    const tagged =
      present &&
      field.taggedVersions !== undefined &&
      inVersions(parseVersions(field.taggedVersions), version);
    if (tagged && field.tag === undefined) throw specError(field, 'taggedVersions without tag');
    plans.push({
      name: field.name,
      prop: propertyName(field.name),
      versions: field.versions,
      defaults: defaultRule(field),
      codec: present ? compileField(field, version, flexible) : undefined,
      tag: tagged ? field.tag : undefined,
    });
  }
  const regular = plans.filter((p) => p.codec !== undefined && p.tag === undefined);
  const absent = plans.filter((p) => p.codec === undefined);
  const tagged = plans.filter((p) => p.tag !== undefined).sort((a, b) => a.tag! - b.tag!);
  if (tagged.length > 0 && !flexible) throw new Error('tagged fields in a non-flexible version');
  const byTag = new Map(tagged.map((p) => [p.tag!, p]));

  let minSize = flexible ? 1 : 0;
  for (const p of regular) minSize += p.codec!.minSize;

  // Flat arrays for the hot loops: keyed property access by precomputed name, indexed iteration.
  const regularProps = regular.map((p) => p.prop);
  const regularCodecs = regular.map((p) => p.codec!);
  const regularDefaults = regular.map((p) => p.defaults);
  const regularCount = regular.length;
  // Decoded objects start as a copy of a template holding every property in declaration order (so all
  // objects of one struct type share one hidden class), then the fields on the wire overwrite their slot.
  // Defaults that are objects or arrays must be fresh per object, so they are set after the copy.
  const template: Record<string, unknown> = {};
  const freshDefaults: FieldPlan[] = [];
  for (const p of plans) {
    const d = p.defaults.make();
    template[p.prop] = d !== null && typeof d === 'object' ? null : d;
    if (d !== null && typeof d === 'object' && (p.codec === undefined || p.tag !== undefined))
      freshDefaults.push(p);
  }
  const freshCount = freshDefaults.length;

  return {
    minSize,
    size(v) {
      if (v === null || typeof v !== 'object' || Array.isArray(v)) invalid(`${show(v)} is not an object`);
      const o = v as Record<string, unknown>;
      let size = 0;
      let i = 0;
      try {
        for (; i < regularCount; i++) {
          const x = o[regularProps[i]!];
          size += regularCodecs[i]!.size(x === undefined ? regularDefaults[i]!.make() : x);
        }
      } catch (e) {
        throw prependEncodePath(e, regular[i]!.name);
      }
      for (const p of absent) {
        const x = o[p.prop];
        if (x !== undefined && !p.defaults.is(x)) {
          const fault = new EncodeFault(
            'unsupported-field',
            `is set to ${show(x)}, but version ${version} cannot carry it (the field exists in versions ${p.versions})`,
          );
          throw prependEncodePath(fault, p.name);
        }
      }
      if (flexible) {
        let count = 0;
        for (const p of tagged) {
          const x = o[p.prop];
          if (x === undefined || p.defaults.is(x)) continue;
          let s: number;
          try {
            s = p.codec!.size(x);
          } catch (e) {
            throw prependEncodePath(e, p.name);
          }
          size += uvarintSize(p.tag!) + uvarintSize(s) + s;
          count++;
        }
        size += uvarintSize(count);
      }
      return size;
    },
    write(w, v) {
      const o = v as Record<string, unknown>;
      for (let i = 0; i < regularCount; i++) {
        const x = o[regularProps[i]!];
        regularCodecs[i]!.write(w, x === undefined ? regularDefaults[i]!.make() : x);
      }
      if (!flexible) return;
      if (tagged.length === 0) {
        w.uint8(0);
        return;
      }
      let count = 0;
      for (const p of tagged) {
        const x = o[p.prop];
        if (x !== undefined && !p.defaults.is(x)) count++;
      }
      w.uvarint(count);
      for (const p of tagged) {
        const x = o[p.prop];
        if (x === undefined || p.defaults.is(x)) continue;
        w.uvarint(p.tag!);
        w.uvarint(p.codec!.size(x));
        p.codec!.write(w, x);
      }
    },
    read(r) {
      const o: Record<string, unknown> = { ...template };
      for (let i = 0; i < freshCount; i++) o[freshDefaults[i]!.prop] = freshDefaults[i]!.defaults.make();
      let i = 0;
      try {
        for (; i < regularCount; i++) o[regularProps[i]!] = regularCodecs[i]!.read(r);
      } catch (e) {
        throw prependDecodePath(e, regular[i]!.name);
      }
      if (flexible) readTaggedFields(r, byTag, o);
      return o;
    },
  };
}

/** Skips a tagged-field section whose fields we do not know (e.g. in headers). */
export function skipTaggedFields(r: Reader): void {
  readTaggedFields(r, NO_TAGS, {});
}

const NO_TAGS: ReadonlyMap<number, FieldPlan> = new Map();

/** Reads a tagged-field section into `o`: known tags are decoded within their declared size, others skipped. */
function readTaggedFields(
  r: Reader,
  byTag: ReadonlyMap<number, FieldPlan>,
  o: Record<string, unknown>,
): void {
  const at = r.pos;
  const count = r.uvarint();
  // Each tagged field takes at least two bytes (tag and size).
  r.checkCount(count, 2, at);
  for (let i = 0; i < count; i++) {
    const tag = r.uvarint();
    const sizeAt = r.pos;
    const size = r.uvarint();
    if (size > r.remaining)
      r.fail(`tagged field ${tag} claims ${size} bytes but only ${r.remaining} remain`, sizeAt);
    const plan = byTag.get(tag);
    if (plan === undefined) {
      r.skip(size);
      continue;
    }
    const outerEnd = r.end;
    const fieldEnd = r.pos + size;
    r.end = fieldEnd;
    try {
      o[plan.prop] = plan.codec!.read(r);
    } catch (e) {
      throw prependDecodePath(e, plan.name);
    } finally {
      r.end = outerEnd;
    }
    // A newer writer may append to a known tagged field; what we do not understand is skipped.
    r.pos = fieldEnd;
  }
}

function compileField(field: FieldSpec, version: number, flexible: boolean): Codec {
  const nullable =
    field.nullableVersions !== undefined && inVersions(parseVersions(field.nullableVersions), version);
  const compact = flexible && field.flexibleVersions !== 'none';
  const element = elementType(field.type);
  if (element !== undefined) {
    const elementCodec = isStructField(field)
      ? compileStruct(requireFields(field), version, flexible)
      : compilePrimitive(field, element, compact, false);
    return arrayCodec(elementCodec, compact, nullable);
  }
  if (isStructField(field)) {
    if (nullable) throw specError(field, 'nullable structs are not supported');
    return compileStruct(requireFields(field), version, flexible);
  }
  return compilePrimitive(field, field.type, compact, nullable);
}

function requireFields(field: FieldSpec): readonly FieldSpec[] {
  if (field.fields === undefined) throw specError(field, `struct type ${field.type} has no fields`);
  return field.fields;
}

function compilePrimitive(field: FieldSpec, type: string, compact: boolean, nullable: boolean): Codec {
  switch (type) {
    case 'int8':
      return INT8;
    case 'int16':
      return INT16;
    case 'uint16':
      return UINT16;
    case 'int32':
      return INT32;
    case 'int64':
      return INT64;
    case 'float64':
      return FLOAT64;
    case 'bool':
      return BOOL;
    case 'uuid':
      return UUID;
    case 'string':
      return stringCodec(compact, nullable);
    case 'bytes':
    case 'records':
      return bytesCodec(compact, nullable);
    default:
      throw specError(field, `unknown type ${type}`);
  }
}

// --- whole messages ---------------------------------------------------------------------------------------------

/** One message (a request or a response body) at every version in [minVersion, maxVersion]. */
export interface MessageCodec<T, Decoded = T> {
  readonly spec: MessageSpec;
  readonly minVersion: number;
  readonly maxVersion: number;
  /** Validates `value` for `version` and returns its exact encoded size; throws KafkaEncodeError. */
  size(version: number, value: T): number;
  /** Writes `value`; call size() first (it validates, this does not). */
  write(writer: Writer, version: number, value: T): void;
  /**
   * Reads one message; throws KafkaDecodeError (and only that) on any problem. `bytes` and `records` fields
   * of the result are views into the reader's buffer (copy them if that buffer is reused).
   */
  read(reader: Reader, version: number): Decoded;
  isFlexible(version: number): boolean;
}

export interface MessageCodecOptions {
  /** Name used in errors (`Produce`); defaults to the spec name. */
  readonly api: string;
  readonly minVersion: number;
  readonly maxVersion: number;
}

export function createMessageCodec<T, Decoded = T>(
  spec: MessageSpec,
  options: MessageCodecOptions,
): MessageCodec<T, Decoded> {
  const valid = parseVersions(spec.validVersions);
  const flexibleRange = parseVersions(spec.flexibleVersions);
  const { minVersion, maxVersion } = options;
  if (minVersion < valid.lo || maxVersion > valid.hi) {
    throw new Error(
      `${spec.name}: versions ${minVersion}-${maxVersion} outside the spec's ${spec.validVersions}`,
    );
  }
  const compiled: (Codec | undefined)[] = [];
  const contextFor = (version: number): CodecContext => ({
    api: options.api,
    apiKey: spec.apiKey,
    apiVersion: version,
    messageType: spec.type,
  });
  const supported = (version: number): boolean =>
    Number.isInteger(version) && version >= minVersion && version <= maxVersion;
  const codecFor = (version: number): Codec => {
    let codec = compiled[version];
    if (codec === undefined) {
      codec = compileStruct(spec.fields, version, inVersions(flexibleRange, version));
      compiled[version] = codec;
    }
    return codec;
  };

  return {
    spec,
    minVersion,
    maxVersion,
    isFlexible: (version) => inVersions(flexibleRange, version),
    size(version, value) {
      if (!supported(version)) {
        throw new KafkaEncodeError(
          contextFor(version),
          'unsupported-version',
          `version ${version} is not supported (kafka-wire implements ${minVersion}-${maxVersion})`,
        );
      }
      try {
        return codecFor(version).size(value);
      } catch (e) {
        if (!(e instanceof EncodeFault)) throw e;
        const error = new KafkaEncodeError(contextFor(version), e.problem, e.reason);
        for (let i = e.path.length - 1; i >= 0; i--) error.prependField(e.path[i]!);
        throw error;
      }
    },
    write(writer, version, value) {
      codecFor(version).write(writer, value);
    },
    read(reader, version) {
      const context = contextFor(version);
      reader.context = context;
      if (!supported(version)) {
        throw new KafkaDecodeError(
          context,
          reader.pos,
          `version ${version} is not supported (kafka-wire implements ${minVersion}-${maxVersion})`,
        );
      }
      const start = reader.pos;
      try {
        return codecFor(version).read(reader) as Decoded;
      } catch (e) {
        if (e instanceof KafkaDecodeError) throw e;
        // Any other exception would be a bug in a decoder; callers are promised one error type.
        throw new KafkaDecodeError(
          context,
          Math.max(reader.pos, start),
          `internal decoder error: ${String(e)}`,
          {
            cause: e,
          },
        );
      }
    },
  };
}
