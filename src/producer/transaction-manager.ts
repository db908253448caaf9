import { type Logger, SILENT_LOGGER } from '../logger.js';
import type { BrokerChannel } from './coordinator.js';
import { CoordinatorRequests, type Target, TRANSACTIONS_V1_MAX_VERSION } from './coordinator-requests.js';
import { TransactionAbortedError, TransactionStateError } from './errors.js';
import type { ProducerIdAndEpoch } from './idempotence.js';
import { TransactionCalls } from './transaction-calls.js';
import { TransactionIdentity } from './transaction-identity.js';
import {
  addOffsetsToTxn,
  type ConsumerGroupMetadata,
  type OffsetsContext,
  offsetsByTopic,
  type TransactionOffset,
  txnOffsetCommit,
} from './transaction-offsets.js';
import { TransactionPartitions } from './transaction-partitions.js';
import { reactionToRecordFailure } from './transaction-reactions.js';
import { describeState, type TransactionState, TransactionStateMachine } from './transaction-state.js';

// The transactional producer (Java's TransactionManager, transactional part): what the producer and the sender
// ask of the transaction, and the public transactional methods, each taking the state machine
// (transaction-state.ts) through its steps with requests to the coordinators (coordinator-requests.ts), the
// partitions (transaction-partitions.ts), the consumer offsets (transaction-offsets.ts) and the producer id and
// epoch (transaction-identity.ts).
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

export type { ConsumerGroupMetadata, TransactionOffset } from './transaction-offsets.js';
export type { TransactionState } from './transaction-state.js';

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
  /** State changes (debug; abortable at info, fatal at error) and new producer ids or epochs (debug). */
  logger?: Logger;
}

export class TransactionManager {
  private readonly options: TransactionManagerOptions;
  private readonly machine: TransactionStateMachine;
  private readonly requests: CoordinatorRequests;
  private readonly identity: TransactionIdentity;
  private readonly partitions: TransactionPartitions;
  private readonly calls: TransactionCalls;
  private readonly transactionTarget: Target;
  private tv2 = false;
  /** Something was added to the transaction on the coordinator, so ending it needs EndTxn. */
  private transactionStarted = false;
  private listener: () => void = () => undefined;

  constructor(options: TransactionManagerOptions) {
    this.options = options;
    const { transactionalId } = options;
    this.transactionTarget = { keyType: 'transaction', key: transactionalId };
    const log = options.logger ?? SILENT_LOGGER;
    this.machine = new TransactionStateMachine(
      transactionalId,
      () => this.listener(),
      () => this.close(),
      log,
    );
    this.requests = new CoordinatorRequests({
      transactionalId,
      channel: options.channel,
      retryBackoff: options.retryBackoff,
      machine: this.machine,
      onProducerIdLost: (code) => this.identity.producerIdLost(code),
    });
    this.identity = new TransactionIdentity({
      transactionalId,
      transactionTimeoutMs: options.transactionTimeoutMs,
      target: this.transactionTarget,
      requests: this.requests,
      setIdentity: (identity) => {
        // With transactions v2 every commit or abort bumps the epoch: routine, so debug.
        log.debug(
          { transactionalId, producerId: identity.producerId, epoch: identity.producerEpoch },
          'transactional producer id and epoch',
        );
        options.setIdentity(identity);
      },
    });
    this.partitions = new TransactionPartitions({
      transactionalId,
      target: this.transactionTarget,
      requests: this.requests,
      machine: this.machine,
      transactionsV2: () => this.tv2,
      identity: () => this.identity.value,
      onAdded: () => {
        this.transactionStarted = true;
      },
      onChange: () => this.listener(),
    });
    this.calls = new TransactionCalls(transactionalId, options.maxBlockMs);
  }

  get transactionalId(): string {
    return this.options.transactionalId;
  }

  get state(): TransactionState {
    return this.machine.state;
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
    const state = this.machine.state;
    if (state === 'FATAL_ERROR' || state === 'ABORTABLE_ERROR') return this.machine.lastError;
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
    const state = this.machine.state;
    if (state !== 'IN_TRANSACTION' && state !== 'COMMITTING') return;
    this.partitions.add(topic, partition);
  }

  /**
   * True when batches of this partition may be sent: the coordinator has it in the transaction and the producer
   * is not fenced. While the transaction must abort, only batches that already have a sequence (retries) are
   * left to send, since the sender fails the others first (undrainedError): they go, so the abort does not wait
   * for them until they expire and the partition's sequences stay whole (Java's isSendToPartitionAllowed).
   */
  isSendAllowed(topic: string, partition: number): boolean {
    return this.machine.state !== 'FATAL_ERROR' && this.partitions.has(topic, partition);
  }

  /** The error to fail batches not yet sent with (the transaction cannot commit them), or null. */
  undrainedError(): Error | null {
    const state = this.machine.state;
    if (state === 'FATAL_ERROR' || state === 'ABORTABLE_ERROR') return this.machine.lastError;
    if (state === 'ABORTING') {
      return new TransactionAbortedError(
        `Record not sent: transaction '${this.transactionalId}' is being aborted. Send it again in a new transaction.`,
        this.machine.lastError ?? undefined,
      );
    }
    return null;
  }

  /**
   * A record or batch of the transaction failed, in the sender or before it was batched: see
   * reactionToRecordFailure. Under transactions v1 the sequences may now have a gap, so the abort bumps the epoch.
   */
  handleFailedBatch(error: Error): void {
    const state = this.machine.state;
    if (
      state === 'FATAL_ERROR' ||
      error === this.machine.lastError ||
      error instanceof TransactionAbortedError
    )
      return;
    const verdict = reactionToRecordFailure(error);
    if (verdict.reaction === 'fenced') {
      this.machine.fence(verdict.cause);
      return;
    }
    if (verdict.reaction === 'fatal') {
      this.machine.fail(verdict.cause);
      return;
    }
    // Aborting already, or no transaction the failure could belong to (misuse errors are the caller's own).
    if (state !== 'IN_TRANSACTION' && state !== 'COMMITTING') return;
    if (!this.tv2) this.identity.requireEpochBump();
    this.machine.abortable(error);
  }

  // ---- the public transactional methods ----

  /** FindCoordinator, then InitProducerId for the transactional id: fences older producers with the same id. */
  initTransactions(): Promise<void> {
    return this.calls.call('initTransactions', () => {
      this.machine.throwIfFatal();
      if (this.machine.state !== 'UNINITIALIZED') {
        throw new TransactionStateError(
          `initTransactions() was already called for '${this.transactionalId}' (the producer is ${describeState(this.machine.state)}): call it once per producer.`,
        );
      }
      this.machine.transition('INITIALIZING');
      return (async () => {
        this.tv2 = false;
        await this.initProducerId(false);
        this.machine.transition('READY');
      })();
    });
  }

  beginTransaction(): void {
    this.calls.throwIfPending('beginTransaction');
    this.machine.throwIfFatal();
    const state = this.machine.state;
    if (state === 'ABORTABLE_ERROR') throw this.machine.lastError!;
    if (state !== 'READY') {
      throw new TransactionStateError(
        state === 'UNINITIALIZED' || state === 'INITIALIZING'
          ? `beginTransaction() needs initTransactions() to have completed first (producer '${this.transactionalId}').`
          : `beginTransaction() called while the producer is ${describeState(state)}: commit or abort the open transaction first.`,
      );
    }
    // A cluster upgraded to transactions v2 is used from the next transaction on; never back (as Java).
    if (!this.tv2 && this.options.transactionVersion() >= 2) this.tv2 = true;
    this.partitions.clear();
    this.transactionStarted = false;
    this.machine.transition('IN_TRANSACTION');
  }

  /**
   * Commits consumer offsets with the transaction: they become visible when it commits (a consume-transform-
   * produce loop then reads each record exactly once).
   */
  sendOffsetsToTransaction(
    offsets: readonly TransactionOffset[],
    group: ConsumerGroupMetadata,
  ): Promise<void> {
    return this.calls.call('sendOffsetsToTransaction', () => {
      this.machine.throwIfNotInTransaction('sendOffsetsToTransaction');
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
          await addOffsetsToTxn(this.offsetsContext(), group.groupId);
          this.transactionStarted = true;
        }
        await txnOffsetCommit(this.offsetsContext(), group, topics);
      })();
    });
  }

  /** Sends every record of the transaction, then commits it (EndTxn). */
  commitTransaction(): Promise<void> {
    return this.calls.call('commitTransaction', () => {
      this.machine.throwIfNotInTransaction('commitTransaction');
      this.machine.transition('COMMITTING');
      return (async () => {
        await this.options.records.flush();
        await this.partitions.idle();
        if (this.machine.state !== 'COMMITTING') throw this.machine.lastError!;
        await this.endTransaction(true);
      })();
    });
  }

  /** Drops the records not yet sent, waits for those in flight, then aborts the transaction (EndTxn). */
  abortTransaction(): Promise<void> {
    return this.calls.call('abortTransaction', () => {
      this.machine.throwIfFatal();
      const state = this.machine.state;
      if (state !== 'IN_TRANSACTION' && state !== 'ABORTABLE_ERROR') {
        throw new TransactionStateError(
          `abortTransaction() needs an open transaction, but the producer is ${describeState(state)}.`,
        );
      }
      this.machine.transition('ABORTING');
      return (async () => {
        this.options.records.abortUndrained(this.undrainedError()!);
        await this.options.records.flush();
        await this.partitions.idle();
        await this.endTransaction(false);
      })();
    });
  }

  /** Stops every request loop; pending methods reject with ClientClosedError. */
  close(): void {
    this.requests.close();
  }

  // ---- steps ----

  /** InitProducerId; the first one also learns whether the cluster runs transactions v2. */
  private async initProducerId(bump: boolean): Promise<void> {
    await this.identity.initProducerId(bump, () => {
      // Read once a coordinator answered: its connection has told us the cluster's finalized features.
      if (!bump) this.tv2 = this.options.transactionVersion() >= 2;
    });
  }

  /** EndTxn when the coordinator has something of the transaction; then the epoch bump if one is owed; READY. */
  private async endTransaction(commit: boolean): Promise<void> {
    if (this.transactionStarted && this.identity.endTxnAllowed(commit)) {
      await this.identity.endTxn(commit, this.tv2);
    }
    if (this.identity.initNeeded(commit, this.tv2)) {
      this.machine.transition('INITIALIZING');
      await this.initProducerId(this.identity.value !== null);
    }
    this.identity.settled();
    this.machine.clearError();
    this.transactionStarted = false;
    this.partitions.clearAdded();
    this.machine.transition('READY');
  }

  private offsetsContext(): OffsetsContext {
    return {
      transactionalId: this.transactionalId,
      target: this.transactionTarget,
      requests: this.requests,
      identity: () => this.identity.current(),
      transactionsV2: this.tv2,
    };
  }
}
