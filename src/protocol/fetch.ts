// Fetch (API key 1), versions 4-11 of Kafka's 4-18, transcribed from Kafka's FetchRequest.json /
// FetchResponse.json. It exists for the fake cluster (kafka-wire/testing), which serves consumers such as kcat:
// the producer never fetches. v4 is the first version whose reader must understand RecordBatch v2 (librdkafka
// writes RecordBatch v2 only to brokers that advertise Fetch v4+), and v11 the last before the flexible encoding
// (v12) and topic ids in place of names (v13), so the fake serves exactly the range it can answer with the
// batches it stored.

import { type ApiCodec, defineApi } from './api.js';
import type { MessageSpec } from './schema.js';

export const FETCH_REQUEST_SPEC = {
  apiKey: 1,
  type: 'request',
  name: 'FetchRequest',
  validVersions: '4-18',
  flexibleVersions: '12+',
  fields: [
    { name: 'ReplicaId', type: 'int32', versions: '0-14', default: '-1' },
    { name: 'MaxWaitMs', type: 'int32', versions: '0+' },
    { name: 'MinBytes', type: 'int32', versions: '0+' },
    { name: 'MaxBytes', type: 'int32', versions: '3+', default: '0x7fffffff' },
    { name: 'IsolationLevel', type: 'int8', versions: '4+', default: '0' },
    { name: 'SessionId', type: 'int32', versions: '7+', default: '0' },
    { name: 'SessionEpoch', type: 'int32', versions: '7+', default: '-1' },
    {
      name: 'Topics',
      type: '[]FetchTopic',
      versions: '0+',
      fields: [
        { name: 'Topic', type: 'string', versions: '0-12' },
        {
          name: 'Partitions',
          type: '[]FetchPartition',
          versions: '0+',
          fields: [
            { name: 'Partition', type: 'int32', versions: '0+' },
            { name: 'CurrentLeaderEpoch', type: 'int32', versions: '9+', default: '-1' },
            { name: 'FetchOffset', type: 'int64', versions: '0+' },
            { name: 'LogStartOffset', type: 'int64', versions: '5+', default: '-1' },
            { name: 'PartitionMaxBytes', type: 'int32', versions: '0+' },
          ],
        },
      ],
    },
    {
      name: 'ForgottenTopicsData',
      type: '[]ForgottenTopic',
      versions: '7+',
      fields: [
        { name: 'Topic', type: 'string', versions: '7-12' },
        { name: 'Partitions', type: '[]int32', versions: '7+' },
      ],
    },
    { name: 'RackId', type: 'string', versions: '11+', default: '' },
  ],
} as const satisfies MessageSpec;

export const FETCH_RESPONSE_SPEC = {
  apiKey: 1,
  type: 'response',
  name: 'FetchResponse',
  validVersions: '4-18',
  flexibleVersions: '12+',
  fields: [
    { name: 'ThrottleTimeMs', type: 'int32', versions: '1+' },
    { name: 'ErrorCode', type: 'int16', versions: '7+' },
    { name: 'SessionId', type: 'int32', versions: '7+', default: '0' },
    {
      name: 'Responses',
      type: '[]FetchableTopicResponse',
      versions: '0+',
      fields: [
        { name: 'Topic', type: 'string', versions: '0-12' },
        {
          name: 'Partitions',
          type: '[]PartitionData',
          versions: '0+',
          fields: [
            { name: 'PartitionIndex', type: 'int32', versions: '0+' },
            { name: 'ErrorCode', type: 'int16', versions: '0+' },
            { name: 'HighWatermark', type: 'int64', versions: '0+' },
            { name: 'LastStableOffset', type: 'int64', versions: '4+', default: '-1' },
            { name: 'LogStartOffset', type: 'int64', versions: '5+', default: '-1' },
            {
              name: 'AbortedTransactions',
              type: '[]AbortedTransaction',
              versions: '4+',
              nullableVersions: '4+',
              fields: [
                { name: 'ProducerId', type: 'int64', versions: '4+' },
                { name: 'FirstOffset', type: 'int64', versions: '4+' },
              ],
            },
            { name: 'PreferredReadReplica', type: 'int32', versions: '11+', default: '-1' },
            { name: 'Records', type: 'records', versions: '0+', nullableVersions: '0+' },
          ],
        },
      ],
    },
  ],
} as const satisfies MessageSpec;

export interface FetchPartition {
  partition: number;
  /** v9+. */
  currentLeaderEpoch?: number;
  fetchOffset: bigint;
  /** v5+: only followers set it. */
  logStartOffset?: bigint;
  partitionMaxBytes: number;
}

export interface FetchTopic {
  topic: string;
  partitions: FetchPartition[];
}

export interface ForgottenTopic {
  topic: string;
  partitions: number[];
}

export interface FetchRequest {
  /** -1 (the default) for a consumer; v15+ moved it into ReplicaState. */
  replicaId?: number;
  maxWaitMs: number;
  minBytes: number;
  maxBytes?: number;
  /** 0 read_uncommitted, 1 read_committed. */
  isolationLevel?: number;
  /** v7+: incremental fetch sessions (KIP-227); the fake answers every fetch in full, without a session. */
  sessionId?: number;
  sessionEpoch?: number;
  topics: FetchTopic[];
  forgottenTopicsData?: ForgottenTopic[];
  /** v11+. */
  rackId?: string;
}

export interface AbortedTransaction {
  producerId: bigint;
  firstOffset: bigint;
}

export interface FetchPartitionResponse {
  partitionIndex: number;
  errorCode: number;
  highWatermark: bigint;
  lastStableOffset?: bigint;
  logStartOffset?: bigint;
  abortedTransactions: AbortedTransaction[] | null;
  preferredReadReplica?: number;
  /** Whole record batches, as stored. */
  records: Uint8Array | null;
}

export interface FetchTopicResponse {
  topic: string;
  partitions: FetchPartitionResponse[];
}

export interface FetchResponse {
  throttleTimeMs: number;
  errorCode?: number;
  sessionId?: number;
  responses: FetchTopicResponse[];
}

export const FetchApi: ApiCodec<FetchRequest, FetchResponse> = defineApi({
  name: 'Fetch',
  minVersion: 4,
  maxVersion: 11,
  request: FETCH_REQUEST_SPEC,
  response: FETCH_RESPONSE_SPEC,
});
