// EndTxn (API key 26), versions 0-5, transcribed from Kafka's EndTxnRequest.json / EndTxnResponse.json. A
// transactional producer asks its transaction coordinator to commit or abort the open transaction. v2 may answer
// PRODUCER_FENCED; v3 flexible; v4 may answer TRANSACTION_ABORTABLE. v5 (transactions v2, KIP-890 part 2): the
// coordinator bumps the producer epoch at the end of every transaction and the response carries the producer
// id and epoch to use next (the id changes when the epoch runs out). A client may send v5 only when the
// finalized feature transaction.version is >= 2, and otherwise stays at v4, as Java does.

import { type ApiCodec, defineApi } from './api.js';
import type { MessageSpec } from './schema.js';

export const END_TXN_REQUEST_SPEC = {
  apiKey: 26,
  type: 'request',
  name: 'EndTxnRequest',
  validVersions: '0-5',
  flexibleVersions: '3+',
  fields: [
    { name: 'TransactionalId', type: 'string', versions: '0+' },
    { name: 'ProducerId', type: 'int64', versions: '0+' },
    { name: 'ProducerEpoch', type: 'int16', versions: '0+' },
    { name: 'Committed', type: 'bool', versions: '0+' },
  ],
} as const satisfies MessageSpec;

export const END_TXN_RESPONSE_SPEC = {
  apiKey: 26,
  type: 'response',
  name: 'EndTxnResponse',
  validVersions: '0-5',
  flexibleVersions: '3+',
  fields: [
    { name: 'ThrottleTimeMs', type: 'int32', versions: '0+' },
    { name: 'ErrorCode', type: 'int16', versions: '0+' },
    { name: 'ProducerId', type: 'int64', versions: '5+', default: '-1' },
    { name: 'ProducerEpoch', type: 'int16', versions: '5+', default: '-1' },
  ],
} as const satisfies MessageSpec;

export interface EndTxnRequest {
  transactionalId: string;
  producerId: bigint;
  producerEpoch: number;
  /** true to commit the transaction, false to abort it. */
  committed: boolean;
}

export interface EndTxnResponse {
  throttleTimeMs: number;
  errorCode: number;
  /** v5+: the producer id for the next transaction; -1 before v5. */
  producerId?: bigint;
  /** v5+: the (bumped) epoch for the next transaction; -1 before v5. */
  producerEpoch?: number;
}

export const EndTxnApi: ApiCodec<EndTxnRequest, EndTxnResponse> = defineApi({
  name: 'EndTxn',
  minVersion: 0,
  maxVersion: 5,
  request: END_TXN_REQUEST_SPEC,
  response: END_TXN_RESPONSE_SPEC,
});
