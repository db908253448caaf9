import { afterEach, describe, expect, it } from 'vitest';
import {
  BufferExhaustedError,
  ClientClosedError,
  DeliveryTimeoutError,
  ProduceError,
  type Producer,
  type RecordMetadata,
  RecordTooLargeError,
} from '../../../src/index.js';
import { cleanup, gate, offsetsOf, outcomes, producerFor, sendAll, since, startCluster } from './harness.js';

// bufferMemory bounds the bytes of records the producer holds (exact encoded sizes, until each record's
// outcome is known). A record that does not fit waits, in send order, and fails after maxBlockMs.

afterEach(cleanup);

function padded(i: number, length = 100): string {
  return `${i}:`.padEnd(length, 'x');
}

/** Warms up metadata (so records append synchronously) before any rule holds Produce requests. */
async function warm(producer: Producer, topic = 't'): Promise<void> {
  await producer.send({ topic, partition: 0, value: 'warm-up' });
  expect(producer.bufferedBytes).toBe(0);
}

describe('bufferMemory accounting', () => {
  it('counts exact bytes while records are held and returns to zero after success', async () => {
    const cluster = await startCluster({ topics: { t: 2 } });
    const producer = producerFor(cluster);
    await warm(producer);
    const held = gate();
    cluster.onRequest({ api: 'Produce', times: Infinity }, { until: held.promise });
    const sends = Array.from({ length: 50 }, (_, i) =>
      producer.send({ topic: 't', partition: i % 2, value: padded(i) }),
    );
    // 50 records of 100-byte values, no key or headers: 109 encoded bytes each (deltas < 64 fit a byte).
    expect(producer.bufferedBytes).toBe(50 * 109);
    held.open();
    await Promise.all(sends);
    expect(producer.bufferedBytes).toBe(0);
  });

  it('returns to zero after a non-retriable failure', async () => {
    const cluster = await startCluster({ topics: { t: 1 } });
    const producer = producerFor(cluster);
    await warm(producer);
    cluster.onProduce({ topic: 't', partition: 0 }, { error: 'INVALID_RECORD' });
    const results = await outcomes(sendAll(producer, 't', 0, ['a', 'b', 'c']));
    for (const result of results) expect((result as { error: Error }).error).toBeInstanceOf(ProduceError);
    expect(producer.bufferedBytes).toBe(0);
  });

  it('returns to zero after records expire in flight at their delivery deadline', async () => {
    const cluster = await startCluster({ topics: { t: 1 } });
    const producer = producerFor(cluster, { requestTimeoutMs: 200, deliveryTimeoutMs: 300 });
    await warm(producer);
    cluster.onRequest({ api: 'Produce', times: Infinity }, 'no-response');
    const results = await outcomes(sendAll(producer, 't', 0, ['a', 'b']));
    for (const result of results) {
      expect((result as { error: Error }).error).toBeInstanceOf(DeliveryTimeoutError);
    }
    expect(producer.bufferedBytes).toBe(0);
  });

  it('returns to zero after a batch is split for MESSAGE_TOO_LARGE', async () => {
    const cluster = await startCluster({ topics: { t: 1 } });
    const producer = producerFor(cluster);
    await warm(producer);
    const tooLarge = cluster.onProduce(
      { topic: 't', partition: 0, times: Infinity, when: (p) => p.recordCount > 2 },
      { error: 'MESSAGE_TOO_LARGE' },
    );
    const values = Array.from({ length: 9 }, (_, i) => padded(i));
    const results = await Promise.all(sendAll(producer, 't', 0, values));
    expect(offsetsOf(results)).toEqual(values.map((_, i) => BigInt(i + 1)));
    expect(tooLarge.hits).toBeGreaterThan(0);
    expect(producer.bufferedBytes).toBe(0);
  });

  it('returns to zero when close() gives up, failing queued records and records waiting for room', async () => {
    const cluster = await startCluster({ topics: { t: 1 } });
    const producer = producerFor(cluster, { bufferMemory: 1000 });
    await warm(producer);
    cluster.onRequest({ api: 'Produce', times: Infinity }, 'no-response');
    const sends = Array.from({ length: 20 }, (_, i) =>
      producer.send({ topic: 't', partition: 0, value: padded(i) }),
    );
    expect(producer.bufferedBytes).toBeGreaterThan(0);
    expect(producer.bufferedBytes).toBeLessThanOrEqual(1000);
    await producer.close({ timeoutMs: 50 });
    const results = await outcomes(sends);
    for (const result of results) {
      expect((result as { error: Error }).error).toBeInstanceOf(ClientClosedError);
    }
    expect(producer.bufferedBytes).toBe(0);
  });
});

describe('waiting for room', () => {
  it('a record that does not fit waits, and goes (in send order) once earlier records are delivered', async () => {
    const cluster = await startCluster({ topics: { t: 1 } });
    const producer = producerFor(cluster, { bufferMemory: 1000, batchSize: 300 });
    await warm(producer);
    const held = gate();
    cluster.onRequest({ api: 'Produce', times: Infinity }, { until: held.promise });

    const results: RecordMetadata[] = [];
    const hadRoom: boolean[] = [];
    for (let i = 0; i < 20; i++) {
      hadRoom.push(
        producer.produce({ topic: 't', partition: 0, value: padded(i) }, (error, metadata) => {
          expect(error).toBeNull();
          results[i] = metadata!;
        }),
      );
    }
    // 1000 bytes hold 9 records of 109 bytes (each needs 16 more free until its place is known): the rest wait.
    expect(hadRoom.indexOf(false)).toBe(9);
    expect(hadRoom.slice(9).every((r) => !r)).toBe(true);
    expect(producer.bufferedBytes).toBe(9 * 109);
    let roomAgain = false;
    const room = producer.waitForRoom().then(() => {
      roomAgain = true;
    });
    await cluster.waitForRequests((r) => r.api === 'Produce', 2);
    expect(roomAgain).toBe(false);

    held.open();
    await room;
    await producer.flush();
    expect(offsetsOf(results)).toEqual(Array.from({ length: 20 }, (_, i) => BigInt(i + 1)));
    expect(cluster.values('t', 0).slice(1)).toEqual(Array.from({ length: 20 }, (_, i) => padded(i)));
    expect(producer.bufferedBytes).toBe(0);
  });

  it('a small record that would fit still waits behind a larger one waiting before it', async () => {
    const cluster = await startCluster({ topics: { t: 1 } });
    const producer = producerFor(cluster, { bufferMemory: 1000 });
    await warm(producer);
    const held = gate();
    cluster.onRequest({ api: 'Produce', times: Infinity }, { until: held.promise });

    const small = sendAll(
      producer,
      't',
      0,
      Array.from({ length: 5 }, (_, i) => padded(i)),
    );
    const big = producer.send({ topic: 't', partition: 0, value: 'B'.repeat(500) });
    const before = producer.bufferedBytes;
    expect(before).toBe(5 * 109);
    const tiny = producer.send({ topic: 't', partition: 0, value: 'tiny' });
    // It would fit, but it must not overtake the big one.
    expect(producer.bufferedBytes).toBe(before);

    held.open();
    const [bigMeta, tinyMeta] = await Promise.all([big, tiny]);
    await Promise.all(small);
    expect(bigMeta.offset).toBe(6n);
    expect(tinyMeta.offset).toBe(7n);
    expect(producer.bufferedBytes).toBe(0);
  });

  it('rejects a record that found no room within maxBlockMs with a BufferExhaustedError that says what to do', async () => {
    const cluster = await startCluster({ topics: { t: 1 } });
    const producer = producerFor(cluster, { bufferMemory: 1000, maxBlockMs: 200 });
    await warm(producer);
    const held = gate();
    cluster.onRequest({ api: 'Produce', times: Infinity }, { until: held.promise });

    const start = performance.now();
    const sends = Array.from({ length: 12 }, (_, i) =>
      producer.send({ topic: 't', partition: 0, value: padded(i) }),
    );
    const late = await outcomes(sends.slice(9));
    const waited = since(start);
    for (const result of late) {
      const error = (result as { error: Error }).error;
      expect(error).toBeInstanceOf(BufferExhaustedError);
      expect((error as BufferExhaustedError).retriable).toBe(true);
      expect(error.message).toContain('bufferMemory (1000 bytes');
      expect(error.message).toContain('maxBlockMs (200 ms)');
      expect(error.message).toContain('raise bufferMemory or maxBlockMs');
    }
    expect(waited).toBeGreaterThanOrEqual(190);

    held.open();
    const early = await Promise.all(sends.slice(0, 9));
    expect(offsetsOf(early)).toEqual([1n, 2n, 3n, 4n, 5n, 6n, 7n, 8n, 9n]);
    expect(producer.bufferedBytes).toBe(0);
  });

  it('rejects a record larger than bufferMemory at once', async () => {
    const cluster = await startCluster({ topics: { t: 1 } });
    const producer = producerFor(cluster, { bufferMemory: 1000 });
    const start = performance.now();
    const [result] = await outcomes([producer.send({ topic: 't', value: 'x'.repeat(2000) })]);
    const error = (result as { error: Error }).error;
    expect(error).toBeInstanceOf(RecordTooLargeError);
    expect(error.message).toContain('more than bufferMemory (1000)');
    expect(since(start)).toBeLessThan(1000);
    expect(cluster.requestsFor('Produce')).toHaveLength(0);
  });

  it("says false while the topic's metadata is still coming, so a fast loop holds a few records, not all", async () => {
    const cluster = await startCluster({ topics: { t: 1 } });
    const metadataHeld = gate();
    cluster.onRequest({ api: 'Metadata', times: Infinity }, { until: metadataHeld.promise });
    const producer = producerFor(cluster);

    const delivered: bigint[] = [];
    const onDelivery = (error: Error | null, metadata: RecordMetadata | null) => {
      expect(error).toBeNull();
      delivered.push(metadata!.offset);
    };
    // Java's send() blocks here; ours says false at once, before any metadata came back.
    expect(producer.produce({ topic: 't', partition: 0, value: padded(0) }, onDelivery)).toBe(false);
    let roomSeen = false;
    const room = producer.waitForRoom().then(() => {
      roomSeen = true;
    });
    await new Promise((resolve) => setTimeout(resolve, 20));
    expect(roomSeen).toBe(false);
    // Records produced regardless still keep their order behind it.
    expect(producer.produce({ topic: 't', partition: 0, value: padded(1) }, onDelivery)).toBe(false);

    metadataHeld.open();
    await room;
    expect(producer.produce({ topic: 't', partition: 0, value: padded(2) }, onDelivery)).toBe(true);
    await producer.flush();
    expect(delivered).toEqual([0n, 1n, 2n]);
    expect(producer.bufferedBytes).toBe(0);
  });

  it("says false after a batch's worth of bytes in one turn of the event loop, and true again after it turned", async () => {
    const cluster = await startCluster({ topics: { t: 1 } });
    // batchSize below 64 KiB: the turn's allowance is 64 KiB.
    const producer = producerFor(cluster, { batchSize: 16_384, lingerMs: 1_000 });
    await warm(producer);
    // 1,000-byte values: 1,009 encoded bytes each, so the 65th record crosses 65,536 bytes.
    const answers: boolean[] = [];
    const sends: Array<Promise<RecordMetadata>> = [];
    for (let i = 0; i < 70; i++) {
      answers.push(producer.produce({ topic: 't', partition: 0, value: padded(i, 1_000) }));
    }
    expect(answers.indexOf(false)).toBe(64);
    expect(answers.slice(64).every((answer) => answer === false)).toBe(true);
    // Nothing waits for memory (70 KB of 32 MiB): only for the turn, in which the sender ships full batches.
    await producer.waitForRoom();
    expect(producer.produce({ topic: 't', partition: 0, value: padded(70, 1_000) })).toBe(true);
    sends.push(producer.send({ topic: 't', partition: 0, value: 'last' }));
    await Promise.all(sends);
    await producer.flush();
    expect(cluster.values('t', 0)).toHaveLength(1 + 71 + 1);
  });

  it('a producer fed faster than a slow broker stays within bufferMemory and delivers everything in order', async () => {
    const cluster = await startCluster({ topics: { t: 1 } });
    cluster.onRequest({ api: 'Produce', times: Infinity }, { delayMs: 5 });
    const bufferMemory = 20_000;
    const producer = producerFor(cluster, { bufferMemory, batchSize: 2_000 });
    await warm(producer);

    const count = 3_000;
    let most = 0;
    let delivered = 0;
    let lastOffset = 0n;
    let pauses = 0;
    const onDelivery = (error: Error | null, metadata: RecordMetadata | null) => {
      expect(error).toBeNull();
      expect(metadata!.offset).toBe(lastOffset + 1n);
      lastOffset = metadata!.offset;
      delivered++;
      most = Math.max(most, producer.bufferedBytes);
    };
    for (let i = 0; i < count; i++) {
      const room = producer.produce({ topic: 't', partition: 0, value: padded(i) }, onDelivery);
      most = Math.max(most, producer.bufferedBytes);
      if (!room) {
        pauses++;
        await producer.waitForRoom();
        most = Math.max(most, producer.bufferedBytes);
      }
    }
    await producer.flush();

    expect(delivered).toBe(count);
    expect(pauses).toBeGreaterThan(0);
    expect(most).toBeLessThanOrEqual(bufferMemory);
    // The feeder really was ahead of the broker: the buffer filled up.
    expect(most).toBeGreaterThan(bufferMemory - 2 * 125);
    expect(producer.bufferedBytes).toBe(0);
  });
});
