import { AddPartitionsToTxnApi } from '../protocol/add-partitions-to-txn.js';
import { KafkaErrorCode, kafkaErrorFor } from '../protocol/errors.js';
import type { CoordinatorRequests, Retry, Target, Verdict } from './coordinator-requests.js';
import type { ProducerIdAndEpoch } from './idempotence.js';
import type { TransactionStateMachine } from './transaction-state.js';

// Which partitions the open transaction has on its coordinator. Under transactions v1 a partition joins with
// AddPartitionsToTxn before its first batch may be sent (partitions appended in the same turn go in one
// request); under v2 (KIP-890) the broker adds it when the transactional Produce (v12+) arrives, so it is in the
// transaction at once.
//
// @locality: event loop.

/**
 * Java retries AddPartitionsToTxn's CONCURRENT_TRANSACTIONS sooner than other retries while the transaction has
 * no partition yet: the previous transaction is usually completing within milliseconds.
 */
const FIRST_ADD_PARTITIONS_RETRY_MS = 20;

export interface TransactionPartitionsOptions {
  transactionalId: string;
  /** The transaction coordinator's key. */
  target: Target;
  requests: CoordinatorRequests;
  machine: TransactionStateMachine;
  transactionsV2: () => boolean;
  identity: () => ProducerIdAndEpoch | null;
  /** A partition is in the transaction on the coordinator: ending it needs EndTxn. */
  onAdded: () => void;
  /** Partitions were added (or failed to be): batches may have become sendable or must be failed. */
  onChange: () => void;
}

/** The map key of one partition. */
export function partitionKey(topic: string, partition: number): string {
  return `${topic}\u0000${partition}`;
}

export class TransactionPartitions {
  private readonly options: TransactionPartitionsOptions;
  /** Partitions the coordinator has in the transaction: batches for them may be sent. */
  private readonly inTransaction = new Set<string>();
  /** Partitions an AddPartitionsToTxn in flight is adding. */
  private readonly pendingPartitions = new Set<string>();
  /** Partitions written to that the next AddPartitionsToTxn will add (transactions v1). */
  private readonly newPartitions = new Map<string, { topic: string; partition: number }>();
  private adding: Promise<void> | null = null;
  private addScheduled = false;

  constructor(options: TransactionPartitionsOptions) {
    this.options = options;
  }

  /** True when the coordinator has this partition in the transaction. */
  has(topic: string, partition: number): boolean {
    return this.inTransaction.has(partitionKey(topic, partition));
  }

  /** A record was appended for this partition: it joins the transaction before its first batch is sent. */
  add(topic: string, partition: number): void {
    const key = partitionKey(topic, partition);
    if (this.inTransaction.has(key) || this.pendingPartitions.has(key) || this.newPartitions.has(key)) return;
    if (this.options.transactionsV2()) {
      this.inTransaction.add(key);
      this.options.onAdded();
      return;
    }
    this.newPartitions.set(key, { topic, partition });
    this.scheduleAddPartitions();
  }

  /** A new transaction begins with no partition. */
  clear(): void {
    this.inTransaction.clear();
    this.pendingPartitions.clear();
    this.newPartitions.clear();
  }

  /** The transaction ended: no partition is in one any more. */
  clearAdded(): void {
    this.inTransaction.clear();
  }

  /** Resolves once no AddPartitionsToTxn is scheduled or in flight. */
  async idle(): Promise<void> {
    while (this.adding !== null || this.addScheduled) {
      if (this.adding !== null) await this.adding;
      else await Promise.resolve();
    }
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
          this.options.onChange();
        });
      }
    });
  }

  private async addPartitions(): Promise<void> {
    const { machine, requests, transactionalId } = this.options;
    while (
      this.newPartitions.size > 0 &&
      (machine.state === 'IN_TRANSACTION' || machine.state === 'COMMITTING')
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
        await requests.send(
          this.options.target,
          AddPartitionsToTxnApi,
          () => {
            const identity = this.options.identity()!;
            return {
              v3AndBelowTransactionalId: transactionalId,
              v3AndBelowProducerId: identity.producerId,
              v3AndBelowProducerEpoch: identity.producerEpoch,
              v3AndBelowTopics: [...topics].map(([name, partitions]) => ({ name, partitions })),
            };
          },
          undefined,
          (response) => this.judgeAddPartitions(response.resultsByTopicV3AndBelow),
        );
        for (const [key] of adding) this.inTransaction.add(key);
        this.options.onAdded();
      } catch {
        // The request's verdict already moved the state on (abortable or fatal); the sender fails the batches.
      } finally {
        for (const [key] of adding) this.pendingPartitions.delete(key);
      }
      this.options.onChange();
    }
  }

  private judgeAddPartitions(
    results: ReadonlyArray<{
      name: string;
      resultsByPartition: ReadonlyArray<{ partitionIndex: number; partitionErrorCode: number }>;
    }>,
  ): Verdict<void> {
    const { machine, requests } = this.options;
    const unauthorized: string[] = [];
    let retry: Retry | null = null;
    for (const topic of results) {
      for (const { partitionIndex, partitionErrorCode: code } of topic.resultsByPartition) {
        if (code === 0 || code === KafkaErrorCode.OPERATION_NOT_ATTEMPTED) continue;
        if (code === KafkaErrorCode.TOPIC_AUTHORIZATION_FAILED) {
          if (!unauthorized.includes(topic.name)) unauthorized.push(topic.name);
          continue;
        }
        const verdict = requests.react(code, 'AddPartitionsToTxn', {
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
      throw machine.abortable(
        kafkaErrorFor(KafkaErrorCode.TOPIC_AUTHORIZATION_FAILED, {
          api: 'AddPartitionsToTxn',
          topic: unauthorized.join(', '),
        }),
      );
    }
    return retry ?? { done: undefined };
  }
}
