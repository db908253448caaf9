import { randomBytes } from 'node:crypto';
import { afterEach, describe, expect, it } from 'vitest';
import { cleanup, producerFor, startCluster } from './harness.js';

// Requests to one broker must reach it in the order the sender made them: with idempotence a partition's
// batches carry consecutive sequences, and a broker refuses a batch that arrives ahead of its predecessor
// (OUT_OF_ORDER_SEQUENCE_NUMBER). Encoding is asynchronous (gzip runs on libuv's thread pool), so a small
// batch made later can be encoded before a large one made earlier; it must still be written after it.

afterEach(cleanup);

describe('produce requests to one broker', () => {
  it('are written in the order they were made, even when a later batch is encoded first', async () => {
    const cluster = await startCluster({ topics: { t: 1 } });
    const producer = producerFor(cluster, { compressionType: 'gzip', maxInFlightRequestsPerConnection: 5 });
    await producer.send({ topic: 't', value: 'warm-up' });

    // Random bytes do not compress: gzip spends milliseconds on 900 KB, microseconds on 10 bytes.
    const large = producer.send({ topic: 't', value: randomBytes(900_000) });
    // Let the sender take the large batch first, so the small one goes in a request of its own.
    await new Promise((resolve) => setImmediate(resolve));
    const small = producer.send({ topic: 't', value: 'small' });
    const [first, second] = await Promise.all([large, small]);

    expect(first.offset).toBe(1n);
    expect(second.offset).toBe(2n);
    const attempts = cluster.produced('t', 0);
    // Each batch went once and was taken the first time: nothing was refused and retried.
    expect(attempts.map((a) => a.result?.errorName)).toEqual(['NONE', 'NONE', 'NONE']);
    expect(attempts.map((a) => a.recordCount)).toEqual([1, 1, 1]);
    expect(cluster.records('t', 0).map((r) => r.sequence)).toEqual([0, 1, 2]);
  });
});
