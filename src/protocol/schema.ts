// Kafka messages described as data, the way Kafka's own JSON specs describe them
// (clients/src/main/resources/common/message/*.json). Each API module transcribes its JSON spec field by
// field into a MessageSpec (same names, same version strings); test/unit/protocol/spec-conformance.test.ts
// checks the transcriptions against copies of Kafka's JSON files. message-codec.ts turns a MessageSpec
// into a codec; message-shape.ts computes the TypeScript type it describes, which defineApi holds each
// API's request and response interfaces to.

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
