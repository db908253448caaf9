import { describe, expect, it } from 'vitest';
import { RecordAccumulator } from '../../../src/producer/accumulator.js';
import type { ProducerBatch } from '../../../src/producer/producer-batch.js';
import { RECORD_BATCH_OVERHEAD } from '../../../src/records/index.js';

// Compressed batches: once a batch is compressed its records are held as the compressed bytes, and its
// uncompressed buffer goes back to the pool; the pool's bound (what is held plus what it keeps, within
// bufferMemory and one batchSize) counts them so. And a new batch of a compressed topic starts at the pool
// size its partition's last batch reached, instead of doubling up to it.

/** Compresses ~100x under lz4. */
const VALUE = new Uint8Array(1_000).fill(42);

function setup(options: { batchSize: number; bufferMemory: number; compressed: boolean }) {
  const acc = new RecordAccumulator({
    ...options,
    lingerMs: 1_000,
    deliveryTimeoutMs: 120_000,
    maxInFlightPerPartition: 5,
    now: () => 1_000,
  });
  const append = (partition: number, value = VALUE) =>
    acc.append('t', partition, {
      key: null,
      value,
      headers: undefined,
      timestamp: 1_000n,
      callback: () => undefined,
      size: 0,
    });
  /**
   * Appends records to the partition's open batch up to `bytes`, while another fits in bufferMemory and in the
   * batch (the record that does not fit starts the partition's next batch); returns that batch.
   */
  const fill = (partition: number, bytes = Number.POSITIVE_INFINITY) => {
    const batch = append(partition);
    while (batch.sizeInBytes < bytes && acc.hasRoom(1_100) && append(partition) === batch);
    return batch;
  };
  /** Counts buffers the pool hands out fresh (none of its kept ones). */
  let fresh = 0;
  const allocate = acc.buffers.allocate.bind(acc.buffers);
  acc.buffers.allocate = (size) => {
    const kept = acc.buffers.pooledBytes;
    const buffer = allocate(size);
    if (acc.buffers.pooledBytes === kept) fresh++;
    return buffer;
  };
  /** Moves the topic's compression estimate to `ratio` (0.005 a batch, as it learns). */
  const learn = (ratio: number) => {
    const batch = append(99);
    for (let i = Math.round((1 - ratio) / 0.005); i > 0; i--) acc.observeCompression(batch, 1);
    acc.markInFlight(batch);
    settle(batch);
  };
  /** The batch leaves and is compressed (lz4, on the event loop), as the sender does. */
  const send = async (batch: ProducerBatch) => {
    acc.markInFlight(batch);
    const bytes = await batch.builder.finish({ compression: 'lz4' });
    acc.observeCompression(batch, bytes.length);
    return bytes;
  };
  const settle = (batch: ProducerBatch) => {
    acc.release(batch);
    acc.remove(batch);
  };
  return { acc, append, fill, send, settle, learn, fresh: () => fresh };
}

describe('RecordAccumulator with compressed batches: memory', () => {
  it("counts a compressed batch's records as its compressed bytes once its buffer goes back, and settles exactly", async () => {
    const batchSize = 4_096;
    const bufferMemory = 3 * batchSize;
    const { acc, fill, send, settle } = setup({ batchSize, bufferMemory, compressed: true });
    // Three batches of ~3.9 KB uncompressed (the estimate starts at no gain, so each closes near batchSize).
    const batches = [0, 1, 2].map((p) => fill(p, batchSize - 1_200));
    const records = batches.reduce((sum, b) => sum + b.sizeInBytes - RECORD_BATCH_OVERHEAD, 0);
    expect(acc.bufferedBytes).toBe(records);
    expect(acc.heldBytes).toBe(records);
    const compressed: number[] = [];
    for (const batch of batches) compressed.push((await send(batch)).length);
    // Held: the compressed batches only; each 4 KiB buffer was kept for reuse. Counted uncompressed, the
    // second and third were dropped (11.6 KB in use + 4 KiB kept + 4 KiB > 12 KiB + 4 KiB).
    expect(acc.heldBytes).toBe(compressed.reduce((a, b) => a + b, 0));
    expect(acc.buffers.pooledBytes).toBe(3 * batchSize);
    expect(acc.buffers.lentBytes).toBe(0);
    // Admission still counts the records' uncompressed bytes until they settle.
    expect(acc.bufferedBytes).toBe(records);
    for (const batch of batches) settle(batch);
    expect(acc.bufferedBytes).toBe(0);
    expect(acc.heldBytes).toBe(0);
  });

  it("keeps compressed batches' buffers for reuse within bufferMemory + batchSize, so none is made fresh", async () => {
    const batchSize = 4_096;
    const bufferMemory = 65_536;
    const { acc, fill, send, settle, learn, fresh } = setup({ batchSize, bufferMemory, compressed: true });
    // At 0.2 the estimate would let a batch hold ~19 KB of records; 2 x batchSize of them make it full first:
    // its buffer doubles 4 KiB -> 8 KiB (or starts there).
    learn(0.2);
    const inFlight: ProducerBatch[] = [];
    let compressedHeld = 0;
    let freshAfterWarmUp = 0;
    for (let round = 0; round < 60; round++) {
      // Past the first rounds every buffer a batch takes or grows into is a kept one.
      if (round === 15) freshAfterWarmUp = fresh();
      const batch = fill(round % 3);
      expect(batch.sizeInBytes).toBeGreaterThan(batchSize);
      expect(batch.sizeInBytes).toBeLessThanOrEqual(2 * batchSize);
      compressedHeld += (await send(batch)).length;
      inFlight.push(batch);
      // Up to 5 batches in flight: ~40 KB of records, so counted uncompressed beside the kept buffers (5 x
      // 8 KiB), the bound dropped buffers and the next batches made fresh ones. Held: the compressed batches in flight and
      // the records of the open batches (each the record that did not fit the batch before).
      let open = 0;
      for (const b of acc.allBatches()) if (!b.inFlight) open += b.sizeInBytes - RECORD_BATCH_OVERHEAD;
      expect(acc.heldBytes).toBe(compressedHeld + open);
      expect(acc.heldBytes + acc.buffers.pooledBytes).toBeLessThanOrEqual(bufferMemory + batchSize);
      if (inFlight.length === 5) {
        const done = inFlight.shift()!;
        compressedHeld -= done.builder.compressedSize;
        settle(done);
      }
    }
    expect(fresh()).toBe(freshAfterWarmUp);
    // In flight, and each partition's open batch (the record that did not fit the batch before).
    for (const batch of acc.allBatches()) settle(batch);
    expect(acc.heldBytes).toBe(0);
    expect(acc.bufferedBytes).toBe(0);
  });

  it('forgets a compression that ends after its in-flight batch settled (expired), leaving nothing counted', async () => {
    const { acc, fill, settle } = setup({ batchSize: 4_096, bufferMemory: 65_536, compressed: true });
    const batch = fill(0, 3_000);
    acc.markInFlight(batch);
    const finishing = batch.builder.finish({ compression: 'lz4' });
    acc.remove(batch); // expired while its request was being written: its records are counted out now
    await finishing;
    settle(batch);
    expect(acc.bufferedBytes).toBe(0);
    expect(acc.heldBytes).toBe(0);
  });

  it("starts a compressed topic's new batch at the pool size its partition's last batch reached", async () => {
    const batchSize = 10_000;
    const { acc, append, fill, send, learn, fresh } = setup({
      batchSize,
      bufferMemory: 1_000_000,
      compressed: true,
    });
    learn(0.3);
    // Doubling from batchSize (no kept buffer is smaller): 10,000 -> 20,000, each kept on release. (The estimate
    // would let ~33 KB in, 2 x batchSize of records make it full: 15 KB stays below both.)
    const first = fill(0, 15_000);
    expect(first.sizeInBytes).toBeGreaterThan(15_000);
    await send(first);
    const kept = acc.buffers.pooledBytes;
    expect(kept).toBeGreaterThanOrEqual(20_000);
    const lent = acc.buffers.lentBytes;
    const made = fresh();
    append(0);
    // Its next batch starts at 20,000: the kept one, not a fresh one, and no copy as it fills.
    expect(acc.buffers.lentBytes - lent).toBe(20_000);
    expect(acc.buffers.pooledBytes).toBe(kept - 20_000);
    expect(fresh()).toBe(made);
    fill(0, 15_000);
    expect(acc.buffers.lentBytes - lent).toBe(20_000);
    // A partition without a last batch starts as before.
    const before = acc.buffers.lentBytes;
    append(1);
    expect(acc.buffers.lentBytes - before).toBe(batchSize);
    // After MESSAGE_TOO_LARGE the estimate is back to no gain: a batch holds at most ~batchSize, so it starts there.
    await send(fill(2, 15_000));
    acc.resetCompressionEstimate('t');
    const beforeReset = acc.buffers.lentBytes;
    append(2);
    expect(acc.buffers.lentBytes - beforeReset).toBe(batchSize);
  });

  it("starts an uncompressed topic's batches small where they do not grow, whatever the last batch reached", () => {
    const batchSize = 100_000;
    const { acc, append, fill } = setup({ batchSize, bufferMemory: 1_000_000, compressed: false });
    const first = fill(0, 60_000);
    acc.markInFlight(first);
    const lent = acc.buffers.lentBytes;
    append(0);
    expect(acc.buffers.lentBytes - lent).toBe(16_384);
  });
});
