import { afterAll, describe, expect, it } from 'vitest';
import { Producer, type RecordMetadata } from '../../src/index.js';
import { createTopic, kafkaBootstrap, uniqueTopic } from '../harness/index.js';

// A producer fed faster than the broker takes records stays within bufferMemory: the accounting never goes
// over it, memory does not grow with what was fed, and every record arrives once, in order.

const producers: Producer[] = [];
afterAll(async () => {
  await Promise.all(producers.map((p) => p.close({ timeoutMs: 10_000 })));
});

describe('backpressure against a real broker', () => {
  it('a fast feeder stays within bufferMemory (accounting and RSS) and delivers every record in order', async () => {
    const topic = uniqueTopic('backpressure');
    await createTopic({ topic, partitions: 1, replicationFactor: 1 });
    const bufferMemory = 4 * 2 ** 20;
    const producer = new Producer({ bootstrapServers: kafkaBootstrap(), bufferMemory, lingerMs: 5 });
    producers.push(producer);
    const value = new Uint8Array(200).fill(7);
    await producer.send({ topic, value });

    // 1M records of ~210 encoded bytes: ~200 MiB fed through a 4 MiB buffer.
    const count = 1_000_000;
    const rssBefore = process.memoryUsage.rss();
    let rssMost = rssBefore;
    let mostBuffered = 0;
    let pauses = 0;
    let delivered = 0;
    let failed: Error | null = null;
    let expectedOffset = 1n;
    let outOfOrder = 0;
    const onDelivery = (error: Error | null, metadata: RecordMetadata | null) => {
      if (error !== null) {
        failed ??= error;
        return;
      }
      if (metadata!.offset !== expectedOffset) outOfOrder++;
      expectedOffset = metadata!.offset + 1n;
      delivered++;
    };
    const record = { topic, value };
    for (let i = 0; i < count; i++) {
      if (!producer.produce(record, onDelivery)) {
        pauses++;
        mostBuffered = Math.max(mostBuffered, producer.bufferedBytes);
        if (pauses % 16 === 0) rssMost = Math.max(rssMost, process.memoryUsage.rss());
        await producer.waitForRoom();
      }
    }
    await producer.flush();
    rssMost = Math.max(rssMost, process.memoryUsage.rss());

    expect(failed).toBeNull();
    expect(delivered).toBe(count);
    expect(outOfOrder).toBe(0);
    expect(pauses).toBeGreaterThan(0);
    expect(mostBuffered).toBeLessThanOrEqual(bufferMemory);
    expect(mostBuffered).toBeGreaterThan(bufferMemory / 2);
    expect(producer.bufferedBytes).toBe(0);
    // ~200 MiB went through; RSS grows by what the buffer holds plus V8's garbage headroom (~75 MiB here
    // whether 100, 200 or 400 MiB are fed), not by what was fed.
    expect(rssMost - rssBefore).toBeLessThan(120 * 2 ** 20);
  }, 120_000);
});
