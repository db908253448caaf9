import { describe, expect, it } from 'vitest';
import { ClientClosedError, NetworkError } from '../../../src/net/errors.js';
import {
  ProducerFencedError,
  TransactionAbortableError,
  TransactionAbortedError,
  TransactionFatalError,
  TransactionStateError,
  TransactionTimeoutError,
} from '../../../src/producer/errors.js';
import { isTransitionValid, type TransactionState } from '../../../src/producer/transaction-state.js';
import type { AddPartitionsToTxnRequest } from '../../../src/protocol/add-partitions-to-txn.js';
import { AuthorizationError, KafkaErrorCode, kafkaErrorFor } from '../../../src/protocol/errors.js';
import type { FindCoordinatorRequest } from '../../../src/protocol/find-coordinator.js';
import type { TxnOffsetCommitRequest } from '../../../src/protocol/txn-offset-commit.js';
import {
  addPartitionsAnswer,
  coordinatorAnswer,
  errorAnswer,
  setup,
  turn,
  txnOffsetCommitAnswer,
} from './transactions-harness.js';

// The transactional producer's state machine (Java's TransactionManager) driven by scripted coordinator answers:
// which requests go where, in which order, at which version, and what each error code does to the transaction.

async function ready(options: Parameters<typeof setup>[0] = {}) {
  const t = setup(options);
  await t.manager.initTransactions();
  t.channel.sent.length = 0;
  return t;
}

/** A ready producer in a transaction whose coordinator has added `topic`-`partition`. */
async function writingTo(topic: string, partition: number) {
  const t = await ready();
  t.manager.beginTransaction();
  t.manager.maybeAddPartition(topic, partition);
  await turn();
  return t;
}

describe('state transitions (Java State.isTransitionValid)', () => {
  const allowed: Array<[TransactionState, TransactionState]> = [
    ['UNINITIALIZED', 'INITIALIZING'],
    ['INITIALIZING', 'READY'],
    ['READY', 'IN_TRANSACTION'],
    ['IN_TRANSACTION', 'COMMITTING'],
    ['COMMITTING', 'READY'],
    ['IN_TRANSACTION', 'ABORTING'],
    ['ABORTABLE_ERROR', 'ABORTING'],
    ['ABORTING', 'READY'],
    ['ABORTING', 'INITIALIZING'],
    ['COMMITTING', 'ABORTABLE_ERROR'],
    ['IN_TRANSACTION', 'ABORTABLE_ERROR'],
    ['READY', 'FATAL_ERROR'],
  ];
  const refused: Array<[TransactionState, TransactionState]> = [
    ['UNINITIALIZED', 'IN_TRANSACTION'],
    ['READY', 'COMMITTING'],
    ['IN_TRANSACTION', 'IN_TRANSACTION'],
    ['ABORTABLE_ERROR', 'COMMITTING'],
    ['READY', 'ABORTING'],
    ['FATAL_ERROR', 'READY'],
    ['COMMITTING', 'ABORTING'],
  ];
  it.each(allowed)('%s -> %s is allowed', (from, to) => expect(isTransitionValid(from, to)).toBe(true));
  it.each(refused)('%s -> %s is refused', (from, to) => expect(isTransitionValid(from, to)).toBe(false));
});

describe('initTransactions', () => {
  it('looks up the transaction coordinator (key type 1) and sends InitProducerId there', async () => {
    const { manager, channel, identities } = setup();
    expect(manager.state).toBe('UNINITIALIZED');
    await manager.initTransactions();
    expect(channel.apis()).toEqual(['FindCoordinator', 'InitProducerId']);
    const [find, init] = channel.sent;
    expect(find!.nodeId).toBeUndefined();
    expect(find!.request).toEqual({ keyType: 1, coordinatorKeys: ['tx-1'] });
    expect(init!.nodeId).toBe(1);
    expect(init!.request).toEqual({ transactionalId: 'tx-1', transactionTimeoutMs: 60_000 });
    expect(channel.learned).toEqual([{ nodeId: 1, host: 'broker-1', port: 9092 }]);
    expect(identities).toEqual([{ producerId: 7n, producerEpoch: 0 }]);
    expect(manager.state).toBe('READY');
  });

  it('looks the coordinator up again after NOT_COORDINATOR and COORDINATOR_NOT_AVAILABLE, and after a dropped connection', async () => {
    const { manager, channel } = setup();
    channel
      .script('InitProducerId', errorAnswer('NOT_COORDINATOR'))
      .script('InitProducerId', errorAnswer('COORDINATOR_NOT_AVAILABLE'))
      .script('InitProducerId', new NetworkError('connection to broker-1 dropped'));
    channel.script('FindCoordinator', (request: FindCoordinatorRequest, version: number) =>
      coordinatorAnswer(version, request.coordinatorKeys![0]!, 0, 3),
    );
    await manager.initTransactions();
    expect(channel.apis()).toEqual([
      'FindCoordinator',
      'InitProducerId',
      'FindCoordinator',
      'InitProducerId',
      'FindCoordinator',
      'InitProducerId',
      'FindCoordinator',
      'InitProducerId',
    ]);
    // The first lookup named node 3; after NOT_COORDINATOR the next named node 1.
    expect(channel.requests('InitProducerId').map((r) => r.nodeId)).toEqual([3, 1, 1, 1]);
    expect(manager.state).toBe('READY');
  });

  it('retries COORDINATOR_LOAD_IN_PROGRESS and CONCURRENT_TRANSACTIONS on the same coordinator', async () => {
    const { manager, channel } = setup();
    channel.script(
      'InitProducerId',
      errorAnswer('COORDINATOR_LOAD_IN_PROGRESS'),
      errorAnswer('CONCURRENT_TRANSACTIONS'),
    );
    await manager.initTransactions();
    expect(channel.apis()).toEqual(['FindCoordinator', 'InitProducerId', 'InitProducerId', 'InitProducerId']);
  });

  it('retries a FindCoordinator answering COORDINATOR_NOT_AVAILABLE (the coordinator is starting)', async () => {
    const { manager, channel } = setup();
    channel.script('FindCoordinator', (request: FindCoordinatorRequest, version: number) =>
      coordinatorAnswer(version, request.coordinatorKeys![0]!, KafkaErrorCode.COORDINATOR_NOT_AVAILABLE, -1),
    );
    await manager.initTransactions();
    expect(channel.apis()).toEqual(['FindCoordinator', 'FindCoordinator', 'InitProducerId']);
  });

  it('PRODUCER_FENCED is fatal: ProducerFencedError, and every later call rejects with it', async () => {
    const { manager, channel } = setup();
    channel.script('InitProducerId', errorAnswer('PRODUCER_FENCED'));
    const error = await manager.initTransactions().catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ProducerFencedError);
    expect(error).toBeInstanceOf(TransactionFatalError);
    expect((error as Error).message).toMatch(
      /'tx-1' was fenced: another producer with the same transactional id/,
    );
    expect(manager.state).toBe('FATAL_ERROR');
    expect(() => manager.beginTransaction()).toThrow(error as Error);
    await expect(manager.commitTransaction()).rejects.toBe(error);
    await expect(manager.abortTransaction()).rejects.toBe(error);
    expect(manager.sendError()).toBe(error);
  });

  it('TRANSACTIONAL_ID_AUTHORIZATION_FAILED is fatal and names the ACL to grant', async () => {
    const { manager, channel } = setup();
    channel.script('InitProducerId', errorAnswer('TRANSACTIONAL_ID_AUTHORIZATION_FAILED'));
    const error = (await manager.initTransactions().catch((e: unknown) => e)) as TransactionFatalError;
    expect(error).toBeInstanceOf(TransactionFatalError);
    expect(error).not.toBeInstanceOf(ProducerFencedError);
    expect(error.cause).toBeInstanceOf(AuthorizationError);
    expect(error.message).toMatch(/grant WRITE \(and DESCRIBE\) on transactional id 'tx-1'/);
    expect(error.fatal).toBe(true);
  });

  it('an error no coordinator should send (INVALID_TRANSACTION_TIMEOUT) is fatal and says what to change', async () => {
    const { manager, channel } = setup();
    channel.script('InitProducerId', errorAnswer('INVALID_TRANSACTION_TIMEOUT'));
    const error = (await manager.initTransactions().catch((e: unknown) => e)) as Error;
    expect(error).toBeInstanceOf(TransactionFatalError);
    expect(error.message).toMatch(/transaction\.max\.timeout\.ms/);
  });
});

describe('misuse is a TransactionStateError, as Java throws IllegalStateException', () => {
  it('send or begin before initTransactions', () => {
    const { manager } = setup();
    expect(manager.sendError()).toBeInstanceOf(TransactionStateError);
    expect(manager.sendError()!.message).toMatch(/before initTransactions\(\) completed/);
    expect(() => manager.beginTransaction()).toThrow(/needs initTransactions\(\) to have completed/);
  });

  it('send outside a transaction, commit or abort without begin, two begins, init twice', async () => {
    const { manager } = await ready();
    expect(manager.sendError()).toBeInstanceOf(TransactionStateError);
    expect(manager.sendError()!.message).toMatch(/Cannot send outside a transaction.*beginTransaction\(\)/);
    await expect(manager.commitTransaction()).rejects.toThrow(
      /commitTransaction\(\) needs an open transaction/,
    );
    await expect(manager.abortTransaction()).rejects.toThrow(TransactionStateError);
    await expect(manager.sendOffsetsToTransaction([], { groupId: 'g' })).rejects.toThrow(
      TransactionStateError,
    );
    await expect(manager.initTransactions()).rejects.toThrow(/already called/);
    manager.beginTransaction();
    expect(manager.sendError()).toBeNull();
    expect(() => manager.beginTransaction()).toThrow(/commit or abort the open transaction first/);
    expect(manager.state).toBe('IN_TRANSACTION');
  });

  it('another transactional method while one runs', async () => {
    const t = await ready();
    t.manager.beginTransaction();
    const release = t.records.hold();
    const commit = t.manager.commitTransaction();
    await expect(t.manager.abortTransaction()).rejects.toThrow(
      /while commitTransaction\(\) is still running/,
    );
    expect(() => t.manager.beginTransaction()).toThrow(TransactionStateError);
    expect(t.manager.sendError()).toBeInstanceOf(TransactionStateError);
    release();
    await commit;
    expect(t.manager.state).toBe('READY');
  });

  it('offsets that are not { topic, partition, offset }, or no group id', async () => {
    const { manager } = await ready();
    manager.beginTransaction();
    await expect(
      manager.sendOffsetsToTransaction([{ topic: 't', partition: -1, offset: 1n }], { groupId: 'g' }),
    ).rejects.toThrow(/is not \{ topic, partition >= 0, offset >= 0 \}/);
    await expect(manager.sendOffsetsToTransaction([], { groupId: '' })).rejects.toThrow(/pass \{ groupId \}/);
    expect(manager.state).toBe('IN_TRANSACTION');
  });
});

describe('transactions v1 (transaction.version < 2)', () => {
  it('adds the partitions written in one turn with one AddPartitionsToTxn before they may be sent; commits with EndTxn v4', async () => {
    const t = await ready();
    const { manager, channel } = t;
    let changes = 0;
    manager.onChange(() => changes++);
    expect(manager.transactionsV2).toBe(false);
    expect(manager.maxProduceVersion).toBe(11);
    manager.beginTransaction();
    manager.maybeAddPartition('a', 0);
    manager.maybeAddPartition('a', 1);
    manager.maybeAddPartition('b', 0);
    manager.maybeAddPartition('a', 0);
    expect(manager.isSendAllowed('a', 0)).toBe(false);
    await turn();
    expect(channel.requests('AddPartitionsToTxn')).toHaveLength(1);
    expect(channel.requests('AddPartitionsToTxn')[0]!.request).toEqual({
      v3AndBelowTransactionalId: 'tx-1',
      v3AndBelowProducerId: 7n,
      v3AndBelowProducerEpoch: 0,
      v3AndBelowTopics: [
        { name: 'a', partitions: [0, 1] },
        { name: 'b', partitions: [0] },
      ],
    });
    expect(manager.isSendAllowed('a', 0)).toBe(true);
    expect(manager.isSendAllowed('b', 0)).toBe(true);
    expect(manager.isSendAllowed('b', 1)).toBe(false);
    expect(changes).toBeGreaterThan(0);
    // A partition already in the transaction is not added again; a new one is.
    manager.maybeAddPartition('a', 1);
    manager.maybeAddPartition('c', 0);
    await turn();
    expect(channel.requests('AddPartitionsToTxn')).toHaveLength(2);
    expect(channel.requests('AddPartitionsToTxn')[1]!.request.v3AndBelowTopics).toEqual([
      { name: 'c', partitions: [0] },
    ]);

    await manager.commitTransaction();
    expect(t.records.flushes).toBe(1);
    const endTxn = channel.requests('EndTxn');
    expect(endTxn).toHaveLength(1);
    expect(endTxn[0]!.version).toBe(4);
    expect(endTxn[0]!.nodeId).toBe(1);
    expect(endTxn[0]!.request).toEqual({
      transactionalId: 'tx-1',
      producerId: 7n,
      producerEpoch: 0,
      committed: true,
    });
    expect(manager.state).toBe('READY');
    expect(manager.isSendAllowed('a', 0)).toBe(false);
  });

  it('a transaction that added nothing ends without EndTxn', async () => {
    const { manager, channel } = await ready();
    manager.beginTransaction();
    await manager.commitTransaction();
    manager.beginTransaction();
    await manager.abortTransaction();
    expect(channel.requests('EndTxn')).toHaveLength(0);
    expect(manager.state).toBe('READY');
  });

  it('retries CONCURRENT_TRANSACTIONS from AddPartitionsToTxn (20 ms while the transaction is empty) and from AddOffsetsToTxn', async () => {
    const { manager, channel } = await ready({ retryBackoff: { backoff: () => 60_000 } });
    channel.script('AddPartitionsToTxn', (request: AddPartitionsToTxnRequest) =>
      addPartitionsAnswer(request, () => KafkaErrorCode.CONCURRENT_TRANSACTIONS),
    );
    manager.beginTransaction();
    const started = Date.now();
    manager.maybeAddPartition('a', 0);
    while (!manager.isSendAllowed('a', 0)) await turn();
    expect(Date.now() - started).toBeLessThan(1_000);
    expect(channel.requests('AddPartitionsToTxn')).toHaveLength(2);

    // AddOffsetsToTxn's CONCURRENT_TRANSACTIONS is retried too (kafkajs failed the call instead).
    const quick = await ready();
    quick.channel.script(
      'AddOffsetsToTxn',
      errorAnswer('CONCURRENT_TRANSACTIONS'),
      errorAnswer('CONCURRENT_TRANSACTIONS'),
    );
    quick.manager.beginTransaction();
    await quick.manager.sendOffsetsToTransaction([{ topic: 'in', partition: 0, offset: 5n }], {
      groupId: 'g',
    });
    expect(quick.channel.apis()).toEqual([
      'AddOffsetsToTxn',
      'AddOffsetsToTxn',
      'AddOffsetsToTxn',
      'FindCoordinator',
      'TxnOffsetCommit',
    ]);
  });

  it('sendOffsetsToTransaction: AddOffsetsToTxn to the transaction coordinator, then TxnOffsetCommit v4 to the group coordinator, retrying only the partitions that failed', async () => {
    const { manager, channel } = await ready();
    manager.beginTransaction();
    channel.script('TxnOffsetCommit', (request: TxnOffsetCommitRequest) =>
      txnOffsetCommitAnswer(request, (_topic, partition) =>
        partition === 1 ? KafkaErrorCode.COORDINATOR_LOAD_IN_PROGRESS : 0,
      ),
    );
    await manager.sendOffsetsToTransaction(
      [
        { topic: 'in', partition: 0, offset: 10n, metadata: 'm' },
        { topic: 'in', partition: 1, offset: 20, leaderEpoch: 3 },
      ],
      { groupId: 'g1', generationId: 4, memberId: 'member-1', groupInstanceId: null },
    );
    expect(channel.apis()).toEqual([
      'AddOffsetsToTxn',
      'FindCoordinator',
      'TxnOffsetCommit',
      'TxnOffsetCommit',
    ]);
    const [addOffsets, find, first, second] = channel.sent;
    expect(addOffsets!.nodeId).toBe(1);
    expect(addOffsets!.request).toEqual({
      transactionalId: 'tx-1',
      producerId: 7n,
      producerEpoch: 0,
      groupId: 'g1',
    });
    expect(find!.request).toEqual({ keyType: 0, coordinatorKeys: ['g1'] });
    expect(first!.nodeId).toBe(2);
    expect(first!.version).toBe(4);
    expect(first!.request).toEqual({
      transactionalId: 'tx-1',
      groupId: 'g1',
      producerId: 7n,
      producerEpoch: 0,
      generationId: 4,
      memberId: 'member-1',
      topics: [
        {
          name: 'in',
          partitions: [
            { partitionIndex: 0, committedOffset: 10n, committedMetadata: 'm' },
            { partitionIndex: 1, committedOffset: 20n, committedMetadata: null, committedLeaderEpoch: 3 },
          ],
        },
      ],
    });
    expect(second!.request.topics).toEqual([
      {
        name: 'in',
        partitions: [
          { partitionIndex: 1, committedOffset: 20n, committedMetadata: null, committedLeaderEpoch: 3 },
        ],
      },
    ]);
    // The offsets count as the transaction's content: commit sends EndTxn.
    await manager.commitTransaction();
    expect(channel.requests('EndTxn')).toHaveLength(1);
  });

  it('a consumer that left its group (ILLEGAL_GENERATION) makes the transaction abortable', async () => {
    const { manager, channel } = await ready();
    manager.beginTransaction();
    channel.script('TxnOffsetCommit', (request: TxnOffsetCommitRequest) =>
      txnOffsetCommitAnswer(request, () => KafkaErrorCode.ILLEGAL_GENERATION),
    );
    const error = await manager
      .sendOffsetsToTransaction([{ topic: 'in', partition: 0, offset: 1n }], {
        groupId: 'g',
        generationId: 1,
        memberId: 'm',
      })
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(TransactionAbortableError);
    expect((error as Error).message).toMatch(
      /ILLEGAL_GENERATION.*Call abortTransaction\(\), then begin a new transaction/,
    );
    expect(manager.state).toBe('ABORTABLE_ERROR');
  });

  it('a failed batch makes the transaction abortable; abort drops unsent records, ends it with EndTxn and bumps the epoch', async () => {
    const t = await ready();
    const { manager, channel, identities } = t;
    manager.beginTransaction();
    manager.maybeAddPartition('a', 0);
    await turn();
    const cause = kafkaErrorFor(KafkaErrorCode.OUT_OF_ORDER_SEQUENCE_NUMBER, {
      api: 'Produce',
      topic: 'a',
      partition: 0,
    });
    manager.handleFailedBatch(cause);
    expect(manager.state).toBe('ABORTABLE_ERROR');
    const abortable = manager.sendError();
    expect(abortable).toBeInstanceOf(TransactionAbortableError);
    expect(abortable!.message).toMatch(/OUT_OF_ORDER_SEQUENCE_NUMBER/);
    expect(manager.undrainedError()).toBe(abortable);
    // Batches without a sequence fail with undrainedError; retries of the partition still go.
    expect(manager.isSendAllowed('a', 0)).toBe(true);
    await expect(manager.commitTransaction()).rejects.toBe(abortable);
    expect(() => manager.beginTransaction()).toThrow(abortable!);
    await expect(
      manager.sendOffsetsToTransaction([{ topic: 'in', partition: 0, offset: 1n }], { groupId: 'g' }),
    ).rejects.toBe(abortable);

    await manager.abortTransaction();
    expect(t.records.aborted).toHaveLength(1);
    expect(t.records.aborted[0]).toBeInstanceOf(TransactionAbortedError);
    expect(t.records.flushes).toBe(1);
    expect(channel.apis()).toEqual(['AddPartitionsToTxn', 'EndTxn', 'InitProducerId']);
    expect(channel.requests('EndTxn')[0]!.request.committed).toBe(false);
    // InitProducerId v3+ with the current id and epoch: the coordinator bumps the epoch and fences the old one.
    expect(channel.requests('InitProducerId')[0]!.request).toEqual({
      transactionalId: 'tx-1',
      transactionTimeoutMs: 60_000,
      producerId: 7n,
      producerEpoch: 0,
    });
    expect(identities.at(-1)).toEqual({ producerId: 7n, producerEpoch: 1 });
    expect(manager.state).toBe('READY');
    manager.beginTransaction();
    expect(manager.sendError()).toBeNull();
  });

  it('a batch failing while commit flushes: the commit rejects as abortable and sends no EndTxn', async () => {
    const t = await writingTo('a', 0);
    const release = t.records.hold();
    const commit = t.manager.commitTransaction();
    expect(t.manager.state).toBe('COMMITTING');
    t.manager.handleFailedBatch(
      kafkaErrorFor(KafkaErrorCode.NOT_ENOUGH_REPLICAS, { api: 'Produce', topic: 'a', partition: 0 }),
    );
    release();
    await expect(commit).rejects.toBeInstanceOf(TransactionAbortableError);
    expect(t.channel.requests('EndTxn')).toHaveLength(0);
    expect(t.manager.state).toBe('ABORTABLE_ERROR');
    await t.manager.abortTransaction();
    expect(t.manager.state).toBe('READY');
  });

  it('TOPIC_AUTHORIZATION_FAILED from AddPartitionsToTxn is abortable and names the topic and the ACL', async () => {
    const { manager, channel } = await ready();
    channel.script('AddPartitionsToTxn', (request: AddPartitionsToTxnRequest) =>
      addPartitionsAnswer(request, (topic) =>
        topic === 'secret'
          ? KafkaErrorCode.TOPIC_AUTHORIZATION_FAILED
          : KafkaErrorCode.OPERATION_NOT_ATTEMPTED,
      ),
    );
    manager.beginTransaction();
    manager.maybeAddPartition('open', 0);
    manager.maybeAddPartition('secret', 0);
    await turn();
    await turn();
    expect(manager.state).toBe('ABORTABLE_ERROR');
    const error = manager.undrainedError()!;
    expect(error).toBeInstanceOf(TransactionAbortableError);
    expect(error.message).toMatch(/topic "secret".*grant/);
    expect(manager.isSendAllowed('open', 0)).toBe(false);
  });

  it('TRANSACTION_ABORTABLE from EndTxn: the commit rejects, abort then works', async () => {
    const t = await writingTo('a', 0);
    t.channel.script('EndTxn', errorAnswer('TRANSACTION_ABORTABLE'));
    await expect(t.manager.commitTransaction()).rejects.toThrow(/TRANSACTION_ABORTABLE/);
    expect(t.manager.state).toBe('ABORTABLE_ERROR');
    await t.manager.abortTransaction();
    expect(t.channel.requests('EndTxn').map((r) => r.request.committed)).toEqual([true, false]);
  });

  it('INVALID_PRODUCER_EPOCH from a coordinator means fenced; PRODUCER_FENCED on a batch too', async () => {
    const t = await writingTo('a', 0);
    t.channel.script('EndTxn', errorAnswer('INVALID_PRODUCER_EPOCH'));
    await expect(t.manager.commitTransaction()).rejects.toBeInstanceOf(ProducerFencedError);
    expect(t.manager.state).toBe('FATAL_ERROR');

    const u = await ready();
    u.manager.beginTransaction();
    u.manager.handleFailedBatch(
      kafkaErrorFor(KafkaErrorCode.PRODUCER_FENCED, { api: 'Produce', topic: 'a', partition: 0 }),
    );
    expect(u.manager.state).toBe('FATAL_ERROR');
    expect(u.manager.sendError()).toBeInstanceOf(ProducerFencedError);
    expect(u.manager.undrainedError()).toBeInstanceOf(ProducerFencedError);
  });

  it('UNKNOWN_PRODUCER_ID from AddOffsetsToTxn is abortable and the abort bumps the epoch', async () => {
    const t = await ready();
    t.manager.beginTransaction();
    t.channel.script('AddOffsetsToTxn', errorAnswer('UNKNOWN_PRODUCER_ID'));
    await expect(
      t.manager.sendOffsetsToTransaction([{ topic: 'in', partition: 0, offset: 1n }], { groupId: 'g' }),
    ).rejects.toBeInstanceOf(TransactionAbortableError);
    await t.manager.abortTransaction();
    // Nothing was added, so no EndTxn; the bump still happens.
    expect(t.channel.apis()).toEqual(['AddOffsetsToTxn', 'InitProducerId']);
  });

  it('records failing during an abort do not change its course', async () => {
    const t = await writingTo('a', 0);
    const release = t.records.hold();
    const abort = t.manager.abortTransaction();
    expect(t.manager.state).toBe('ABORTING');
    expect(t.manager.undrainedError()).toBeInstanceOf(TransactionAbortedError);
    t.manager.handleFailedBatch(new NetworkError('dropped'));
    expect(t.manager.state).toBe('ABORTING');
    release();
    await abort;
    expect(t.manager.state).toBe('READY');
  });
});

describe('transactions v2 (transaction.version >= 2, KIP-890)', () => {
  it('no AddPartitionsToTxn: partitions may be sent at once; EndTxn v5 hands out the next epoch', async () => {
    const t = await ready({ transactionVersion: 2 });
    const { manager, channel, identities } = t;
    expect(manager.transactionsV2).toBe(true);
    expect(manager.maxProduceVersion).toBeUndefined();
    manager.beginTransaction();
    manager.maybeAddPartition('a', 0);
    expect(manager.isSendAllowed('a', 0)).toBe(true);
    await turn();
    await manager.commitTransaction();
    expect(channel.apis()).toEqual(['EndTxn']);
    expect(channel.requests('EndTxn')[0]!.version).toBe(5);
    expect(identities.at(-1)).toEqual({ producerId: 7n, producerEpoch: 1 });
    // The next transaction writes and ends with the epoch EndTxn gave.
    manager.beginTransaction();
    manager.maybeAddPartition('a', 0);
    await manager.abortTransaction();
    expect(channel.requests('EndTxn')[1]!.request).toEqual({
      transactionalId: 'tx-1',
      producerId: 7n,
      producerEpoch: 1,
      committed: false,
    });
    // v2's EndTxn bumped the epoch: no InitProducerId after an abort.
    expect(channel.requests('InitProducerId')).toHaveLength(0);
  });

  it('sendOffsetsToTransaction is TxnOffsetCommit v5 alone', async () => {
    const { manager, channel } = await ready({ transactionVersion: 2 });
    manager.beginTransaction();
    await manager.sendOffsetsToTransaction([{ topic: 'in', partition: 0, offset: 3n }], { groupId: 'g' });
    expect(channel.apis()).toEqual(['FindCoordinator', 'TxnOffsetCommit']);
    expect(channel.requests('TxnOffsetCommit')[0]!.version).toBe(5);
    await manager.commitTransaction();
    expect(channel.requests('EndTxn')).toHaveLength(1);
  });

  it('a cluster upgraded to v2 is used from the next beginTransaction on', async () => {
    const t = await ready();
    expect(t.manager.transactionsV2).toBe(false);
    t.setTransactionVersion(2);
    t.manager.beginTransaction();
    expect(t.manager.transactionsV2).toBe(true);
  });
});

describe('maxBlockMs and close', () => {
  it('a call that outlasts maxBlockMs rejects with TransactionTimeoutError, goes on, and is reported to the next call of the same method', async () => {
    const t = setup({ maxBlockMs: 30 });
    let available = false;
    t.channel.script(
      'FindCoordinator',
      ...Array.from(
        { length: 1000 },
        () => (request: FindCoordinatorRequest, version: number) =>
          coordinatorAnswer(
            version,
            request.coordinatorKeys![0]!,
            available ? 0 : KafkaErrorCode.COORDINATOR_NOT_AVAILABLE,
            1,
          ),
      ),
    );
    const error = await t.manager.initTransactions().catch((e: unknown) => e);
    expect(error).toBeInstanceOf(TransactionTimeoutError);
    expect((error as Error).message).toMatch(
      /initTransactions\(\) of 'tx-1' did not complete within maxBlockMs \(30 ms\).*call initTransactions\(\) again/,
    );
    expect(() => t.manager.beginTransaction()).toThrow(
      /previous initTransactions\(\) timed out and must be called again/,
    );
    available = true;
    await t.manager.initTransactions();
    expect(t.manager.state).toBe('READY');
    t.manager.beginTransaction();
    t.manager.close();
  });

  it('close() ends a retry loop with ClientClosedError', async () => {
    const t = setup({ retryBackoff: { backoff: () => 60_000 } });
    t.channel.script('InitProducerId', errorAnswer('COORDINATOR_LOAD_IN_PROGRESS'));
    const init = t.manager.initTransactions();
    await t.channel.nextRequest('InitProducerId');
    await turn();
    t.manager.close();
    await expect(init).rejects.toBeInstanceOf(ClientClosedError);
  });
});
