// Metadata (API key 3), versions 1-13, transcribed from Kafka's MetadataRequest.json / MetadataResponse.json.
//
// v1: a null topic list means "all topics" (v0, which we do not implement, used an empty list for that);
// v4 AllowAutoTopicCreation; v7 leader epochs; v9 flexible; v10 topic ids in responses (and requests may
// name topics by id from v12); v11 drops cluster authorized operations; v13 adds a top-level error code
// (e.g. REBOOTSTRAP_REQUIRED).

import { type ApiCodec, defineApi } from './api.js';
import type { MessageSpec } from './schema.js';

export const METADATA_REQUEST_SPEC = {
  apiKey: 3,
  type: 'request',
  name: 'MetadataRequest',
  validVersions: '0-13',
  flexibleVersions: '9+',
  fields: [
    {
      name: 'Topics',
      type: '[]MetadataRequestTopic',
      versions: '0+',
      nullableVersions: '1+',
      fields: [
        { name: 'TopicId', type: 'uuid', versions: '10+' },
        { name: 'Name', type: 'string', versions: '0+', nullableVersions: '10+' },
      ],
    },
    { name: 'AllowAutoTopicCreation', type: 'bool', versions: '4+', default: 'true' },
    { name: 'IncludeClusterAuthorizedOperations', type: 'bool', versions: '8-10' },
    { name: 'IncludeTopicAuthorizedOperations', type: 'bool', versions: '8+' },
  ],
} as const satisfies MessageSpec;

export const METADATA_RESPONSE_SPEC = {
  apiKey: 3,
  type: 'response',
  name: 'MetadataResponse',
  validVersions: '0-13',
  flexibleVersions: '9+',
  fields: [
    { name: 'ThrottleTimeMs', type: 'int32', versions: '3+' },
    {
      name: 'Brokers',
      type: '[]MetadataResponseBroker',
      versions: '0+',
      fields: [
        { name: 'NodeId', type: 'int32', versions: '0+' },
        { name: 'Host', type: 'string', versions: '0+' },
        { name: 'Port', type: 'int32', versions: '0+' },
        { name: 'Rack', type: 'string', versions: '1+', nullableVersions: '1+', default: 'null' },
      ],
    },
    { name: 'ClusterId', type: 'string', versions: '2+', nullableVersions: '2+', default: 'null' },
    { name: 'ControllerId', type: 'int32', versions: '1+', default: '-1' },
    {
      name: 'Topics',
      type: '[]MetadataResponseTopic',
      versions: '0+',
      fields: [
        { name: 'ErrorCode', type: 'int16', versions: '0+' },
        { name: 'Name', type: 'string', versions: '0+', nullableVersions: '12+' },
        { name: 'TopicId', type: 'uuid', versions: '10+' },
        { name: 'IsInternal', type: 'bool', versions: '1+', default: 'false' },
        {
          name: 'Partitions',
          type: '[]MetadataResponsePartition',
          versions: '0+',
          fields: [
            { name: 'ErrorCode', type: 'int16', versions: '0+' },
            { name: 'PartitionIndex', type: 'int32', versions: '0+' },
            { name: 'LeaderId', type: 'int32', versions: '0+' },
            { name: 'LeaderEpoch', type: 'int32', versions: '7+', default: '-1' },
            { name: 'ReplicaNodes', type: '[]int32', versions: '0+' },
            { name: 'IsrNodes', type: '[]int32', versions: '0+' },
            { name: 'OfflineReplicas', type: '[]int32', versions: '5+' },
          ],
        },
        { name: 'TopicAuthorizedOperations', type: 'int32', versions: '8+', default: '-2147483648' },
      ],
    },
    { name: 'ClusterAuthorizedOperations', type: 'int32', versions: '8-10', default: '-2147483648' },
    { name: 'ErrorCode', type: 'int16', versions: '13+' },
  ],
} as const satisfies MessageSpec;

export interface MetadataRequestTopic {
  /** v10+; zero (the default) when naming the topic. */
  topicId?: string;
  /** Null (v10+) when asking by topic id. */
  name: string | null;
}

export interface MetadataRequest {
  /** Null = all topics; an empty array = no topics (just brokers and controller). */
  topics: MetadataRequestTopic[] | null;
  /** v4+; defaults to true. Setting false below v4 throws (the broker would auto-create regardless). */
  allowAutoTopicCreation?: boolean;
  /** v8-10 only. */
  includeClusterAuthorizedOperations?: boolean;
  /** v8+. */
  includeTopicAuthorizedOperations?: boolean;
}

export interface MetadataResponseBroker {
  nodeId: number;
  host: string;
  port: number;
  rack?: string | null;
}

export interface MetadataResponsePartition {
  errorCode: number;
  partitionIndex: number;
  leaderId: number;
  /** v7+; -1 when unknown. */
  leaderEpoch?: number;
  replicaNodes: number[];
  isrNodes: number[];
  /** v5+. */
  offlineReplicas?: number[];
}

export interface MetadataResponseTopic {
  errorCode: number;
  /** Null (v12+) only for unknown topics queried by id. */
  name: string | null;
  /** v10+; zero for unknown topics queried by name. */
  topicId?: string;
  isInternal?: boolean;
  partitions: MetadataResponsePartition[];
  /** v8+; -2147483648 when not requested. */
  topicAuthorizedOperations?: number;
}

export interface MetadataResponse {
  /** v3+. */
  throttleTimeMs?: number;
  brokers: MetadataResponseBroker[];
  /** v2+. */
  clusterId?: string | null;
  /** -1 when unknown. */
  controllerId?: number;
  topics: MetadataResponseTopic[];
  /** v8-10. */
  clusterAuthorizedOperations?: number;
  /** v13+: top-level error (e.g. REBOOTSTRAP_REQUIRED 129). */
  errorCode?: number;
}

export const MetadataApi: ApiCodec<MetadataRequest, MetadataResponse> = defineApi({
  name: 'Metadata',
  minVersion: 1,
  maxVersion: 13,
  request: METADATA_REQUEST_SPEC,
  response: METADATA_RESPONSE_SPEC,
});
