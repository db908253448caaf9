// Our primitive serializers against what Kafka's Java serializers wrote for the same inputs
// (fixtures/serializers/primitives.json, made by scripts/serializers/GenerateSerializerFixtures.java).
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import {
  booleanSerializer,
  bytesSerializer,
  doubleSerializer,
  floatSerializer,
  integerSerializer,
  jsonSerializer,
  longSerializer,
  type SyncSerializer,
  shortSerializer,
  stringSerializer,
  uuidSerializer,
  voidSerializer,
} from '../../../src/serializers/index.js';

interface FixtureCase {
  serializer: string;
  label: string;
  input: {
    utf16?: string;
    int?: number;
    long?: string;
    doubleBits?: string;
    boolean?: boolean;
    hex?: string;
    json?: string;
    null?: true;
  };
  output: { hex: string } | null;
}

const file = fileURLToPath(new URL('../../../fixtures/serializers/primitives.json', import.meta.url));
const fixture = JSON.parse(readFileSync(file, 'utf8')) as {
  generator: { kafkaClients: string };
  cases: FixtureCase[];
};

const serializers: Record<string, SyncSerializer<never>> = {
  string: stringSerializer,
  integer: integerSerializer,
  short: shortSerializer,
  long: longSerializer,
  float: floatSerializer,
  double: doubleSerializer,
  boolean: booleanSerializer,
  uuid: uuidSerializer,
  bytes: bytesSerializer,
  void: voidSerializer,
  json: jsonSerializer(),
};

// JSON cases where JavaScript cannot write what Jackson wrote, because the difference is in the number type
// (Jackson keeps 100.0 a double, JS has only 100) or spelling (1.0E21 vs 1e+21). They must still parse the same.
const JSON_NUMBER_SPELLING = new Set(['[100.0,1e21,1.5e-7]']);

// Where Java's (float) cast silently turns a finite number into Infinity, ours refuses the input instead.
const FLOAT_OVERFLOW = new Set(['3.4028235677973366E38 -> Infinity']);

function inputOf(c: FixtureCase): unknown {
  const input = c.input;
  if (input.null) return null;
  if (input.utf16 !== undefined) {
    const units = input.utf16.match(/.{4}/g) ?? [];
    return String.fromCharCode(...units.map((u) => Number.parseInt(u, 16)));
  }
  if (input.int !== undefined) return input.int;
  if (input.long !== undefined) return BigInt(input.long);
  if (input.doubleBits !== undefined) return Buffer.from(input.doubleBits, 'hex').readDoubleBE(0);
  if (input.boolean !== undefined) return input.boolean;
  if (input.hex !== undefined) return new Uint8Array(Buffer.from(input.hex, 'hex'));
  if (input.json !== undefined) return JSON.parse(input.json);
  throw new Error(`fixture case ${c.serializer} '${c.label}' has an input this test does not know`);
}

const hex = (bytes: Uint8Array | null) => (bytes === null ? null : Buffer.from(bytes).toString('hex'));

describe('primitive serializers match kafka-clients byte for byte', () => {
  it('the fixture comes from the pinned kafka-clients and covers every serializer', () => {
    expect(fixture.generator.kafkaClients).toBe('4.4.0');
    const covered = new Set(fixture.cases.map((c) => c.serializer));
    expect([...covered].sort()).toEqual(Object.keys(serializers).sort());
    expect(fixture.cases.length).toBeGreaterThan(100);
  });

  const byName = new Map<string, FixtureCase[]>();
  for (const c of fixture.cases) byName.set(c.serializer, [...(byName.get(c.serializer) ?? []), c]);
  for (const [name, cases] of byName) {
    describe(name, () => {
      it.each(cases.map((c) => [c.label, c] as const))('%s', (_label, c) => {
        const serializer = serializers[c.serializer]!;
        const context = { topic: 'fixture-topic', headers: [], isKey: false };
        if (c.serializer === 'float' && FLOAT_OVERFLOW.has(c.label)) {
          expect(c.output?.hex).toBe('7f800000');
          expect(() => serializer.serialize(inputOf(c) as never, context)).toThrow(/outside float32's range/);
          return;
        }
        const ours = serializer.serialize(inputOf(c) as never, context);
        const java = c.output === null ? null : c.output.hex;
        if (c.serializer === 'json' && JSON_NUMBER_SPELLING.has(c.label)) {
          expect(hex(ours)).not.toBe(java);
          expect(JSON.parse(Buffer.from(ours!).toString('utf8'))).toEqual(
            JSON.parse(Buffer.from(java!, 'hex').toString('utf8')),
          );
          return;
        }
        expect(hex(ours)).toBe(java);
      });
    });
  }
});
