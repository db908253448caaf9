// AddPartitionsToTxn (API key 24), versions 0-3, transcribed from Kafka's AddPartitionsToTxnRequest.json /
// AddPartitionsToTxnResponse.json. A transactional producer tells its transaction coordinator which partitions
// it is about to write to, before the first Produce to each. v2 may answer PRODUCER_FENCED; v3 flexible.
//
// Versions 4-5 are a different message in the same API key: a batched broker-to-broker form (a Transactions
// array, VerifyOnly, a top-level error) that brokers use to verify transactions (KIP-890) and authorize with
// CLUSTER_ACTION, so a client sending it is refused. Java's client caps this API at v3 for that reason, and so do
// we: maxVersion is what version negotiation picks from, so a v5 here would make the producer send the broker
// form (a client gets CLUSTER_AUTHORIZATION_FAILED). Their fields are left out; the client fields keep the
// V3AndBelow prefix Kafka gave them when v4 arrived, since property names follow the spec's field names.
// With transactions v2 (finalized feature transaction.version >= 2) the producer no longer sends this request:
// Produce v12+ adds the partition implicitly.

import { type ApiCodec, defineApi } from './api.js';
import type { MessageSpec } from './schema.js';

export const ADD_PARTITIONS_TO_TXN_REQUEST_SPEC = {
  apiKey: 24,
  type: 'request',
  name: 'AddPartitionsToTxnRequest',
  validVersions: '0-5',
  flexibleVersions: '3+',
  fields: [
    { name: 'V3AndBelowTransactionalId', type: 'string', versions: '0-3' },
    { name: 'V3AndBelowProducerId', type: 'int64', versions: '0-3' },
    { name: 'V3AndBelowProducerEpoch', type: 'int16', versions: '0-3' },
    {
      name: 'V3AndBelowTopics',
      type: '[]AddPartitionsToTxnTopic',
      versions: '0-3',
      fields: [
        { name: 'Name', type: 'string', versions: '0+' },
        { name: 'Partitions', type: '[]int32', versions: '0+' },
      ],
    },
  ],
} as const satisfies MessageSpec;

export const ADD_PARTITIONS_TO_TXN_RESPONSE_SPEC = {
  apiKey: 24,
  type: 'response',
  name: 'AddPartitionsToTxnResponse',
  validVersions: '0-5',
  flexibleVersions: '3+',
  fields: [
    { name: 'ThrottleTimeMs', type: 'int32', versions: '0+' },
    {
      name: 'ResultsByTopicV3AndBelow',
      type: '[]AddPartitionsToTxnTopicResult',
      versions: '0-3',
      fields: [
        { name: 'Name', type: 'string', versions: '0+' },
        {
          name: 'ResultsByPartition',
          type: '[]AddPartitionsToTxnPartitionResult',
          versions: '0+',
          fields: [
            { name: 'PartitionIndex', type: 'int32', versions: '0+' },
            { name: 'PartitionErrorCode', type: 'int16', versions: '0+' },
          ],
        },
      ],
    },
  ],
} as const satisfies MessageSpec;

export interface AddPartitionsToTxnTopic {
  name: string;
  /** Partition indexes of this topic to add to the transaction. */
  partitions: number[];
}

export interface AddPartitionsToTxnRequest {
  v3AndBelowTransactionalId: string;
  /** The producer id InitProducerId gave this transactional id. */
  v3AndBelowProducerId: bigint;
  v3AndBelowProducerEpoch: number;
  v3AndBelowTopics: AddPartitionsToTxnTopic[];
}

export interface AddPartitionsToTxnPartitionResult {
  partitionIndex: number;
  /**
   * 0 when the partition was added. A coordinator-level error (CONCURRENT_TRANSACTIONS, NOT_COORDINATOR, ...)
   * is repeated for every partition; when only some partitions are refused (not authorized, unknown), the rest
   * answer OPERATION_NOT_ATTEMPTED.
   */
  partitionErrorCode: number;
}

export interface AddPartitionsToTxnTopicResult {
  name: string;
  resultsByPartition: AddPartitionsToTxnPartitionResult[];
}

export interface AddPartitionsToTxnResponse {
  throttleTimeMs: number;
  /** Every requested partition's outcome (the error codes are per partition only). */
  resultsByTopicV3AndBelow: AddPartitionsToTxnTopicResult[];
}

export const AddPartitionsToTxnApi: ApiCodec<AddPartitionsToTxnRequest, AddPartitionsToTxnResponse> =
  defineApi({
    name: 'AddPartitionsToTxn',
    minVersion: 0,
    maxVersion: 3,
    request: ADD_PARTITIONS_TO_TXN_REQUEST_SPEC,
    response: ADD_PARTITIONS_TO_TXN_RESPONSE_SPEC,
  });
