import { afterEach, describe, expect, it } from 'vitest';
import type { FakeKafka, ProducedPartition } from '../../../src/testing/index.js';
import { cleanup, outcomes, producerFor, startCluster } from './harness.js';

// Produce requests refused (NOT_ENOUGH_REPLICAS: nothing appended) or lost with their connection while up to 5
// batches of a partition are in flight, on a fake broker that keeps Kafka's producer state: the batches behind
// a refused one come back OUT_OF_ORDER_SEQUENCE_NUMBER and are retried after it, so every record is written
// once, in send order, and none expires. The refused Produce may be the producer's very first: a broker with
// no state for the producer accepts any first sequence, so a partition's first batch travels alone.

afterEach(cleanup);

const PARTITIONS = 3;
/** Short enough that a record stuck in retries fails the test as DeliveryTimeoutError, not as a test timeout. */
const BOUNDED = { requestTimeoutMs: 2_000, deliveryTimeoutMs: 3_000 };
const text = (p: ProducedPartition) => p.records.map((r) => Buffer.from(r.value!).toString());

/**
 * Answers the Produce requests numbered in `refused` (1 = the first) NOT_ENOUGH_REPLICAS and closes the
 * connection on those in `dropped`; every answer comes 10 ms late, so several requests are out at once.
 */
function script(cluster: FakeKafka, refused: number[], dropped: number[]): void {
  let n = 0;
  cluster.control(
    'Produce',
    () => {
      n++;
      if (dropped.includes(n)) return 'drop';
      return refused.includes(n) ? { error: 'NOT_ENOUGH_REPLICAS', delayMs: 10 } : { delayMs: 10 };
    },
    { times: Infinity },
  );
}

describe('idempotent producer: refused and dropped Produce requests with batches in flight', () => {
  it.each([
    [1, [1], []],
    [1, [3], []],
    [1, [3, 12], [6, 7, 20]],
    [5, [1], []],
    [5, [2], []],
    [5, [3], []],
    [5, [1, 2, 9, 15], []],
    [5, [3, 4, 9, 15], []],
    [5, [1], [2]],
    [5, [3], [6]],
    [5, [3, 12], [6, 7, 20]],
    [5, [], [1, 8]],
  ])(
    '%i in flight, Produce requests %j refused, %j dropped: each record once, in order, none expired',
    async (inFlight, refused, dropped) => {
      const cluster = await startCluster({
        topics: { t: { partitions: PARTITIONS, leaders: Array<number>(PARTITIONS).fill(0) } },
      });
      script(cluster, refused, dropped);
      // batchSize 1: every record is a batch of its own, so a partition has up to `inFlight` batches out.
      const producer = producerFor(cluster, {
        ...BOUNDED,
        batchSize: 1,
        maxInFlightRequestsPerConnection: inFlight,
      });
      const values = Array.from({ length: 60 }, (_, i) => `v${i}`);

      const results = await outcomes(
        values.map((value, i) => producer.send({ topic: 't', partition: i % PARTITIONS, value })),
      );

      expect(results.filter((r) => 'error' in r)).toEqual([]);
      for (let p = 0; p < PARTITIONS; p++) {
        const sent = values.filter((_, i) => i % PARTITIONS === p);
        expect(cluster.values('t', p)).toEqual(sent);
        // Each send reports the offset its record got.
        const offsets = results
          .filter((_, i) => i % PARTITIONS === p)
          .map((r) => ('offset' in r ? r.offset : -1n));
        expect(offsets).toEqual(sent.map((_, i) => BigInt(i)));
        // No gap was real: one epoch, sequences as first assigned.
        expect(cluster.records('t', p).map((r) => [r.producerEpoch, r.sequence])).toEqual(
          sent.map((_, i) => [0, i]),
        );
      }
      // The script did fire: those requests were refused (every partition in them) or dropped.
      const produces = cluster.requestsFor('Produce');
      const wholly = (r: (typeof produces)[number]) =>
        r.produce!.partitions.every((p) => p.result?.errorName === 'NOT_ENOUGH_REPLICAS');
      expect(produces.filter(wholly)).toHaveLength(refused.length);
      // (Requests already waiting behind a dropped one on its connection are lost with it.)
      expect(produces.filter((r) => r.outcome === 'dropped').length).toBeGreaterThanOrEqual(dropped.length);
    },
  );

  it("the first Produce refused: the partition's first batch goes alone, so later batches cannot be written ahead of it", async () => {
    const cluster = await startCluster({ topics: { t: 1 } });
    script(cluster, [1], []);
    const producer = producerFor(cluster, { ...BOUNDED, batchSize: 1 });
    const values = ['v0', 'v1', 'v2', 'v3', 'v4', 'v5', 'v6'];

    const results = await outcomes(values.map((value) => producer.send({ topic: 't', partition: 0, value })));

    expect(results).toEqual(values.map((_, i) => ({ offset: BigInt(i), partition: 0 })));
    expect(cluster.values('t', 0)).toEqual(values);
    const attempts = cluster.produced('t', 0);
    expect(attempts.slice(0, 2).map((p) => [text(p), p.result?.errorName])).toEqual([
      [['v0'], 'NOT_ENOUGH_REPLICAS'],
      [['v0'], 'NONE'],
    ]);
    // Until v0 was acknowledged nothing else of the partition was out; after it, up to 5 were.
    expect(
      cluster
        .requestsFor('Produce')
        .slice(0, 2)
        .map((r) => r.outstandingOnArrival),
    ).toEqual([1, 1]);
    expect(Math.max(...cluster.requestsFor('Produce').map((r) => r.outstandingOnArrival))).toBe(5);
  });

  it('a broker that lost the producer took later batches ahead of a refused one: that one is written under a new epoch, not retried until it expires', async () => {
    const cluster = await startCluster({ topics: { t: 1 } });
    const producer = producerFor(cluster, { ...BOUNDED, batchSize: 1 });
    await producer.send({ topic: 't', partition: 0, value: 'warm-up' });
    // Retention (or DeleteRecords) took the producer's state: the broker now accepts any sequence from it.
    cluster.forgetProducers('t', 0);
    const carries = (value: string) => (p: ProducedPartition) => text(p).includes(value);
    cluster.onProduce({ topic: 't', partition: 0, when: carries('v1') }, { error: 'NOT_ENOUGH_REPLICAS' });
    // v1's refusal is answered once v2..v5 are at the broker too, which writes them (sequences 2..5).
    cluster.onRequest(
      { api: 'Produce', when: (r) => r.produce!.partitions.some(carries('v1')) },
      { until: cluster.waitForRequests((r) => r.api === 'Produce', 6) },
    );
    const values = ['v1', 'v2', 'v3', 'v4', 'v5'];

    const results = await outcomes(values.map((value) => producer.send({ topic: 't', partition: 0, value })));

    // Nothing lost or doubled; v1 comes last, as the broker had written the others before it could.
    expect(results.filter((r) => 'error' in r)).toEqual([]);
    expect(cluster.values('t', 0)).toEqual(['warm-up', 'v2', 'v3', 'v4', 'v5', 'v1']);
    expect(results[0]).toEqual({ offset: 5n, partition: 0 });
    expect(cluster.records('t', 0).map((r) => [r.producerEpoch, r.sequence])).toEqual([
      [0, 0],
      [0, 2],
      [0, 3],
      [0, 4],
      [0, 5],
      [1, 0],
    ]);
    const v1 = cluster.produced('t', 0).filter(carries('v1'));
    expect(v1.map((p) => p.result?.errorName)).toEqual([
      'NOT_ENOUGH_REPLICAS',
      'OUT_OF_ORDER_SEQUENCE_NUMBER',
      'NONE',
    ]);
  });
});
