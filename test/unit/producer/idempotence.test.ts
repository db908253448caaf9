import { createHook } from 'node:async_hooks';
import { afterEach, describe, expect, it } from 'vitest';
import {
  AuthorizationError,
  DeliveryTimeoutError,
  ProduceError,
  ProducerConfigError,
} from '../../../src/index.js';
import type { FakeKafka, LoggedRequest, ProducedPartition } from '../../../src/testing/index.js';
import { keptWarnings } from '../../fake/logger.js';
import { cleanup, offsetsOf, outcomes, producerFor, sendAll, startCluster } from './harness.js';

// The idempotent producer (on by default) against a fake broker that keeps Kafka's per-producer sequence
// state: one InitProducerId, sequences per partition, up to 5 batches of a partition in flight, retries
// the broker deduplicates or refuses out of order, epoch bumps after a real gap, and the fatal errors that
// end the producer. The fake's log is the truth: each record once, in send order.

afterEach(cleanup);

const text = (value: Uint8Array | null) => (value === null ? null : Buffer.from(value).toString());
const valuesOf = (p: ProducedPartition) => p.records.map((r) => text(r.value));
/** [epoch, sequence] of every record the fake stored for the partition. */
const stamps = (cluster: FakeKafka, topic: string, partition: number) =>
  cluster.records(topic, partition).map((r) => [r.producerEpoch, r.sequence]);

describe('idempotent producer: stamps', () => {
  it('gets a producer id once and numbers each partition from 0 by record count', async () => {
    const cluster = await startCluster({ topics: { t: { partitions: 2, leaders: [0, 1] } } });
    const producer = producerFor(cluster);

    await Promise.all(sendAll(producer, 't', 0, ['a', 'b', 'c']));
    await Promise.all([...sendAll(producer, 't', 0, ['d', 'e']), ...sendAll(producer, 't', 1, ['x', 'y'])]);
    await producer.send({ topic: 't', partition: 1, value: 'z' });

    const inits = cluster.requestsFor('InitProducerId');
    expect(inits).toHaveLength(1);
    expect(inits[0]!.initProducerId).toMatchObject({
      transactionalId: null,
      transactionTimeoutMs: 2147483647,
    });
    const [producerId] = cluster.producerIdsIssued();
    expect(producerId).toBe(4000n);
    const batches = (partition: number) =>
      cluster
        .produced('t', partition)
        .flatMap((p) => p.batches)
        .map((b) => [b.producerId, b.producerEpoch, b.baseSequence, b.lastSequence]);
    expect(batches(0)).toEqual([
      [4000n, 0, 0, 2],
      [4000n, 0, 3, 4],
    ]);
    expect(batches(1)).toEqual([
      [4000n, 0, 0, 1],
      [4000n, 0, 2, 2],
    ]);
    expect(cluster.values('t', 0)).toEqual(['a', 'b', 'c', 'd', 'e']);
    expect(stamps(cluster, 't', 0).map(([, sequence]) => sequence)).toEqual([0, 1, 2, 3, 4]);
    expect(cluster.producerState('t', 0, 4000n)?.batches.at(-1)).toMatchObject({
      lastSequence: 4,
      lastOffset: 4n,
    });
  });

  it('retries InitProducerId after COORDINATOR_LOAD_IN_PROGRESS, then sends', async () => {
    const cluster = await startCluster({ topics: { t: 1 } });
    const rule = cluster.onInitProducerId({ error: 'COORDINATOR_LOAD_IN_PROGRESS' });
    const producer = producerFor(cluster);

    expect((await producer.send({ topic: 't', value: 'a' })).offset).toBe(0n);

    expect(rule.hits).toBe(1);
    expect(cluster.requestsFor('InitProducerId')).toHaveLength(2);
    expect(stamps(cluster, 't', 0)).toEqual([[0, 0]]);
  });
});

describe('idempotent producer: in flight', () => {
  it('keeps up to 5 batches of one partition at a broker that answers late, in order', async () => {
    const cluster = await startCluster({ topics: { t: 1 } });
    cluster.onRequest({ api: 'Produce', times: Infinity }, { delayMs: 50 });
    // batchSize 1: every record is a batch of its own.
    const producer = producerFor(cluster, { batchSize: 1 });
    const values = ['v0', 'v1', 'v2', 'v3', 'v4', 'v5', 'v6', 'v7'];

    const results = await Promise.all(sendAll(producer, 't', 0, values));

    expect(offsetsOf(results)).toEqual([0n, 1n, 2n, 3n, 4n, 5n, 6n, 7n]);
    expect(cluster.values('t', 0)).toEqual(values);
    expect(stamps(cluster, 't', 0)).toEqual(values.map((_, i) => [0, i]));
    const outstanding = cluster.requestsFor('Produce').map((r) => r.outstandingOnArrival);
    expect(Math.max(...outstanding)).toBe(5);
  });

  it('retries a batch that failed while 4 later ones were in flight: they come back OUT_OF_ORDER and everything is written once, in order', async () => {
    const cluster = await startCluster({ topics: { t: 1 } });
    const producer = producerFor(cluster, { batchSize: 1 });
    // The partition knows the producer (a broker accepts any first sequence of a producer it does not know).
    await producer.send({ topic: 't', partition: 0, value: 'warm-up' });
    const carries = (value: string) => (p: ProducedPartition) => valuesOf(p).includes(value);
    cluster.onProduce({ topic: 't', partition: 0, when: carries('v1') }, { error: 'NOT_ENOUGH_REPLICAS' });
    // Hold v1's answer until v2..v5 are at the broker too.
    cluster.onRequest(
      { api: 'Produce', when: (r) => r.produce!.partitions.some(carries('v1')) },
      { until: cluster.waitForRequests((r) => r.api === 'Produce', 6) },
    );

    const values = ['v1', 'v2', 'v3', 'v4', 'v5'];
    const results = await Promise.all(sendAll(producer, 't', 0, values));

    expect(offsetsOf(results)).toEqual([1n, 2n, 3n, 4n, 5n]);
    expect(cluster.values('t', 0)).toEqual(['warm-up', ...values]);
    // No gap was ever real, so no epoch bump: the sequences are the first ones assigned.
    expect(stamps(cluster, 't', 0)).toEqual([0, 1, 2, 3, 4, 5].map((s) => [0, s]));
    const attempts = cluster.produced('t', 0).slice(1);
    expect(attempts.slice(0, 5).map((p) => [valuesOf(p)[0], p.result?.errorName])).toEqual([
      ['v1', 'NOT_ENOUGH_REPLICAS'],
      ['v2', 'OUT_OF_ORDER_SEQUENCE_NUMBER'],
      ['v3', 'OUT_OF_ORDER_SEQUENCE_NUMBER'],
      ['v4', 'OUT_OF_ORDER_SEQUENCE_NUMBER'],
      ['v5', 'OUT_OF_ORDER_SEQUENCE_NUMBER'],
    ]);
    expect(attempts.slice(5).map((p) => [valuesOf(p)[0], p.result?.errorName])).toEqual(
      values.map((v) => [v, 'NONE']),
    );
  });

  it('a connection lost mid-response with 5 batches out: the written ones come back as duplicates at their original offsets, the rest are written once', async () => {
    const cluster = await startCluster({ topics: { t: 1 } });
    const producer = producerFor(cluster, { batchSize: 1 });
    // A partition's first batch travels alone (the broker has no state for the producer yet); after it, 5 may.
    await producer.send({ topic: 't', partition: 0, value: 'warm-up' });
    const carries = (value: string) => (r: LoggedRequest) =>
      r.produce!.partitions.some((p) => valuesOf(p).includes(value));
    // v0..v4 all reach the broker before it handles any; it writes v0..v2, loses the connection while
    // answering v2, and never sees v3 and v4 on that connection.
    cluster.onRequest(
      { api: 'Produce', when: carries('v0') },
      { until: cluster.waitForRequests((r) => r.api === 'Produce', 6) },
    );
    cluster.onRequest({ api: 'Produce', when: carries('v2') }, 'drop-mid-response');

    const values = ['v0', 'v1', 'v2', 'v3', 'v4'];
    const results = await Promise.all(sendAll(producer, 't', 0, values));

    expect(offsetsOf(results)).toEqual([1n, 2n, 3n, 4n, 5n]);
    expect(cluster.values('t', 0)).toEqual(['warm-up', ...values]);
    expect(stamps(cluster, 't', 0)).toEqual([0, 1, 2, 3, 4, 5].map((s) => [0, s]));
    const attempts = cluster.produced('t', 0).map((p) => [valuesOf(p)[0], p.result?.baseOffset]);
    // v2's retry is the duplicate: answered with offset 3 and not stored again.
    expect(attempts.filter(([value]) => value === 'v2')).toEqual([
      ['v2', 3n],
      ['v2', 3n],
    ]);
    expect(
      cluster
        .requestsFor('Produce')
        .map((r) => r.outcome)
        .slice(1, 6),
    ).toEqual(['answered', 'answered', 'dropped-mid-response', 'dropped', 'dropped']);
  });

  it('takes DUPLICATE_SEQUENCE_NUMBER as success without an offset', async () => {
    const cluster = await startCluster({ topics: { t: 1 } });
    cluster.onProduce({ topic: 't', partition: 0 }, { error: 'DUPLICATE_SEQUENCE_NUMBER' });
    const producer = producerFor(cluster);

    const duplicate = await producer.send({ topic: 't', partition: 0, value: 'a' });
    const next = await producer.send({ topic: 't', partition: 0, value: 'b' });

    expect(duplicate.offset).toBe(-1n);
    expect(next.offset).toBe(0n);
    expect(cluster.produced('t', 0)).toHaveLength(2);
    // The duplicate counts as written: the next batch follows its sequence.
    expect(stamps(cluster, 't', 0)).toEqual([[0, 1]]);
  });
});

describe('idempotent producer: leader change', () => {
  it('5 batches in flight to a leader that lost the partition: each retried once to the new leader, in order', async () => {
    const cluster = await startCluster({ topics: { t: { partitions: 1, leaders: [0] } } });
    const producer = producerFor(cluster, { batchSize: 1 });
    await producer.send({ topic: 't', partition: 0, value: 'warm-up' });
    // Hold node 0 until all five are there, then move the partition to node 1 before it answers.
    const five = cluster
      .waitForRequests((r) => r.api === 'Produce' && r.nodeId === 0, 6)
      .then(() => {
        cluster.moveLeader('t', 0, 1);
      });
    cluster.onRequest({ api: 'Produce', nodeId: 0 }, { until: five });

    const values = ['v1', 'v2', 'v3', 'v4', 'v5'];
    const results = await Promise.all(sendAll(producer, 't', 0, values));

    expect(offsetsOf(results)).toEqual([1n, 2n, 3n, 4n, 5n]);
    expect(cluster.values('t', 0)).toEqual(['warm-up', ...values]);
    // The new leader has the producer's state (replicated), so the same sequences carry on.
    expect(stamps(cluster, 't', 0)).toEqual([0, 1, 2, 3, 4, 5].map((s) => [0, s]));
    const onNode1 = cluster.requestsFor('Produce', 1).map((r) => valuesOf(r.produce!.partitions[0]!)[0]);
    expect(onNode1).toEqual(values);
  });
});

describe('idempotent producer: epoch bumps', () => {
  it('UNKNOWN_PRODUCER_ID from a broker that forgot the producer: bumps the epoch, restarts at sequence 0, writes once', async () => {
    const cluster = await startCluster({
      topics: { t: 1 },
      idempotence: { unknownProducer: 'UNKNOWN_PRODUCER_ID' },
    });
    const producer = producerFor(cluster);
    await producer.send({ topic: 't', partition: 0, value: 'a' });
    cluster.forgetProducers('t');

    expect((await producer.send({ topic: 't', partition: 0, value: 'b' })).offset).toBe(1n);
    expect((await producer.send({ topic: 't', partition: 0, value: 'c' })).offset).toBe(2n);

    expect(cluster.values('t', 0)).toEqual(['a', 'b', 'c']);
    expect(stamps(cluster, 't', 0)).toEqual([
      [0, 0],
      [1, 0],
      [1, 1],
    ]);
    expect(cluster.produced('t', 0).map((p) => p.result?.errorName)).toEqual([
      'NONE',
      'UNKNOWN_PRODUCER_ID',
      'NONE',
      'NONE',
    ]);
    // The bump is local (KIP-360): no second InitProducerId.
    expect(cluster.requestsFor('InitProducerId')).toHaveLength(1);
  });

  it('a Kafka 4.x broker that forgot the producer accepts its next sequence as is', async () => {
    const cluster = await startCluster({ topics: { t: 1 } });
    const producer = producerFor(cluster);
    await producer.send({ topic: 't', partition: 0, value: 'a' });
    cluster.forgetProducers();

    expect((await producer.send({ topic: 't', partition: 0, value: 'b' })).offset).toBe(1n);
    expect(stamps(cluster, 't', 0)).toEqual([
      [0, 0],
      [0, 1],
    ]);
  });

  it('OUT_OF_ORDER_SEQUENCE_NUMBER for the batch the broker should expect next: bumps the epoch and retries', async () => {
    const cluster = await startCluster({ topics: { t: { partitions: 2, leaders: [0, 0] } } });
    const producer = producerFor(cluster);
    await producer.send({ topic: 't', partition: 0, value: 'a' });
    await producer.send({ topic: 't', partition: 1, value: 'x' });
    cluster.onProduce({ topic: 't', partition: 0 }, { error: 'OUT_OF_ORDER_SEQUENCE_NUMBER' });

    expect((await producer.send({ topic: 't', partition: 0, value: 'b' })).offset).toBe(1n);
    expect((await producer.send({ topic: 't', partition: 1, value: 'y' })).offset).toBe(1n);

    expect(cluster.values('t', 0)).toEqual(['a', 'b']);
    expect(stamps(cluster, 't', 0)).toEqual([
      [0, 0],
      [1, 0],
    ]);
    // Every partition restarts at 0 under the new epoch.
    expect(stamps(cluster, 't', 1)).toEqual([
      [0, 0],
      [1, 0],
    ]);
  });

  it.each([
    ['OUT_OF_ORDER_SEQUENCE_NUMBER', ['v1', 'v2', 'v3', 'v4', 'v5']],
    ['INVALID_RECORD', ['v2', 'v3', 'v4', 'v5']],
  ] as const)(
    '%s for v1 while v2..v5 are in flight: one bump, the rest re-sequenced under the new epoch, in order',
    async (error, written) => {
      const cluster = await startCluster({ topics: { t: 1 } });
      const producer = producerFor(cluster, { batchSize: 1 });
      await producer.send({ topic: 't', partition: 0, value: 'warm-up' });
      const carries = (value: string) => (p: ProducedPartition) => valuesOf(p).includes(value);
      cluster.onProduce({ topic: 't', partition: 0, when: carries('v1') }, { error });
      cluster.onRequest(
        { api: 'Produce', when: (r) => r.produce!.partitions.some(carries('v1')) },
        { until: cluster.waitForRequests((r) => r.api === 'Produce', 6) },
      );

      const results = await outcomes(sendAll(producer, 't', 0, ['v1', 'v2', 'v3', 'v4', 'v5']));

      expect(cluster.values('t', 0)).toEqual(['warm-up', ...written]);
      expect(stamps(cluster, 't', 0)).toEqual([[0, 0], ...written.map((_, i) => [1, i])]);
      const offsets = results.filter((r) => 'offset' in r).map((r) => (r as { offset: bigint }).offset);
      expect(offsets).toEqual(written.map((_, i) => BigInt(i + 1)));
      if (error === 'INVALID_RECORD')
        expect((results[0] as { error: Error }).error).toBeInstanceOf(ProduceError);
      // v2..v5 first came back OUT_OF_ORDER (they followed the gap), then went once each under epoch 1.
      const v3 = cluster.produced('t', 0).filter(carries('v3'));
      expect(v3.map((p) => [p.batches[0]!.producerEpoch, p.result?.errorName])).toEqual([
        [0, 'OUT_OF_ORDER_SEQUENCE_NUMBER'],
        [1, 'NONE'],
      ]);
      expect(cluster.requestsFor('InitProducerId')).toHaveLength(1);
    },
  );

  it('at the last epoch (32767) gets a new producer id instead of bumping', async () => {
    const cluster = await startCluster({ topics: { t: 1 } });
    cluster.onInitProducerId({ producerEpoch: 32767 });
    const producer = producerFor(cluster);
    await producer.send({ topic: 't', partition: 0, value: 'a' });
    cluster.onProduce({ topic: 't', partition: 0 }, { error: 'OUT_OF_ORDER_SEQUENCE_NUMBER' });

    expect((await producer.send({ topic: 't', partition: 0, value: 'b' })).offset).toBe(1n);

    expect(cluster.requestsFor('InitProducerId')).toHaveLength(2);
    expect(cluster.producerIdsIssued()).toEqual([4000n, 4001n]);
    expect(cluster.records('t', 0).map((r) => [r.producerId, r.producerEpoch, r.sequence])).toEqual([
      [4000n, 32767, 0],
      [4001n, 0, 0],
    ]);
  });

  it('a batch refused for good (INVALID_RECORD) fails alone; the epoch is bumped and later batches are written', async () => {
    const cluster = await startCluster({ topics: { t: 1 } });
    const producer = producerFor(cluster);
    await producer.send({ topic: 't', partition: 0, value: 'a' });
    cluster.onProduce({ topic: 't', partition: 0 }, { error: 'INVALID_RECORD' });

    const [bad] = await outcomes([producer.send({ topic: 't', partition: 0, value: 'bad' })]);
    const later = await Promise.all(sendAll(producer, 't', 0, ['c', 'd']));

    const error = (bad as { error: Error }).error;
    expect(error).toBeInstanceOf(ProduceError);
    expect((error as ProduceError).errorName).toBe('INVALID_RECORD');
    expect(offsetsOf(later)).toEqual([1n, 2n]);
    expect(cluster.values('t', 0)).toEqual(['a', 'c', 'd']);
    expect(stamps(cluster, 't', 0)).toEqual([
      [0, 0],
      [1, 0],
      [1, 1],
    ]);
  });

  it('a batch expiring at deliveryTimeoutMs while in flight bumps the epoch; later records are written', async () => {
    const cluster = await startCluster({ topics: { t: 1 } });
    const producer = producerFor(cluster, { requestTimeoutMs: 400, deliveryTimeoutMs: 600 });
    await producer.send({ topic: 't', partition: 0, value: 'a' });
    // Every attempt carrying 'lost' hangs: the first times out, the retry is still out at the deadline.
    cluster.onRequest(
      {
        api: 'Produce',
        times: Infinity,
        when: (r) => r.produce!.partitions.some((p) => valuesOf(p).includes('lost')),
      },
      'no-response',
    );

    const [lost] = await outcomes([producer.send({ topic: 't', partition: 0, value: 'lost' })]);
    const later = await producer.send({ topic: 't', partition: 0, value: 'later' });

    const error = (lost as { error: Error }).error;
    expect(error).toBeInstanceOf(DeliveryTimeoutError);
    expect(error.message).toContain('still in flight');
    expect(later.offset).toBe(1n);
    expect(cluster.values('t', 0)).toEqual(['a', 'later']);
    expect(stamps(cluster, 't', 0)).toEqual([
      [0, 0],
      [1, 0],
    ]);
  });
});

describe('idempotent producer: fatal errors', () => {
  it('CLUSTER_AUTHORIZATION_FAILED on InitProducerId rejects every pending record and every later send', async () => {
    const cluster = await startCluster({ topics: { t: 2 } });
    cluster.onInitProducerId({ error: 'CLUSTER_AUTHORIZATION_FAILED', times: Infinity });
    const { logger, kept } = keptWarnings();
    const producer = producerFor(cluster, { logger });

    const results = await outcomes([
      ...sendAll(producer, 't', 0, ['a', 'b']),
      producer.send({ topic: 't', partition: 1, value: 'c' }),
    ]);

    for (const result of results) {
      const error = (result as { error: Error }).error;
      expect(error).toBeInstanceOf(AuthorizationError);
      expect((error as AuthorizationError).acl).toEqual({
        operation: 'IDEMPOTENT_WRITE',
        resourceType: 'CLUSTER',
        resourceName: 'kafka-cluster',
      });
      expect(error.message).toMatch(
        /^CLUSTER_AUTHORIZATION_FAILED \(31\) from InitProducerId: .*grant IDEMPOTENT_WRITE on the cluster .*or disable idempotence \(enableIdempotence: false\)/s,
      );
    }
    await expect(producer.send({ topic: 't', value: 'later' })).rejects.toBe(
      (results[0] as { error: Error }).error,
    );
    expect(cluster.requestsFor('InitProducerId')).toHaveLength(1);
    expect(cluster.requestsFor('Produce')).toHaveLength(0);
    expect(kept.map((e) => e.message)).toEqual([
      'idempotent producer failed fatally: nothing more can be sent',
    ]);
  });

  it.each(['PRODUCER_FENCED', 'CLUSTER_AUTHORIZATION_FAILED'] as const)(
    '%s on Produce fails the batch, every queued record and every later send',
    async (code) => {
      const cluster = await startCluster({ topics: { t: { partitions: 2, leaders: [0, 1] } } });
      const producer = producerFor(cluster, { logger: keptWarnings().logger });
      await producer.send({ topic: 't', partition: 0, value: 'warm-up' });
      const fatal = cluster.onProduce({ topic: 't', partition: 0 }, { error: code });
      // The other partition's leader holds its answer until the fatal one was given, so those records are
      // still pending when the producer stops.
      cluster.onRequest(
        { api: 'Produce', nodeId: 1 },
        { until: cluster.waitUntil(() => (fatal.hits > 0 ? true : undefined)) },
      );

      const results = await outcomes([
        producer.send({ topic: 't', partition: 0, value: 'a' }),
        producer.send({ topic: 't', partition: 1, value: 'b' }),
      ]);
      const queued = await outcomes([producer.send({ topic: 't', partition: 0, value: 'c' })]);

      const first = (results[0] as { error: Error }).error;
      // An authorization failure keeps its own type: its message names the ACL to grant.
      expect(first).toBeInstanceOf(code === 'PRODUCER_FENCED' ? ProduceError : AuthorizationError);
      expect((first as ProduceError | AuthorizationError).errorName).toBe(code);
      expect(first.message).toContain('The producer cannot continue');
      // 'b' was already at its broker: it is written (the broker had nothing against it).
      expect(results[1]).toEqual({ offset: 0n, partition: 1 });
      const later = (queued[0] as { error: Error }).error;
      expect(later.message).toContain(code);
      expect(later.message).toContain('The producer cannot continue');
      expect(cluster.values('t', 0)).toEqual(['warm-up']);
    },
  );
});

/** Counts the timers created while `during` runs (the sender's wakeups show up as timers). */
async function timersCreated(during: () => Promise<unknown>): Promise<number> {
  let count = 0;
  const hook = createHook({
    init(_id, type) {
      if (type === 'Timeout') count++;
    },
  }).enable();
  try {
    await during();
  } finally {
    hook.disable();
  }
  return count;
}

describe('idempotent producer: waiting', () => {
  it('does not spin while InitProducerId is outstanding', async () => {
    const cluster = await startCluster({ topics: { t: 1 } });
    cluster.onRequest({ api: 'InitProducerId' }, { delayMs: 300 });
    const producer = producerFor(cluster);

    const timers = await timersCreated(() => producer.send({ topic: 't', value: 'a' }));

    expect(cluster.values('t', 0)).toEqual(['a']);
    // A handful (request timeouts, the fake's delay, the delivery deadline), not one per millisecond.
    expect(timers).toBeLessThan(30);
  });

  it('does not spin while an epoch bump waits for a batch in flight', async () => {
    const cluster = await startCluster({ topics: { t: 1 } });
    const producer = producerFor(cluster, { batchSize: 1 });
    await producer.send({ topic: 't', partition: 0, value: 'warm-up' });
    const carries = (value: string) => (p: ProducedPartition) => valuesOf(p).includes(value);
    cluster.onProduce({ topic: 't', partition: 0, when: carries('bad') }, { error: 'INVALID_RECORD' });
    // 'slow' is answered 300 ms after 'bad' was refused: the bump waits for it.
    cluster.onRequest(
      { api: 'Produce', when: (r) => r.produce!.partitions.some(carries('slow')) },
      { delayMs: 300 },
    );

    const timers = await timersCreated(() =>
      outcomes([
        ...sendAll(producer, 't', 0, ['bad', 'slow']),
        producer.send({ topic: 't', value: 'later' }),
      ]),
    );

    expect(cluster.values('t', 0)).toEqual(['warm-up', 'slow', 'later']);
    expect(timers).toBeLessThan(30);
  });

  it('does not spin after a fatal error', async () => {
    const cluster = await startCluster({ topics: { t: 1 } });
    cluster.onInitProducerId({ error: 'CLUSTER_AUTHORIZATION_FAILED' });
    const producer = producerFor(cluster, { logger: keptWarnings().logger });
    await expect(producer.send({ topic: 't', value: 'a' })).rejects.toThrow(/CLUSTER_AUTHORIZATION_FAILED/);

    // The window: another (non-idempotent) producer's record that the broker answers 200 ms late.
    const other = producerFor(cluster, { enableIdempotence: false });
    await other.send({ topic: 't', value: 'warm-up' });
    cluster.onRequest({ api: 'Produce' }, { delayMs: 200 });
    const timers = await timersCreated(() => other.send({ topic: 't', value: 'b' }));

    expect(cluster.values('t', 0)).toEqual(['warm-up', 'b']);
    expect(timers).toBeLessThan(30);
  });
});

describe('idempotent producer: configuration', () => {
  it('enableIdempotence: true with acks 1 is a configuration error naming the conflict', async () => {
    const cluster = await startCluster({ topics: { t: 1 } });
    expect(() => producerFor(cluster, { acks: 1, enableIdempotence: true })).toThrow(ProducerConfigError);
    expect(() => producerFor(cluster, { acks: 1, enableIdempotence: true })).toThrow(
      "Invalid producer option 'enableIdempotence': idempotence needs acks 'all' (got 1). Change those options, or set enableIdempotence: false.",
    );
    expect(() =>
      producerFor(cluster, { maxInFlightRequestsPerConnection: 6, enableIdempotence: true }),
    ).toThrow(/maxInFlightRequestsPerConnection/);
    expect(() => producerFor(cluster, { retries: 0, enableIdempotence: true })).toThrow(/retries/);
  });

  it.each([
    ['acks 1 by default', { acks: 1 }],
    ['enableIdempotence: false', { enableIdempotence: false }],
  ] as const)('%s: no InitProducerId, batches without a producer id', async (_, options) => {
    const cluster = await startCluster({ topics: { t: 1 } });
    const producer = producerFor(cluster, options);

    await Promise.all(sendAll(producer, 't', 0, ['a', 'b']));

    expect(cluster.requestsFor('InitProducerId')).toHaveLength(0);
    const [batch] = cluster.produced('t', 0)[0]!.batches;
    expect([batch!.producerId, batch!.producerEpoch, batch!.baseSequence]).toEqual([-1n, -1, -1]);
    expect(stamps(cluster, 't', 0)).toEqual([
      [-1, -1],
      [-1, -1],
    ]);
  });
});

describe('idempotent producer: an epoch bump elsewhere', () => {
  it('does not renumber a retry whose first attempt may have been written (no duplicate)', async () => {
    const cluster = await startCluster({ topics: { t: { partitions: 2, leaders: [0, 1] } } });
    // Partition 0's answer is lost after the broker wrote the batch; partition 1 refuses its batch for good,
    // which bumps the epoch while partition 0's retry is waiting.
    cluster.onRequest({ api: 'Produce', nodeId: 0 }, 'drop-mid-response');
    cluster.onProduce({ topic: 't', partition: 1 }, { error: 'INVALID_RECORD' });
    const producer = producerFor(cluster, { retryBackoffMs: 200, retryBackoffMaxMs: 200 });
    const a = producer.send({ topic: 't', partition: 0, value: 'a' });
    const b = producer.send({ topic: 't', partition: 1, value: 'b' });
    await expect(b).rejects.toThrow(/INVALID_RECORD/);
    // The retry went out with its original epoch and sequence, so the broker answered it as a duplicate.
    expect((await a).offset).toBe(0n);
    expect(cluster.values('t', 0)).toEqual(['a']);
    // Later records of partition 0 move to the new epoch, from sequence 0.
    await producer.send({ topic: 't', partition: 0, value: 'c' });
    const last = cluster.records('t', 0).at(-1)!;
    expect(cluster.values('t', 0)).toEqual(['a', 'c']);
    expect(last.producerEpoch).toBe(1);
    expect(last.sequence).toBe(0);
  });
});
