import { afterEach, describe, expect, it } from 'vitest';
import { cleanup, offsetsOf, producerFor, sendAll, startCluster, within } from './harness.js';

// What the producer puts on the wire: one Produce request per leader carrying every ready partition of
// that leader, at most maxInFlightRequestsPerConnection of them outstanding per broker, at most one batch
// per partition at a time; acks=0 requests that get no answer at all.

afterEach(cleanup);

/** A promise and the function that resolves it: a gate the fake holds responses behind. */
function gate(): { opened: Promise<void>; open: () => void } {
  let open!: () => void;
  const opened = new Promise<void>((resolve) => {
    open = resolve;
  });
  return { opened, open };
}

describe('Produce requests', () => {
  it('sends one request per leader carrying every ready partition of that leader, for every topic', async () => {
    const cluster = await startCluster({
      topics: { t: { partitions: 6, leaders: [0, 1, 2, 0, 1, 2] }, u: { partitions: 2, leaders: [0, 0] } },
    });
    const producer = producerFor(cluster, { acks: 1 });
    // Learn both topics first, so the records below are appended in one tick.
    await Promise.all([producer.send({ topic: 't', value: 'w' }), producer.send({ topic: 'u', value: 'w' })]);
    const before = cluster.requestsFor('Produce').length;

    const sent = [
      ...[0, 1, 2, 3, 4, 5].map((partition) =>
        producer.send({ topic: 't', partition, value: `t${partition}` }),
      ),
      ...[0, 1].map((partition) => producer.send({ topic: 'u', partition, value: `u${partition}` })),
    ];
    await Promise.all(sent);

    const requests = cluster.requestsFor('Produce').slice(before);
    expect(requests).toHaveLength(3);
    const shape = Object.fromEntries(
      requests.map((r) => [
        r.nodeId,
        r.produce!.partitions.map((p) => `${p.topic}-${p.partition}:${p.recordCount}`).sort(),
      ]),
    );
    expect(shape).toEqual({
      0: ['t-0:1', 't-3:1', 'u-0:1', 'u-1:1'],
      1: ['t-1:1', 't-4:1'],
      2: ['t-2:1', 't-5:1'],
    });
    for (const r of requests) {
      expect(r.produce!.acks).toBe(1);
      expect(r.produce!.timeoutMs).toBe(5_000);
      // One record batch per partition entry, as Produce v3+ requires.
      expect(r.produce!.partitions.every((p) => p.batches.length === 1)).toBe(true);
    }
    // Produce v13 names topics by id; the fake resolved them back to the names above.
    expect(requests.every((r) => r.version === 13)).toBe(true);
  });

  it('keeps at most maxInFlightRequestsPerConnection requests outstanding per broker', async () => {
    const cluster = await startCluster({ topics: { t: { partitions: 5, leaders: [0, 0, 0, 0, 1] } } });
    const held = gate();
    cluster.onRequest({ api: 'Produce', nodeId: 0, times: Infinity }, { until: held.opened });
    const producer = producerFor(cluster, { maxInFlightRequestsPerConnection: 2 });
    await producer.send({ topic: 't', partition: 4, value: 'warm-up' });
    const toNode0 = (r: { api: string; nodeId: number }) => r.api === 'Produce' && r.nodeId === 0;

    const first = producer.send({ topic: 't', partition: 0, value: 'p0' });
    await cluster.waitForRequests(toNode0, 1);
    const second = producer.send({ topic: 't', partition: 1, value: 'p1' });
    await cluster.waitForRequests(toNode0, 2);
    const later = [2, 3].map((partition) => producer.send({ topic: 't', partition, value: `p${partition}` }));
    // Broker 1's record is sent by the same pass that found p2 and p3 ready: once it is acknowledged,
    // the producer has decided not to send a third request to broker 0.
    await producer.send({ topic: 't', partition: 4, value: 'p4' });
    expect(cluster.requests.filter(toNode0)).toHaveLength(2);

    held.open();
    await Promise.all([first, second, ...later]);

    const requests = cluster.requests.filter(toNode0);
    expect(requests.map((r) => r.produce!.partitions.map((p) => p.partition))).toEqual([[0], [1], [2, 3]]);
    expect(Math.max(...requests.map((r) => r.outstandingOnArrival))).toBe(2);
    for (const p of [0, 1, 2, 3]) expect(cluster.values('t', p)).toEqual([`p${p}`]);
  });

  it('pipelines requests when one leader has more ready data than maxRequestSize allows in one', async () => {
    const cluster = await startCluster({ topics: { t: { partitions: 6, leaders: [0, 0, 0, 0, 0, 0] } } });
    const producer = producerFor(cluster, { maxRequestSize: 400 });
    await producer.send({ topic: 't', partition: 0, value: 'warm-up' });
    const held = gate();
    cluster.onRequest({ api: 'Produce', nodeId: 0, times: Infinity }, { until: held.opened });
    const toNode0 = (r: { api: string; nodeId: number }) => r.api === 'Produce' && r.nodeId === 0;
    const before = cluster.requests.filter(toNode0).length;

    // About 170 bytes per one-record batch: two batches fit a 400-byte request, so six need three.
    const value = 'x'.repeat(100);
    const sent = [0, 1, 2, 3, 4, 5].map((partition) => producer.send({ topic: 't', partition, value }));
    const requests = await within(
      cluster.waitForRequests(toNode0, before + 3),
      2_000,
      'three requests to broker 0 while it answers none',
    );
    held.open();
    await Promise.all(sent);

    expect(requests.slice(before).map((r) => r.produce!.partitions.map((p) => p.partition))).toEqual([
      [0, 1],
      [2, 3],
      [4, 5],
    ]);
    expect(requests.slice(before).map((r) => r.outstandingOnArrival)).toEqual([1, 2, 3]);
  });

  it('without idempotence keeps one batch per partition at the broker, so batches land in the order they were made', async () => {
    const cluster = await startCluster({ topics: { t: { partitions: 2, leaders: [0, 1] } } });
    // batchSize 1: each record is a batch of its own; five batches, and five in-flight slots to tempt it.
    // (With idempotence five go at once and sequence numbers keep the order: see idempotence.test.ts.)
    const producer = producerFor(cluster, {
      batchSize: 1,
      maxInFlightRequestsPerConnection: 5,
      enableIdempotence: false,
    });
    await producer.send({ topic: 't', partition: 0, value: 'warm-up' });
    const held = gate();
    cluster.onRequest({ api: 'Produce', nodeId: 0 }, { until: held.opened });
    const toNode0 = (r: { api: string; nodeId: number }) => r.api === 'Produce' && r.nodeId === 0;

    const values = ['v0', 'v1', 'v2', 'v3', 'v4'];
    const sent = sendAll(producer, 't', 0, values);
    // Sent by the same pass as v0: once it is acknowledged, v1-v4 have been held back (or not).
    await producer.send({ topic: 't', partition: 1, value: 'other' });
    expect(cluster.requests.filter(toNode0)).toHaveLength(2);
    held.open();
    const results = await Promise.all(sent);

    expect(offsetsOf(results)).toEqual([1n, 2n, 3n, 4n, 5n]);
    expect(cluster.values('t', 0)).toEqual(['warm-up', ...values]);
    const requests = cluster.requests.filter(toNode0);
    expect(requests.map((r) => r.produce!.partitions.map((p) => p.recordCount))).toEqual([
      [1],
      [1],
      [1],
      [1],
      [1],
      [1],
    ]);
    expect(requests.every((r) => r.outstandingOnArrival === 1)).toBe(true);
  });

  it('acks=0: resolves with offset -1, the broker stores the records and never answers', async () => {
    const cluster = await startCluster({ topics: { t: { partitions: 2, leaders: [0, 1] } } });
    const producer = producerFor(cluster, { acks: 0 });

    const results = await Promise.all([
      ...sendAll(producer, 't', 0, ['a', 'b']),
      producer.send({ topic: 't', partition: 1, value: 'c' }),
    ]);

    expect(results.map((r) => [r.partition, r.offset])).toEqual([
      [0, -1n],
      [0, -1n],
      [1, -1n],
    ]);
    // The promise resolves once the bytes are written; the broker may not have read them yet.
    await cluster.waitForRecords('t', 0, 2);
    await cluster.waitForRecords('t', 1, 1);
    expect(cluster.values('t', 0)).toEqual(['a', 'b']);
    const produces = cluster.requestsFor('Produce');
    expect(produces.map((r) => r.produce!.acks)).toEqual([0, 0]);
    expect(produces.map((r) => r.outcome)).toEqual(['not-answered', 'not-answered']);
  });
});
