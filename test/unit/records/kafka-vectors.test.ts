import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import {
  CRC_OFFSET,
  type DecodedRecordBatch,
  decodeRecordBatches,
  decodeRecordBatchesSync,
  encodeRecordBatch,
  encodeRecordBatchSync,
  RECORD_BATCH_OVERHEAD,
  type RecordBatchInput,
} from '../../../src/records/index.js';
import { inputOf } from './reencode.js';

const hex = (b: Uint8Array) => Buffer.from(b).toString('hex');
const fromHex = (s: string) => new Uint8Array(Buffer.from(s.replace(/\s+/g, ''), 'hex'));
const utf8 = (s: string) => new TextEncoder().encode(s);

// The inputs of Kafka's MemoryRecordsTest.testChecksum (clients/src/test/java/.../record/): two records, no headers, baseOffset 0, CreateTime,
// all producer fields -1. Kafka expects CRC 3851219455 uncompressed and 2745969314 with LZ4.
const checksumInput: RecordBatchInput = {
  records: [
    { key: utf8('key1'), value: utf8('value1'), timestamp: 283843n },
    { key: utf8('key2'), value: utf8('value2'), timestamp: 1234n },
  ],
};
const KAFKA_NONE = fromHex(`
  000000000000000000000055ffffffff02e58cf1ff00000000000100000000000454c300000000000454c3ffffffffffffffff
  ffffffffffff0000000220000000086b6579310c76616c756531002400e1bf2202086b6579320c76616c75653200`);
const KAFKA_LZ4 = fromHex(`
  000000000000000000000064ffffffff02a3ac2aa200030000000100000000000454c300000000000454c3ffffffffffffffff
  ffffffffffff0000000204224d186040822400008020000000086b6579310c76616c756531002400e1bf2202086b6579320c76
  616c7565320000000000`);

const crcOf = (batch: Uint8Array) => Buffer.from(batch).readUInt32BE(CRC_OFFSET);

function expectChecksumRecords(batch: DecodedRecordBatch) {
  expect(
    batch.records.map((r) => [Buffer.from(r.key!).toString(), Buffer.from(r.value!).toString()]),
  ).toEqual([
    ['key1', 'value1'],
    ['key2', 'value2'],
  ]);
  expect(batch.records.map((r) => r.timestamp)).toEqual([283843n, 1234n]);
  expect(batch.records.map((r) => r.offset)).toEqual([0n, 1n]);
  // baseTimestamp is the FIRST record's timestamp, not the smallest; maxTimestamp the largest.
  expect(batch.baseTimestamp).toBe(283843n);
  expect(batch.maxTimestamp).toBe(283843n);
}

describe('MemoryRecordsTest.testChecksum batches', () => {
  it('uncompressed: byte-identical to Kafka, CRC 3851219455', async () => {
    const ours = await encodeRecordBatch(checksumInput);
    expect(hex(ours)).toBe(hex(KAFKA_NONE));
    expect(crcOf(ours)).toBe(3851219455);
    expect(hex(encodeRecordBatchSync(checksumInput))).toBe(hex(KAFKA_NONE));
  });

  it('uncompressed: decodes Kafka bytes and reports the verified CRC', async () => {
    const [batch] = await decodeRecordBatches(KAFKA_NONE);
    expect(batch!.crc).toBe(3851219455);
    expect(batch!.compression).toBe('none');
    expectChecksumRecords(batch!);
  });

  it('lz4: decodes Kafka bytes, CRC 2745969314', async () => {
    const [batch] = await decodeRecordBatches(KAFKA_LZ4);
    expect(batch!.crc).toBe(2745969314);
    expect(batch!.compression).toBe('lz4');
    expectChecksumRecords(batch!);
  });

  it('lz4: our encoder reproduces Kafka bytes and CRC exactly (36 bytes do not compress, stored raw as Java does)', async () => {
    const ours = await encodeRecordBatch({ ...checksumInput, compression: 'lz4' });
    expect(hex(ours)).toBe(hex(KAFKA_LZ4));
    expect(crcOf(ours)).toBe(2745969314);
  });
});

describe('sequence wrap-around (DefaultRecordBatchTest.buildDefaultRecordBatchWithSequenceWrapAround)', () => {
  it('base sequence MAX-1 with 3 records ends at sequence 0', () => {
    const bytes = encodeRecordBatchSync({
      producerId: 23423n,
      producerEpoch: 145,
      baseSequence: 2147483646,
      records: [
        { key: utf8('a'), value: utf8('1'), timestamp: 1n },
        { key: utf8('b'), value: utf8('2'), timestamp: 2n },
        { key: utf8('c'), value: utf8('3'), timestamp: 3n },
      ],
    });
    const [batch] = decodeRecordBatchesSync(bytes);
    expect(batch!.baseSequence).toBe(2147483646);
    expect(batch!.lastOffsetDelta).toBe(2);
    expect(batch!.lastSequence).toBe(0);
    expect(batch!.producerId).toBe(23423n);
    expect(batch!.producerEpoch).toBe(145);
  });
});

// Batches written by kafka-clients 4.4.0 (fixtures/records, made by the fixtures generator). Re-encoding
// what we decode must give Java's bytes: always without compression, and also for lz4 at its default
// level, whose block compressor follows the same reference algorithm as lz4-java's fast compressor.
describe('re-encoding Java-written batches', () => {
  const fixture = (name: string) => {
    const b = readFileSync(new URL(`../../../fixtures/records/${name}.bin`, import.meta.url));
    return new Uint8Array(b.buffer, b.byteOffset, b.byteLength);
  };

  async function reencode(bytes: Uint8Array): Promise<Uint8Array[]> {
    const out: Uint8Array[] = [];
    for (const b of await decodeRecordBatches(bytes)) {
      out.push(await encodeRecordBatch(inputOf(b)));
    }
    return out;
  }

  it.each([
    'headers-none',
    'thousand-none',
    'sizes-none',
    'max-values-none',
    'nulls-none',
    'sequence-wrap-none',
  ])('%s: identical', async (name) => {
    const java = fixture(name);
    expect(hex(Buffer.concat(await reencode(java)))).toBe(hex(java));
  });

  it.each(['basic-lz4', 'headers-lz4', 'sizes-lz4', 'thousand-lz4'])(
    '%s (lz4 level 9, 64 KiB blocks): identical',
    async (name) => {
      const java = fixture(name);
      const ours = Buffer.concat(await reencode(java));
      expect(ours.length).toBe(java.length);
      expect(hex(ours)).toBe(hex(java));
    },
  );

  it.each(['headers-snappy', 'nulls-snappy'])('%s (snappy, small input): identical', async (name) => {
    const java = fixture(name);
    expect(hex(Buffer.concat(await reencode(java)))).toBe(hex(java));
  });

  it('thousand-snappy: different bytes (newer snappy heuristics) but the same records, and not larger', async () => {
    const java = fixture('thousand-snappy');
    const [ours] = await reencode(java);
    expect(ours!.length).toBeLessThanOrEqual(java.length);
    const [a] = await decodeRecordBatches(ours!);
    const [b] = await decodeRecordBatches(java);
    expect(a!.records).toEqual(b!.records);
  });

  it('the compressed header is never compressed: 61 plain bytes before the codec payload', async () => {
    const ours = await encodeRecordBatch({ ...checksumInput, compression: 'lz4' });
    expect(hex(ours.subarray(RECORD_BATCH_OVERHEAD, RECORD_BATCH_OVERHEAD + 4))).toBe('04224d18');
  });
});
