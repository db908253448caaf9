// FindCoordinator (API key 10), versions 0-6, transcribed from Kafka's FindCoordinatorRequest.json /
// FindCoordinatorResponse.json. Asks any broker which broker coordinates a consumer group (key type 0) or a
// transactional id (key type 1). v1 adds KeyType (so v0 can only look up groups), throttle time and error
// messages; v3 flexible; v4 (KIP-699) replaces the single Key with a CoordinatorKeys array and the single answer
// with one Coordinators entry per key, each with its own error; v5 may answer TRANSACTION_ABORTABLE; v6 adds key
// type 2 (share groups, KIP-932). The wire shape therefore changes at v4: findCoordinatorRequest() and
// coordinatorsOf() give callers one shape for every version, as Java's FindCoordinatorRequest.Builder and
// FindCoordinatorResponse.coordinators() do.

import { type ApiCodec, type Complete, defineApi } from './api.js';
import type { MessageSpec } from './schema.js';

export const FIND_COORDINATOR_REQUEST_SPEC = {
  apiKey: 10,
  type: 'request',
  name: 'FindCoordinatorRequest',
  validVersions: '0-6',
  flexibleVersions: '3+',
  fields: [
    { name: 'Key', type: 'string', versions: '0-3' },
    { name: 'KeyType', type: 'int8', versions: '1+', default: '0' },
    { name: 'CoordinatorKeys', type: '[]string', versions: '4+' },
  ],
} as const satisfies MessageSpec;

export const FIND_COORDINATOR_RESPONSE_SPEC = {
  apiKey: 10,
  type: 'response',
  name: 'FindCoordinatorResponse',
  validVersions: '0-6',
  flexibleVersions: '3+',
  fields: [
    { name: 'ThrottleTimeMs', type: 'int32', versions: '1+' },
    { name: 'ErrorCode', type: 'int16', versions: '0-3' },
    { name: 'ErrorMessage', type: 'string', versions: '1-3', nullableVersions: '1-3' },
    { name: 'NodeId', type: 'int32', versions: '0-3' },
    { name: 'Host', type: 'string', versions: '0-3' },
    { name: 'Port', type: 'int32', versions: '0-3' },
    {
      name: 'Coordinators',
      type: '[]Coordinator',
      versions: '4+',
      fields: [
        { name: 'Key', type: 'string', versions: '4+' },
        { name: 'NodeId', type: 'int32', versions: '4+' },
        { name: 'Host', type: 'string', versions: '4+' },
        { name: 'Port', type: 'int32', versions: '4+' },
        { name: 'ErrorCode', type: 'int16', versions: '4+' },
        { name: 'ErrorMessage', type: 'string', versions: '4+', nullableVersions: '4+' },
      ],
    },
  ],
} as const satisfies MessageSpec;

export interface FindCoordinatorRequest {
  /** v0-3: the group id or transactional id to look up. */
  key?: string;
  /** v1+: what `key` names (COORDINATOR_KEY_TYPE); 0 (group) by default. */
  keyType?: number;
  /** v4+: the keys to look up, all of `keyType`. */
  coordinatorKeys?: string[];
}

/** One looked-up key's coordinator (v4+ on the wire; coordinatorsOf() makes one for v0-3 too). */
export interface Coordinator {
  key: string;
  /** The coordinating broker; -1 with an error. */
  nodeId: number;
  host: string;
  port: number;
  errorCode: number;
  errorMessage: string | null;
}

export interface FindCoordinatorResponse {
  /** v1+. */
  throttleTimeMs?: number;
  /** v0-3. */
  errorCode?: number;
  /** v1-3; null on success. */
  errorMessage?: string | null;
  /** v0-3. */
  nodeId?: number;
  /** v0-3. */
  host?: string;
  /** v0-3. */
  port?: number;
  /** v4+: one entry per requested key. */
  coordinators?: Coordinator[];
}

/** KeyType values: what a FindCoordinator key names. */
export const COORDINATOR_KEY_TYPE = { group: 0, transaction: 1, share: 2 } as const;

export type CoordinatorKeyType = keyof typeof COORDINATOR_KEY_TYPE;

/** From this version on, one request looks up several keys (KIP-699). */
export const FIND_COORDINATOR_FIRST_BATCHED_VERSION = 4;

/** The first version that carries each key type (KeyType arrived in v1, share groups in v6). */
const FIRST_VERSION_OF_KEY_TYPE: Record<CoordinatorKeyType, number> = { group: 0, transaction: 1, share: 6 };

export const FindCoordinatorApi: ApiCodec<FindCoordinatorRequest, FindCoordinatorResponse> = defineApi({
  name: 'FindCoordinator',
  minVersion: 0,
  maxVersion: 6,
  request: FIND_COORDINATOR_REQUEST_SPEC,
  response: FIND_COORDINATOR_RESPONSE_SPEC,
});

/**
 * The request that looks up `keys` of one type at `version`, in the shape that version carries (one Key before
 * v4, CoordinatorKeys from v4). Throws, as Java's builder does, when the version cannot carry the request: more
 * than one key before v4, or a key type the version does not know.
 */
export function findCoordinatorRequest(
  version: number,
  keyType: CoordinatorKeyType,
  keys: readonly string[],
): FindCoordinatorRequest {
  if (version < FIRST_VERSION_OF_KEY_TYPE[keyType]) {
    throw new RangeError(
      `FindCoordinator v${version} cannot look up a ${keyType} coordinator (that needs v${FIRST_VERSION_OF_KEY_TYPE[keyType]}+): ` +
        'the broker is too old for this feature; upgrade it',
    );
  }
  if (keys.length === 0) throw new RangeError('FindCoordinator needs at least one key to look up');
  if (version >= FIND_COORDINATOR_FIRST_BATCHED_VERSION) {
    return { keyType: COORDINATOR_KEY_TYPE[keyType], coordinatorKeys: [...keys] };
  }
  if (keys.length > 1) {
    throw new RangeError(
      `FindCoordinator v${version} looks up one key, but ${keys.length} were given: send one request per key to ` +
        `brokers below v${FIND_COORDINATOR_FIRST_BATCHED_VERSION}`,
    );
  }
  return version === 0 ? { key: keys[0]! } : { key: keys[0]!, keyType: COORDINATOR_KEY_TYPE[keyType] };
}

/**
 * A response's coordinators, one per key, whatever the version: v4+ lists them; v0-3 answers for the one key
 * the request carried (`requestedKey`).
 */
export function coordinatorsOf(
  response: Complete<FindCoordinatorResponse>,
  version: number,
  requestedKey: string,
): Coordinator[] {
  if (version >= FIND_COORDINATOR_FIRST_BATCHED_VERSION) return response.coordinators;
  return [
    {
      key: requestedKey,
      nodeId: response.nodeId,
      host: response.host,
      port: response.port,
      errorCode: response.errorCode,
      errorMessage: response.errorMessage,
    },
  ];
}
