import { afterEach, describe, expect, it } from 'vitest';
import type { RecordMetadata } from '../../../src/index.js';
import { RecordAccumulator } from '../../../src/producer/accumulator.js';
import { BufferPool } from '../../../src/producer/buffer-pool.js';
import type { ProducerBatch } from '../../../src/producer/producer-batch.js';
import { decodeRecordBatchesSync, loadCompressionCodec } from '../../../src/records/index.js';
import { cleanup, producerFor, startCluster } from './harness.js';

// Batch buffers are pooled (Java's BufferPool): a buffer must never be handed to another batch while a
// request holding its bytes is in flight, waiting for a retry or still being written.

afterEach(cleanup);

// bufferMemory leaves room for every buffer these tests hold out at once, so the pool's bound (buffers out and
// kept together) never decides what is reused unless a test says so.
function setup(
  batchSize = 1_000,
  bufferMemory = 100_000,
  more: { maxInFlightPerPartition?: number; maxRequestSize?: number } = {},
) {
  let now = 0;
  const acc = new RecordAccumulator({
    batchSize,
    lingerMs: 0,
    deliveryTimeoutMs: 1_000,
    maxInFlightPerPartition: 5,
    bufferMemory,
    now: () => now,
    ...more,
  });
  const outcomes: Array<Error | RecordMetadata> = [];
  const append = (partition: number, text: string) =>
    acc.append('t', partition, {
      key: null,
      value: Buffer.from(text),
      headers: undefined,
      timestamp: 1_700_000_000_000n + BigInt(text.length),
      size: 0,
      callback: (error, meta) => outcomes.push(error ?? meta!),
    });
  return { acc, append, outcomes, advance: (ms: number) => (now += ms) };
}

/** The buffer a batch's bytes live in, once finished without compression (what a request would carry). */
function send(acc: RecordAccumulator, batch: ProducerBatch): Uint8Array {
  acc.markInFlight(batch);
  return batch.builder.finishUncompressed({});
}

/** The sizes the accumulator asks its buffer pool for from now on, in order (the list grows as it asks). */
function sizesAsked(acc: RecordAccumulator): number[] {
  const asked: number[] = [];
  const allocate = acc.buffers.allocate.bind(acc.buffers);
  acc.buffers.allocate = (size) => {
    asked.push(size);
    return allocate(size);
  };
  return asked;
}

const values = (bytes: Uint8Array) =>
  decodeRecordBatchesSync(bytes)[0]!.records.map((r) => Buffer.from(r.value!).toString());

describe('batch buffer pool', () => {
  it('keeps only batchSize buffers, out and kept together within bufferMemory + batchSize, each only once', () => {
    // Out and kept together: at most 150 + one 100-byte buffer.
    const pool = new BufferPool({ capacity: 100, maxPooledBytes: 150 });
    const [a, b, c, big] = [pool.allocate(100), pool.allocate(100), pool.allocate(100), pool.allocate(101)];
    expect([a, b, c, big].map((buffer) => buffer.length)).toEqual([100, 100, 100, 101]);
    expect(pool.lentBytes).toBe(401);
    pool.release(big); // not batchSize: left to the garbage collector
    expect(pool.pooledBytes).toBe(0);
    pool.release(c); // 200 still out + 100 kept would pass 250: dropped
    expect(pool.pooledBytes).toBe(0);
    pool.release(b);
    pool.release(a);
    expect([pool.lentBytes, pool.pooledBytes]).toEqual([0, 200]);
    pool.release(a); // a second release of one buffer is ignored: two batches would share it
    expect([pool.lentBytes, pool.pooledBytes]).toEqual([0, 200]);
    const again = [pool.allocate(50), pool.allocate(50), pool.allocate(50)];
    expect(new Set(again).size).toBe(3);
    expect(again.filter((buffer) => buffer === a || buffer === b)).toHaveLength(2);
    // With none free, a buffer of the size asked for: small batches do not each take batchSize.
    expect(again.map((buffer) => buffer.length).sort()).toEqual([100, 100, 50]);
  });

  it("counts what its owner says is in use against the bound: the accumulator's record bytes", () => {
    let held = 0;
    const pool = new BufferPool({ capacity: 100, maxPooledBytes: 150, inUse: () => held });
    const [a, b, c] = [pool.allocate(100), pool.allocate(100), pool.allocate(100)];
    // 300 bytes of buffers out, 150 of records in them: a freed buffer is kept for the next batch.
    held = 150;
    pool.release(a);
    expect(pool.pooledBytes).toBe(100);
    held = 100;
    pool.release(b); // 100 in use + 100 kept + 100 more passes 150 + 100: dropped
    expect(pool.pooledBytes).toBe(100);
    held = 0;
    pool.release(c);
    expect(pool.pooledBytes).toBe(200);
  });

  it('keeps one buffer of the largest size a batch grows to beyond the bound, where batches grow past batchSize', () => {
    let held = 0;
    const pool = new BufferPool({
      capacity: 100,
      maxPooledBytes: 1_000,
      largestBatch: 800,
      inUse: () => held,
    });
    const [a, b] = [pool.allocate(800), pool.allocate(800)];
    // A grown batch settled while records waiting for room took all but a record's worth of bufferMemory:
    // its buffer is kept for the batch they go into (with one batchSize of slack it was dropped).
    held = 950;
    pool.release(a);
    expect(pool.pooledBytes).toBe(800);
    // One such buffer, not two.
    pool.release(b);
    expect(pool.pooledBytes).toBe(800);
  });

  it('starts a batch small when no buffer is free, grows it by doubling to batchSize, and reuses it', () => {
    const batchSize = 128 * 1024;
    const { acc, append } = setup(batchSize, 32 * 1024 * 1024);
    // 600 partitions with one small record each: their records' bytes, not 600 x batchSize.
    const open = Array.from({ length: 600 }, (_, p) => append(p, `record of partition ${p}`));
    expect(acc.buffers.lentBytes).toBeLessThanOrEqual(600 * 16 * 1024);
    // One partition fills a batch: the buffer doubles up to exactly batchSize, so it can be pooled.
    const value = 'x'.repeat(1_000);
    let batch = append(600, value);
    while (append(600, value) === batch) {
      expect(acc.buffers.lentBytes).toBeLessThanOrEqual(600 * 16 * 1024 + batchSize);
    }
    const full = send(acc, batch);
    expect(full.buffer.byteLength).toBe(batchSize);
    expect(values(full)).toHaveLength(batch.recordCount);
    acc.release(batch);
    acc.remove(batch);
    batch.complete(0n, -1n);
    // Every size it went through was kept (16, 32, 64 and 128 KiB), so the next batch to fill allocates
    // nothing: the bytes out and kept together grow by at most the start of the batch the last record opened.
    expect(acc.buffers.pooledBytes).toBeGreaterThanOrEqual(batchSize);
    const total = () => acc.buffers.lentBytes + acc.buffers.pooledBytes;
    const before = total();
    batch = append(601, value);
    while (append(601, value) === batch);
    expect(total()).toBeLessThanOrEqual(before + 16 * 1024);
    expect(send(acc, batch).buffer).toBe(full.buffer);
    for (const b of open) expect(values(send(acc, b))).toHaveLength(1);
  });

  it('with bufferMemory full, a freed batch buffer goes to the batch the waiting records open next', () => {
    const batchSize = 64 * 1024;
    const bufferMemory = 8 * batchSize;
    const { acc, append } = setup(batchSize, bufferMemory);
    const value = 'x'.repeat(1_000);
    // What admission does: a record goes in only while its bytes fit in bufferMemory (1 KiB records leave up
    // to a record's worth of each batch's buffer empty, so records and buffers never add up exactly).
    const fill = () => {
      while (acc.hasRoom(1_100)) append(0, value);
    };
    fill();
    const buffersSeen = new Set<ArrayBufferLike>();
    for (let round = 0; round < 40; round++) {
      const oldest = acc.allBatches()[0]!;
      const bytes = send(acc, oldest);
      if (round >= 8) buffersSeen.add(bytes.buffer);
      acc.release(oldest);
      acc.remove(oldest);
      oldest.complete(0n, -1n);
      fill();
      expect(acc.buffers.lentBytes + acc.buffers.pooledBytes).toBeLessThanOrEqual(bufferMemory + batchSize);
    }
    // Past the first bufferMemory's worth of batches, 32 batches went through the same few buffers: none was
    // dropped for a new one grown again from 16 KiB.
    expect(buffersSeen.size).toBeLessThanOrEqual(bufferMemory / batchSize + 1);
  });

  it("behind a batch in flight, starts a batch that may grow in a kept buffer of its partition's last batch's size", () => {
    // One batch per partition flies (no idempotence): the one behind it grows up to 8 x batchSize (512 KiB).
    const batchSize = 64 * 1024;
    const { acc, append } = setup(batchSize, 4 << 20, {
      maxInFlightPerPartition: 1,
      maxRequestSize: 1 << 20,
    });
    const value = 'x'.repeat(1_000);
    const fill = (batch: ProducerBatch) => {
      while (batch.sizeInBytes < 300_000) expect(append(0, value)).toBe(batch);
      return batch;
    };
    const settle = (batch: ProducerBatch) => {
      acc.release(batch);
      acc.remove(batch);
    };
    const asked = sizesAsked(acc);
    const first = append(0, value);
    send(acc, first);
    // Behind it the next batch grows past batchSize, doubling from 16 KiB to 512 KiB.
    const second = fill(append(0, value));
    settle(first);
    send(acc, second);
    // The third opens behind the second, which holds the only 512 KiB buffer: it starts small and doubles.
    asked.length = 0;
    const third = fill(append(0, value));
    expect(asked).toEqual([16_384, 32_768, 65_536, 131_072, 262_144, 524_288]);
    settle(second);
    send(acc, third);
    // The fourth opens behind the third with the second's buffer kept: it starts there and fills it without
    // growing (no copy), one buffer handed out.
    expect(acc.buffers.hasFree(524_288)).toBe(true);
    asked.length = 0;
    const fourth = fill(append(0, value));
    expect(asked).toEqual([524_288]);
    expect(values(send(acc, fourth))).toHaveLength(fourth.recordCount);
    // Not behind a batch, a new batch starts small, as ever: open batches hold at most twice their bytes.
    settle(third);
    settle(fourth);
    asked.length = 0;
    append(0, value);
    expect(asked).toEqual([16_384]);
  });

  it('starts a batch behind another small once its topic had a batch split (its batches no longer grow)', () => {
    const batchSize = 64 * 1024;
    const { acc, append } = setup(batchSize, 4 << 20, {
      maxInFlightPerPartition: 1,
      maxRequestSize: 1 << 20,
    });
    const value = 'x'.repeat(1_000);
    const asked = sizesAsked(acc);
    // A batch grown to ~300 KB behind another, sent, and refused as too large: split into two halves.
    const first = append(0, value);
    send(acc, first);
    const grown = append(0, value);
    while (grown.sizeInBytes < 300_000) expect(append(0, value)).toBe(grown);
    acc.release(first);
    acc.remove(first);
    send(acc, grown);
    acc.split(grown);
    const [firstHalf] = acc.ready().ready;
    expect(firstHalf!.recordCount).toBe(Math.ceil(grown.recordCount / 2));
    send(acc, firstHalf!);
    acc.release(firstHalf!);
    acc.remove(firstHalf!);
    const [secondHalf] = acc.ready().ready;
    send(acc, secondHalf!);
    // The first half's buffer is free at the size the partition's last batch reached, and the next batch
    // opens behind the second half: it stays within batchSize now, so it starts small rather than holding it.
    expect(acc.buffers.hasFree(acc.buffers.sizeFor(secondHalf!.sizeInBytes))).toBe(true);
    asked.length = 0;
    const next = append(0, value);
    expect(next).not.toBe(secondHalf);
    expect(asked).toEqual([16_384]);
  });

  it('with bufferMemory full and batches grown past batchSize while blocked, reuses the grown buffers', () => {
    // One batch per partition flies (no idempotence): the one behind it grows to 8 x batchSize (512 KiB).
    const batchSize = 64 * 1024;
    const grown = 8 * batchSize;
    const bufferMemory = 4 * grown;
    const { acc, append } = setup(batchSize, bufferMemory, {
      maxInFlightPerPartition: 1,
      maxRequestSize: 1 << 20,
    });
    const value = 'x'.repeat(1_000);
    const fill = () => {
      while (acc.hasRoom(1_100)) append(0, value);
    };
    let made = 0;
    const allocate = acc.buffers.allocate.bind(acc.buffers);
    acc.buffers.allocate = (size) => {
      const kept = acc.buffers.pooledBytes;
      const buffer = allocate(size);
      if (acc.buffers.pooledBytes === kept) made += buffer.length;
      return buffer;
    };
    send(acc, append(0, value));
    fill();
    let warm = 0;
    for (let round = 0; round < 24; round++) {
      const oldest = acc.allBatches()[0]!;
      const bytes = send(acc, oldest);
      expect(values(bytes)).toHaveLength(oldest.recordCount);
      acc.release(oldest);
      acc.remove(oldest);
      oldest.complete(0n, -1n);
      fill();
      expect(acc.buffers.lentBytes + acc.buffers.pooledBytes).toBeLessThanOrEqual(bufferMemory + grown);
      if (round === 7) warm = made;
    }
    // Batches grew to 512 KiB each; past the first rounds every one took a kept buffer: none allocated.
    expect(Math.max(...acc.allBatches().map((b) => b.sizeInBytes))).toBeGreaterThan(4 * batchSize);
    expect(made).toBe(warm);
  });

  it('a batch closed by a record that does not fit keeps no reference to that record', () => {
    const { acc, append } = setup(200);
    const first = append(0, 'a'.repeat(100));
    const record = {
      key: null,
      value: Buffer.from('b'.repeat(100)),
      headers: undefined,
      timestamp: 1_700_000_000_000n,
      size: 0,
      callback: () => undefined,
    };
    const second = acc.append('t', 0, record);
    expect(second).not.toBe(first);
    expect(first.closed).toBe(true);
    // The closed batch's builder was measured against the record, then forgot it: it cannot append it.
    expect(() => first.builder.appendMeasured(record)).toThrow(
      /takes the record measure\(\) was last called with/,
    );
  });

  it('does not reuse the buffer of a batch in flight, even once that batch expired and settled', () => {
    const { acc, append, outcomes, advance } = setup();
    const first = append(0, 'first');
    const bytes = send(acc, first);
    advance(1_000);
    // Expired while its request is out: settled, its bytes counted out, but the request still holds them.
    acc.remove(first);
    first.fail(new Error('expired'));
    expect(outcomes).toHaveLength(1);
    for (let p = 1; p <= 20; p++) {
      send(acc, append(p, `other ${p}`));
    }
    // Twenty batches were built since, none in that buffer: the in-flight request's bytes are intact.
    expect(values(bytes)).toEqual(['first']);
    expect(acc.buffers.pooledBytes).toBe(0);
    acc.release(first); // its request ended
    expect(acc.buffers.pooledBytes).toBe(1_000);
    const next = append(30, 'next');
    expect(acc.buffers.pooledBytes).toBe(0);
    // The freed buffer went to the next batch.
    expect(send(acc, next).buffer).toBe(bytes.buffer);
  });

  it('keeps the buffer of a batch waiting for a retry until it is delivered, then reuses it', () => {
    const { acc, append, outcomes } = setup();
    const batch = append(0, 'retried');
    const bytes = send(acc, batch);
    acc.release(batch); // a retriable error: the batch waits for its retry
    for (let p = 1; p <= 10; p++) send(acc, append(p, `p${p}`));
    expect(values(bytes)).toEqual(['retried']);
    // The retry resends the same bytes.
    acc.markInFlight(batch);
    for (let p = 11; p <= 20; p++) send(acc, append(p, `p${p}`));
    expect(values(bytes)).toEqual(['retried']);
    acc.release(batch);
    acc.remove(batch);
    batch.complete(5n, -1n);
    expect(outcomes).toHaveLength(1);
    expect(acc.buffers.pooledBytes).toBe(1_000);
    expect(send(acc, append(21, 'reused')).buffer).toBe(bytes.buffer);
  });

  it('splits a batch the broker found too large into two re-encoded halves: records, order, sequences', async () => {
    await loadCompressionCodec('lz4');
    for (const compression of ['none', 'lz4'] as const) {
      const { acc, append, outcomes } = setup(100_000, 1_000_000);
      let batch!: ProducerBatch;
      const texts = Array.from({ length: 7 }, (_, i) => `record ${i} `.repeat(i + 1));
      for (const text of texts) batch = append(0, text);
      const held = acc.bufferedBytes;
      batch.producerId = 42n;
      batch.producerEpoch = 3;
      batch.baseSequence = 2_147_483_645; // the second half's sequence wraps past 2^31-1 (4 later: 1)
      acc.markInFlight(batch);
      await batch.builder.finish({
        compression,
        producerId: 42n,
        producerEpoch: 3,
        baseSequence: 2_147_483_645,
      });
      acc.split(batch);
      const parts = acc.allBatches();
      expect(
        parts.map((part) => [part.recordCount, part.baseSequence, part.producerId, part.closed]),
      ).toEqual([
        [4, 2_147_483_645, 42n, true],
        [3, 1, 42n, true],
      ]);
      // Same records, same timestamps, same sizes (deltas below 64 take one byte wherever they are).
      expect(acc.bufferedBytes).toBe(held);
      const decoded = parts.map((part) => {
        const bytes = part.builder.finishUncompressed({ baseSequence: part.baseSequence });
        return decodeRecordBatchesSync(bytes)[0]!;
      });
      expect(decoded.flatMap((b) => b.records.map((r) => Buffer.from(r.value!).toString()))).toEqual(texts);
      expect(decoded.flatMap((b) => b.records.map((r) => r.timestamp))).toEqual(
        texts.map((t) => 1_700_000_000_000n + BigInt(t.length)),
      );
      // Settlements follow their records.
      parts[1]!.complete(10n, -1n);
      parts[0]!.complete(6n, -1n);
      expect(outcomes.map((o) => (o as RecordMetadata).offset)).toEqual([10n, 11n, 12n, 6n, 7n, 8n, 9n]);
    }
  });

  it('delivers every record with its own bytes while requests are delayed, refused and retried', async () => {
    const cluster = await startCluster({ topics: { t: 3 } });
    // One request per partition at a time: with five, a refused batch makes the broker refuse the ones behind
    // it as out of order, which is another test's matter.
    const producer = producerFor(cluster, {
      batchSize: 1_024,
      lingerMs: 0,
      maxInFlightRequestsPerConnection: 1,
    });
    let n = 0;
    cluster.control(
      'Produce',
      () => {
        n++;
        if (n % 7 === 0) return { error: 'NOT_ENOUGH_REPLICAS', delayMs: 5 };
        return n % 3 === 0 ? { delayMs: 15 } : undefined;
      },
      { times: 60 },
    );
    const sends: Array<Promise<RecordMetadata>> = [];
    for (let i = 0; i < 1_500; i++) {
      sends.push(producer.send({ topic: 't', key: `k${i % 30}`, value: `value ${i} `.padEnd(80, '.') }));
    }
    const results = await Promise.all(sends);
    for (let p = 0; p < 3; p++) {
      const stored = cluster.records('t', p).map((r) => Buffer.from(r.value!).toString());
      const expected = results
        .map((meta, i) => ({ meta, i }))
        .filter(({ meta }) => meta.partition === p)
        .sort((a, b) => Number(a.meta.offset - b.meta.offset))
        .map(({ i }) => `value ${i} `.padEnd(80, '.'));
      expect(stored).toEqual(expected);
    }
  }, 60_000);

  it('with acks=0, reuses a buffer only after its bytes were written to the socket', async () => {
    const cluster = await startCluster({ topics: { t: 2 } });
    const producer = producerFor(cluster, {
      acks: 0,
      batchSize: 1_024,
      lingerMs: 0,
      bufferMemory: 32 * 1024,
    });
    const sends: Array<Promise<RecordMetadata>> = [];
    for (let i = 0; i < 3_000; i++) {
      sends.push(producer.send({ topic: 't', partition: 1, value: `v${i}`.padEnd(60, '-') }));
    }
    await Promise.all(sends);
    // Written is not yet handled by the broker: wait for it to have stored them all, or to have refused a batch
    // (bytes reused before they were written arrive as a batch that does not decode), which then fails here
    // by name instead of leaving the wait to time out.
    const refused = () => cluster.produced('t', 1).filter((entry) => entry.refusedWith !== undefined);
    await cluster.waitUntil(() =>
      refused().length > 0 || cluster.records('t', 1).length >= 3_000 ? true : undefined,
    );
    expect(refused().map((entry) => entry.refusedWith)).toEqual([]);
    const stored = cluster.records('t', 1);
    expect(stored.map((r) => Buffer.from(r.value!).toString())).toEqual(
      Array.from({ length: 3_000 }, (_, i) => `v${i}`.padEnd(60, '-')),
    );
  });
});
