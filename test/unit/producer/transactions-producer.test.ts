import { afterEach, describe, expect, it } from 'vitest';
import {
  ProducerFencedError,
  TransactionAbortableError,
  TransactionAbortedError,
} from '../../../src/producer/errors.js';
import { AddPartitionsToTxnApi, ProduceApi } from '../../../src/protocol/index.js';
import type { FakeKafka } from '../../../src/testing/index.js';
import { keptWarnings } from '../../fake/logger.js';
import { cleanup, producerFor, startCluster } from './harness.js';

// The transactional producer on the fake cluster: what goes on the wire around its records (coordinator
// requests before the first Produce to a partition, the transactional id and attribute, version caps) and
// how Produce errors reach the transaction. Visibility to consumers is the real broker's part
// (test/integration/transactions.test.ts).

afterEach(cleanup);

const ADD_PARTITIONS_TO_TXN = AddPartitionsToTxnApi.apiKey;
const PRODUCE = ProduceApi.apiKey;

function produces(cluster: FakeKafka) {
  return cluster.requests.filter((r) => r.apiKey === PRODUCE);
}

/**
 * A cluster at `transaction.version` 1 (a Kafka 4.x cluster not upgraded to v2) or 2, and an initialized producer.
 * Its tests fence and abort transactions on purpose: the warnings that go with that are kept, not printed.
 */
async function transactional(transactionVersion: 1 | 2) {
  const cluster = await startCluster({ topics: { t: 2 }, transactionVersion });
  const producer = producerFor(cluster, { transactionalId: 'tx', logger: keptWarnings().logger });
  await producer.initTransactions();
  return { cluster, producer };
}

describe('transactional producer on the fake cluster', () => {
  it('transactions v1: AddPartitionsToTxn before the first Produce, Produce v11 with the transactional id and flag, EndTxn v4', async () => {
    const { cluster, producer } = await transactional(1);
    const find = cluster.coordinator.requestsOf('FindCoordinator');
    expect(find).toHaveLength(1);
    expect(find[0]!.request.keyType).toBe(1);
    const init = cluster.requestsFor('InitProducerId');
    expect(init).toHaveLength(1);
    expect(init[0]!.nodeId).toBe(0);
    expect(init[0]!.initProducerId).toMatchObject({ transactionalId: 'tx', transactionTimeoutMs: 60_000 });

    producer.beginTransaction();
    await Promise.all([
      producer.send({ topic: 't', partition: 0, value: 'a' }),
      producer.send({ topic: 't', partition: 1, value: 'b' }),
    ]);
    await producer.commitTransaction();

    const coordinator = cluster.coordinator.requests.map((r) => r.api);
    expect(coordinator).toEqual(['FindCoordinator', 'AddPartitionsToTxn', 'EndTxn']);
    expect(cluster.coordinator.requestsOf('AddPartitionsToTxn')[0]!.request.v3AndBelowTopics).toEqual([
      { name: 't', partitions: [0, 1] },
    ]);
    const added = cluster.requests.find((r) => r.apiKey === ADD_PARTITIONS_TO_TXN)!;
    const sent = produces(cluster);
    expect(sent.length).toBeGreaterThan(0);
    for (const produce of sent) {
      expect(produce.index).toBeGreaterThan(added.index);
      expect(produce.version).toBe(11);
      expect(produce.produce!.transactionalId).toBe('tx');
      for (const partition of produce.produce!.partitions) {
        for (const batch of partition.batches) {
          expect(batch.transactional).toBe(true);
          expect(batch.producerId).toBe(4000n);
          expect(batch.baseSequence).toBe(0);
        }
      }
    }
    const endTxn = cluster.coordinator.requestsOf('EndTxn');
    expect(endTxn[0]!.version).toBe(4);
    expect(endTxn[0]!.request).toMatchObject({
      transactionalId: 'tx',
      producerId: 4000n,
      producerEpoch: 0,
      committed: true,
    });
  });

  it('transactions v2: no AddPartitionsToTxn, Produce at the broker version, EndTxn v5 whose epoch the next transaction writes with', async () => {
    const { cluster, producer } = await transactional(2);
    await producer.transaction(async (tx) => {
      await tx.send({ topic: 't', partition: 0, value: 'first' });
    });
    await producer.transaction(async (tx) => {
      await tx.send({ topic: 't', partition: 0, value: 'second' });
    });
    expect(cluster.coordinator.requests.map((r) => r.api)).toEqual(['FindCoordinator', 'EndTxn', 'EndTxn']);
    expect(cluster.coordinator.requestsOf('EndTxn').map((r) => [r.version, r.request.producerEpoch])).toEqual(
      [
        [5, 0],
        [5, 1],
      ],
    );
    const batches = produces(cluster).flatMap((r) => r.produce!.partitions.flatMap((p) => p.batches));
    expect(produces(cluster).every((r) => r.version === 13 && r.produce!.transactionalId === 'tx')).toBe(
      true,
    );
    // A new epoch starts the partition's sequences again.
    expect(batches.map((b) => [b.producerEpoch, b.baseSequence, b.transactional])).toEqual([
      [0, 0, true],
      [1, 0, true],
    ]);
  });

  it('sendOffsetsToTransaction: AddOffsetsToTxn then TxnOffsetCommit v4 under v1, TxnOffsetCommit v5 alone under v2', async () => {
    const v1 = await transactional(1);
    await v1.producer.transaction((tx) =>
      tx.sendOffsetsToTransaction([{ topic: 'in', partition: 3, offset: 7n }], {
        groupId: 'g',
        generationId: 2,
        memberId: 'm',
      }),
    );
    expect(v1.cluster.coordinator.requests.map((r) => `${r.api} v${r.version}`)).toEqual([
      'FindCoordinator v6',
      'AddOffsetsToTxn v4',
      'FindCoordinator v6',
      'TxnOffsetCommit v4',
      'EndTxn v4',
    ]);
    expect(v1.cluster.coordinator.requestsOf('TxnOffsetCommit')[0]!.request).toMatchObject({
      groupId: 'g',
      generationId: 2,
      memberId: 'm',
      topics: [{ name: 'in', partitions: [{ partitionIndex: 3, committedOffset: 7n }] }],
    });

    const v2 = await transactional(2);
    await v2.producer.transaction((tx) =>
      tx.sendOffsetsToTransaction([{ topic: 'in', partition: 0, offset: 1n }], { groupId: 'g' }),
    );
    expect(v2.cluster.coordinator.requests.map((r) => `${r.api} v${r.version}`)).toEqual([
      'FindCoordinator v6',
      'FindCoordinator v6',
      'TxnOffsetCommit v5',
      'EndTxn v5',
    ]);
  });

  it('PRODUCER_FENCED on a Produce: the record, every later send and the commit reject with ProducerFencedError', async () => {
    const { cluster, producer } = await transactional(1);
    cluster.onProduce({ topic: 't' }, { error: 'PRODUCER_FENCED' });
    producer.beginTransaction();
    const error = await producer.send({ topic: 't', partition: 0, value: 'x' }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ProducerFencedError);
    expect((error as Error).message).toMatch(/'tx' was fenced.*PRODUCER_FENCED/);
    await expect(producer.send({ topic: 't', partition: 0, value: 'y' })).rejects.toBeInstanceOf(
      ProducerFencedError,
    );
    await expect(producer.commitTransaction()).rejects.toBeInstanceOf(ProducerFencedError);
    expect(cluster.coordinator.requestsOf('EndTxn')).toHaveLength(0);
  });

  it('fenced by the coordinator: queued batches, retries included, fail at once with ProducerFencedError', async () => {
    const { cluster, producer } = await transactional(1);
    cluster.onProduce(
      { topic: 't', partition: 0, times: Number.POSITIVE_INFINITY },
      { error: 'NOT_ENOUGH_REPLICAS' },
    );
    producer.beginTransaction();
    const retrying = producer.send({ topic: 't', partition: 0, value: 'a' }).catch((e: unknown) => e);
    await cluster.waitForRequests((r) => r.apiKey === PRODUCE);
    cluster.coordinator.fail('AddPartitionsToTxn', 'PRODUCER_FENCED');
    const fenced = producer.send({ topic: 't', partition: 1, value: 'b' }).catch((e: unknown) => e);
    expect(await fenced).toBeInstanceOf(ProducerFencedError);
    // Well before deliveryTimeoutMs (10 s), and not as a DeliveryTimeoutError.
    expect(await retrying).toBeInstanceOf(ProducerFencedError);
  });

  it('a record the broker refuses makes the transaction abortable; the abort ends it and bumps the epoch (v1), and the next transaction writes from sequence 0', async () => {
    const { cluster, producer } = await transactional(1);
    cluster.onProduce({ topic: 't' }, { error: 'INVALID_PRODUCER_EPOCH' });
    producer.beginTransaction();
    await expect(producer.send({ topic: 't', partition: 0, value: 'x' })).rejects.toThrow(
      /INVALID_PRODUCER_EPOCH/,
    );
    await expect(producer.send({ topic: 't', partition: 0, value: 'y' })).rejects.toBeInstanceOf(
      TransactionAbortableError,
    );
    await expect(producer.commitTransaction()).rejects.toBeInstanceOf(TransactionAbortableError);
    await producer.abortTransaction();
    expect(cluster.coordinator.requestsOf('EndTxn').map((r) => r.request.committed)).toEqual([false]);
    const inits = cluster.requestsFor('InitProducerId');
    expect(inits).toHaveLength(2);
    expect(inits[1]!.initProducerId).toMatchObject({
      transactionalId: 'tx',
      producerId: 4000n,
      producerEpoch: 0,
    });

    await producer.transaction(async (tx) => {
      await tx.send({ topic: 't', partition: 0, value: 'z' });
    });
    const last = produces(cluster).at(-1)!.produce!.partitions[0]!.batches[0]!;
    expect([last.producerId, last.producerEpoch, last.baseSequence]).toEqual([4000n, 1, 0]);
    expect(cluster.values('t', 0)).toEqual(['z']);
  });

  it('a record refused before it is batched (its topic never appears, bad input) also makes the commit reject', async () => {
    const cluster = await startCluster({ topics: { t: 1 }, transactionVersion: 2 });
    const producer = producerFor(cluster, { transactionalId: 'tx', maxBlockMs: 200 });
    await producer.initTransactions();
    producer.beginTransaction();
    const sent = producer.send({ topic: 't', partition: 0, value: 'fine' });
    await expect(producer.send({ topic: 'missing', value: 'lost' })).rejects.toThrow(/missing/);
    const commit = await producer.commitTransaction().catch((e: unknown) => e);
    expect(commit).toBeInstanceOf(TransactionAbortableError);
    expect((commit as Error).message).toMatch(/cannot commit.*missing/);
    await sent;
    await producer.abortTransaction();

    // produce() without a callback: the failure is not seen by the caller, but the commit does not go through.
    producer.beginTransaction();
    producer.produce({ topic: 't', value: { not: 'bytes' } as never });
    await expect(producer.commitTransaction()).rejects.toBeInstanceOf(TransactionAbortableError);
    await producer.abortTransaction();
    expect(cluster.coordinator.requestsOf('EndTxn').map((r) => r.request.committed)).toEqual([false]);
  });

  it('a retry (its batch has a sequence) still goes while the transaction aborts: the abort does not wait for it to expire', async () => {
    const { cluster, producer } = await transactional(1);
    cluster.onProduce({ topic: 't', partition: 0 }, { error: 'NOT_ENOUGH_REPLICAS' });
    producer.beginTransaction();
    const retried = producer.send({ topic: 't', partition: 0, value: 'retried' });
    await cluster.waitForRequests((r) => r.apiKey === PRODUCE);
    const started = Date.now();
    await producer.abortTransaction();
    expect(Date.now() - started).toBeLessThan(5_000);
    expect((await retried).offset).toBe(0n);
    expect(cluster.values('t', 0)).toEqual(['retried']);
    expect(produces(cluster)).toHaveLength(2);
    expect(cluster.coordinator.requestsOf('EndTxn').map((r) => r.request.committed)).toEqual([false]);
  });

  it('an abort fails the records still waiting to be sent with TransactionAbortedError; none reaches the broker', async () => {
    const cluster = await startCluster({ topics: { t: 1 }, transactionVersion: 1 });
    const producer = producerFor(cluster, {
      transactionalId: 'tx',
      lingerMs: 60_000,
      deliveryTimeoutMs: 120_000,
    });
    await producer.initTransactions();
    producer.beginTransaction();
    const pending = producer.send({ topic: 't', partition: 0, value: 'never' }).catch((e: unknown) => e);
    await cluster.waitForRequests((r) => r.apiKey === ADD_PARTITIONS_TO_TXN);
    await producer.abortTransaction();
    expect(await pending).toBeInstanceOf(TransactionAbortedError);
    expect(produces(cluster)).toHaveLength(0);
    // Something was added, so the coordinator hears the abort.
    expect(cluster.coordinator.requestsOf('EndTxn').map((r) => r.request.committed)).toEqual([false]);
  });
});
