// ApiVersions (API key 18), versions 0-4, transcribed from Kafka's ApiVersionsRequest.json /
// ApiVersionsResponse.json.
//
// Negotiation (KIP-511): send our highest version. A broker that does not know it answers with
// error UNSUPPORTED_VERSION (35) in a **v0-format body** (always under response header v0), and since
// Kafka 2.4 its ApiKeys array holds the ApiVersions range it does support. So, as Java's
// ApiVersionsResponse.parse does, a response that does not parse at the requested version is parsed again
// as v0 (ApiVersionsApi.response.read and decodeResponse() in frame.ts do this); then
// apiVersionsRetryVersion() says which version to retry with. Any other error = give up on the connection.
// v3+ ClientSoftwareName/Version must match [a-zA-Z0-9](?:[a-zA-Z0-9\-.]*[a-zA-Z0-9])? or the broker
// answers INVALID_REQUEST (42).

import { type ApiCodec, type Complete, defineApi, readWhole } from './api.js';
import { KafkaDecodeError } from './codec-errors.js';
import { createMessageCodec, type MessageCodec } from './message-codec.js';
import { Reader } from './reader.js';
import type { MessageSpec } from './schema.js';

export const API_VERSIONS_REQUEST_SPEC = {
  apiKey: 18,
  type: 'request',
  name: 'ApiVersionsRequest',
  validVersions: '0-4',
  flexibleVersions: '3+',
  fields: [
    { name: 'ClientSoftwareName', type: 'string', versions: '3+' },
    { name: 'ClientSoftwareVersion', type: 'string', versions: '3+' },
  ],
} as const satisfies MessageSpec;

export const API_VERSIONS_RESPONSE_SPEC = {
  apiKey: 18,
  type: 'response',
  name: 'ApiVersionsResponse',
  validVersions: '0-4',
  flexibleVersions: '3+',
  fields: [
    { name: 'ErrorCode', type: 'int16', versions: '0+' },
    {
      name: 'ApiKeys',
      type: '[]ApiVersion',
      versions: '0+',
      fields: [
        { name: 'ApiKey', type: 'int16', versions: '0+' },
        { name: 'MinVersion', type: 'int16', versions: '0+' },
        { name: 'MaxVersion', type: 'int16', versions: '0+' },
      ],
    },
    { name: 'ThrottleTimeMs', type: 'int32', versions: '1+' },
    {
      name: 'SupportedFeatures',
      type: '[]SupportedFeatureKey',
      versions: '3+',
      taggedVersions: '3+',
      tag: 0,
      fields: [
        { name: 'Name', type: 'string', versions: '3+' },
        { name: 'MinVersion', type: 'int16', versions: '3+' },
        { name: 'MaxVersion', type: 'int16', versions: '3+' },
      ],
    },
    {
      name: 'FinalizedFeaturesEpoch',
      type: 'int64',
      versions: '3+',
      taggedVersions: '3+',
      tag: 1,
      default: '-1',
    },
    {
      name: 'FinalizedFeatures',
      type: '[]FinalizedFeatureKey',
      versions: '3+',
      taggedVersions: '3+',
      tag: 2,
      fields: [
        { name: 'Name', type: 'string', versions: '3+' },
        { name: 'MaxVersionLevel', type: 'int16', versions: '3+' },
        { name: 'MinVersionLevel', type: 'int16', versions: '3+' },
      ],
    },
    {
      name: 'ZkMigrationReady',
      type: 'bool',
      versions: '3+',
      taggedVersions: '3+',
      tag: 3,
      default: 'false',
    },
  ],
} as const satisfies MessageSpec;

export interface ApiVersionsRequest {
  /** v3+. Must match [a-zA-Z0-9](?:[a-zA-Z0-9\-.]*[a-zA-Z0-9])?. */
  clientSoftwareName?: string;
  /** v3+. Same pattern as the name. */
  clientSoftwareVersion?: string;
}

export interface ApiVersion {
  apiKey: number;
  minVersion: number;
  maxVersion: number;
}

export interface SupportedFeatureKey {
  name: string;
  minVersion: number;
  maxVersion: number;
}

export interface FinalizedFeatureKey {
  name: string;
  maxVersionLevel: number;
  minVersionLevel: number;
}

export interface ApiVersionsResponse {
  errorCode: number;
  apiKeys: ApiVersion[];
  /** v1+. */
  throttleTimeMs?: number;
  /** v3+ (tagged). */
  supportedFeatures?: SupportedFeatureKey[];
  /** v3+ (tagged); -1 = unknown. */
  finalizedFeaturesEpoch?: bigint;
  /** v3+ (tagged), e.g. `transaction.version`; valid only when finalizedFeaturesEpoch >= 0. */
  finalizedFeatures?: FinalizedFeatureKey[];
  /** v3+ (tagged). */
  zkMigrationReady?: boolean;
}

/** The pattern brokers enforce for ClientSoftwareName and ClientSoftwareVersion (v3+). */
export const CLIENT_SOFTWARE_PATTERN = /^[a-zA-Z0-9](?:[a-zA-Z0-9\-.]*[a-zA-Z0-9])?$/;

const API_VERSIONS_KEY = 18;
const UNSUPPORTED_VERSION = 35;

const VERSIONS = { api: 'ApiVersions', minVersion: 0, maxVersion: 4 } as const;

// The plain response codec, without the fallback (which ApiVersionsApi.response adds on top of it).
const STRICT_RESPONSE: MessageCodec<ApiVersionsResponse, Complete<ApiVersionsResponse>> = createMessageCodec(
  API_VERSIONS_RESPONSE_SPEC,
  VERSIONS,
);

/**
 * Reads an ApiVersions response body as sent for `version`, or, when it does not parse that way and
 * version > 0, as the v0 body a broker sends when it does not support `version`. Returns the version the
 * body actually parsed at. Throws the error of the first attempt if neither parses. The body must span
 * the reader up to its end.
 */
export function readApiVersionsResponseWithFallback(
  reader: Reader,
  version: number,
): { response: Complete<ApiVersionsResponse>; parsedVersion: number } {
  const codec = STRICT_RESPONSE;
  const start = reader.pos;
  const end = reader.end;
  try {
    return { response: readWhole(codec, reader, version), parsedVersion: version };
  } catch (first) {
    if (version === 0 || !(first instanceof KafkaDecodeError)) throw first;
    reader.pos = start;
    reader.end = end;
    try {
      return { response: readWhole(codec, reader, 0), parsedVersion: 0 };
    } catch {
      throw first;
    }
  }
}

/** Decodes an ApiVersions response body with the v0 fallback (see readApiVersionsResponseWithFallback). */
export function decodeApiVersionsResponseWithFallback(
  version: number,
  body: Uint8Array,
): { response: Complete<ApiVersionsResponse>; parsedVersion: number } {
  return readApiVersionsResponseWithFallback(new Reader(body), version);
}

/**
 * After a response with errorCode UNSUPPORTED_VERSION to an ApiVersions request at `triedVersion`: the version
 * to retry with, as Java's NetworkClient picks it: the broker's advertised ApiVersions max (capped below
 * `triedVersion`), or 0 when the broker did not say. Returns undefined when there is nothing lower to try
 * (or the error was something else): then the connection cannot be used.
 */
export function apiVersionsRetryVersion(
  response: Pick<Complete<ApiVersionsResponse>, 'errorCode' | 'apiKeys'>,
  triedVersion: number,
): number | undefined {
  if (response.errorCode !== UNSUPPORTED_VERSION || triedVersion <= 0) return undefined;
  const advertised = response.apiKeys.find((k) => k.apiKey === API_VERSIONS_KEY);
  const next = advertised === undefined ? 0 : Math.min(advertised.maxVersion, triedVersion - 1);
  return next >= 0 ? next : undefined;
}

export const ApiVersionsApi: ApiCodec<ApiVersionsRequest, ApiVersionsResponse> = defineApi({
  name: VERSIONS.api,
  minVersion: VERSIONS.minVersion,
  maxVersion: VERSIONS.maxVersion,
  request: API_VERSIONS_REQUEST_SPEC,
  response: API_VERSIONS_RESPONSE_SPEC,
  responseHeaderAlwaysV0: true,
  readResponse: (reader: Reader, version: number) =>
    readApiVersionsResponseWithFallback(reader, version).response as never,
});
