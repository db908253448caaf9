// Produce (API key 0), versions 3-13, transcribed from Kafka's ProduceRequest.json / ProduceResponse.json.
//
// Three request shapes: v3-8 classic, v9-12 flexible (compact strings/arrays/records, tagged fields),
// v13 names topics by TopicId instead of Name (KIP-516). v3+ carries exactly one magic-2 record batch per
// partition. v10+ responses may carry CurrentLeader per partition and NodeEndpoints (tagged, KIP-951).
// Kafka 4.x advertises min version 0 but rejects v0-2 (KAFKA-18659): never go below minVersion 3.
// acks=0 requests get no response at all.

import { type ApiCodec, defineApi } from './api.js';
import type { MessageSpec } from './schema.js';

export const PRODUCE_REQUEST_SPEC = {
  apiKey: 0,
  type: 'request',
  name: 'ProduceRequest',
  validVersions: '3-13',
  flexibleVersions: '9+',
  fields: [
    { name: 'TransactionalId', type: 'string', versions: '3+', nullableVersions: '3+', default: 'null' },
    { name: 'Acks', type: 'int16', versions: '0+' },
    { name: 'TimeoutMs', type: 'int32', versions: '0+' },
    {
      name: 'TopicData',
      type: '[]TopicProduceData',
      versions: '0+',
      fields: [
        { name: 'Name', type: 'string', versions: '0-12' },
        { name: 'TopicId', type: 'uuid', versions: '13+' },
        {
          name: 'PartitionData',
          type: '[]PartitionProduceData',
          versions: '0+',
          fields: [
            { name: 'Index', type: 'int32', versions: '0+' },
            { name: 'Records', type: 'records', versions: '0+', nullableVersions: '0+' },
          ],
        },
      ],
    },
  ],
} as const satisfies MessageSpec;

export const PRODUCE_RESPONSE_SPEC = {
  apiKey: 0,
  type: 'response',
  name: 'ProduceResponse',
  validVersions: '3-13',
  flexibleVersions: '9+',
  fields: [
    {
      name: 'Responses',
      type: '[]TopicProduceResponse',
      versions: '0+',
      fields: [
        { name: 'Name', type: 'string', versions: '0-12' },
        { name: 'TopicId', type: 'uuid', versions: '13+' },
        {
          name: 'PartitionResponses',
          type: '[]PartitionProduceResponse',
          versions: '0+',
          fields: [
            { name: 'Index', type: 'int32', versions: '0+' },
            { name: 'ErrorCode', type: 'int16', versions: '0+' },
            { name: 'BaseOffset', type: 'int64', versions: '0+' },
            { name: 'LogAppendTimeMs', type: 'int64', versions: '2+', default: '-1' },
            { name: 'LogStartOffset', type: 'int64', versions: '5+', default: '-1' },
            {
              name: 'RecordErrors',
              type: '[]BatchIndexAndErrorMessage',
              versions: '8+',
              fields: [
                { name: 'BatchIndex', type: 'int32', versions: '8+' },
                {
                  name: 'BatchIndexErrorMessage',
                  type: 'string',
                  versions: '8+',
                  nullableVersions: '8+',
                  default: 'null',
                },
              ],
            },
            { name: 'ErrorMessage', type: 'string', versions: '8+', nullableVersions: '8+', default: 'null' },
            {
              name: 'CurrentLeader',
              type: 'LeaderIdAndEpoch',
              versions: '10+',
              taggedVersions: '10+',
              tag: 0,
              fields: [
                { name: 'LeaderId', type: 'int32', versions: '10+', default: '-1' },
                { name: 'LeaderEpoch', type: 'int32', versions: '10+', default: '-1' },
              ],
            },
          ],
        },
      ],
    },
    { name: 'ThrottleTimeMs', type: 'int32', versions: '1+', default: '0' },
    {
      name: 'NodeEndpoints',
      type: '[]NodeEndpoint',
      versions: '10+',
      taggedVersions: '10+',
      tag: 0,
      fields: [
        { name: 'NodeId', type: 'int32', versions: '10+' },
        { name: 'Host', type: 'string', versions: '10+' },
        { name: 'Port', type: 'int32', versions: '10+' },
        { name: 'Rack', type: 'string', versions: '10+', nullableVersions: '10+', default: 'null' },
      ],
    },
  ],
} as const satisfies MessageSpec;

export interface PartitionProduceData {
  index: number;
  /**
   * One magic-2 record batch (v3+ allows exactly one per partition); encoding copies it into the request
   * buffer once. Decoding returns a view into the decoded frame, not a copy.
   */
  records: Uint8Array | null;
}

export interface TopicProduceData {
  /** v3-12. */
  name?: string;
  /** v13+: the topic id (Kafka's string form); v13 requires every topic's id to be known and non-zero. */
  topicId?: string;
  partitionData: PartitionProduceData[];
}

export interface ProduceRequest {
  /** Null (the default) unless the producer is transactional. */
  transactionalId?: string | null;
  /** 0 (no response is sent!), 1 (leader) or -1 (all in-sync replicas). */
  acks: number;
  timeoutMs: number;
  topicData: TopicProduceData[];
}

export interface BatchIndexAndErrorMessage {
  batchIndex: number;
  batchIndexErrorMessage?: string | null;
}

export interface LeaderIdAndEpoch {
  /** -1 when unknown. */
  leaderId?: number;
  leaderEpoch?: number;
}

export interface PartitionProduceResponse {
  index: number;
  errorCode: number;
  baseOffset: bigint;
  /** -1 unless the topic uses LogAppendTime. */
  logAppendTimeMs?: bigint;
  /** v5+. */
  logStartOffset?: bigint;
  /** v8+: records that made the broker reject the batch. */
  recordErrors?: BatchIndexAndErrorMessage[];
  /** v8+. */
  errorMessage?: string | null;
  /** v10+ (tagged): where to send this partition next after NOT_LEADER_OR_FOLLOWER / FENCED_LEADER_EPOCH. */
  currentLeader?: LeaderIdAndEpoch;
}

export interface TopicProduceResponse {
  /** v3-12. */
  name?: string;
  /** v13+. */
  topicId?: string;
  partitionResponses: PartitionProduceResponse[];
}

export interface NodeEndpoint {
  nodeId: number;
  host: string;
  port: number;
  rack?: string | null;
}

export interface ProduceResponse {
  responses: TopicProduceResponse[];
  throttleTimeMs?: number;
  /** v10+ (tagged): endpoints of the leaders named in CurrentLeader. */
  nodeEndpoints?: NodeEndpoint[];
}

export const ProduceApi: ApiCodec<ProduceRequest, ProduceResponse> = defineApi({
  name: 'Produce',
  minVersion: 3,
  maxVersion: 13,
  request: PRODUCE_REQUEST_SPEC,
  response: PRODUCE_RESPONSE_SPEC,
});
