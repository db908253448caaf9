import { afterEach, describe, expect, it } from 'vitest';
import type { RecordMetadata } from '../../../src/index.js';
import { cleanup, gate, producerFor, startCluster } from './harness.js';

// Full batches that wait only for an in-flight slot of their partition are compressed ahead of time, before
// they have a sequence; when they go, their header is stamped (and the CRC redone) without compressing again.
// The fake broker checks CRCs and, with idempotence, that sequences follow on from each other.
//
// Whether a batch was encoded while it waited shows in its bytes: the producer keeps the caller's value
// buffers (no copy), so bytes changed after a batch was encoded do not reach the broker, and bytes changed
// before do.

afterEach(cleanup);
describe('batches compressed while they wait for an in-flight slot', () => {
  it('are encoded before the slot frees, and go out with the right producer stamp and sequences, in order', async () => {
    const cluster = await startCluster({ topics: { t: 1 } });
    const producer = producerFor(cluster, { compressionType: 'lz4', batchSize: 1_024, lingerMs: 0 });
    await producer.send({ topic: 't', value: 'warm-up' });
    const held = gate();
    cluster.onRequest({ api: 'Produce', times: 5 }, { until: held.promise });

    const values: Buffer[] = [];
    const sends: Array<Promise<RecordMetadata>> = [];
    // ~40 batches of ~1 KiB for one partition: 5 go and are held, the next waits for a slot (and is
    // compressed meanwhile), the rest queue behind it.
    for (let i = 0; i < 400; i++) {
      const value = Buffer.from(`${i}`.padEnd(100, 'x'));
      values.push(value);
      sends.push(producer.send({ topic: 't', partition: 0, value }));
    }
    await cluster.waitForRequests((r) => r.api === 'Produce', 1 + 5);
    // The sender's pass after the fifth request (which found the partition's slots taken) has run.
    await new Promise((resolve) => setImmediate(resolve));
    // Mark every record: only bytes not yet encoded carry the mark to the broker.
    for (const value of values) value.write('y', 99);
    held.open();
    const offsets = (await Promise.all(sends)).map((metadata) => metadata.offset);

    expect(offsets).toEqual(Array.from({ length: 400 }, (_, i) => BigInt(i + 1)));
    const attempts = cluster.produced('t', 0);
    const lastChars = (attempt: number) =>
      new Set(attempts[attempt]!.records.map((r) => Buffer.from(r.value!).toString().at(-1)));
    // Attempt 0 is the warm-up, 1-5 were held; 6 is the batch that waited for a slot: encoded before the
    // mark. 7 was encoded after it (it only became next in line once a slot freed).
    expect(lastChars(6)).toEqual(new Set(['x']));
    expect(lastChars(7)).toEqual(new Set(['y']));
    const stored = cluster.records('t', 0);
    expect(stored.map((r) => r.sequence)).toEqual(Array.from({ length: 401 }, (_, i) => i));
    expect(new Set(stored.map((r) => r.producerId)).size).toBe(1);
    expect(attempts.every((attempt) => attempt.result?.errorName === 'NONE')).toBe(true);
  });
});
