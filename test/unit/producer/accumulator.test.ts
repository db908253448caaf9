import { describe, expect, it } from 'vitest';
import { RecordAccumulator } from '../../../src/producer/accumulator.js';
import type { DeliveryCallback, RecordMetadata } from '../../../src/producer/producer-batch.js';
import { recordSize } from '../../../src/records/index.js';

/** A value making a keyless, header-less record exactly `size` bytes (deltas below 64). */
function valueFor(size: number): Uint8Array {
  for (let n = 0; n < size; n++) {
    const value = new Uint8Array(n).fill(n % 251);
    if (recordSize({ key: null, value, timestamp: 0n }, 0, 0n) === size) return value;
  }
  throw new Error(`no record is exactly ${size} bytes`);
}

function setup(
  options: {
    batchSize?: number;
    lingerMs?: number;
    deliveryTimeoutMs?: number;
    bufferMemory?: number;
    compressed?: boolean;
    maxRequestSize?: number;
    maxInFlightPerPartition?: number;
    onQueueSizes?: (topic: string, partitions: readonly number[], sizes: readonly number[]) => void;
  } = {},
) {
  let now = 1_000;
  let freed = 0;
  const acc = new RecordAccumulator({
    ...(options.bufferMemory === undefined ? {} : { bufferMemory: options.bufferMemory }),
    onMemoryFreed: () => freed++,
    batchSize: options.batchSize ?? 1000,
    lingerMs: options.lingerMs ?? 5,
    deliveryTimeoutMs: options.deliveryTimeoutMs ?? 120_000,
    maxInFlightPerPartition: options.maxInFlightPerPartition ?? 1,
    ...(options.maxRequestSize === undefined ? {} : { maxRequestSize: options.maxRequestSize }),
    ...(options.onQueueSizes === undefined ? {} : { onQueueSizes: options.onQueueSizes }),
    compressed: options.compressed ?? false,
    now: () => now,
  });
  const results: Array<{ error: Error | null; meta: RecordMetadata | null }> = [];
  const callback: DeliveryCallback = (error, meta) => results.push({ error, meta });
  const batchSize = options.batchSize ?? 1000;
  // What the append did: the batch it joined, whether that batch is new, and whether it is now full. The record
  // is real (its bytes are written into the batch): a value of the length that makes it `size` bytes.
  const append = (partition: number, size: number, timestamp = 0n) => {
    const before = acc.allBatches().length;
    const batch = acc.append('t', partition, {
      key: null,
      value: valueFor(size),
      headers: undefined,
      timestamp,
      callback,
      size: 0,
    });
    return {
      batch,
      newBatchCreated: acc.allBatches().length > before,
      batchIsFull: batch.sizeInBytes >= batchSize,
    };
  };
  return { acc, append, results, advance: (ms: number) => (now += ms), freed: () => freed };
}

describe('RecordAccumulator', () => {
  it('with compression, bounds a batch by its estimated compressed size and learns the ratio like Java', () => {
    const { acc, append } = setup({ batchSize: 1_061, lingerMs: 1000, compressed: true });
    // A new topic's estimate is 1: 61 + records x 1 x 1.05 <= 1,061, so 9 records of 100 bytes (945 + 61 =
    // 1,006; a 10th would make 1,006 + 100 > 1,061).
    const first = append(0, 100).batch;
    for (let i = 1; i < 9; i++) expect(append(0, 100).batch).toBe(first);
    expect(append(0, 100).batch).not.toBe(first);
    expect(acc.estimatedSize(first)).toBe(61 + Math.ceil(900 * 1.05));

    // The batch compressed to a tenth: the estimate improves by 0.005 a batch, not at once.
    acc.observeCompression(first, Math.round(first.sizeInBytes / 10));
    const second = append(1, 100).batch;
    expect(second.compressionRatio).toBeCloseTo(0.995, 6);
    for (let i = 0; i < 60; i++) acc.observeCompression(first, Math.round(first.sizeInBytes / 10));
    const later = append(2, 100).batch;
    expect(later.compressionRatio).toBeCloseTo(1 - 61 * 0.005, 6);
    // 61 + n x 100 x 0.695 x 1.05 + 100 <= 1,061 holds up to n = 12: 13 records fit where 9 did.
    for (let i = 1; i < 13; i++) expect(append(2, 100).batch).toBe(later);
    expect(append(2, 100).batch).not.toBe(later);

    // A batch that compressed worse than expected takes the estimate up at once (at least +0.05).
    acc.observeCompression(later, later.sizeInBytes);
    expect(append(3, 100).batch.compressionRatio).toBeCloseTo(1.0, 6);
    // MESSAGE_TOO_LARGE: back to 1 for new batches of the topic.
    for (let i = 0; i < 10; i++) acc.observeCompression(first, 100);
    acc.resetCompressionEstimate('t');
    expect(append(4, 100).batch.compressionRatio).toBe(1);
  });

  it('with compression, a batch is full at 2 x batchSize of uncompressed records however well they compress', () => {
    const { acc, append } = setup({ batchSize: 1_061, lingerMs: 1000, compressed: true });
    const learnt = append(9, 100).batch;
    for (let i = 0; i < 180; i++) acc.observeCompression(learnt, Math.round(learnt.sizeInBytes / 20));
    // At 0.1 the estimate alone would take 61 + n x 100 x 0.1 x 1.05 + 100 <= 1,061: 85 records. Half the
    // uncompressed size bounds it first: ceil((61 + n x 100) / 2) + 100 <= 1,061 holds up to n = 18, so a
    // 19th record joins and a 20th does not.
    const first = append(0, 100).batch;
    expect(first.compressionRatio).toBeCloseTo(0.1, 6);
    for (let i = 1; i < 19; i++) expect(append(0, 100).batch).toBe(first);
    expect(first.sizeInBytes).toBe(1_961);
    expect(acc.estimatedSize(first)).toBe(981);
    expect(acc.ready().ready).not.toContain(first);
    // The 20th starts the next batch, and the full one leaves without waiting for lingerMs.
    expect(append(0, 100).batch).not.toBe(first);
    expect(acc.ready().ready).toContain(first);
    expect(acc.ready().nextReadyInMs).toBe(1000);
  });

  it('without compression, the estimate is the exact size and nothing is learnt', () => {
    const { acc, append } = setup({ batchSize: 1_061, lingerMs: 1000 });
    const first = append(0, 100).batch;
    acc.observeCompression(first, 10);
    for (let i = 1; i < 10; i++) expect(append(0, 100).batch).toBe(first);
    expect(acc.estimatedSize(first)).toBe(1_061);
    expect(append(1, 100).batch.compressionRatio).toBe(1);
  });

  it('holds a batch for lingerMs, then makes it ready', () => {
    const { acc, append, advance } = setup({ lingerMs: 5 });
    append(0, 100);
    expect(acc.ready().ready).toHaveLength(0);
    expect(acc.ready().nextReadyInMs).toBe(5);
    advance(5);
    expect(acc.ready().ready).toHaveLength(1);
  });

  it('counts exact sizes: a batch is full at batchSize including the 61-byte header', () => {
    const { acc, append } = setup({ batchSize: 261, lingerMs: 1000 });
    expect(append(0, 100).batchIsFull).toBe(false);
    const second = append(0, 100);
    expect(second.newBatchCreated).toBe(false);
    expect(second.batchIsFull).toBe(true);
    expect(second.batch.sizeInBytes).toBe(261);
    expect(acc.ready().ready).toHaveLength(1);
    // The next record does not fit: it opens a second batch.
    expect(append(0, 7).newBatchCreated).toBe(true);
  });

  it('gives a record larger than batchSize a batch of its own', () => {
    const { append } = setup({ batchSize: 100 });
    const result = append(0, 500);
    expect(result.newBatchCreated).toBe(true);
    expect(result.batch.recordCount).toBe(1);
    expect(append(0, 7).newBatchCreated).toBe(true);
  });

  it('keeps one batch per partition in flight, in order', () => {
    const { acc, append } = setup({ batchSize: 100, lingerMs: 0 });
    const first = append(0, 60).batch;
    const second = append(0, 60).batch;
    expect(first).not.toBe(second);
    expect(acc.ready().ready).toEqual([first]);
    acc.markInFlight(first);
    expect(acc.ready().ready).toEqual([]);
    acc.release(first);
    acc.remove(first);
    expect(acc.ready().ready).toEqual([second]);
  });

  it('lets a batch that could not leave anyway grow past batchSize, up to 8 batchSizes or maxRequestSize', () => {
    const { acc, append } = setup({ batchSize: 1_061, lingerMs: 0, maxRequestSize: 1_048_576 });
    // Nothing ahead of it: the first batch is full at batchSize (61 + 10 x 100) and the 11th record opens a second.
    const first = append(0, 100).batch;
    for (let i = 1; i < 10; i++) expect(append(0, 100).batch).toBe(first);
    const second = append(0, 100).batch;
    expect(second).not.toBe(first);
    acc.markInFlight(first);
    // One batch is at the broker and one may be: the second would wait for it full or not, so it takes records
    // up to 8 x 1,061 = 8,488 bytes instead of leaving 7 more batches queued behind it: 84 records, the 20
    // from the 65th on a byte larger (offset deltas of 64 and more take two bytes).
    for (let i = 1; i < 84; i++) expect(append(0, 100).batch).toBe(second);
    expect(second.sizeInBytes).toBe(61 + 84 * 100 + 20);
    const third = append(0, 100).batch;
    expect(third).not.toBe(second);
    expect(acc.ready().ready).toEqual([]);
    acc.release(first);
    acc.remove(first);
    expect(acc.ready().ready).toEqual([second]);
  });

  it('grows a batch only as far as maxRequestSize, and waits behind queued batches as behind sent ones', () => {
    const { append } = setup({ batchSize: 1_061, lingerMs: 0, maxRequestSize: 2_061 });
    const first = append(0, 100).batch;
    for (let i = 1; i < 10; i++) append(0, 100);
    // The first batch has not left (no sender pass yet) but is ahead: the second grows to 61 + 20 records.
    const second = append(0, 100).batch;
    for (let i = 1; i < 20; i++) expect(append(0, 100).batch).toBe(second);
    expect(append(0, 100).batch).not.toBe(second);
    expect(first.inFlight).toBe(false);
    expect(second.sizeInBytes).toBe(2_061);
  });

  it('keeps batches within batchSize where five may fly (idempotence), as Java does', () => {
    const { acc, append } = setup({ batchSize: 161, maxRequestSize: 1_048_576, maxInFlightPerPartition: 5 });
    // 61 + one record of 100: every record is a batch of its own, however many are queued.
    for (let i = 0; i < 20; i++) expect(append(0, 100).newBatchCreated).toBe(true);
    for (const batch of acc.allBatches().slice(0, 5)) acc.markInFlight(batch);
    expect(append(0, 100).newBatchCreated).toBe(true);
  });

  it("stops growing a topic's batches once the broker found one too large (split)", () => {
    const { acc, append } = setup({ batchSize: 1_061, lingerMs: 0, maxRequestSize: 1_048_576 });
    for (let i = 0; i < 10; i++) append(0, 100);
    const grown = append(0, 100).batch;
    for (let i = 0; i < 20; i++) append(0, 100);
    expect(grown.recordCount).toBe(21);
    acc.markInFlight(grown);
    acc.split(grown);
    // Behind the halves, a new batch is full at batchSize again.
    const next = append(0, 100).batch;
    for (let i = 1; i < 10; i++) expect(append(0, 100).batch).toBe(next);
    expect(append(0, 100).batch).not.toBe(next);
  });

  it('reports a grown batch to adaptive partitioning as the batchSize batches it holds', () => {
    const reports: number[][] = [];
    const { acc, append } = setup({
      batchSize: 1_061,
      lingerMs: 1_000,
      maxRequestSize: 1_048_576,
      onQueueSizes: (_topic, _partitions, sizes) => reports.push([...sizes]),
    });
    for (let i = 0; i < 10 + 25; i++) append(0, 100);
    acc.ready();
    // The first batch (1,061 bytes) and the second (61 + 25 x 100 = 2,561): 1 + 3.
    expect(reports.at(-1)).toEqual([4]);
  });

  it('settles records with consecutive offsets and the broker append time when given', () => {
    const { acc, append, results } = setup();
    append(0, 10, 5n);
    const { batch } = append(0, 10, 7n);
    batch.complete(100n, -1n);
    expect(results.map((r) => [r.meta?.offset, r.meta?.timestamp])).toEqual([
      [100n, 5n],
      [101n, 7n],
    ]);
    // Told once: a second answer for the same batch reaches nobody.
    batch.complete(200n, 999n);
    expect(results).toHaveLength(2);
    acc.remove(batch);
    expect(acc.recordsPending).toBe(0);

    const appendTime = setup();
    appendTime.append(0, 10, 5n);
    appendTime.append(0, 10, 7n).batch.complete(200n, 999n);
    expect(appendTime.results.map((r) => [r.meta?.offset, r.meta?.timestamp])).toEqual([
      [200n, 999n],
      [201n, 999n],
    ]);
  });

  it('flush makes lingering batches ready and waits only for what was appended before it', async () => {
    const { acc, append } = setup({ lingerMs: 10_000 });
    const { batch } = append(0, 10);
    acc.beginFlush();
    expect(acc.ready().ready).toEqual([batch]);
    const flushed = acc.whenAllSettled();
    let done = false;
    void flushed.then(() => {
      done = true;
    });
    append(1, 10);
    acc.remove(batch);
    await flushed;
    expect(done).toBe(true);
    acc.endFlush();
  });

  it('reports batches past delivery.timeout.ms that are not in flight', () => {
    const { acc, append, advance } = setup({ deliveryTimeoutMs: 100, batchSize: 50 });
    const inflight = append(0, 40).batch;
    acc.markInFlight(inflight);
    const waiting = append(1, 10).batch;
    advance(100);
    expect(acc.expired()).toEqual([waiting]);
  });

  it('tells the sticky partitioner when the last batch is full', () => {
    const { acc, append } = setup({ batchSize: 100 });
    expect(acc.allBatchesFull('t', 0)).toBe(true);
    append(0, 10);
    expect(acc.allBatchesFull('t', 0)).toBe(false);
    append(0, 29);
    expect(acc.allBatchesFull('t', 0)).toBe(true);
  });

  it('accounts the exact bytes of every record held, and gives them back when its batch settles', () => {
    const { acc, append, freed } = setup({ batchSize: 200, bufferMemory: 1000 });
    expect(acc.bufferedBytes).toBe(0);
    const first = append(0, 100).batch;
    append(0, 30);
    const second = append(0, 120).batch;
    append(1, 7);
    expect(first).not.toBe(second);
    expect(acc.bufferedBytes).toBe(257);
    expect(acc.hasRoom(743)).toBe(true);
    expect(acc.hasRoom(744)).toBe(false);
    acc.markInFlight(first);
    // In flight still counts: the bytes are held until the record's outcome is known.
    expect(acc.bufferedBytes).toBe(257);
    acc.release(first);
    acc.remove(first);
    expect(acc.bufferedBytes).toBe(127);
    expect(freed()).toBe(1);
    // Settling twice (an in-flight batch expired, then its late answer) gives nothing back twice.
    acc.remove(first);
    expect(acc.bufferedBytes).toBe(127);
    for (const batch of acc.allBatches()) acc.remove(batch);
    expect(acc.bufferedBytes).toBe(0);
    expect(acc.recordsPending).toBe(0);
  });

  it('gives back exactly what a split batch took, once its parts settle', () => {
    const { acc, append } = setup({ batchSize: 1000 });
    const { batch } = append(0, 40);
    append(0, 50);
    append(0, 60);
    expect(acc.bufferedBytes).toBe(150);
    acc.markInFlight(batch);
    acc.split(batch);
    const parts = acc.allBatches();
    expect(parts.map((part) => part.recordCount)).toEqual([2, 1]);
    // The same records, so the same sizes (deltas below 64 take one byte wherever they are).
    expect(acc.bufferedBytes).toBe(150);
    acc.remove(parts[0]!);
    expect(acc.bufferedBytes).toBe(60);
    acc.remove(parts[1]!);
    expect(acc.bufferedBytes).toBe(0);
  });

  it('makes lingering batches ready at once while records wait for room', () => {
    const { acc, append, advance } = setup({ lingerMs: 1_000 });
    const { batch } = append(0, 10);
    expect(acc.ready().ready).toEqual([]);
    acc.exhausted = true;
    expect(acc.ready().ready).toEqual([batch]);
    acc.exhausted = false;
    advance(999);
    expect(acc.ready().ready).toEqual([]);
    advance(1);
    expect(acc.ready().ready).toEqual([batch]);
  });
});
