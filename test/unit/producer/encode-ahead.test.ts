import { afterEach, describe, expect, it } from 'vitest';
import type { RecordMetadata } from '../../../src/index.js';
import { cleanup, gate, producerFor, startCluster } from './harness.js';

// Full batches that wait only for an in-flight slot of their partition are compressed ahead of time, before
// they have a sequence; when they go, their header is stamped (and the CRC redone) without compressing again.
// The fake broker checks CRCs and, with idempotence, that sequences follow on from each other.

afterEach(cleanup);
describe('batches compressed while they wait for an in-flight slot', () => {
  it('go out with the right producer stamp and sequences, in order', async () => {
    const cluster = await startCluster({ topics: { t: 1 } });
    const producer = producerFor(cluster, { compressionType: 'lz4', batchSize: 1_024, lingerMs: 0 });
    await producer.send({ topic: 't', value: 'warm-up' });
    const held = gate();
    cluster.onRequest({ api: 'Produce', times: 5 }, { until: held.promise });

    const offsets: bigint[] = [];
    const sends: Array<Promise<RecordMetadata>> = [];
    // ~40 batches of ~1 KiB for one partition: 5 go and are held, the rest wait (and are compressed ahead).
    for (let i = 0; i < 400; i++) {
      sends.push(producer.send({ topic: 't', partition: 0, value: `${i}`.padEnd(100, 'x') }));
    }
    await cluster.waitForRequests((r) => r.api === 'Produce', 1 + 5);
    await new Promise((resolve) => setImmediate(resolve));
    held.open();
    for (const metadata of await Promise.all(sends)) offsets.push(metadata.offset);

    expect(offsets).toEqual(Array.from({ length: 400 }, (_, i) => BigInt(i + 1)));
    const stored = cluster.records('t', 0);
    expect(stored.map((r) => r.sequence)).toEqual(Array.from({ length: 401 }, (_, i) => i));
    expect(new Set(stored.map((r) => r.producerId)).size).toBe(1);
    expect(cluster.produced('t', 0).every((attempt) => attempt.result?.errorName === 'NONE')).toBe(true);
  });
});
