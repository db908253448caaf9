// SaslHandshake (API key 17), versions 0-1, transcribed from Kafka's SaslHandshakeRequest.json /
// SaslHandshakeResponse.json. The client names its mechanism; the broker answers UNSUPPORTED_SASL_MECHANISM with
// the list of mechanisms it enables. v1 means the tokens that follow travel in SaslAuthenticate requests; with v0
// they would go as bare size-prefixed frames without a Kafka header (a legacy we never speak). Kafka cannot bump
// this API (clients up to 2.4 negotiate it wrongly, KAFKA-9577), so it stays non-flexible at 0-1.

import { type ApiCodec, defineApi } from './api.js';
import type { MessageSpec } from './schema.js';

export const SASL_HANDSHAKE_REQUEST_SPEC = {
  apiKey: 17,
  type: 'request',
  name: 'SaslHandshakeRequest',
  validVersions: '0-1',
  flexibleVersions: 'none',
  fields: [{ name: 'Mechanism', type: 'string', versions: '0+' }],
} as const satisfies MessageSpec;

export const SASL_HANDSHAKE_RESPONSE_SPEC = {
  apiKey: 17,
  type: 'response',
  name: 'SaslHandshakeResponse',
  validVersions: '0-1',
  flexibleVersions: 'none',
  fields: [
    { name: 'ErrorCode', type: 'int16', versions: '0+' },
    { name: 'Mechanisms', type: '[]string', versions: '0+' },
  ],
} as const satisfies MessageSpec;

export interface SaslHandshakeRequest {
  /** The SASL mechanism as Kafka spells it: 'PLAIN', 'SCRAM-SHA-256', 'OAUTHBEARER', ... */
  mechanism: string;
}

export interface SaslHandshakeResponse {
  errorCode: number;
  /** The mechanisms the broker's listener enables (sasl.enabled.mechanisms). */
  mechanisms: string[];
}

export const SaslHandshakeApi: ApiCodec<SaslHandshakeRequest, SaslHandshakeResponse> = defineApi({
  name: 'SaslHandshake',
  // The connection always asks for v1: v0 would move the tokens out of Kafka's framing.
  minVersion: 0,
  maxVersion: 1,
  request: SASL_HANDSHAKE_REQUEST_SPEC,
  response: SASL_HANDSHAKE_RESPONSE_SPEC,
});
