// AddOffsetsToTxn (API key 25), versions 0-4, transcribed from Kafka's AddOffsetsToTxnRequest.json /
// AddOffsetsToTxnResponse.json. A transactional producer that will commit consumer offsets in its transaction
// (sendOffsetsToTransaction) first tells its transaction coordinator the consumer group, so that the group's
// offsets topic partition joins the transaction; then it sends TxnOffsetCommit to the group coordinator.
// v2 may answer PRODUCER_FENCED; v3 flexible; v4 may answer TRANSACTION_ABORTABLE (KIP-890). With transactions
// v2 (finalized feature transaction.version >= 2) Java skips this request: TxnOffsetCommit v5 does its job.

import { type ApiCodec, defineApi } from './api.js';
import type { MessageSpec } from './schema.js';

export const ADD_OFFSETS_TO_TXN_REQUEST_SPEC = {
  apiKey: 25,
  type: 'request',
  name: 'AddOffsetsToTxnRequest',
  validVersions: '0-4',
  flexibleVersions: '3+',
  fields: [
    { name: 'TransactionalId', type: 'string', versions: '0+' },
    { name: 'ProducerId', type: 'int64', versions: '0+' },
    { name: 'ProducerEpoch', type: 'int16', versions: '0+' },
    { name: 'GroupId', type: 'string', versions: '0+' },
  ],
} as const satisfies MessageSpec;

export const ADD_OFFSETS_TO_TXN_RESPONSE_SPEC = {
  apiKey: 25,
  type: 'response',
  name: 'AddOffsetsToTxnResponse',
  validVersions: '0-4',
  flexibleVersions: '3+',
  fields: [
    { name: 'ThrottleTimeMs', type: 'int32', versions: '0+' },
    { name: 'ErrorCode', type: 'int16', versions: '0+' },
  ],
} as const satisfies MessageSpec;

export interface AddOffsetsToTxnRequest {
  transactionalId: string;
  /** The producer id InitProducerId gave this transactional id. */
  producerId: bigint;
  producerEpoch: number;
  /** The consumer group whose offsets the transaction will commit. */
  groupId: string;
}

export interface AddOffsetsToTxnResponse {
  throttleTimeMs: number;
  errorCode: number;
}

export const AddOffsetsToTxnApi: ApiCodec<AddOffsetsToTxnRequest, AddOffsetsToTxnResponse> = defineApi({
  name: 'AddOffsetsToTxn',
  minVersion: 0,
  maxVersion: 4,
  request: ADD_OFFSETS_TO_TXN_REQUEST_SPEC,
  response: ADD_OFFSETS_TO_TXN_RESPONSE_SPEC,
});
