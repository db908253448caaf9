import { KafkaWireError } from '../errors.js';
import { ClientClosedError } from '../net/errors.js';
import { AddOffsetsToTxnApi } from '../protocol/add-offsets-to-txn.js';
import { AddPartitionsToTxnApi } from '../protocol/add-partitions-to-txn.js';
import type { ApiCodec, Complete } from '../protocol/api.js';
import { EndTxnApi } from '../protocol/end-txn.js';
import { KafkaErrorCode, KafkaProtocolError, kafkaErrorFor } from '../protocol/errors.js';
import type { CoordinatorKeyType } from '../protocol/find-coordinator.js';
import { InitProducerIdApi } from '../protocol/init-producer-id.js';
import { TxnOffsetCommitApi, type TxnOffsetCommitRequestTopic } from '../protocol/txn-offset-commit.js';
import { type BrokerChannel, Coordinators } from './coordinator.js';
import {
  ProducerFencedError,
  TransactionAbortableError,
  TransactionAbortedError,
  TransactionFatalError,
  TransactionStateError,
  TransactionTimeoutError,
} from './errors.js';
import type { ProducerIdAndEpoch } from './idempotence.js';

// The transactional producer's state machine, as Java's TransactionManager (transactional part):
//
//   UNINITIALIZED -initTransactions-> INITIALIZING -> READY -beginTransaction-> IN_TRANSACTION
//   IN_TRANSACTION -commitTransaction-> COMMITTING -> READY
//   IN_TRANSACTION | ABORTABLE_ERROR -abortTransaction-> ABORTING -> READY (or -> INITIALIZING -> READY when
//                                                        the epoch must be bumped first)
//   IN_TRANSACTION | COMMITTING -a record or request failed-> ABORTABLE_ERROR (only abort is allowed)
//   anything -fenced, not authorized, an answer that cannot be-> FATAL_ERROR (everything rejects)
//
// Requests go to the transaction coordinator (FindCoordinator key type 1, looked up again after NOT_COORDINATOR,
// COORDINATOR_NOT_AVAILABLE or a dropped connection) and, for consumer offsets, to the group's coordinator.
// COORDINATOR_LOAD_IN_PROGRESS and CONCURRENT_TRANSACTIONS (the previous transaction still completing) are
// retried after a backoff, from every request, AddOffsetsToTxn included.
//
// Transactions v2 (KIP-890, the cluster's finalized transaction.version >= 2): partitions join the transaction
// implicitly with their first Produce (v12+), TxnOffsetCommit v5 does AddOffsetsToTxn's job and EndTxn v5
// answers with the epoch the coordinator bumped for the next transaction. Below it (v1) AddPartitionsToTxn goes
// before the first Produce to each partition, and Produce, TxnOffsetCommit and EndTxn stay at the versions before
// those (11, 4, 4) even when the broker offers more, as Java does: a v1 coordinator would misread them.
//
// No sockets here: requests go through a BrokerChannel, records through TransactionRecords, so the whole machine
// is driven by scripted answers in tests.
//
// @locality: event loop.

export type TransactionState =
  | 'UNINITIALIZED'
  | 'INITIALIZING'
  | 'READY'
  | 'IN_TRANSACTION'
  | 'COMMITTING'
  | 'ABORTING'
  | 'ABORTABLE_ERROR'
  | 'FATAL_ERROR';

/**
 * The states each state may be entered from (Java's State.isTransitionValid). One addition: an abort that fails
 * with an abortable error returns to ABORTABLE_ERROR, so that it can be tried again (Java stays in ABORTING,
 * from which nothing but a fatal error leads on).
 */
const ENTERED_FROM: Record<TransactionState, readonly TransactionState[] | 'any'> = {
  UNINITIALIZED: ['READY', 'ABORTABLE_ERROR'],
  INITIALIZING: ['UNINITIALIZED', 'COMMITTING', 'ABORTING'],
  READY: ['INITIALIZING', 'COMMITTING', 'ABORTING'],
  IN_TRANSACTION: ['READY'],
  COMMITTING: ['IN_TRANSACTION'],
  ABORTING: ['IN_TRANSACTION', 'ABORTABLE_ERROR'],
  ABORTABLE_ERROR: ['IN_TRANSACTION', 'COMMITTING', 'ABORTABLE_ERROR', 'INITIALIZING', 'ABORTING'],
  FATAL_ERROR: 'any',
};

export function isTransitionValid(from: TransactionState, to: TransactionState): boolean {
  const sources = ENTERED_FROM[to];
  return sources === 'any' || sources.includes(from);
}

/** Produce, TxnOffsetCommit and EndTxn versions a transactions-v1 cluster understands. */
export const TRANSACTIONS_V1_MAX_VERSION = { produce: 11, txnOffsetCommit: 4, endTxn: 4 } as const;

/** From this InitProducerId version the request carries the current producer id and epoch (KIP-360 bump). */
const INIT_PRODUCER_ID_BUMP_VERSION = 3;

/**
 * Java retries AddPartitionsToTxn's CONCURRENT_TRANSACTIONS sooner than other retries while the transaction has
 * no partition yet: the previous transaction is usually completing within milliseconds.
 */
const FIRST_ADD_PARTITIONS_RETRY_MS = 20;

/** One partition's consumer offset to commit with the transaction (the next offset the consumer will read). */
export interface TransactionOffset {
  topic: string;
  partition: number;
  offset: bigint | number;
  /** Free text kept with the offset. */
  metadata?: string | null;
  /** Leader epoch of the last consumed record, when known. */
  leaderEpoch?: number;
}

/** The consumer whose progress the offsets are (Java's ConsumerGroupMetadata). */
export interface ConsumerGroupMetadata {
  groupId: string;
  /** The consumer's generation; with memberId, lets the coordinator refuse offsets of a consumer that left. */
  generationId?: number;
  memberId?: string;
  groupInstanceId?: string | null;
}

/** What the transaction manager needs of the producer's records. */
export interface TransactionRecords {
  /** Sends everything accepted so far and resolves once every record has its outcome. */
  flush(): Promise<void>;
  /** Fails every record not yet sent to a broker with `error` (an abort drops them). */
  abortUndrained(error: Error): void;
}

export interface TransactionManagerOptions {
  transactionalId: string;
  transactionTimeoutMs: number;
  /** How long a transactional method may take before it rejects (the work goes on). */
  maxBlockMs: number;
  channel: BrokerChannel;
  /** The cluster's finalized `transaction.version` as the brokers last reported it (0 when unknown). */
  transactionVersion: () => number;
  retryBackoff: { backoff(attempts: number): number };
  records: TransactionRecords;
  /** The producer id and epoch records are written with from now on (InitProducerId, EndTxn v5). */
  setIdentity: (identity: ProducerIdAndEpoch) => void;
}

/** What to do after a coordinator's error code. */
type Reaction = 'lookup' | 'retry' | 'fenced' | 'abortable' | 'abortable-bump' | 'fatal';

/**
 * Java's TransactionManager handlers agree on what each code means, whichever request it answers; codes no
 * handler expects are fatal (the coordinator said something a correct one cannot).
 */
function reactionTo(code: number): Reaction {
  switch (code) {
    case KafkaErrorCode.NOT_COORDINATOR:
    case KafkaErrorCode.COORDINATOR_NOT_AVAILABLE:
      return 'lookup';
    case KafkaErrorCode.COORDINATOR_LOAD_IN_PROGRESS:
    case KafkaErrorCode.CONCURRENT_TRANSACTIONS:
    case KafkaErrorCode.UNKNOWN_TOPIC_OR_PARTITION:
    case KafkaErrorCode.REQUEST_TIMED_OUT:
      return 'retry';
    case KafkaErrorCode.PRODUCER_FENCED:
    case KafkaErrorCode.INVALID_PRODUCER_EPOCH:
      return 'fenced';
    case KafkaErrorCode.TRANSACTION_ABORTABLE:
    case KafkaErrorCode.TOPIC_AUTHORIZATION_FAILED:
    case KafkaErrorCode.GROUP_AUTHORIZATION_FAILED:
    case KafkaErrorCode.UNKNOWN_MEMBER_ID:
    case KafkaErrorCode.ILLEGAL_GENERATION:
    case KafkaErrorCode.FENCED_INSTANCE_ID:
      return 'abortable';
    case KafkaErrorCode.UNKNOWN_PRODUCER_ID:
    case KafkaErrorCode.INVALID_PRODUCER_ID_MAPPING:
      return 'abortable-bump';
    default:
      return 'fatal';
  }
}

/** Try the request again, after looking the coordinator up again ('lookup') or not. */
interface Retry {
  retry: 'backoff' | 'lookup';
  error: Error;
  /** Overrides the usual retry backoff. */
  backoffMs?: number;
}

/** A response's verdict: the result, or try again. */
type Verdict<T> = { done: T } | Retry;

interface Target {
  keyType: CoordinatorKeyType;
  key: string;
}

interface PendingCall {
  method: string;
  result: Promise<void>;
  settled: boolean;
  /** The caller stopped waiting (maxBlockMs): the outcome is kept until the same method is called again. */
  timedOut: boolean;
}

export class TransactionManager {
  private readonly options: TransactionManagerOptions;
  private readonly coordinators: Coordinators;
  private readonly transactionTarget: Target;
  private stateNow: TransactionState = 'UNINITIALIZED';
  private identity: ProducerIdAndEpoch | null = null;
  private tv2 = false;
  /** Why the transaction must be aborted (ABORTABLE_ERROR), or why nothing can go on (FATAL_ERROR). */
  private lastError: KafkaWireError | null = null;
  /** Partitions the coordinator has in the transaction: batches for them may be sent. */
  private readonly inTransaction = new Set<string>();
  /** Partitions an AddPartitionsToTxn in flight is adding. */
  private readonly pendingPartitions = new Set<string>();
  /** Partitions written to that the next AddPartitionsToTxn will add (transactions v1). */
  private readonly newPartitions = new Map<string, { topic: string; partition: number }>();
  private adding: Promise<void> | null = null;
  private addScheduled = false;
  /** Something was added to the transaction on the coordinator, so ending it needs EndTxn. */
  private transactionStarted = false;
  /** Transactions v1: a failure left sequences unusable; the abort bumps the epoch with InitProducerId. */
  private epochBumpRequired = false;
  /** INVALID_PRODUCER_ID_MAPPING: the coordinator refuses EndTxn for our id, the abort goes straight to the bump. */
  private skipEndTxn = false;
  private pending: PendingCall | null = null;
  private closed = false;
  private readonly sleeps = new Set<{ timer: NodeJS.Timeout; wake: () => void }>();
  private listener: () => void = () => undefined;

  constructor(options: TransactionManagerOptions) {
    this.options = options;
    this.coordinators = new Coordinators(options.channel);
    this.transactionTarget = { keyType: 'transaction', key: options.transactionalId };
  }

  get transactionalId(): string {
    return this.options.transactionalId;
  }

  get state(): TransactionState {
    return this.stateNow;
  }

  /** True once the cluster runs transactions v2 for this producer (decided at init and at each begin). */
  get transactionsV2(): boolean {
    return this.tv2;
  }

  /** The highest Produce version the transaction's coordinator can follow (undefined: no cap). */
  get maxProduceVersion(): number | undefined {
    return this.tv2 ? undefined : TRANSACTIONS_V1_MAX_VERSION.produce;
  }

  /** Called when batches may have become sendable or must be failed (partitions added, state changed). */
  onChange(listener: () => void): void {
    this.listener = listener;
  }

  // ---- what the producer and the sender ask ----

  /** Why a record may not be sent now (null: it may). */
  sendError(): Error | null {
    const state = this.stateNow;
    if (state === 'FATAL_ERROR' || state === 'ABORTABLE_ERROR') return this.lastError;
    if (state === 'IN_TRANSACTION') return null;
    if (state === 'UNINITIALIZED' || state === 'INITIALIZING') {
      return new TransactionStateError(
        `Cannot send before initTransactions() completed: producer '${this.transactionalId}' is transactional. Await initTransactions(), then beginTransaction().`,
      );
    }
    return new TransactionStateError(
      `Cannot send outside a transaction: producer '${this.transactionalId}' is transactional and is ${describeState(state)}. Call beginTransaction() first (or use producer.transaction(async (tx) => ...)).`,
    );
  }

  /** A record was appended for this partition: it joins the transaction before its first batch is sent. */
  maybeAddPartition(topic: string, partition: number): void {
    const state = this.stateNow;
    if (state !== 'IN_TRANSACTION' && state !== 'COMMITTING') return;
    const key = partitionKey(topic, partition);
    if (this.inTransaction.has(key) || this.pendingPartitions.has(key) || this.newPartitions.has(key)) return;
    if (this.tv2) {
      // The broker adds the partition when the transactional Produce (v12+) arrives.
      this.inTransaction.add(key);
      this.transactionStarted = true;
      return;
    }
    this.newPartitions.set(key, { topic, partition });
    this.scheduleAddPartitions();
  }

  /**
   * True when batches of this partition may be sent: the coordinator has it in the transaction and the producer
   * is not fenced. While the transaction must abort, only batches that already have a sequence (retries) are
   * left to send, since the sender fails the others first (undrainedError): they go, so the abort does not wait
   * for them until they expire and the partition's sequences stay whole (Java's isSendToPartitionAllowed).
   */
  isSendAllowed(topic: string, partition: number): boolean {
    return this.stateNow !== 'FATAL_ERROR' && this.inTransaction.has(partitionKey(topic, partition));
  }

  /** The error to fail batches not yet sent with (the transaction cannot commit them), or null. */
  undrainedError(): Error | null {
    const state = this.stateNow;
    if (state === 'FATAL_ERROR' || state === 'ABORTABLE_ERROR') return this.lastError;
    if (state === 'ABORTING') {
      return new TransactionAbortedError(
        `Record not sent: transaction '${this.transactionalId}' is being aborted. Send it again in a new transaction.`,
        this.lastError ?? undefined,
      );
    }
    return null;
  }

  /**
   * A record or batch of the transaction failed (Java's handleFailedBatch, and doSend's maybeTransitionToErrorState
   * for records refused before they were batched): fenced or not authorized ends the producer; anything else
   * means the transaction cannot commit, since it would commit without that record. Under transactions v1 the
   * sequences may now have a gap, so the abort bumps the epoch.
   */
  handleFailedBatch(error: Error): void {
    const state = this.stateNow;
    if (state === 'FATAL_ERROR' || error === this.lastError || error instanceof TransactionAbortedError)
      return;
    const kafka = rootKafkaError(error);
    if (kafka?.code === KafkaErrorCode.PRODUCER_FENCED) {
      this.fence(kafka);
      return;
    }
    if (error instanceof KafkaWireError && error.fatal) {
      this.fail(error);
      return;
    }
    if (kafka?.fatal) {
      this.fail(kafka);
      return;
    }
    // Aborting already, or no transaction the failure could belong to (misuse errors are the caller's own).
    if (state !== 'IN_TRANSACTION' && state !== 'COMMITTING') return;
    if (!this.tv2) this.epochBumpRequired = true;
    this.abortable(error);
  }

  // ---- the public transactional methods ----

  /** FindCoordinator, then InitProducerId for the transactional id: fences older producers with the same id. */
  initTransactions(): Promise<void> {
    return this.call('initTransactions', () => {
      this.throwIfFatal();
      if (this.stateNow !== 'UNINITIALIZED') {
        throw new TransactionStateError(
          `initTransactions() was already called for '${this.transactionalId}' (the producer is ${describeState(this.stateNow)}): call it once per producer.`,
        );
      }
      this.transition('INITIALIZING');
      return (async () => {
        this.tv2 = false;
        await this.initProducerId(null);
        this.transition('READY');
      })();
    });
  }

  beginTransaction(): void {
    this.throwIfPending('beginTransaction');
    this.throwIfFatal();
    const state = this.stateNow;
    if (state === 'ABORTABLE_ERROR') throw this.lastError!;
    if (state !== 'READY') {
      throw new TransactionStateError(
        state === 'UNINITIALIZED' || state === 'INITIALIZING'
          ? `beginTransaction() needs initTransactions() to have completed first (producer '${this.transactionalId}').`
          : `beginTransaction() called while the producer is ${describeState(state)}: commit or abort the open transaction first.`,
      );
    }
    // A cluster upgraded to transactions v2 is used from the next transaction on; never back (as Java).
    if (!this.tv2 && this.options.transactionVersion() >= 2) this.tv2 = true;
    this.inTransaction.clear();
    this.pendingPartitions.clear();
    this.newPartitions.clear();
    this.transactionStarted = false;
    this.transition('IN_TRANSACTION');
  }

  /**
   * Commits consumer offsets with the transaction: they become visible when it commits (a consume-transform-
   * produce loop then reads each record exactly once).
   */
  sendOffsetsToTransaction(
    offsets: readonly TransactionOffset[],
    group: ConsumerGroupMetadata,
  ): Promise<void> {
    return this.call('sendOffsetsToTransaction', () => {
      this.throwIfNotInTransaction('sendOffsetsToTransaction');
      if (typeof group?.groupId !== 'string' || group.groupId === '') {
        throw new TransactionStateError(
          "sendOffsetsToTransaction() needs the consumer's group: pass { groupId } (and generationId, memberId from the consumer).",
        );
      }
      const topics = offsetsByTopic(offsets);
      return (async () => {
        if (this.tv2) {
          this.transactionStarted = true;
        } else {
          await this.addOffsetsToTxn(group.groupId);
          this.transactionStarted = true;
        }
        await this.txnOffsetCommit(group, topics);
      })();
    });
  }

  /** Sends every record of the transaction, then commits it (EndTxn). */
  commitTransaction(): Promise<void> {
    return this.call('commitTransaction', () => {
      this.throwIfNotInTransaction('commitTransaction');
      this.transition('COMMITTING');
      return (async () => {
        await this.options.records.flush();
        await this.addingIdle();
        if (this.stateNow !== 'COMMITTING') throw this.lastError!;
        await this.endTransaction(true);
      })();
    });
  }

  /** Drops the records not yet sent, waits for those in flight, then aborts the transaction (EndTxn). */
  abortTransaction(): Promise<void> {
    return this.call('abortTransaction', () => {
      this.throwIfFatal();
      const state = this.stateNow;
      if (state !== 'IN_TRANSACTION' && state !== 'ABORTABLE_ERROR') {
        throw new TransactionStateError(
          `abortTransaction() needs an open transaction, but the producer is ${describeState(state)}.`,
        );
      }
      this.transition('ABORTING');
      return (async () => {
        this.options.records.abortUndrained(this.undrainedError()!);
        await this.options.records.flush();
        await this.addingIdle();
        await this.endTransaction(false);
      })();
    });
  }

  /** Stops every request loop; pending methods reject with ClientClosedError. */
  close(): void {
    this.closed = true;
    for (const sleep of this.sleeps) {
      clearTimeout(sleep.timer);
      sleep.wake();
    }
    this.sleeps.clear();
  }

  // ---- requests ----

  /** InitProducerId for the transactional id; `current` (a bump after an abort) carries the id and epoch. */
  private async initProducerId(current: ProducerIdAndEpoch | null): Promise<void> {
    const { transactionalId, transactionTimeoutMs } = this.options;
    const identity = await this.coordinatorRequest(
      this.transactionTarget,
      InitProducerIdApi,
      (version) =>
        current !== null && version >= INIT_PRODUCER_ID_BUMP_VERSION
          ? { transactionalId, transactionTimeoutMs, ...current }
          : { transactionalId, transactionTimeoutMs },
      undefined,
      (response): Verdict<ProducerIdAndEpoch> =>
        response.errorCode === 0
          ? { done: { producerId: response.producerId, producerEpoch: response.producerEpoch } }
          : this.react(response.errorCode, 'InitProducerId'),
    );
    // Read once a coordinator answered: its connection has told us the cluster's finalized features.
    if (current === null) this.tv2 = this.options.transactionVersion() >= 2;
    this.setIdentity(identity);
  }

  private scheduleAddPartitions(): void {
    if (this.addScheduled || this.adding !== null) return;
    this.addScheduled = true;
    // Partitions appended in the same turn go in one request.
    queueMicrotask(() => {
      this.addScheduled = false;
      if (this.adding === null && this.newPartitions.size > 0) {
        this.adding = this.addPartitions().finally(() => {
          this.adding = null;
          this.listener();
        });
      }
    });
  }

  private async addPartitions(): Promise<void> {
    while (
      this.newPartitions.size > 0 &&
      (this.stateNow === 'IN_TRANSACTION' || this.stateNow === 'COMMITTING')
    ) {
      const adding = [...this.newPartitions.entries()];
      this.newPartitions.clear();
      for (const [key] of adding) this.pendingPartitions.add(key);
      const topics = new Map<string, number[]>();
      for (const [, { topic, partition }] of adding) {
        const list = topics.get(topic);
        if (list === undefined) topics.set(topic, [partition]);
        else list.push(partition);
      }
      try {
        await this.coordinatorRequest(
          this.transactionTarget,
          AddPartitionsToTxnApi,
          () => ({
            v3AndBelowTransactionalId: this.transactionalId,
            v3AndBelowProducerId: this.identity!.producerId,
            v3AndBelowProducerEpoch: this.identity!.producerEpoch,
            v3AndBelowTopics: [...topics].map(([name, partitions]) => ({ name, partitions })),
          }),
          undefined,
          (response) => this.judgeAddPartitions(response.resultsByTopicV3AndBelow),
        );
        for (const [key] of adding) this.inTransaction.add(key);
        this.transactionStarted = true;
      } catch {
        // The request's verdict already moved the state on (abortable or fatal); the sender fails the batches.
      } finally {
        for (const [key] of adding) this.pendingPartitions.delete(key);
      }
      this.listener();
    }
  }

  private judgeAddPartitions(
    results: ReadonlyArray<{
      name: string;
      resultsByPartition: ReadonlyArray<{ partitionIndex: number; partitionErrorCode: number }>;
    }>,
  ): Verdict<void> {
    const unauthorized: string[] = [];
    let retry: Retry | null = null;
    for (const topic of results) {
      for (const { partitionIndex, partitionErrorCode: code } of topic.resultsByPartition) {
        if (code === 0 || code === KafkaErrorCode.OPERATION_NOT_ATTEMPTED) continue;
        if (code === KafkaErrorCode.TOPIC_AUTHORIZATION_FAILED) {
          if (!unauthorized.includes(topic.name)) unauthorized.push(topic.name);
          continue;
        }
        const verdict = this.react(code, 'AddPartitionsToTxn', {
          topic: topic.name,
          partition: partitionIndex,
        });
        if (code === KafkaErrorCode.CONCURRENT_TRANSACTIONS && this.inTransaction.size === 0) {
          verdict.backoffMs = FIRST_ADD_PARTITIONS_RETRY_MS;
        }
        retry ??= verdict;
      }
    }
    if (unauthorized.length > 0) {
      throw this.abortable(
        kafkaErrorFor(KafkaErrorCode.TOPIC_AUTHORIZATION_FAILED, {
          api: 'AddPartitionsToTxn',
          topic: unauthorized.join(', '),
        }),
      );
    }
    return retry ?? { done: undefined };
  }

  private async addOffsetsToTxn(groupId: string): Promise<void> {
    await this.coordinatorRequest(
      this.transactionTarget,
      AddOffsetsToTxnApi,
      () => ({ transactionalId: this.transactionalId, ...this.currentIdentity(), groupId }),
      undefined,
      (response): Verdict<void> =>
        response.errorCode === 0
          ? { done: undefined }
          : this.react(response.errorCode, 'AddOffsetsToTxn', { group: groupId }),
    );
  }

  private async txnOffsetCommit(
    group: ConsumerGroupMetadata,
    topics: TxnOffsetCommitRequestTopic[],
  ): Promise<void> {
    // Partitions the coordinator has not accepted yet; a retry sends only these.
    const remaining = new Map<
      string,
      { topic: string; entry: TxnOffsetCommitRequestTopic['partitions'][0] }
    >();
    for (const topic of topics) {
      for (const entry of topic.partitions) {
        remaining.set(partitionKey(topic.name, entry.partitionIndex), { topic: topic.name, entry });
      }
    }
    const groupFields = {
      ...(group.generationId === undefined ? {} : { generationId: group.generationId }),
      ...(group.memberId === undefined ? {} : { memberId: group.memberId }),
      ...(group.groupInstanceId == null ? {} : { groupInstanceId: group.groupInstanceId }),
    };
    await this.coordinatorRequest(
      { keyType: 'group', key: group.groupId },
      TxnOffsetCommitApi,
      () => {
        const byTopic = new Map<string, TxnOffsetCommitRequestTopic>();
        for (const { topic, entry } of remaining.values()) {
          let t = byTopic.get(topic);
          if (t === undefined) {
            t = { name: topic, partitions: [] };
            byTopic.set(topic, t);
          }
          t.partitions.push(entry);
        }
        return {
          transactionalId: this.transactionalId,
          groupId: group.groupId,
          ...this.currentIdentity(),
          ...groupFields,
          topics: [...byTopic.values()],
        };
      },
      this.tv2 ? undefined : TRANSACTIONS_V1_MAX_VERSION.txnOffsetCommit,
      (response): Verdict<void> => {
        let retry: Retry | null = null;
        for (const topic of response.topics) {
          for (const { partitionIndex, errorCode } of topic.partitions) {
            const key = partitionKey(topic.name, partitionIndex);
            if (errorCode === 0) {
              remaining.delete(key);
              continue;
            }
            retry ??= this.react(errorCode, 'TxnOffsetCommit', {
              group: group.groupId,
              topic: topic.name,
              partition: partitionIndex,
            });
          }
        }
        return retry ?? { done: undefined };
      },
    );
  }

  /** EndTxn when the coordinator has something of the transaction; then the epoch bump if one is owed; READY. */
  private async endTransaction(commit: boolean): Promise<void> {
    if (this.transactionStarted && !(this.skipEndTxn && !commit)) {
      const next = await this.coordinatorRequest(
        this.transactionTarget,
        EndTxnApi,
        () => ({ transactionalId: this.transactionalId, ...this.currentIdentity(), committed: commit }),
        this.tv2 ? undefined : TRANSACTIONS_V1_MAX_VERSION.endTxn,
        (response, version): Verdict<ProducerIdAndEpoch | null> => {
          if (response.errorCode !== 0) return this.react(response.errorCode, 'EndTxn');
          // v5: the coordinator bumped the epoch (or gave a new id) for the next transaction.
          return {
            done:
              version >= 5 && response.producerId >= 0n
                ? { producerId: response.producerId, producerEpoch: response.producerEpoch }
                : null,
          };
        },
      );
      if (next !== null) this.setIdentity(next);
    }
    // An abort owes the bump after a failure under transactions v1 (v2's EndTxn bumped already); an
    // initTransactions() that failed abortably never got an id at all.
    if ((!commit && this.epochBumpRequired && !this.tv2) || this.identity === null) {
      this.transition('INITIALIZING');
      await this.initProducerId(this.identity === null ? null : this.currentIdentity());
    }
    this.epochBumpRequired = false;
    this.skipEndTxn = false;
    this.lastError = null;
    this.transactionStarted = false;
    this.inTransaction.clear();
    this.transition('READY');
  }

  /**
   * Sends a request to `target`'s coordinator until `judge` accepts the answer: looks the coordinator up again
   * when it moved or its connection dropped, backs off before each retry. A judge throws (after moving the
   * state to ABORTABLE_ERROR or FATAL_ERROR) when retrying cannot help.
   */
  private async coordinatorRequest<Req extends object, Res extends object, T>(
    target: Target,
    api: ApiCodec<Req, Res>,
    build: (version: number) => Req,
    maxVersion: number | undefined,
    judge: (response: Complete<Res>, version: number) => Verdict<T>,
  ): Promise<T> {
    for (let attempt = 0; ; attempt++) {
      this.throwIfStopped();
      let verdict: Verdict<T>;
      try {
        const nodeId = await this.coordinators.find(target.keyType, target.key);
        this.throwIfStopped();
        const { response, version } = await this.options.channel.request(nodeId, api, build, maxVersion);
        verdict = judge(response, version);
      } catch (error) {
        if (this.stateNow === 'FATAL_ERROR' && this.lastError !== null) throw this.lastError;
        if (this.closed) throw closedError(api.name);
        verdict = this.judgeFailure(error, api.name, target);
      }
      if ('done' in verdict) return verdict.done;
      if (verdict.retry === 'lookup') this.coordinators.invalidate(target.keyType, target.key);
      await this.sleep(verdict.backoffMs ?? this.options.retryBackoff.backoff(attempt));
    }
  }

  /** A request that failed without an answer, or a lookup's error: retry, or move the state on and throw. */
  private judgeFailure(error: unknown, api: string, target: Target): Retry {
    if (
      error instanceof TransactionAbortableError ||
      error instanceof TransactionFatalError ||
      error instanceof TransactionStateError
    ) {
      throw error;
    }
    if (error instanceof KafkaProtocolError) {
      // From FindCoordinator: the coordinator is not there yet, or we may not look it up.
      return this.react(
        error.code,
        'FindCoordinator',
        target.keyType === 'group' ? { group: target.key } : {},
      );
    }
    if (error instanceof KafkaWireError && error.retriable) {
      // Java looks the coordinator up again after a disconnect: it may have moved with the broker.
      return { retry: 'lookup', error };
    }
    throw this.fail(
      error instanceof Error ? error : new KafkaWireError(String(error)),
      `${api} to the coordinator of ${target.keyType === 'group' ? 'group' : 'transactional id'} '${target.key}' failed`,
    );
  }

  /** What an error code from `api` means: a retry verdict, or (thrown) the abortable or fatal error it causes. */
  private react(
    code: number,
    api: string,
    where: { group?: string; topic?: string; partition?: number } = {},
  ): Retry {
    const error = kafkaErrorFor(code, { api, transactionalId: this.transactionalId, ...where });
    switch (reactionTo(code)) {
      case 'lookup':
        return { retry: 'lookup', error };
      case 'retry':
        return { retry: 'backoff', error };
      case 'fenced':
        throw this.fence(error);
      case 'abortable-bump':
        this.epochBumpRequired = true;
        if (code === KafkaErrorCode.INVALID_PRODUCER_ID_MAPPING) this.skipEndTxn = true;
        throw this.abortable(error);
      case 'abortable':
        throw this.abortable(error);
      default:
        throw this.fail(error);
    }
  }

  // ---- state ----

  private transition(to: TransactionState): void {
    if (!isTransitionValid(this.stateNow, to)) {
      throw new TransactionStateError(
        `Invalid transaction state transition from ${this.stateNow} to ${to} (producer '${this.transactionalId}'): this is a kafka-wire bug, please report it.`,
      );
    }
    this.stateNow = to;
    this.listener();
  }

  private setIdentity(identity: ProducerIdAndEpoch): void {
    this.identity = identity;
    this.options.setIdentity(identity);
  }

  private currentIdentity(): ProducerIdAndEpoch {
    const identity = this.identity;
    if (identity === null)
      throw new TransactionStateError('No producer id yet: call initTransactions() first.');
    return { producerId: identity.producerId, producerEpoch: identity.producerEpoch };
  }

  /** Moves to ABORTABLE_ERROR (kept during an abort already running) and returns the error users see. */
  private abortable(cause: Error): TransactionAbortableError {
    const error =
      cause instanceof TransactionAbortableError
        ? cause
        : new TransactionAbortableError(
            `Transaction of '${this.transactionalId}' cannot commit: ${cause.message} Call abortTransaction(), then begin a new transaction.`,
            cause,
          );
    if (this.stateNow === 'ABORTABLE_ERROR' && this.lastError !== null) return error;
    if (this.stateNow === 'FATAL_ERROR') return error;
    this.lastError = error;
    this.transition('ABORTABLE_ERROR');
    return error;
  }

  private fence(cause: Error): ProducerFencedError {
    const error = new ProducerFencedError(
      `Producer with transactional id '${this.transactionalId}' was fenced: another producer with the same transactional id has started (${cause.message}). This one can no longer write: close it. Run one producer per transactional id.`,
      cause,
    );
    this.enterFatal(error);
    return error;
  }

  private fail(cause: Error, context?: string): TransactionFatalError {
    const error =
      cause instanceof TransactionFatalError
        ? cause
        : new TransactionFatalError(
            `Transactional producer '${this.transactionalId}' cannot continue: ${context === undefined ? '' : `${context}: `}${cause.message} Close it, fix the cause and create a new producer.`,
            cause,
          );
    this.enterFatal(error);
    return error;
  }

  private enterFatal(error: TransactionFatalError): void {
    if (this.stateNow === 'FATAL_ERROR') return;
    this.lastError = error;
    this.transition('FATAL_ERROR');
    this.close();
  }

  private throwIfFatal(): void {
    if (this.stateNow === 'FATAL_ERROR') throw this.lastError!;
  }

  private throwIfNotInTransaction(method: string): void {
    this.throwIfFatal();
    const state = this.stateNow;
    if (state === 'ABORTABLE_ERROR') throw this.lastError!;
    if (state !== 'IN_TRANSACTION') {
      throw new TransactionStateError(
        `${method}() needs an open transaction, but the producer is ${describeState(state)}: call beginTransaction() first.`,
      );
    }
  }

  private throwIfStopped(): void {
    if (this.stateNow === 'FATAL_ERROR') throw this.lastError!;
    if (this.closed) throw closedError('transactional request');
  }

  private throwIfPending(method: string): void {
    const pending = this.pending;
    if (pending === null || pending.method === method) return;
    throw new TransactionStateError(
      pending.timedOut
        ? `Cannot call ${method}(): the previous ${pending.method}() timed out and must be called again to learn its outcome.`
        : `Cannot call ${method}() while ${pending.method}() is still running: await it first.`,
    );
  }

  /**
   * Runs a transactional method once at a time. A call that outlasts maxBlockMs rejects with
   * TransactionTimeoutError but goes on; calling the same method again waits for (or reports) that same run.
   */
  private call(method: string, start: () => Promise<void>): Promise<void> {
    const pending = this.pending;
    if (pending !== null && pending.method === method) {
      pending.timedOut = false;
      if (pending.settled) this.pending = null;
      return this.waitBounded(pending);
    }
    let result: Promise<void>;
    try {
      this.throwIfPending(method);
      result = start();
    } catch (error) {
      return Promise.reject(error);
    }
    const entry: PendingCall = { method, result, settled: false, timedOut: false };
    this.pending = entry;
    const settle = () => {
      entry.settled = true;
      if (this.pending === entry && !entry.timedOut) this.pending = null;
    };
    result.then(settle, settle);
    return this.waitBounded(entry);
  }

  private waitBounded(entry: PendingCall): Promise<void> {
    if (entry.settled) return entry.result;
    const maxBlockMs = this.options.maxBlockMs;
    return new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => {
        entry.timedOut = true;
        reject(
          new TransactionTimeoutError(
            `${entry.method}() of '${this.transactionalId}' did not complete within maxBlockMs (${maxBlockMs} ms): the coordinator is unreachable or busy, or records are still being delivered. It goes on: call ${entry.method}() again to wait for its outcome.`,
          ),
        );
      }, maxBlockMs);
      entry.result.then(
        () => {
          clearTimeout(timer);
          resolve();
        },
        (error: unknown) => {
          clearTimeout(timer);
          reject(error);
        },
      );
    });
  }

  private async addingIdle(): Promise<void> {
    while (this.adding !== null || this.addScheduled) {
      if (this.adding !== null) await this.adding;
      else await Promise.resolve();
    }
  }

  private sleep(ms: number): Promise<void> {
    return new Promise((resolve) => {
      const entry = {
        timer: setTimeout(() => {
          this.sleeps.delete(entry);
          resolve();
        }, ms),
        wake: resolve,
      };
      this.sleeps.add(entry);
    });
  }
}

function partitionKey(topic: string, partition: number): string {
  return `${topic}\u0000${partition}`;
}

function describeState(state: TransactionState): string {
  switch (state) {
    case 'UNINITIALIZED':
      return 'not initialized (initTransactions() not called)';
    case 'INITIALIZING':
      return 'initializing (initTransactions() running)';
    case 'READY':
      return 'not in a transaction';
    case 'IN_TRANSACTION':
      return 'in a transaction';
    case 'COMMITTING':
      return 'committing a transaction';
    case 'ABORTING':
      return 'aborting a transaction';
    case 'ABORTABLE_ERROR':
      return 'in a transaction that must be aborted';
    default:
      return 'failed fatally';
  }
}

/** The Kafka error code behind an error, also when the producer wrapped it (ProduceError's cause). */
function rootKafkaError(error: Error): KafkaProtocolError | undefined {
  if (error instanceof KafkaProtocolError) return error;
  const cause = (error as { cause?: unknown }).cause;
  return cause instanceof KafkaProtocolError ? cause : undefined;
}

function closedError(what: string): ClientClosedError {
  return new ClientClosedError(
    `The producer was closed while a ${what} was pending; the transaction's outcome is decided by the coordinator (an open transaction is aborted after transactionTimeoutMs).`,
  );
}

/** The offsets as TxnOffsetCommit's topics, checked the way the rest of the producer checks input. */
function offsetsByTopic(offsets: readonly TransactionOffset[]): TxnOffsetCommitRequestTopic[] {
  if (!Array.isArray(offsets)) {
    throw new TransactionStateError(
      'sendOffsetsToTransaction() takes an array of { topic, partition, offset } (the next offset to consume).',
    );
  }
  const byTopic = new Map<string, TxnOffsetCommitRequestTopic>();
  for (const o of offsets) {
    const offset = typeof o?.offset === 'number' ? BigInt(o.offset) : o?.offset;
    if (
      typeof o?.topic !== 'string' ||
      !Number.isInteger(o.partition) ||
      o.partition < 0 ||
      typeof offset !== 'bigint' ||
      offset < 0n
    ) {
      throw new TransactionStateError(
        `sendOffsetsToTransaction(): ${JSON.stringify(o, (_, v) => (typeof v === 'bigint' ? `${v}` : v))} is not { topic, partition >= 0, offset >= 0 }.`,
      );
    }
    let topic = byTopic.get(o.topic);
    if (topic === undefined) {
      topic = { name: o.topic, partitions: [] };
      byTopic.set(o.topic, topic);
    }
    topic.partitions.push({
      partitionIndex: o.partition,
      committedOffset: offset,
      committedMetadata: o.metadata ?? null,
      ...(o.leaderEpoch === undefined ? {} : { committedLeaderEpoch: o.leaderEpoch }),
    });
  }
  return [...byTopic.values()];
}
