import { describe, expect, it } from 'vitest';
import {
  ATTRIBUTES_OFFSET,
  BASE_SEQUENCE_OFFSET,
  BATCH_LENGTH_OFFSET,
  type CompressionType,
  CRC_OFFSET,
  crc32c,
  decodeRecordBatches,
  decodeRecordBatchesSync,
  encodeRecordBatch,
  encodeRecordBatchSync,
  incrementSequence,
  KafkaWireErrorCheck,
  MAGIC_OFFSET,
  PARTITION_LEADER_EPOCH_OFFSET,
  PRODUCER_EPOCH_OFFSET,
  PRODUCER_ID_OFFSET,
  RECORD_BATCH_OVERHEAD,
  RECORDS_COUNT_OFFSET,
  RecordBatchCrcMismatchError,
  RecordBatchDecodeError,
  RecordBatchEncodeError,
  type RecordInput,
  recordSize,
  stampProducerState,
} from './imports.js';

const utf8 = (s: string) => new TextEncoder().encode(s);
const CODECS: CompressionType[] = ['none', 'gzip', 'snappy', 'lz4', 'zstd'];

function records(n: number, base = 1_700_000_000_000n): RecordInput[] {
  return Array.from({ length: n }, (_, i) => ({
    key: i % 5 === 0 ? null : utf8(`key-${i}`),
    value: i % 7 === 0 ? null : utf8(`value-${i}-${'x'.repeat(i % 40)}`),
    headers: i % 3 === 0 ? [] : [{ key: `h${i}`, value: i % 2 ? utf8('v') : null }],
    timestamp: base + BigInt((i * 37) % 11) - 5n,
  }));
}

describe('batch header fields', () => {
  it('writes every header field at its named position', () => {
    const bytes = Buffer.from(
      encodeRecordBatchSync({
        baseOffset: 1234n,
        partitionLeaderEpoch: 7,
        producerId: 99n,
        producerEpoch: 3,
        baseSequence: 42,
        transactional: true,
        timestampType: 'log-append',
        records: records(3),
      }),
    );
    expect(bytes.readBigInt64BE(0)).toBe(1234n);
    expect(bytes.readInt32BE(BATCH_LENGTH_OFFSET)).toBe(bytes.length - 12);
    expect(bytes.readInt32BE(PARTITION_LEADER_EPOCH_OFFSET)).toBe(7);
    expect(bytes[MAGIC_OFFSET]).toBe(2);
    expect(bytes.readInt16BE(ATTRIBUTES_OFFSET)).toBe(0x10 | 0x08); // transactional + log-append, no codec
    expect(bytes.readBigInt64BE(PRODUCER_ID_OFFSET)).toBe(99n);
    expect(bytes.readInt16BE(PRODUCER_EPOCH_OFFSET)).toBe(3);
    expect(bytes.readInt32BE(BASE_SEQUENCE_OFFSET)).toBe(42);
    expect(bytes.readInt32BE(RECORDS_COUNT_OFFSET)).toBe(3);
    expect(bytes.readUInt32BE(CRC_OFFSET)).toBe(crc32c(bytes, ATTRIBUTES_OFFSET));
  });

  it.each(CODECS.map((c, id) => [c, id] as const))(
    'codec %s sets attribute bits 0-2 to %i',
    async (compression, id) => {
      const bytes = Buffer.from(await encodeRecordBatch({ compression, records: records(20) }));
      expect(bytes.readInt16BE(ATTRIBUTES_OFFSET) & 7).toBe(id);
      const [batch] = await decodeRecordBatches(bytes);
      expect(batch!.compression).toBe(compression);
      expect(batch!.attributes).toBe(id);
    },
  );

  it('defaults to what a producer writes: offset 0, epoch -1, producer fields -1, CreateTime', () => {
    const [batch] = decodeRecordBatchesSync(encodeRecordBatchSync({ records: records(2) }));
    expect(batch).toMatchObject({
      baseOffset: 0n,
      partitionLeaderEpoch: -1,
      producerId: -1n,
      producerEpoch: -1,
      baseSequence: -1,
      lastSequence: -1,
      transactional: false,
      isControlBatch: false,
      timestampType: 'create',
    });
  });

  it('baseTimestamp is the first record, maxTimestamp the largest, deltas may be negative', () => {
    const input = [
      { key: null, value: null, timestamp: 1000n },
      { key: null, value: null, timestamp: 5000n },
      { key: null, value: null, timestamp: -3000n },
    ];
    const [batch] = decodeRecordBatchesSync(encodeRecordBatchSync({ records: input }));
    expect(batch!.baseTimestamp).toBe(1000n);
    expect(batch!.maxTimestamp).toBe(5000n);
    expect(batch!.records.map((r) => r.timestamp)).toEqual([1000n, 5000n, -3000n]);
  });

  it('handles timestamps across the whole int64 range (bigint path)', () => {
    const extremes = [2n ** 63n - 1n, -(2n ** 63n), 0n, 2n ** 60n, -1n];
    const input = extremes.map((timestamp) => ({ key: null, value: null, timestamp }));
    const [batch] = decodeRecordBatchesSync(encodeRecordBatchSync({ records: input }));
    expect(batch!.records.map((r) => r.timestamp)).toEqual(extremes);
    expect(batch!.maxTimestamp).toBe(2n ** 63n - 1n);
  });

  it('LogAppendTime batches read every record as the batch maxTimestamp (as Java does)', () => {
    const [batch] = decodeRecordBatchesSync(
      encodeRecordBatchSync({ timestampType: 'log-append', records: records(4) }),
    );
    expect(new Set(batch!.records.map((r) => r.timestamp))).toEqual(new Set([batch!.maxTimestamp]));
  });

  it('headers keep UTF-8 keys and null values', () => {
    const input: RecordInput[] = [
      {
        key: utf8('k'),
        value: utf8('v'),
        timestamp: 1n,
        headers: [
          { key: 'trace-id', value: utf8('abc') },
          { key: 'ünïcødé ✓ 😀', value: null },
          { key: '', value: new Uint8Array(0) },
        ],
      },
    ];
    const [batch] = decodeRecordBatchesSync(encodeRecordBatchSync({ records: input }));
    expect(batch!.records[0]!.headers).toEqual([
      { key: 'trace-id', value: utf8('abc') },
      { key: 'ünïcødé ✓ 😀', value: null },
      { key: '', value: new Uint8Array(0) },
    ]);
  });

  it('rejects input it cannot encode with RecordBatchEncodeError', async () => {
    const one = [{ key: null, value: null, timestamp: 0n }];
    const bad: [string, () => unknown][] = [
      ['no records', () => encodeRecordBatchSync({ records: [] })],
      [
        'number timestamp',
        () => encodeRecordBatchSync({ records: [{ key: null, value: null, timestamp: 5 as never }] }),
      ],
      [
        'timestamp past int64',
        () => encodeRecordBatchSync({ records: [{ key: null, value: null, timestamp: 2n ** 63n }] }),
      ],
      [
        'string key',
        () => encodeRecordBatchSync({ records: [{ key: 'k' as never, value: null, timestamp: 0n }] }),
      ],
      [
        'null header key',
        () =>
          encodeRecordBatchSync({
            records: [
              { key: null, value: null, timestamp: 0n, headers: [{ key: null as never, value: null }] },
            ],
          }),
      ],
      ['epoch past int16', () => encodeRecordBatchSync({ producerEpoch: 40000, records: one })],
      ['negative sequence', () => encodeRecordBatchSync({ baseSequence: -2, records: one })],
      ['unknown codec', () => encodeRecordBatchSync({ compression: 'brotli' as never, records: one })],
      [
        'lz4 level 18',
        () => encodeRecordBatchSync({ compression: 'lz4', compressionLevel: 18, records: one }),
      ],
      ['timestamp type', () => encodeRecordBatchSync({ timestampType: 'now' as never, records: one })],
    ];
    for (const [what, encode] of bad) expect(encode, what).toThrow(RecordBatchEncodeError);
    await expect(encodeRecordBatch({ records: [] })).rejects.toThrow(RecordBatchEncodeError);
  });
});

describe('exact sizes', () => {
  it('recordSize of each record sums with RECORD_BATCH_OVERHEAD to the uncompressed batch size', () => {
    const input = records(300);
    const base = input[0]!.timestamp;
    const expected = input.reduce(
      (n, r, i) => n + recordSize(r, i, r.timestamp - base),
      RECORD_BATCH_OVERHEAD,
    );
    expect(encodeRecordBatchSync({ records: input }).length).toBe(expected);
    expect(recordSize(input[5]!, 5, Number(input[5]!.timestamp - base))).toBe(
      recordSize(input[5]!, 5, input[5]!.timestamp - base),
    );
  });

  it('RECORD_BATCH_OVERHEAD is 61 and a minimal record is 7 bytes', () => {
    expect(RECORD_BATCH_OVERHEAD).toBe(61);
    expect(recordSize({ key: null, value: null, timestamp: 0n }, 0, 0n)).toBe(7);
  });
});

describe('stampProducerState (drain-time stamping and retries)', () => {
  it.each(CODECS)(
    '%s: stamping an encoded batch equals encoding with the fields, CRC recomputed',
    async (compression) => {
      const input = records(50);
      const unstamped = new Uint8Array(await encodeRecordBatch({ compression, records: input }));
      const crc = stampProducerState(unstamped, {
        producerId: 1234n,
        producerEpoch: 5,
        baseSequence: 2147483600,
      });
      const direct = await encodeRecordBatch({
        compression,
        records: input,
        producerId: 1234n,
        producerEpoch: 5,
        baseSequence: 2147483600,
      });
      expect(Buffer.from(unstamped).equals(Buffer.from(direct))).toBe(true);
      const [batch] = await decodeRecordBatches(unstamped);
      expect(batch!.crc).toBe(crc);
      expect(batch!.lastSequence).toBe(incrementSequence(2147483600, 49));
    },
  );

  it('re-stamps a batch in the middle of a buffer (a retry after an epoch bump)', () => {
    const a = encodeRecordBatchSync({ records: records(2) });
    const b = encodeRecordBatchSync({
      records: records(3),
      producerId: 7n,
      producerEpoch: 0,
      baseSequence: 100,
    });
    const both = Buffer.concat([a, b]);
    stampProducerState(both, { producerId: 7n, producerEpoch: 1, baseSequence: 0 }, a.length);
    const [first, second] = decodeRecordBatchesSync(both);
    expect(first!.producerId).toBe(-1n);
    expect(second).toMatchObject({ producerId: 7n, producerEpoch: 1, baseSequence: 0, lastSequence: 2 });
  });

  it('rejects what is not a batch and bad values', () => {
    const batch = encodeRecordBatchSync({ records: records(1) });
    expect(() =>
      stampProducerState(batch.subarray(0, 30), { producerId: 1n, producerEpoch: 0, baseSequence: 0 }),
    ).toThrow(RecordBatchEncodeError);
    expect(() =>
      stampProducerState(batch, { producerId: 1n, producerEpoch: 70000, baseSequence: 0 }),
    ).toThrow(RecordBatchEncodeError);
  });
});

describe('sequence numbers', () => {
  it('incrementSequence wraps Int32 max to 0 like Java', () => {
    expect(incrementSequence(0, 5)).toBe(5);
    expect(incrementSequence(2147483646, 1)).toBe(2147483647);
    expect(incrementSequence(2147483646, 2)).toBe(0);
    expect(incrementSequence(2147483647, 1)).toBe(0);
    expect(incrementSequence(2147483640, 20)).toBe(12);
  });
});

describe('decoding concatenated batches', () => {
  const one = encodeRecordBatchSync({ baseOffset: 0n, records: records(3) });
  const two = encodeRecordBatchSync({ baseOffset: 3n, compression: 'snappy', records: records(4) });
  const three = encodeRecordBatchSync({ baseOffset: 7n, compression: 'gzip', records: records(5) });
  const all = Buffer.concat([one, two, three]);

  it('returns every batch with absolute offsets', async () => {
    const batches = await decodeRecordBatches(all);
    expect(batches.map((b) => b.records.map((r) => r.offset))).toEqual([
      [0n, 1n, 2n],
      [3n, 4n, 5n, 6n],
      [7n, 8n, 9n, 10n, 11n],
    ]);
    expect(batches.map((b) => b.sizeInBytes)).toEqual([one.length, two.length, three.length]);
  });

  it('stops cleanly at a partial trailing batch, wherever the cut falls', async () => {
    for (let cut = one.length + two.length; cut < all.length; cut++) {
      const batches = await decodeRecordBatches(all.subarray(0, cut));
      expect(batches).toHaveLength(2);
      expect(decodeRecordBatchesSync(all.subarray(0, cut))).toHaveLength(2);
    }
    expect(await decodeRecordBatches(new Uint8Array(0))).toEqual([]);
    expect(await decodeRecordBatches(all.subarray(0, 11))).toEqual([]);
  });

  it('a corrupt complete batch is an error with its byte offset', async () => {
    const damaged = Buffer.from(all);
    damaged[one.length + RECORD_BATCH_OVERHEAD + 2]! ^= 0x40;
    const error = await decodeRecordBatches(damaged).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(RecordBatchCrcMismatchError);
    expect(error).toBeInstanceOf(RecordBatchDecodeError);
    expect(error).toBeInstanceOf(KafkaWireErrorCheck);
    expect((error as RecordBatchCrcMismatchError).batchOffset).toBe(one.length);
    expect((error as RecordBatchCrcMismatchError).offset).toBe(one.length + CRC_OFFSET);
    expect((error as Error).message).toMatch(/CRC-32C mismatch/);
  });

  it('rejects a batch length below the v2 minimum, another magic, and a bad codec id', () => {
    const short = Buffer.from(one);
    short.writeInt32BE(48, BATCH_LENGTH_OFFSET);
    expect(() => decodeRecordBatchesSync(short)).toThrow(/below the minimum/);
    const magic1 = Buffer.from(one);
    magic1[MAGIC_OFFSET] = 1;
    expect(() => decodeRecordBatchesSync(magic1)).toThrow(/magic 1/);
    const codec7 = Buffer.from(one);
    codec7.writeInt16BE(7, ATTRIBUTES_OFFSET);
    codec7.writeUInt32BE(crc32c(codec7, ATTRIBUTES_OFFSET), CRC_OFFSET);
    expect(() => decodeRecordBatchesSync(codec7)).toThrow(/codec id 7/);
  });

  it('rejects record counts the bytes cannot hold and records that do not add up', () => {
    const withCount = (count: number) => {
      const b = Buffer.from(one);
      b.writeInt32BE(count, RECORDS_COUNT_OFFSET);
      b.writeUInt32BE(crc32c(b, ATTRIBUTES_OFFSET), CRC_OFFSET);
      return b;
    };
    expect(() => decodeRecordBatchesSync(withCount(2 ** 31 - 1))).toThrow(/cannot fit/);
    expect(() => decodeRecordBatchesSync(withCount(2))).toThrow(/bytes left after/);
    expect(() => decodeRecordBatchesSync(withCount(4))).toThrow(RecordBatchDecodeError);
    expect(() => decodeRecordBatchesSync(withCount(-1))).toThrow(/negative record count/);
  });

  it('a control batch (transaction marker) decodes with isControlBatch set', () => {
    const marker = Buffer.from(
      encodeRecordBatchSync({
        transactional: true,
        records: [{ key: Uint8Array.of(0, 0, 0, 1), value: Uint8Array.of(0, 0, 0, 0, 0, 0), timestamp: 5n }],
      }),
    );
    marker.writeInt16BE(marker.readInt16BE(ATTRIBUTES_OFFSET) | 0x20, ATTRIBUTES_OFFSET);
    marker.writeUInt32BE(crc32c(marker, ATTRIBUTES_OFFSET), CRC_OFFSET);
    expect(decodeRecordBatchesSync(marker)[0]).toMatchObject({ isControlBatch: true, transactional: true });
  });
});
