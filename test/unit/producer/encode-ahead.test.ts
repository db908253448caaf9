import { afterEach, describe, expect, it } from 'vitest';
import type { RecordMetadata } from '../../../src/index.js';
import { cleanup, gate, producerFor, startCluster } from './harness.js';

// Full batches that wait only for an in-flight slot of their partition are compressed ahead of time, before
// they have a sequence; when they go, their header is stamped (and the CRC redone) without compressing again.
// The fake broker checks CRCs and, with idempotence, that sequences follow on from each other.
//
// Records are copied into their batch when appended, so a batch's bytes cannot show when it was compressed;
// cancellation can: a record whose batch was compressed ahead is past taking back (its bytes are fixed), one
// in a batch not yet compressed is taken back by its AbortSignal.

afterEach(cleanup);
describe('batches compressed while they wait for an in-flight slot', () => {
  it('are encoded before the slot frees, and go out with the right producer stamp and sequences, in order', async () => {
    const cluster = await startCluster({ topics: { t: 1 } });
    const producer = producerFor(cluster, { compressionType: 'lz4', batchSize: 1_024, lingerMs: 0 });
    await producer.send({ topic: 't', value: 'warm-up' });
    const held = gate();
    cluster.onRequest({ api: 'Produce', times: 5 }, { until: held.promise });

    const controllers: AbortController[] = [];
    const sends: Array<Promise<RecordMetadata | Error>> = [];
    // ~40 batches of ~1 KiB for one partition: 5 go and are held, the next waits for a slot (and is
    // compressed meanwhile), the rest queue behind it.
    for (let i = 0; i < 400; i++) {
      const controller = new AbortController();
      controllers.push(controller);
      const value = Buffer.from(`${i}`.padEnd(100, 'x'));
      sends.push(
        producer
          .send({ topic: 't', partition: 0, value }, { signal: controller.signal })
          .catch((error: Error) => error),
      );
    }
    await cluster.waitForRequests((r) => r.api === 'Produce', 1 + 5);
    // The sender's pass after the fifth request (which found the partition's slots taken) has run.
    await new Promise((resolve) => setImmediate(resolve));
    // Cancel every record: only those not yet in a request nor compressed ahead of one are taken back.
    for (const controller of controllers) controller.abort();
    held.open();
    const outcomes = await Promise.all(sends);

    const attempts = cluster.produced('t', 0);
    // Attempt 0 is the warm-up, 1-5 were held; 6 is the batch that waited for a slot: compressed before the
    // aborts, so it went. Nothing after it did.
    expect(attempts).toHaveLength(7);
    const sent = attempts.slice(1).reduce((n, attempt) => n + attempt.records.length, 0);
    expect(attempts[6]!.records.length).toBeGreaterThan(0);
    expect(outcomes.slice(0, sent).map((o) => (o instanceof Error ? o.name : o.offset))).toEqual(
      Array.from({ length: sent }, (_, i) => BigInt(i + 1)),
    );
    expect(outcomes.slice(sent).every((o) => o instanceof Error && o.name === 'AbortError')).toBe(true);
    const stored = cluster.records('t', 0);
    expect(stored.map((r) => r.sequence)).toEqual(Array.from({ length: 1 + sent }, (_, i) => i));
    expect(new Set(stored.map((r) => r.producerId)).size).toBe(1);
    expect(attempts.every((attempt) => attempt.result?.errorName === 'NONE')).toBe(true);
  });
});
