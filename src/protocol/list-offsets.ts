// ListOffsets (API key 2), versions 1-5 of Kafka's 1-11, transcribed from Kafka's ListOffsetsRequest.json /
// ListOffsetsResponse.json. It exists for the fake cluster (kafka-wire/testing): consumers use it to turn
// "earliest" / "latest" / a timestamp into an offset; the producer never asks. v1 is the first with one offset
// per partition (v0 returned lists), v5 the last before the flexible encoding (v6).

import { type ApiCodec, defineApi } from './api.js';
import type { MessageSpec } from './schema.js';

export const LIST_OFFSETS_REQUEST_SPEC = {
  apiKey: 2,
  type: 'request',
  name: 'ListOffsetsRequest',
  validVersions: '1-11',
  flexibleVersions: '6+',
  fields: [
    { name: 'ReplicaId', type: 'int32', versions: '0+' },
    { name: 'IsolationLevel', type: 'int8', versions: '2+' },
    {
      name: 'Topics',
      type: '[]ListOffsetsTopic',
      versions: '0+',
      fields: [
        { name: 'Name', type: 'string', versions: '0+' },
        {
          name: 'Partitions',
          type: '[]ListOffsetsPartition',
          versions: '0+',
          fields: [
            { name: 'PartitionIndex', type: 'int32', versions: '0+' },
            { name: 'CurrentLeaderEpoch', type: 'int32', versions: '4+', default: '-1' },
            { name: 'Timestamp', type: 'int64', versions: '0+' },
          ],
        },
      ],
    },
  ],
} as const satisfies MessageSpec;

export const LIST_OFFSETS_RESPONSE_SPEC = {
  apiKey: 2,
  type: 'response',
  name: 'ListOffsetsResponse',
  validVersions: '1-11',
  flexibleVersions: '6+',
  fields: [
    { name: 'ThrottleTimeMs', type: 'int32', versions: '2+' },
    {
      name: 'Topics',
      type: '[]ListOffsetsTopicResponse',
      versions: '0+',
      fields: [
        { name: 'Name', type: 'string', versions: '0+' },
        {
          name: 'Partitions',
          type: '[]ListOffsetsPartitionResponse',
          versions: '0+',
          fields: [
            { name: 'PartitionIndex', type: 'int32', versions: '0+' },
            { name: 'ErrorCode', type: 'int16', versions: '0+' },
            { name: 'Timestamp', type: 'int64', versions: '1+', default: '-1' },
            { name: 'Offset', type: 'int64', versions: '1+', default: '-1' },
            { name: 'LeaderEpoch', type: 'int32', versions: '4+', default: '-1' },
          ],
        },
      ],
    },
  ],
} as const satisfies MessageSpec;

export interface ListOffsetsPartition {
  partitionIndex: number;
  currentLeaderEpoch?: number;
  /** -2 earliest, -1 latest, else the first offset whose timestamp is at least this. */
  timestamp: bigint;
}

export interface ListOffsetsTopic {
  name: string;
  partitions: ListOffsetsPartition[];
}

export interface ListOffsetsRequest {
  replicaId: number;
  isolationLevel?: number;
  topics: ListOffsetsTopic[];
}

export interface ListOffsetsPartitionResponse {
  partitionIndex: number;
  errorCode: number;
  timestamp?: bigint;
  offset?: bigint;
  leaderEpoch?: number;
}

export interface ListOffsetsTopicResponse {
  name: string;
  partitions: ListOffsetsPartitionResponse[];
}

export interface ListOffsetsResponse {
  throttleTimeMs?: number;
  topics: ListOffsetsTopicResponse[];
}

export const ListOffsetsApi: ApiCodec<ListOffsetsRequest, ListOffsetsResponse> = defineApi({
  name: 'ListOffsets',
  minVersion: 1,
  maxVersion: 5,
  request: LIST_OFFSETS_REQUEST_SPEC,
  response: LIST_OFFSETS_RESPONSE_SPEC,
});
