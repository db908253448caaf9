// Kafka messages described as data, the way Kafka's own JSON specs describe them
// (clients/src/main/resources/common/message/*.json), and the one interpreter that turns such a
// description into a size/write/read codec for one version.
//
// Each API module transcribes its JSON spec field by field into a MessageSpec (same names, same version
// strings); test/unit/protocol/spec-conformance.test.ts checks the transcription against copies of Kafka's
// JSON files. Everything version-dependent (which fields exist, which are nullable, compact or classic
// encodings, tagged fields) is decided once per version when the codec is compiled, so encoding and
// decoding are plain loops over precomputed field plans.
//
// Semantics follow Java's generated *Data classes:
// - a field absent from the input (undefined) is written as its spec default;
// - a field the version does not carry decodes to its default; on encode it must be undefined or the
//   default, otherwise we throw (Java throws UnsupportedVersionException for non-ignorable fields; we
//   throw for all fields so nothing is ever dropped silently);
// - a tagged field is written only when it differs from its default;
// - unknown tagged fields are skipped on decode.

import { type CodecContext, type EncodeProblem, KafkaDecodeError, KafkaEncodeError } from './codec-errors.js';
import type { Reader } from './reader.js';
import { isUuidString, ZERO_UUID } from './uuid.js';
import { uvarintSize } from './varint.js';
import type { Writer } from './writer.js';

// --- the description ------------------------------------------------------------------------------------

/** One field, as in Kafka's JSON message specs (documentation-only keys such as `about` are left out). */
export interface FieldSpec {
  readonly name: string;
  /** `int8`, `int16`, `uint16`, `int32`, `int64`, `float64`, `bool`, `string`, `bytes`, `records`, `uuid`,
   * a struct type name (with `fields`), or `[]` + any of those. */
  readonly type: string;
  readonly versions: string;
  readonly nullableVersions?: string;
  readonly taggedVersions?: string;
  readonly tag?: number;
  readonly default?: string | number | boolean;
  /** Only `none` is used: ClientId in the request header stays a classic string in flexible versions. */
  readonly flexibleVersions?: string;
  readonly fields?: readonly FieldSpec[];
}

export interface MessageSpec {
  readonly name: string;
  readonly apiKey: number;
  readonly type: 'request' | 'response';
  readonly validVersions: string;
  readonly flexibleVersions: string;
  readonly fields: readonly FieldSpec[];
}

/** An inclusive version range; `none` is the empty range (lo > hi). */
export interface VersionRange {
  readonly lo: number;
  readonly hi: number;
}

const NO_VERSIONS: VersionRange = { lo: 1, hi: 0 };

/** Parses Kafka's version range syntax: `3+`, `0-12`, `8`, `none`. */
export function parseVersions(text: string): VersionRange {
  if (text === 'none') return NO_VERSIONS;
  let m = /^(\d+)\+$/.exec(text);
  if (m) return { lo: Number(m[1]), hi: Number.POSITIVE_INFINITY };
  m = /^(\d+)-(\d+)$/.exec(text);
  if (m) return { lo: Number(m[1]), hi: Number(m[2]) };
  m = /^(\d+)$/.exec(text);
  if (m) return { lo: Number(m[1]), hi: Number(m[1]) };
  throw new Error(`bad version range in message spec: ${JSON.stringify(text)}`);
}

export function inVersions(range: VersionRange, version: number): boolean {
  return version >= range.lo && version <= range.hi;
}

/** The property name a JSON field name maps to: first letter lower-cased (`TopicData` -> `topicData`). */
export function propertyName(fieldName: string): string {
  return fieldName.charAt(0).toLowerCase() + fieldName.slice(1);
}

// --- faults raised while sizing (validating) a value ----------------------------------------------------

/** @internal Carries an encode problem up to the message level, collecting the field path on the way. */
class EncodeFault extends Error {
  readonly path: string[] = [];
  constructor(
    readonly problem: EncodeProblem,
    readonly reason: string,
  ) {
    super(reason);
  }
}

function invalid(reason: string): never {
  throw new EncodeFault('invalid-value', reason);
}

function show(v: unknown): string {
  if (typeof v === 'bigint') return `${v}n`;
  if (typeof v === 'string') return JSON.stringify(v.length > 40 ? `${v.slice(0, 40)}...` : v);
  if (v instanceof Uint8Array) return `${v.length} bytes`;
  if (Array.isArray(v)) return `an array of ${v.length}`;
  if (v !== null && typeof v === 'object') return 'an object';
  return String(v);
}

// --- codecs ------------------------------------------------------------------------------------------------

/** Size, write and read one value of one wire type at one version. */
interface Codec {
  /** Fewest bytes any encoding of this type takes; bounds element counts read from the wire. */
  readonly minSize: number;
  /** Validates `v` and returns its encoded size; throws EncodeFault. */
  size(v: unknown): number;
  /** Writes a value that size() accepted. */
  write(w: Writer, v: unknown): void;
  read(r: Reader): unknown;
}

function intCodec(
  type: string,
  bytes: number,
  lo: number,
  hi: number,
  write: (w: Writer, v: number) => void,
  read: (r: Reader) => number,
): Codec {
  return {
    minSize: bytes,
    size(v) {
      if (typeof v !== 'number' || !Number.isInteger(v) || v < lo || v > hi) {
        invalid(`${show(v)} is not an ${type} (an integer from ${lo} to ${hi})`);
      }
      return bytes;
    },
    write: write as (w: Writer, v: unknown) => void,
    read,
  };
}

const INT8 = intCodec(
  'int8',
  1,
  -0x80,
  0x7f,
  (w, v) => w.int8(v),
  (r) => r.int8(),
);
const INT16 = intCodec(
  'int16',
  2,
  -0x8000,
  0x7fff,
  (w, v) => w.int16(v),
  (r) => r.int16(),
);
const UINT16 = intCodec(
  'uint16',
  2,
  0,
  0xffff,
  (w, v) => w.uint16(v),
  (r) => r.uint16(),
);
const INT32 = intCodec(
  'int32',
  4,
  -0x80000000,
  0x7fffffff,
  (w, v) => w.int32(v),
  (r) => r.int32(),
);

const INT64_MIN = -(2n ** 63n);
const INT64_MAX = 2n ** 63n - 1n;

const INT64: Codec = {
  minSize: 8,
  size(v) {
    if (typeof v !== 'bigint' || v < INT64_MIN || v > INT64_MAX) {
      invalid(`${show(v)} is not an int64 (a bigint from -2^63 to 2^63-1)`);
    }
    return 8;
  },
  write: (w, v) => w.int64(v as bigint),
  read: (r) => r.int64(),
};

const FLOAT64: Codec = {
  minSize: 8,
  size(v) {
    if (typeof v !== 'number') invalid(`${show(v)} is not a float64 (a number)`);
    return 8;
  },
  write: (w, v) => w.float64(v as number),
  read: (r) => r.float64(),
};

const BOOL: Codec = {
  minSize: 1,
  size(v) {
    if (typeof v !== 'boolean') invalid(`${show(v)} is not a bool`);
    return 1;
  },
  write: (w, v) => w.bool(v as boolean),
  read: (r) => r.bool(),
};

const UUID: Codec = {
  minSize: 16,
  size(v) {
    if (!isUuidString(v)) invalid(`${show(v)} is not a Kafka UUID (22 URL-safe base64 characters)`);
    return 16;
  },
  write: (w, v) => w.uuid(v as string),
  read: (r) => r.uuid(),
};

// Java refuses strings longer than Short.MAX_VALUE bytes in both encodings.
const MAX_STRING_BYTES = 0x7fff;
// In 'u' mode a valid surrogate pair is one code point, so this matches lone surrogates only. Java would
// write those as '?' and Node as U+FFFD; neither is what the caller meant, so we refuse them.
const LONE_SURROGATE = /\p{Cs}/u;

function stringByteLength(v: unknown): number {
  if (typeof v !== 'string') invalid(`${show(v)} is not a string`);
  const length = Buffer.byteLength(v, 'utf8');
  if (length > MAX_STRING_BYTES)
    invalid(`string of ${length} UTF-8 bytes is longer than the 32767 Kafka allows`);
  if (length !== v.length && LONE_SURROGATE.test(v)) invalid(`${show(v)} contains a lone UTF-16 surrogate`);
  return length;
}

function stringCodec(flexible: boolean, nullable: boolean): Codec {
  if (flexible) {
    return {
      minSize: 1,
      size(v) {
        if (v === null) {
          if (!nullable) invalid('null is not allowed (the field is not nullable at this version)');
          return 1;
        }
        const length = stringByteLength(v);
        return uvarintSize(length + 1) + length;
      },
      write(w, v) {
        if (v === null) {
          w.uvarint(0);
          return;
        }
        const length = Buffer.byteLength(v as string, 'utf8');
        w.uvarint(length + 1);
        w.utf8(v as string, length);
      },
      read(r) {
        const at = r.pos;
        const n = r.uvarint();
        if (n === 0) {
          if (!nullable) r.fail('null for a string that is not nullable at this version', at);
          return null;
        }
        if (n - 1 > MAX_STRING_BYTES)
          r.fail(`string length ${n - 1} is longer than the 32767 Kafka allows`, at);
        return r.utf8(n - 1);
      },
    };
  }
  return {
    minSize: 2,
    size(v) {
      if (v === null) {
        if (!nullable) invalid('null is not allowed (the field is not nullable at this version)');
        return 2;
      }
      return 2 + stringByteLength(v);
    },
    write(w, v) {
      if (v === null) {
        w.int16(-1);
        return;
      }
      const length = Buffer.byteLength(v as string, 'utf8');
      w.int16(length);
      w.utf8(v as string, length);
    },
    read(r) {
      const at = r.pos;
      const length = r.int16();
      if (length < 0) {
        if (length !== -1) r.fail(`negative string length ${length}`, at);
        if (!nullable) r.fail('null for a string that is not nullable at this version', at);
        return null;
      }
      return r.utf8(length);
    },
  };
}

/** `bytes` and `records` share one encoding: a length (int32, or uvarint length+1 when compact) and the bytes. */
function bytesCodec(flexible: boolean, nullable: boolean): Codec {
  const check = (v: unknown): v is Uint8Array | null => {
    if (v === null) {
      if (!nullable) invalid('null is not allowed (the field is not nullable at this version)');
      return true;
    }
    if (!(v instanceof Uint8Array)) invalid(`${show(v)} is not a Uint8Array`);
    return true;
  };
  if (flexible) {
    return {
      minSize: 1,
      size(v) {
        check(v);
        return v === null ? 1 : uvarintSize((v as Uint8Array).length + 1) + (v as Uint8Array).length;
      },
      write(w, v) {
        if (v === null) {
          w.uvarint(0);
          return;
        }
        w.uvarint((v as Uint8Array).length + 1);
        w.bytes(v as Uint8Array);
      },
      read(r) {
        const at = r.pos;
        const n = r.uvarint();
        if (n === 0) {
          if (!nullable) r.fail('null for bytes that are not nullable at this version', at);
          return null;
        }
        return r.bytes(n - 1);
      },
    };
  }
  return {
    minSize: 4,
    size(v) {
      check(v);
      return v === null ? 4 : 4 + (v as Uint8Array).length;
    },
    write(w, v) {
      if (v === null) {
        w.int32(-1);
        return;
      }
      w.int32((v as Uint8Array).length);
      w.bytes(v as Uint8Array);
    },
    read(r) {
      const at = r.pos;
      const length = r.int32();
      if (length < 0) {
        if (length !== -1) r.fail(`negative bytes length ${length}`, at);
        if (!nullable) r.fail('null for bytes that are not nullable at this version', at);
        return null;
      }
      return r.bytes(length);
    },
  };
}

function prependEncodePath(e: unknown, segment: string): unknown {
  if (e instanceof EncodeFault && segment !== '') e.path.unshift(segment);
  return e;
}

function prependDecodePath(e: unknown, segment: string): unknown {
  if (e instanceof KafkaDecodeError && segment !== '') e.prependField(segment);
  return e;
}

function arrayCodec(element: Codec, flexible: boolean, nullable: boolean): Codec {
  return {
    minSize: flexible ? 1 : 4,
    size(v) {
      if (v === null) {
        if (!nullable) invalid('null is not allowed (the array is not nullable at this version)');
        return flexible ? 1 : 4;
      }
      if (!Array.isArray(v)) invalid(`${show(v)} is not an array`);
      let size = flexible ? uvarintSize(v.length + 1) : 4;
      let i = 0;
      try {
        for (; i < v.length; i++) size += element.size(v[i]);
      } catch (e) {
        throw prependEncodePath(e, `[${i}]`);
      }
      return size;
    },
    write(w, v) {
      if (v === null) {
        if (flexible) w.uvarint(0);
        else w.int32(-1);
        return;
      }
      const items = v as unknown[];
      if (flexible) w.uvarint(items.length + 1);
      else w.int32(items.length);
      for (let i = 0; i < items.length; i++) element.write(w, items[i]);
    },
    read(r) {
      const at = r.pos;
      let count: number;
      if (flexible) {
        const n = r.uvarint();
        if (n === 0) {
          if (!nullable) r.fail('null for an array that is not nullable at this version', at);
          return null;
        }
        count = n - 1;
      } else {
        count = r.int32();
        if (count < 0) {
          if (count !== -1) r.fail(`negative array length ${count}`, at);
          if (!nullable) r.fail('null for an array that is not nullable at this version', at);
          return null;
        }
      }
      r.checkCount(count, element.minSize, at);
      const items: unknown[] = [];
      let i = 0;
      try {
        for (; i < count; i++) items.push(element.read(r));
      } catch (e) {
        throw prependDecodePath(e, `[${i}]`);
      }
      return items;
    },
  };
}

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
