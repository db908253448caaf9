import { afterEach, describe, expect, it } from 'vitest';
import { cleanup, gate, producerFor, startCluster } from './harness.js';

// Records sent before their topic's metadata arrives wait in a queue of columns (key, value, timestamp, sizes,
// settlement; headers, explicit partitions and signals only once some record has them). What comes out must be
// each record exactly as sent, in send() order, whichever record first brought a rarer field.

afterEach(cleanup);

const text = (bytes: Uint8Array | null) => (bytes === null ? null : Buffer.from(bytes).toString());

describe('records waiting for metadata', () => {
  it('come out as sent and in order, whichever record first had headers, a partition or a signal', async () => {
    const cluster = await startCluster({ topics: { t: 2 } });
    const metadata = gate();
    cluster.onRequest({ api: 'Metadata', times: Infinity }, { until: metadata.promise });
    const producer = producerFor(cluster);
    const cancelled = new AbortController();
    const sends = [
      producer.send({ topic: 't', key: 'a', value: 'plain', partition: 0, timestamp: 1_000 }),
      producer.send({ topic: 't', key: 'b', value: 'with headers', partition: 0, headers: { h: 'x' } }),
      producer.send({ topic: 't', key: null, value: null, partition: 1, timestamp: 3_000 }),
      producer.send({ topic: 't', value: 'cancelled', partition: 1 }, { signal: cancelled.signal }),
      producer.send({ topic: 't', key: 'e', value: 'after', partition: 1, timestamp: 5_000 }),
      // A borrowed string value (written into a scratch buffer) must be its own bytes before it waits.
      producer.send({ topic: 't', value: 'x'.repeat(300), partition: 0, timestamp: 6_000 }),
      producer.send({ topic: 't', value: 'y'.repeat(300), partition: 0, timestamp: 7_000 }),
    ];
    cancelled.abort();
    metadata.open();
    const outcomes = await Promise.allSettled(sends);
    expect(outcomes.map((o) => o.status)).toEqual([
      'fulfilled',
      'fulfilled',
      'fulfilled',
      'rejected',
      'fulfilled',
      'fulfilled',
      'fulfilled',
    ]);

    const p0 = cluster.records('t', 0);
    expect(p0.map((r) => [text(r.key), text(r.value)])).toEqual([
      ['a', 'plain'],
      ['b', 'with headers'],
      [null, 'x'.repeat(300)],
      [null, 'y'.repeat(300)],
    ]);
    expect(p0.map((r) => r.headers.map((h) => [h.key, text(h.value)]))).toEqual([[], [['h', 'x']], [], []]);
    expect(p0[0]!.timestamp).toBe(1_000n);
    expect(p0[2]!.timestamp).toBe(6_000n);
    expect(p0[3]!.timestamp).toBe(7_000n);

    const p1 = cluster.records('t', 1);
    expect(p1.map((r) => [text(r.key), text(r.value), r.timestamp])).toEqual([
      [null, null, 3_000n],
      ['e', 'after', 5_000n],
    ]);
    expect(p1.map((r) => r.headers)).toEqual([[], []]);
  });
});
