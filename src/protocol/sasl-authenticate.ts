// SaslAuthenticate (API key 36), versions 0-2, transcribed from Kafka's SaslAuthenticateRequest.json /
// SaslAuthenticateResponse.json. Each request carries one SASL token of the mechanism, each response the broker's.
// v1 adds SessionLifetimeMs to the response (KIP-368: re-authenticate before it runs out); v2 is flexible.

import { type ApiCodec, defineApi } from './api.js';
import type { MessageSpec } from './schema.js';

export const SASL_AUTHENTICATE_REQUEST_SPEC = {
  apiKey: 36,
  type: 'request',
  name: 'SaslAuthenticateRequest',
  validVersions: '0-2',
  flexibleVersions: '2+',
  fields: [{ name: 'AuthBytes', type: 'bytes', versions: '0+' }],
} as const satisfies MessageSpec;

export const SASL_AUTHENTICATE_RESPONSE_SPEC = {
  apiKey: 36,
  type: 'response',
  name: 'SaslAuthenticateResponse',
  validVersions: '0-2',
  flexibleVersions: '2+',
  fields: [
    { name: 'ErrorCode', type: 'int16', versions: '0+' },
    { name: 'ErrorMessage', type: 'string', versions: '0+', nullableVersions: '0+' },
    { name: 'AuthBytes', type: 'bytes', versions: '0+' },
    { name: 'SessionLifetimeMs', type: 'int64', versions: '1+', default: '0' },
  ],
} as const satisfies MessageSpec;

export interface SaslAuthenticateRequest {
  /** The mechanism's token for this round. */
  authBytes: Uint8Array;
}

export interface SaslAuthenticateResponse {
  errorCode: number;
  /** Why authentication failed, in the broker's words; null on success. */
  errorMessage: string | null;
  /** The broker's token for this round (empty when the mechanism has nothing to say). */
  authBytes: Uint8Array;
  /** v1+: milliseconds until the session must be re-authenticated on this connection; 0 = never. */
  sessionLifetimeMs?: bigint;
}

export const SaslAuthenticateApi: ApiCodec<SaslAuthenticateRequest, SaslAuthenticateResponse> = defineApi({
  name: 'SaslAuthenticate',
  minVersion: 0,
  maxVersion: 2,
  request: SASL_AUTHENTICATE_REQUEST_SPEC,
  response: SASL_AUTHENTICATE_RESPONSE_SPEC,
});
