// InitProducerId (API key 22), versions 0-5, transcribed from Kafka's InitProducerIdRequest.json /
// InitProducerIdResponse.json. v2 flexible; v3 adds ProducerId/ProducerEpoch to the request (epoch bump,
// KIP-360); v4 may answer PRODUCER_FENCED; v5 TRANSACTION_ABORTABLE. v6 (2PC, KIP-939) is still unstable
// in Kafka and not implemented, so its fields are left out.

import { type ApiCodec, defineApi } from './api.js';
import type { MessageSpec } from './schema.js';

export const INIT_PRODUCER_ID_REQUEST_SPEC = {
  apiKey: 22,
  type: 'request',
  name: 'InitProducerIdRequest',
  validVersions: '0-6',
  flexibleVersions: '2+',
  fields: [
    { name: 'TransactionalId', type: 'string', versions: '0+', nullableVersions: '0+' },
    { name: 'TransactionTimeoutMs', type: 'int32', versions: '0+' },
    { name: 'ProducerId', type: 'int64', versions: '3+', default: '-1' },
    { name: 'ProducerEpoch', type: 'int16', versions: '3+', default: '-1' },
  ],
} as const satisfies MessageSpec;

export const INIT_PRODUCER_ID_RESPONSE_SPEC = {
  apiKey: 22,
  type: 'response',
  name: 'InitProducerIdResponse',
  validVersions: '0-6',
  flexibleVersions: '2+',
  fields: [
    { name: 'ThrottleTimeMs', type: 'int32', versions: '0+' },
    { name: 'ErrorCode', type: 'int16', versions: '0+' },
    { name: 'ProducerId', type: 'int64', versions: '0+', default: -1 },
    { name: 'ProducerEpoch', type: 'int16', versions: '0+' },
  ],
} as const satisfies MessageSpec;

export interface InitProducerIdRequest {
  /** Null for an idempotent (non-transactional) producer. */
  transactionalId: string | null;
  /** Java sends Int32 MAX (2147483647) for idempotent producers. */
  transactionTimeoutMs: number;
  /** v3+: the current producer id when bumping the epoch; -1 (default) to get a new one. */
  producerId?: bigint;
  /** v3+: the current epoch when bumping; -1 (default) otherwise. */
  producerEpoch?: number;
}

export interface InitProducerIdResponse {
  throttleTimeMs: number;
  errorCode: number;
  producerId?: bigint;
  producerEpoch: number;
}

export const InitProducerIdApi: ApiCodec<InitProducerIdRequest, InitProducerIdResponse> = defineApi({
  name: 'InitProducerId',
  minVersion: 0,
  maxVersion: 5,
  request: INIT_PRODUCER_ID_REQUEST_SPEC,
  response: INIT_PRODUCER_ID_RESPONSE_SPEC,
});
