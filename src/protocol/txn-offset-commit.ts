// TxnOffsetCommit (API key 28), versions 0-5, transcribed from Kafka's TxnOffsetCommitRequest.json /
// TxnOffsetCommitResponse.json. A transactional producer commits consumer offsets to the group coordinator as
// part of its transaction (they become visible when the transaction commits). v2 adds the committed leader
// epoch; v3 flexible, and the consumer's group metadata (generation id, member id, group instance id) so the
// coordinator can fence a zombie consumer (KIP-447; may answer ILLEGAL_GENERATION, UNKNOWN_MEMBER_ID,
// FENCED_INSTANCE_ID); v4 may answer TRANSACTION_ABORTABLE; v5 has v4's wire shape but also does
// AddOffsetsToTxn's job (transactions v2, KIP-890): a client may send it only when the finalized feature
// transaction.version is >= 2, and otherwise stays at v4, as Java does. Kafka 4.4's v6 (topic ids instead of
// names, KIP-1319, which also renames GenerationId to GenerationIdOrMemberEpoch) is not implemented.

import { type ApiCodec, defineApi } from './api.js';
import type { MessageSpec } from './schema.js';

export const TXN_OFFSET_COMMIT_REQUEST_SPEC = {
  apiKey: 28,
  type: 'request',
  name: 'TxnOffsetCommitRequest',
  validVersions: '0-5',
  flexibleVersions: '3+',
  fields: [
    { name: 'TransactionalId', type: 'string', versions: '0+' },
    { name: 'GroupId', type: 'string', versions: '0+' },
    { name: 'ProducerId', type: 'int64', versions: '0+' },
    { name: 'ProducerEpoch', type: 'int16', versions: '0+' },
    { name: 'GenerationId', type: 'int32', versions: '3+', default: '-1' },
    { name: 'MemberId', type: 'string', versions: '3+', default: '' },
    { name: 'GroupInstanceId', type: 'string', versions: '3+', nullableVersions: '3+', default: 'null' },
    {
      name: 'Topics',
      type: '[]TxnOffsetCommitRequestTopic',
      versions: '0+',
      fields: [
        { name: 'Name', type: 'string', versions: '0+' },
        {
          name: 'Partitions',
          type: '[]TxnOffsetCommitRequestPartition',
          versions: '0+',
          fields: [
            { name: 'PartitionIndex', type: 'int32', versions: '0+' },
            { name: 'CommittedOffset', type: 'int64', versions: '0+' },
            { name: 'CommittedLeaderEpoch', type: 'int32', versions: '2+', default: '-1' },
            { name: 'CommittedMetadata', type: 'string', versions: '0+', nullableVersions: '0+' },
          ],
        },
      ],
    },
  ],
} as const satisfies MessageSpec;

export const TXN_OFFSET_COMMIT_RESPONSE_SPEC = {
  apiKey: 28,
  type: 'response',
  name: 'TxnOffsetCommitResponse',
  validVersions: '0-5',
  flexibleVersions: '3+',
  fields: [
    { name: 'ThrottleTimeMs', type: 'int32', versions: '0+' },
    {
      name: 'Topics',
      type: '[]TxnOffsetCommitResponseTopic',
      versions: '0+',
      fields: [
        { name: 'Name', type: 'string', versions: '0+' },
        {
          name: 'Partitions',
          type: '[]TxnOffsetCommitResponsePartition',
          versions: '0+',
          fields: [
            { name: 'PartitionIndex', type: 'int32', versions: '0+' },
            { name: 'ErrorCode', type: 'int16', versions: '0+' },
          ],
        },
      ],
    },
  ],
} as const satisfies MessageSpec;

export interface TxnOffsetCommitRequestPartition {
  partitionIndex: number;
  /** The next offset the consumer will read (last processed + 1). */
  committedOffset: bigint;
  /** v2+: leader epoch of the last consumed record; -1 (default) = unknown. */
  committedLeaderEpoch?: number;
  /** Free text kept with the offset; null for none. */
  committedMetadata: string | null;
}

export interface TxnOffsetCommitRequestTopic {
  name: string;
  partitions: TxnOffsetCommitRequestPartition[];
}

export interface TxnOffsetCommitRequest {
  transactionalId: string;
  groupId: string;
  producerId: bigint;
  producerEpoch: number;
  /** v3+: the consumer's group generation; -1 (default) when the consumer's group metadata is unknown. */
  generationId?: number;
  /** v3+: the consumer's member id; '' (default) when unknown. */
  memberId?: string;
  /** v3+: the consumer's static membership id (group.instance.id); null (default) for none. */
  groupInstanceId?: string | null;
  topics: TxnOffsetCommitRequestTopic[];
}

export interface TxnOffsetCommitResponsePartition {
  partitionIndex: number;
  errorCode: number;
}

export interface TxnOffsetCommitResponseTopic {
  name: string;
  partitions: TxnOffsetCommitResponsePartition[];
}

export interface TxnOffsetCommitResponse {
  throttleTimeMs: number;
  topics: TxnOffsetCommitResponseTopic[];
}

export const TxnOffsetCommitApi: ApiCodec<TxnOffsetCommitRequest, TxnOffsetCommitResponse> = defineApi({
  name: 'TxnOffsetCommit',
  minVersion: 0,
  maxVersion: 5,
  request: TXN_OFFSET_COMMIT_REQUEST_SPEC,
  response: TXN_OFFSET_COMMIT_RESPONSE_SPEC,
});
