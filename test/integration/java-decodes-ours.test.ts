import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import fc from 'fast-check';
import { afterAll, describe, expect, it } from 'vitest';
import { encodeRecordBatch } from '../../src/records/index.js';
import {
  differences,
  type FixtureBatchInput,
  type FixtureRecord,
  recordSet,
} from '../unit/fixtures/manifest.js';

// The other direction of the golden fixtures: batches written by OUR encoder, with every codec and level, read
// by the official Java client (kafka-clients 4.4.0, scripts/fixtures/DecodeBatches.java: MemoryRecords
// .readableRecords(...).batches(), ensureValid() on every batch and record). Java must see every field we meant
// to write. Needs Java and the jars, not a broker.

const KAFKA_CLIENTS = '4.4.0';

type Codec = FixtureBatchInput['compression'];
const CODECS: { compression: Codec; level?: number }[] = [
  { compression: 'none' },
  { compression: 'gzip' },
  { compression: 'gzip', level: 1 },
  { compression: 'gzip', level: 9 },
  { compression: 'snappy' },
  { compression: 'lz4' },
  { compression: 'lz4', level: 1 },
  { compression: 'lz4', level: 17 },
  { compression: 'zstd' },
  { compression: 'zstd', level: 1 },
  { compression: 'zstd', level: 19 },
  { compression: 'zstd', level: -5 },
];

interface Case {
  name: string;
  input: FixtureBatchInput;
}

function batch(records: FixtureRecord[], codec: (typeof CODECS)[number]): FixtureBatchInput {
  const input: FixtureBatchInput = {
    baseOffset: 0n,
    partitionLeaderEpoch: -1,
    compression: codec.compression,
    timestampType: 'create',
    producerId: -1n,
    producerEpoch: -1,
    baseSequence: -1,
    transactional: false,
    records,
  };
  if (codec.level !== undefined) input.compressionLevel = codec.level;
  return input;
}

function fixedCases(): Case[] {
  const cases: Case[] = [];
  for (const codec of CODECS) {
    const tag = `${codec.compression}${codec.level === undefined ? '' : ` level ${codec.level}`}`;
    for (const set of ['basic', 'nulls', 'headers', 'timestamps', 'sizes', 'thousand']) {
      cases.push({ name: `${set}, ${tag}`, input: batch(recordSet(set), codec) });
    }
    cases.push({
      name: `idempotent with offsets, ${tag}`,
      input: {
        ...batch(recordSet('headers'), codec),
        baseOffset: 1_234_567_890_123n,
        partitionLeaderEpoch: 17,
        producerId: 1_234_567_890_123n,
        producerEpoch: 7,
        baseSequence: 42,
      },
    });
    cases.push({
      name: `transactional, sequence wrapping past Integer.MAX_VALUE, ${tag}`,
      input: {
        ...batch(recordSet('nulls'), codec),
        producerId: 9_223_372_036_854_775_807n,
        producerEpoch: 32_767,
        baseSequence: 2_147_483_645,
        transactional: true,
      },
    });
  }
  return cases;
}

/** Random batches from a fixed seed, so a failure reproduces. */
function randomCases(): Case[] {
  const bytes = fc.option(fc.uint8Array({ maxLength: 300 }), { nil: null, freq: 5 });
  const record = fc.record({
    key: bytes,
    // Now and then a value long enough for a 3-byte length varint and several compression blocks.
    value: fc.oneof(
      { arbitrary: bytes, weight: 12 },
      { arbitrary: fc.uint8Array({ minLength: 8192, maxLength: 70_000 }), weight: 1 },
    ),
    headers: fc.array(fc.record({ key: fc.string({ unit: 'binary', maxLength: 20 }), value: bytes }), {
      maxLength: 4,
    }),
    timestamp: fc.bigInt({ min: 0n, max: 9_000_000_000_000n }),
  });
  const input = fc.record({
    records: fc.array(record, { minLength: 1, maxLength: 40 }),
    codec: fc.constantFrom(...CODECS),
    baseOffset: fc.bigInt({ min: 0n, max: 2n ** 62n }),
    partitionLeaderEpoch: fc.integer({ min: -1, max: 2_147_483_647 }),
    producer: fc.option(
      fc.record({
        producerId: fc.bigInt({ min: 0n, max: 2n ** 63n - 1n }),
        producerEpoch: fc.integer({ min: 0, max: 32_767 }),
        baseSequence: fc.integer({ min: 0, max: 2_147_483_647 }),
        transactional: fc.boolean(),
      }),
      { nil: null },
    ),
  });
  return fc.sample(input, { seed: 0x6b77, numRuns: 150 }).map((c, i) => ({
    name: `random #${i} (${c.codec.compression}${c.codec.level === undefined ? '' : ` ${c.codec.level}`})`,
    input: {
      ...batch(c.records, c.codec),
      baseOffset: c.baseOffset,
      partitionLeaderEpoch: c.partitionLeaderEpoch,
      ...(c.producer ?? {}),
    },
  }));
}

/** What Java must report for a batch we wrote (DecodeBatches.java's JSON). */
function javaView(input: FixtureBatchInput, ours: Uint8Array) {
  const n = input.records.length;
  const codes: Record<Codec, number> = { none: 0, gzip: 1, snappy: 2, lz4: 3, zstd: 4 };
  const seq = (i: number) => (input.baseSequence < 0 ? -1 : (input.baseSequence + i) % 2_147_483_648);
  const b64 = (b: Uint8Array | null) => (b === null ? null : Buffer.from(b).toString('base64'));
  const timestamps = input.records.map((r) => r.timestamp);
  let maxTimestamp = timestamps[0]!;
  for (const t of timestamps) if (t > maxTimestamp) maxTimestamp = t;
  return {
    baseOffset: String(input.baseOffset),
    lastOffset: String(input.baseOffset + BigInt(n - 1)),
    partitionLeaderEpoch: input.partitionLeaderEpoch,
    magic: 2,
    crc: new DataView(ours.buffer, ours.byteOffset).getUint32(17),
    attributes: codes[input.compression] | (input.transactional ? 0x10 : 0),
    compression: input.compression,
    timestampType: 'CreateTime',
    producerId: String(input.producerId),
    producerEpoch: input.producerEpoch,
    baseSequence: input.baseSequence,
    lastSequence: seq(n - 1),
    transactional: input.transactional,
    controlBatch: false,
    baseTimestamp: String(timestamps[0]),
    maxTimestamp: String(maxTimestamp),
    sizeInBytes: ours.length,
    recordCount: n,
    records: input.records.map((r, i) => ({
      offset: String(input.baseOffset + BigInt(i)),
      sequence: seq(i),
      timestamp: String(r.timestamp),
      key: b64(r.key),
      value: b64(r.value),
      headers: r.headers.map((h) => ({ key: h.key, value: b64(h.value) })),
    })),
  };
}

function kafkaLibs(): string {
  return execFileSync('bash', ['scripts/kafka-jars.sh', KAFKA_CLIENTS], { encoding: 'utf8' }).trim();
}

describe('the Java client decodes batches our encoder writes', () => {
  const dir = mkdtempSync(join(tmpdir(), 'kafka-wire-java-decodes-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('reads every field of every codec, level and producer-field combination, CRCs valid', async () => {
    const cases = [...fixedCases(), ...randomCases()];
    const encoded = await Promise.all(cases.map((c) => encodeRecordBatch(c.input)));
    const files = encoded.map((bytes, i) => {
      const file = join(dir, `${i}.bin`);
      writeFileSync(file, bytes);
      return file;
    });
    const output = execFileSync(
      'java',
      ['-cp', `${kafkaLibs()}/*`, 'scripts/fixtures/DecodeBatches.java', ...files],
      { encoding: 'utf8', maxBuffer: 512 * 1024 * 1024 },
    );
    const java = JSON.parse(output) as { kafkaClientsVersion: string; files: unknown[][] };
    expect(java.kafkaClientsVersion).toBe(KAFKA_CLIENTS);
    expect(java.files).toHaveLength(cases.length);
    const problems = cases.flatMap((c, i) => {
      const batches = java.files[i]!;
      if (batches.length !== 1) return [`${c.name}: Java read ${batches.length} batches, expected 1`];
      const sides = { actual: 'Java read', expected: 'we wrote' };
      return differences(batches[0], javaView(c.input, encoded[i]!), sides).map((d) => `${c.name}: ${d}`);
    });
    expect(problems).toEqual([]);
  });

  it('fails on a batch whose bytes no longer match its CRC (the check above is live)', async () => {
    const bytes = await encodeRecordBatch(batch(recordSet('basic'), { compression: 'none' }));
    bytes[bytes.length - 3]! ^= 0x01; // inside the last record's value: covered by the CRC, framing intact
    const file = join(dir, 'corrupt.bin');
    writeFileSync(file, bytes);
    const run = () =>
      execFileSync('java', ['-cp', `${kafkaLibs()}/*`, 'scripts/fixtures/DecodeBatches.java', file], {
        encoding: 'utf8',
        stdio: ['ignore', 'pipe', 'pipe'],
      });
    expect(run).toThrow(/CorruptRecordException: Record is corrupt \(stored crc = \d+, computed crc = \d+\)/);
  });
});
