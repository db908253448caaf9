import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  aloneBodySize,
  type BatchBufferSource,
  type CompressionType,
  CompressionWorkerPool,
  compressesOnEventLoop,
  decodeRecordBatchesSync,
  encodeRecordBatch,
  encodeRecordBatchSync,
  loadCompressionCodec,
  RecordBatchBuilder,
  RecordBatchEncodeError,
  type RecordBatchInput,
  recordSize,
} from './imports.js';

// The builder writes each record at append; its bytes must be exactly encodeRecordBatch's for the same records.

const INT64_MIN = -(2n ** 63n);
const INT64_MAX = 2n ** 63n - 1n;

const bytes = fc.option(fc.uint8Array({ maxLength: 300 }), { nil: null, freq: 5 });
const now = fc.bigInt({ min: 1_700_000_000_000n, max: 1_700_000_100_000n });
const timestamp = fc.oneof(
  { weight: 6, arbitrary: now },
  // A few values again and again, as the producer stamps records (one per millisecond): records repeat a
  // timestamp that is not the batch's first, which the builder converts once and then reuses.
  { weight: 4, arbitrary: fc.constantFrom(1_700_000_000_000n, 1_700_000_000_001n, 1_700_000_000_002n) },
  { weight: 1, arbitrary: fc.bigInt({ min: INT64_MIN, max: INT64_MAX }) },
  { weight: 1, arbitrary: fc.constantFrom(2n ** 53n, -(2n ** 53n), 2n ** 53n - 1n, INT64_MAX, INT64_MIN) },
);
const record = fc.record(
  {
    key: bytes,
    value: fc.oneof(bytes, fc.uint8Array({ minLength: 1000, maxLength: 5000 })),
    headers: fc.array(fc.record({ key: fc.string({ unit: 'grapheme', maxLength: 20 }), value: bytes }), {
      maxLength: 4,
    }),
    timestamp,
  },
  { requiredKeys: ['key', 'value', 'timestamp'] },
);

function batchFor(codec: CompressionType): fc.Arbitrary<RecordBatchInput> {
  return fc.record({
    compression: fc.constant(codec),
    producerId: fc.oneof(fc.constant(-1n), fc.bigInt({ min: 0n, max: INT64_MAX })),
    producerEpoch: fc.integer({ min: -1, max: 32767 }),
    baseSequence: fc.integer({ min: -1, max: 2 ** 31 - 1 }),
    transactional: fc.boolean(),
    records: fc.array(record, { minLength: 1, maxLength: 60 }),
  });
}

/** A buffer source that records what it handed out and got back. */
function countingSource(): BatchBufferSource & { out: Set<Uint8Array>; allocations: number } {
  const out = new Set<Uint8Array>();
  const source = {
    out,
    allocations: 0,
    allocate(size: number) {
      source.allocations++;
      const buffer = new Uint8Array(size);
      out.add(buffer);
      return buffer;
    },
    release(buffer: Uint8Array) {
      expect(out.delete(buffer)).toBe(true);
    },
  };
  return source;
}

function build(input: RecordBatchInput, buffers: BatchBufferSource, useAlone: boolean): RecordBatchBuilder {
  // A small start, so most batches grow (and copy) at least once.
  const builder = new RecordBatchBuilder({ initialCapacity: 100, buffers });
  let total = 61;
  input.records.forEach((r, i) => {
    const size = builder.append(r, useAlone ? aloneBodySize(r) : -1);
    expect(size).toBe(recordSize(r, i, r.timestamp - input.records[0]!.timestamp));
    total += size;
  });
  expect(builder.sizeInBytes).toBe(total);
  expect(builder.recordCount).toBe(input.records.length);
  return builder;
}

describe.each(['none', 'gzip', 'snappy', 'lz4', 'zstd'] as const)('RecordBatchBuilder with %s', (codec) => {
  beforeAll(() => loadCompressionCodec(codec));
  const workers = new CompressionWorkerPool({ minBytes: 1 });
  afterAll(() => workers.close());

  it('writes the bytes encodeRecordBatch writes for the same records', async () => {
    await fc.assert(
      fc.asyncProperty(batchFor(codec), fc.boolean(), fc.boolean(), async (input, useAlone, viaWorker) => {
        const { records, ...options } = input;
        const source = countingSource();
        const builder = build(input, source, useAlone);
        const built = await builder.finish(options, viaWorker ? { compressionPool: workers } : {});
        // Native zstd's streaming (async) and one-shot (sync) forms frame differently; both are valid. The worker
        // compresses one-shot, but only where zstd runs on the event loop (WASM); native zstd (Node >= 22.15)
        // never goes to it.
        const oneShot = viaWorker && compressesOnEventLoop('zstd');
        const expected =
          codec === 'zstd' && !oneShot ? await encodeRecordBatch(input) : encodeRecordBatchSync(input);
        expect(Buffer.from(built).equals(Buffer.from(expected))).toBe(true);
        expect(decodeRecordBatchesSync(built)[0]!.records.length).toBe(records.length);
        if (codec === 'none') {
          // No copy: the batch is a view of the builder's buffer, which stays out until released.
          expect(source.out.size).toBe(1);
          expect([...source.out][0]!.buffer).toBe(built.buffer);
          builder.release();
        }
        // Every buffer went back (grown ones at once, the last one after compression or release).
        expect(source.out.size).toBe(0);
      }),
      { numRuns: 40 },
    );
  });

  it('reads back the records appended so far', () => {
    fc.assert(
      fc.property(batchFor(codec), (input) => {
        const builder = build(input, countingSource(), true);
        const back = builder.records();
        expect(back.map((r) => [r.key, r.value, r.timestamp])).toEqual(
          input.records.map((r) => [r.key, r.value, r.timestamp]),
        );
        expect(back.map((r) => r.headers)).toEqual(input.records.map((r) => r.headers ?? []));
        // Rebuilt from what it read, the batch is the same.
        const again = new RecordBatchBuilder();
        for (const r of back) again.append(r);
        const options = { compression: 'none' as const };
        expect(
          Buffer.from(again.finishUncompressed(options)).equals(
            Buffer.from(builder.finishUncompressed(options)),
          ),
        ).toBe(true);
      }),
      { numRuns: 30 },
    );
  });
});

describe('RecordBatchBuilder', () => {
  it('grows by doubling, copying once per growth, and gives the outgrown buffers back at once', () => {
    const source = countingSource();
    const builder = new RecordBatchBuilder({ initialCapacity: 1_000, buffers: source });
    const value = new Uint8Array(300);
    for (let i = 0; i < 10; i++) builder.append({ key: null, value, timestamp: 1n });
    // 61 + 10 x 309 = 3,151 bytes: 1,000 -> 2,000 -> 4,000.
    expect(source.allocations).toBe(3);
    expect([...source.out].map((b) => b.length)).toEqual([4_000]);
    const oversized = new Uint8Array(100_000);
    builder.append({ key: null, value: oversized, timestamp: 1n });
    // A record bigger than doubling gives: exactly what is needed.
    expect(builder.sizeInBytes).toBe(
      61 + 10 * 309 + recordSize({ key: null, value: oversized, timestamp: 1n }, 10, 0n),
    );
    expect([...source.out].map((b) => b.length)).toEqual([builder.sizeInBytes]);
  });

  it("starts at an initial capacity above the source's reused size (a size hint), and only doubling stops there", () => {
    const source = { ...countingSource(), capacity: 1_000 };
    const hinted = new RecordBatchBuilder({ initialCapacity: 4_000, buffers: source });
    const value = new Uint8Array(300);
    hinted.append({ key: null, value, timestamp: 1n });
    expect([...source.out].map((b) => b.length)).toEqual([4_000]);
    hinted.release();
    const doubling = new RecordBatchBuilder({ initialCapacity: 400, buffers: source });
    doubling.append({ key: null, value, timestamp: 1n });
    doubling.append({ key: null, value, timestamp: 1n });
    // 61 + 2 x 309 = 679 bytes: 400 -> 800.
    expect([...source.out].map((b) => b.length)).toEqual([800]);
    doubling.append({ key: null, value, timestamp: 1n });
    // 988 bytes: 1,000, not 1,600, as the records fit the reused size.
    expect([...source.out].map((b) => b.length)).toEqual([1_000]);
  });

  it("tells its source the records are held compressed before it gives the section's buffer back", async () => {
    const calls: string[] = [];
    const counting = countingSource();
    const source: BatchBufferSource = {
      allocate: (size) => counting.allocate(size),
      release: (buffer) => {
        calls.push(`release ${buffer.length}`);
        counting.release(buffer);
      },
      compressed: (sectionBytes, compressedBytes) =>
        calls.push(`compressed ${sectionBytes} ${compressedBytes}`),
    };
    const value = new Uint8Array(300).fill(7);
    const builder = new RecordBatchBuilder({ initialCapacity: 4_096, buffers: source });
    for (let i = 0; i < 10; i++) builder.append({ key: null, value, timestamp: 1n });
    expect(builder.compressedSize).toBe(0);
    const bytes = await builder.finish({ compression: 'lz4' });
    expect(bytes.length).toBeLessThan(300);
    expect(builder.compressedSize).toBe(bytes.length);
    expect(calls).toEqual([`compressed ${10 * 309} ${bytes.length}`, 'release 4096']);

    // Counted out (its batch settled) while compressing: the source hears nothing of it, the buffer still goes back.
    calls.length = 0;
    const settled = new RecordBatchBuilder({ initialCapacity: 4_096, buffers: source });
    for (let i = 0; i < 10; i++) settled.append({ key: null, value, timestamp: 1n });
    const finishing = settled.finish({ compression: 'lz4' });
    settled.countOut();
    await finishing;
    expect(calls).toEqual(['release 4096']);
    expect(settled.compressedSize).toBe(0);
  });

  it('refuses appends after finish, a record it did not measure, and an empty batch', () => {
    const builder = new RecordBatchBuilder();
    expect(() => builder.finishUncompressed({})).toThrow(RecordBatchEncodeError);
    const a = { key: null, value: null, timestamp: 0n };
    builder.measure(a);
    expect(() => builder.appendMeasured({ ...a })).toThrow(/measure/);
    builder.appendMeasured(a);
    builder.finishUncompressed({});
    expect(() => builder.append(a)).toThrow(/finished/);
  });
});
