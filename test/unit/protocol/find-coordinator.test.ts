import { describe, expect, it } from 'vitest';
import {
  COORDINATOR_KEY_TYPE,
  type CoordinatorKeyType,
  coordinatorsOf,
  decodeResponse,
  encodeRequest,
  FindCoordinatorApi,
  type FindCoordinatorRequest,
  findCoordinatorRequest,
} from '../../../src/protocol/index.js';
import { byteMismatch, fixtureBytes, manifest, reviveBody } from '../fixtures/manifest.js';

// The two shapes of FindCoordinator (one Key before v4, CoordinatorKeys from v4) behind one call, checked against
// the requests kafka-clients 4.4.0's FindCoordinatorRequest.Builder wrote for the same keys.

const fixtures = manifest.protocol.filter((f) => f.api === 'FindCoordinator');
const typeNamed = (id: number) =>
  (Object.keys(COORDINATOR_KEY_TYPE) as CoordinatorKeyType[]).find((k) => COORDINATOR_KEY_TYPE[k] === id)!;

describe('findCoordinatorRequest, against kafka-clients 4.4.0', () => {
  it.each(fixtures.filter((f) => f.kind === 'request').map((f) => [f.file, f] as const))('%s', (_, f) => {
    const java = reviveBody(f) as FindCoordinatorRequest;
    const keys = java.coordinatorKeys ?? [java.key!];
    const ours = findCoordinatorRequest(f.version, typeNamed(java.keyType ?? 0), keys);
    const frame = encodeRequest(
      FindCoordinatorApi,
      f.version,
      { correlationId: f.correlationId, clientId: f.clientId ?? null },
      ours,
    );
    expect(byteMismatch(frame.subarray(4), fixtureBytes(f.file))).toBeNull();
  });

  it('refuses what the version cannot carry, saying what to do', () => {
    expect(() => findCoordinatorRequest(0, 'transaction', ['t'])).toThrow(
      /v0 cannot look up a transaction.*v1\+/,
    );
    expect(() => findCoordinatorRequest(5, 'share', ['g:t:0'])).toThrow(/v5 cannot look up a share.*v6\+/);
    expect(() => findCoordinatorRequest(3, 'transaction', ['a', 'b'])).toThrow(/one request per key/);
    expect(() => findCoordinatorRequest(4, 'group', [])).toThrow(/at least one key/);
  });
});

describe('coordinatorsOf, against kafka-clients 4.4.0', () => {
  it.each(fixtures.filter((f) => f.kind === 'response').map((f) => [f.file, f] as const))('%s', (_, f) => {
    const { response } = decodeResponse(FindCoordinatorApi, f.version, fixtureBytes(f.file));
    const coordinators = coordinatorsOf(response, f.version, 'the-key');
    if (f.version >= 4) {
      expect(coordinators).toEqual(response.coordinators);
      expect(coordinators.length).toBeGreaterThan(1);
    } else {
      expect(coordinators).toEqual([
        {
          key: 'the-key',
          nodeId: response.nodeId,
          host: response.host,
          port: response.port,
          errorCode: response.errorCode,
          // v0 has no error message: the decoder gives the spec default, '' (as Java's does).
          errorMessage: response.errorMessage,
        },
      ]);
    }
  });
});
