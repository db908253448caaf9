import fc from 'fast-check';
import { beforeAll, describe, expect, it } from 'vitest';
import {
  ATTRIBUTES_OFFSET,
  BATCH_LENGTH_OFFSET,
  type CompressionType,
  CRC_OFFSET,
  crc32c,
  decodeRecordBatches,
  decodeRecordBatchesSync,
  encodeRecordBatchSync,
  LOG_OVERHEAD,
  loadCompressionCodec,
  RECORD_BATCH_OVERHEAD,
  RecordBatchDecodeError,
} from './imports.js';

// The decoder faces bytes from the network. Whatever it is given it must either return batches or throw a
// RecordBatchDecodeError: no RangeError from an out-of-range read, no TypeError, no huge allocation, no hang.

// RECORDS_FUZZ_SCALE=50 npx vitest run test/unit/records/fuzz.test.ts runs 50x the cases for a deeper search.
const SCALE = Number(process.env.RECORDS_FUZZ_SCALE ?? 1);
const CODECS: CompressionType[] = ['none', 'gzip', 'snappy', 'lz4', 'zstd'];
const utf8 = (s: string) => new TextEncoder().encode(s);
const LIMIT = { maxDecompressedBytes: 8 * 1024 * 1024 };

function decodeOutcome(bytes: Uint8Array): 'ok' | 'error' {
  try {
    decodeRecordBatchesSync(bytes, LIMIT);
    return 'ok';
  } catch (error) {
    if (!(error instanceof RecordBatchDecodeError)) throw error;
    expect(error.offset).toBeGreaterThanOrEqual(0);
    expect(error.offset).toBeLessThanOrEqual(bytes.length);
    return 'error';
  }
}

/** Recomputes length and CRC so that damage reaches the record parser and the decompressors. */
function resealed(batch: Uint8Array): Uint8Array {
  const b = Buffer.from(batch);
  b.writeInt32BE(b.length - LOG_OVERHEAD, BATCH_LENGTH_OFFSET);
  b.writeUInt32BE(crc32c(b, ATTRIBUTES_OFFSET), CRC_OFFSET);
  return b;
}

const samples = new Map<CompressionType, Uint8Array>();
beforeAll(async () => {
  await loadCompressionCodec('zstd');
  for (const compression of CODECS) {
    samples.set(
      compression,
      encodeRecordBatchSync({
        compression,
        producerId: 1n,
        producerEpoch: 0,
        baseSequence: 0,
        records: Array.from({ length: 30 }, (_, i) => ({
          key: i % 4 ? utf8(`k${i}`) : null,
          value: utf8(`value ${i} `.repeat(1 + (i % 9))),
          headers: i % 2 ? [{ key: `h-${i}`, value: utf8('x') }] : [],
          timestamp: 1_700_000_000_000n + BigInt(i),
        })),
      }),
    );
  }
});

describe('decoder fuzzing', () => {
  it('random bytes: batches or a typed error', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 4000 }), (bytes) => {
        decodeOutcome(bytes);
      }),
      { numRuns: 3000 * SCALE },
    );
  });

  it('random bytes behind a plausible header (valid length, magic 2, right CRC), every codec id', () => {
    fc.assert(
      fc.property(
        fc.uint8Array({ minLength: 0, maxLength: 3000 }),
        fc.integer({ min: 0, max: 7 }),
        fc.integer({ min: -2, max: 500 }),
        (body, codec, count) => {
          const b = Buffer.alloc(RECORD_BATCH_OVERHEAD + body.length);
          b[16] = 2;
          b.writeInt16BE(codec, ATTRIBUTES_OFFSET);
          b.writeInt32BE(count, 57);
          b.set(body, RECORD_BATCH_OVERHEAD);
          decodeOutcome(resealed(b));
        },
      ),
      { numRuns: 3000 * SCALE },
    );
  });

  it.each(CODECS)(
    '%s: every truncation of valid data stops cleanly at the last complete batch',
    async (codec) => {
      const batch = samples.get(codec)!;
      const two = Buffer.concat([batch, batch]);
      for (let cut = 0; cut <= two.length; cut++) {
        const expected = cut === two.length ? 2 : cut >= batch.length ? 1 : 0;
        expect(decodeRecordBatchesSync(two.subarray(0, cut))).toHaveLength(expected);
      }
      expect(await decodeRecordBatches(two.subarray(0, batch.length + 70))).toHaveLength(1);
    },
  );

  it.each(CODECS)('%s: flipped bytes are caught by the CRC', (codec) => {
    const batch = samples.get(codec)!;
    fc.assert(
      fc.property(
        fc.integer({ min: ATTRIBUTES_OFFSET, max: batch.length - 1 }),
        fc.integer({ min: 1, max: 255 }),
        (at, xor) => {
          const damaged = Buffer.from(batch);
          damaged[at]! ^= xor;
          expect(() => decodeRecordBatchesSync(damaged)).toThrow(/CRC-32C mismatch/);
        },
      ),
      { numRuns: 300 * SCALE },
    );
  });

  it.each(CODECS)(
    '%s: damage with the CRC recomputed reaches the parsers and decompressors safely',
    (codec) => {
      const batch = samples.get(codec)!;
      fc.assert(
        fc.property(
          fc.array(
            fc.tuple(
              fc.integer({ min: RECORD_BATCH_OVERHEAD - 4, max: batch.length - 1 }),
              fc.integer({ min: 0, max: 255 }),
            ),
            {
              minLength: 1,
              maxLength: 6,
            },
          ),
          fc.integer({ min: RECORD_BATCH_OVERHEAD, max: batch.length }),
          (edits, keep) => {
            const damaged = Buffer.from(batch.subarray(0, keep));
            for (const [at, value] of edits) if (at < damaged.length) damaged[at] = value;
            decodeOutcome(resealed(damaged));
          },
        ),
        { numRuns: 1500 * SCALE },
      );
    },
  );

  it('a length field claiming 2 GiB is a partial batch: no allocation, no error', () => {
    const b = Buffer.from(samples.get('none')!);
    b.writeInt32BE(2 ** 31 - 1, BATCH_LENGTH_OFFSET);
    expect(decodeRecordBatchesSync(b)).toEqual([]);
  });

  it('the async decoder agrees with the sync one on damaged data', async () => {
    for (const codec of CODECS) {
      const damaged = Buffer.from(samples.get(codec)!);
      damaged[damaged.length - 3]! ^= 0x55;
      const sealed = resealed(damaged);
      let syncOutcome: string;
      try {
        syncOutcome = JSON.stringify(decodeRecordBatchesSync(sealed), (_, v) =>
          typeof v === 'bigint' ? v.toString() : v,
        );
      } catch (error) {
        expect(error).toBeInstanceOf(RecordBatchDecodeError);
        syncOutcome = 'error';
      }
      const asyncOutcome = await decodeRecordBatches(sealed).then(
        (v) => JSON.stringify(v, (_, x) => (typeof x === 'bigint' ? x.toString() : x)),
        (error: unknown) => {
          expect(error).toBeInstanceOf(RecordBatchDecodeError);
          return 'error';
        },
      );
      expect(asyncOutcome).toBe(syncOutcome);
    }
  });
});
