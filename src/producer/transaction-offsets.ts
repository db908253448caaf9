import { AddOffsetsToTxnApi } from '../protocol/add-offsets-to-txn.js';
import { TxnOffsetCommitApi, type TxnOffsetCommitRequestTopic } from '../protocol/txn-offset-commit.js';
import {
  type CoordinatorRequests,
  type Retry,
  type Target,
  TRANSACTIONS_V1_MAX_VERSION,
  type Verdict,
} from './coordinator-requests.js';
import { TransactionStateError } from './errors.js';
import type { ProducerIdAndEpoch } from './idempotence.js';
import { partitionKey } from './transaction-partitions.js';

// Consumer offsets committed with a transaction (consume-transform-produce): under transactions v1 the group
// joins the transaction on its coordinator with AddOffsetsToTxn first; TxnOffsetCommit then goes to the group's
// coordinator (v5 under transactions v2, where it does AddOffsetsToTxn's job too), retried with only the
// partitions not yet accepted.
//
// @locality: event loop.

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

/** What the offset requests need of the transaction. */
export interface OffsetsContext {
  transactionalId: string;
  /** The transaction coordinator's key. */
  target: Target;
  requests: CoordinatorRequests;
  /** The producer id and epoch now (throws before initTransactions()). */
  identity: () => ProducerIdAndEpoch;
  transactionsV2: boolean;
}

/** Transactions v1: the group joins the transaction on the transaction coordinator. */
export async function addOffsetsToTxn(context: OffsetsContext, groupId: string): Promise<void> {
  const { transactionalId, requests } = context;
  await requests.send(
    context.target,
    AddOffsetsToTxnApi,
    () => ({ transactionalId, ...context.identity(), groupId }),
    undefined,
    (response): Verdict<void> =>
      response.errorCode === 0
        ? { done: undefined }
        : requests.react(response.errorCode, 'AddOffsetsToTxn', { group: groupId }),
  );
}

/** The offsets to the group's coordinator, until every partition's offset is accepted. */
export async function txnOffsetCommit(
  context: OffsetsContext,
  group: ConsumerGroupMetadata,
  topics: TxnOffsetCommitRequestTopic[],
): Promise<void> {
  const { transactionalId, requests } = context;
  // Partitions the coordinator has not accepted yet; a retry sends only these.
  const remaining = new Map<string, { topic: string; entry: TxnOffsetCommitRequestTopic['partitions'][0] }>();
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
  await requests.send(
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
        transactionalId,
        groupId: group.groupId,
        ...context.identity(),
        ...groupFields,
        topics: [...byTopic.values()],
      };
    },
    context.transactionsV2 ? undefined : TRANSACTIONS_V1_MAX_VERSION.txnOffsetCommit,
    (response): Verdict<void> => {
      let retry: Retry | null = null;
      for (const topic of response.topics) {
        for (const { partitionIndex, errorCode } of topic.partitions) {
          const key = partitionKey(topic.name, partitionIndex);
          if (errorCode === 0) {
            remaining.delete(key);
            continue;
          }
          retry ??= requests.react(errorCode, 'TxnOffsetCommit', {
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

/** The offsets as TxnOffsetCommit's topics, checked the way the rest of the producer checks input. */
export function offsetsByTopic(offsets: readonly TransactionOffset[]): TxnOffsetCommitRequestTopic[] {
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
