import { afterEach, describe, expect, it } from 'vitest';
import { ProduceError } from '../../../src/index.js';
import { cleanup, offsetsOf, outcomes, producerFor, sendAll, startCluster } from './harness.js';

// Retriable failures of a Produce request: the batch goes back to the head of its partition's queue and is
// sent again until it is accepted, so the fake stores each record once and the promises report the
// offsets the fake gave them. Partitions that did not fail are not held up.

afterEach(cleanup);

describe('retriable Produce errors', () => {
  it.each([
    ['NOT_LEADER_OR_FOLLOWER', true],
    ['LEADER_NOT_AVAILABLE', true],
    ['NOT_ENOUGH_REPLICAS', false],
    ['REQUEST_TIMED_OUT', false],
    ['CORRUPT_MESSAGE', false],
  ] as const)(
    '%s twice, then accepted: each record stored once, at the offsets the broker gave',
    async (error, refreshes) => {
      const cluster = await startCluster({
        topics: { t: { partitions: 2, leaders: [0, 1], firstOffset: 100n } },
      });
      const rule = cluster.onProduce({ topic: 't', partition: 0, times: 2 }, { error });
      const producer = producerFor(cluster);

      const failing = sendAll(producer, 't', 0, ['a', 'b', 'c']);
      const healthy = producer.send({ topic: 't', partition: 1, value: 'other' });

      expect(offsetsOf(await Promise.all(failing))).toEqual([100n, 101n, 102n]);
      expect((await healthy).offset).toBe(100n);
      expect(rule.hits).toBe(2);
      expect(cluster.values('t', 0)).toEqual(['a', 'b', 'c']);
      expect(cluster.records('t', 0).map((r) => r.offset)).toEqual([100n, 101n, 102n]);
      expect(cluster.values('t', 1)).toEqual(['other']);
      // Three attempts of the one batch of t-0; t-1 went once.
      expect(cluster.produced('t', 0).map((p) => [p.recordCount, p.result?.errorName])).toEqual([
        [3, error],
        [3, error],
        [3, 'NONE'],
      ]);
      expect(cluster.produced('t', 1)).toHaveLength(1);
      // Errors that say the leader may have moved refresh metadata; the others only back off.
      const metadataRequests = cluster.requestsFor('Metadata').length;
      if (refreshes) expect(metadataRequests).toBeGreaterThanOrEqual(2);
      else expect(metadataRequests).toBe(1);
    },
  );

  it('retries on a new connection when the broker closes the connection before answering', async () => {
    const cluster = await startCluster({ topics: { t: 1 } });
    const rule = cluster.onRequest({ api: 'Produce', nodeId: 0 }, 'drop');
    const producer = producerFor(cluster);

    const results = await Promise.all(sendAll(producer, 't', 0, ['a', 'b']));

    expect(offsetsOf(results)).toEqual([0n, 1n]);
    expect(rule.hits).toBe(1);
    const produces = cluster.requestsFor('Produce');
    expect(produces.map((r) => r.outcome)).toEqual(['dropped', 'answered']);
    expect(produces[1]!.connection).not.toBe(produces[0]!.connection);
    expect(cluster.values('t', 0)).toEqual(['a', 'b']);
  });

  it('retries when the connection drops mid-response; with idempotence the broker answers the retry with the original offsets', async () => {
    const cluster = await startCluster({ topics: { t: 1 } });
    cluster.onRequest({ api: 'Produce', nodeId: 0 }, 'drop-mid-response');
    const producer = producerFor(cluster);

    const results = await Promise.all(sendAll(producer, 't', 0, ['a', 'b']));

    // The first attempt was written but its answer was lost; the retry carries the same producer id, epoch
    // and sequence, so the broker recognises it and reports where the first attempt went.
    expect(offsetsOf(results)).toEqual([0n, 1n]);
    expect(cluster.values('t', 0)).toEqual(['a', 'b']);
    const produced = cluster.produced('t', 0);
    expect(produced.map((p) => p.result?.errorName)).toEqual(['NONE', 'NONE']);
    expect(produced.map((p) => p.batches[0]!.baseSequence)).toEqual([0, 0]);
    expect(produced[1]!.result?.baseOffset).toBe(0n);
    expect(cluster.requestsFor('Produce').map((r) => r.outcome)).toEqual([
      'dropped-mid-response',
      'answered',
    ]);
  });

  it('retries when the connection drops mid-response; without idempotence the broker then holds the records twice', async () => {
    const cluster = await startCluster({ topics: { t: 1 } });
    cluster.onRequest({ api: 'Produce', nodeId: 0 }, 'drop-mid-response');
    const producer = producerFor(cluster, { enableIdempotence: false });

    const results = await Promise.all(sendAll(producer, 't', 0, ['a', 'b']));

    // The first attempt was written (offsets 0-1) but its answer was lost; the retry was written again
    // and its offsets are the ones reported. This is the duplicate idempotence exists to prevent.
    expect(offsetsOf(results)).toEqual([2n, 3n]);
    expect(cluster.values('t', 0)).toEqual(['a', 'b', 'a', 'b']);
    expect(cluster.requestsFor('Produce').map((r) => r.outcome)).toEqual([
      'dropped-mid-response',
      'answered',
    ]);
  });

  it('retries after requestTimeoutMs when the broker does not answer, on a new connection', async () => {
    const cluster = await startCluster({ topics: { t: 1 } });
    cluster.onRequest({ api: 'Produce', nodeId: 0 }, 'no-response');
    const producer = producerFor(cluster, { requestTimeoutMs: 300, deliveryTimeoutMs: 5_000 });

    const results = await Promise.all(sendAll(producer, 't', 0, ['a', 'b']));

    expect(offsetsOf(results)).toEqual([0n, 1n]);
    const produces = cluster.requestsFor('Produce');
    expect(produces.map((r) => r.outcome)).toEqual(['not-answered', 'answered']);
    expect(produces[1]!.connection).not.toBe(produces[0]!.connection);
    // The hung request handled nothing, so nothing is duplicated.
    expect(cluster.values('t', 0)).toEqual(['a', 'b']);
  });

  it('without idempotence keeps the records of one partition in order across a retry (one batch in flight per partition)', async () => {
    const cluster = await startCluster({ topics: { t: 1 } });
    cluster.onProduce({ topic: 't', partition: 0, times: 1 }, { error: 'NOT_ENOUGH_REPLICAS' });
    // batchSize 1: every record is a batch of its own, so five batches queue up behind the failing one.
    // (With idempotence up to 5 go at once and the broker keeps the order: see idempotence.test.ts.)
    const producer = producerFor(cluster, { batchSize: 1, enableIdempotence: false });

    const values = ['v0', 'v1', 'v2', 'v3', 'v4'];
    const results = await Promise.all(sendAll(producer, 't', 0, values));

    expect(offsetsOf(results)).toEqual([0n, 1n, 2n, 3n, 4n]);
    expect(cluster.values('t', 0)).toEqual(values);
    const attempts = cluster.produced('t', 0);
    expect(attempts.map((p) => p.records.map((r) => Buffer.from(r.value!).toString()))).toEqual([
      ['v0'],
      ['v0'],
      ['v1'],
      ['v2'],
      ['v3'],
      ['v4'],
    ]);
    // Never two requests for the partition at the broker at once.
    expect(cluster.requestsFor('Produce').every((r) => r.outstandingOnArrival === 1)).toBe(true);
  });
});

describe('retries', () => {
  it('retries: 0 gives up after the first failure and says so', async () => {
    const cluster = await startCluster({ topics: { t: { partitions: 2, leaders: [0, 1] } } });
    cluster.onProduce({ topic: 't', partition: 0, times: Infinity }, { error: 'NOT_ENOUGH_REPLICAS' });
    const producer = producerFor(cluster, { retries: 0 });

    const [a, b, other] = await outcomes([
      ...sendAll(producer, 't', 0, ['a', 'b']),
      producer.send({ topic: 't', partition: 1, value: 'other' }),
    ]);

    for (const result of [a, b]) {
      const error = (result as { error: Error }).error;
      expect(error).toBeInstanceOf(ProduceError);
      const produceError = error as ProduceError;
      expect(produceError.errorName).toBe('NOT_ENOUGH_REPLICAS');
      expect(produceError.topic).toBe('t');
      expect(produceError.partition).toBe(0);
      expect(produceError.message).toContain('Gave up after 1 attempt(s) (retries = 0)');
      expect(produceError.message).toContain('t-0');
    }
    expect(other).toEqual({ offset: 0n, partition: 1 });
    expect(cluster.produced('t', 0)).toHaveLength(1);
    expect(cluster.values('t', 0)).toEqual([]);
  });

  it('retries: 2 makes exactly three attempts', async () => {
    const cluster = await startCluster({ topics: { t: 1 } });
    cluster.onProduce({ topic: 't', partition: 0, times: Infinity }, { error: 'REQUEST_TIMED_OUT' });
    const producer = producerFor(cluster, { retries: 2 });

    await expect(producer.send({ topic: 't', partition: 0, value: 'a' })).rejects.toThrow(
      /REQUEST_TIMED_OUT.*Gave up after 3 attempt\(s\) \(retries = 2\)/s,
    );
    expect(cluster.produced('t', 0)).toHaveLength(3);
  });
});
