// Our message specs are transcriptions of Kafka's JSON message specs (kafka-specs/ holds unmodified copies
// from apache/kafka trunk 3e3f0c43, clients/src/main/resources/common/message/; Fetch* and ListOffsets* from
// the kafka-clients 4.4.0 jar, whose copies of the other specs match trunk's). This test reads Kafka's
// files and checks every wire-relevant key of every field our versions can see, so a typo in a version
// range, a missed nullable version or a wrong tag fails here rather than on a broker.

import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import * as protocol from '../../../src/protocol/index.js';
import {
  type ApiCodec,
  type FieldSpec,
  inVersions,
  type MessageSpec,
  parseVersions,
} from '../../../src/protocol/index.js';

/** One of Kafka's JSON specs; it has the shape of our MessageSpec, plus documentation keys we ignore. */
function loadKafkaSpec(name: string): MessageSpec {
  const text = readFileSync(fileURLToPath(new URL(`./kafka-specs/${name}.json`, import.meta.url)), 'utf8');
  // Kafka's spec files are JSON with // line comments.
  const spec = JSON.parse(text.replace(/^\s*\/\/.*$/gm, '')) as MessageSpec & { commonStructs?: FieldSpec[] };
  // Struct types shared by several fields are declared once under commonStructs; ours spell them out inline.
  const common = new Map((spec.commonStructs ?? []).map((s) => [s.name, s.fields]));
  const inline = (fields: readonly FieldSpec[]): FieldSpec[] =>
    fields.map((f) => {
      const shared = f.fields === undefined ? common.get(f.type.replace(/^\[\]/, '')) : undefined;
      const members = f.fields ?? shared;
      return members === undefined ? f : { ...f, fields: inline(members) };
    });
  return { ...spec, fields: inline(spec.fields) };
}

function overlaps(versions: string, lo: number, hi: number): boolean {
  const range = parseVersions(versions);
  return range.lo <= hi && range.hi >= lo;
}

type Writable<T> = { -readonly [K in keyof T]: T[K] };
/** A field reduced to its wire-relevant keys, the default as a string. */
type Normalized = Writable<Omit<FieldSpec, 'default' | 'fields'>> & {
  default?: string;
  fields?: Normalized[];
};

function normalize(fields: readonly FieldSpec[], lo: number, hi: number): Normalized[] {
  return fields
    .filter((f) => overlaps(f.versions, lo, hi))
    .map((f) => {
      const n: Normalized = { name: f.name, type: f.type, versions: f.versions };
      if (f.nullableVersions !== undefined) n.nullableVersions = f.nullableVersions;
      if (f.taggedVersions !== undefined) n.taggedVersions = f.taggedVersions;
      if (f.tag !== undefined) n.tag = f.tag;
      // Kafka writes some defaults as numbers ("default": -1) and most as strings; the value is what counts.
      if (f.default !== undefined) n.default = String(f.default);
      if (f.flexibleVersions !== undefined) n.flexibleVersions = f.flexibleVersions;
      if (f.fields !== undefined) n.fields = normalize(f.fields, lo, hi);
      return n;
    });
}

// Every API the protocol layer exports, found by shape, so a new one cannot be left out of this test (its
// Kafka JSON files have to be copied into kafka-specs/ for it to pass).
const APIS: [ApiCodec<unknown, unknown>, string][] = (Object.values(protocol) as unknown[])
  .filter(
    (value): value is ApiCodec<unknown, unknown> =>
      typeof value === 'object' && value !== null && 'apiKey' in value && 'encodeRequestBody' in value,
  )
  .map((api): [ApiCodec<unknown, unknown>, string] => [api, api.name]);

it('finds the exported APIs', () => {
  expect(APIS.map(([, name]) => name).sort()).toEqual(
    expect.arrayContaining(['ApiVersions', 'InitProducerId', 'Metadata', 'Produce']),
  );
});

describe('message specs match Kafka JSON field by field', () => {
  for (const [api, file] of APIS) {
    for (const [ours, kind] of [
      [api.request.spec, 'Request'],
      [api.response.spec, 'Response'],
    ] as [MessageSpec, string][]) {
      it(`${file}${kind} (v${api.minVersion}-${api.maxVersion})`, () => {
        const kafka = loadKafkaSpec(`${file}${kind}`);
        expect({
          apiKey: ours.apiKey,
          type: ours.type,
          name: ours.name,
          validVersions: ours.validVersions,
          flexibleVersions: ours.flexibleVersions,
        }).toEqual({
          apiKey: kafka.apiKey,
          type: kafka.type,
          name: kafka.name,
          validVersions: kafka.validVersions,
          flexibleVersions: kafka.flexibleVersions,
        });
        expect(normalize(ours.fields, api.minVersion, api.maxVersion)).toEqual(
          normalize(kafka.fields, api.minVersion, api.maxVersion),
        );
        // Fields of versions we do not implement are left out on purpose, never by accident.
        expect(normalize(ours.fields, 0, 1000)).toEqual(
          normalize(ours.fields, api.minVersion, api.maxVersion),
        );
      });
    }
    it(`${file}: implemented versions lie inside Kafka's validVersions, flexible where Kafka's are`, () => {
      const valid = parseVersions(loadKafkaSpec(`${file}Request`).validVersions);
      expect(inVersions(valid, api.minVersion) && inVersions(valid, api.maxVersion)).toBe(true);
      const flexible = parseVersions(loadKafkaSpec(`${file}Request`).flexibleVersions);
      for (let version = api.minVersion; version <= api.maxVersion; version++)
        expect(api.isFlexible(version)).toBe(inVersions(flexible, version));
    });
  }

  it('the request header keeps ClientId classic (flexibleVersions none), as frame.ts writes it', () => {
    const header = loadKafkaSpec('RequestHeader');
    expect(header.validVersions).toBe('1-2');
    expect(header.flexibleVersions).toBe('2+');
    expect(header.fields.map((f) => [f.name, f.type])).toEqual([
      ['RequestApiKey', 'int16'],
      ['RequestApiVersion', 'int16'],
      ['CorrelationId', 'int32'],
      ['ClientId', 'string'],
    ]);
    expect(header.fields[3]).toMatchObject({ nullableVersions: '1+', flexibleVersions: 'none' });
    const response = loadKafkaSpec('ResponseHeader');
    expect(response.validVersions).toBe('0-1');
    expect(response.flexibleVersions).toBe('1+');
    expect(response.fields.map((f) => [f.name, f.type])).toEqual([['CorrelationId', 'int32']]);
  });
});
