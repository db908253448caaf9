import { describe, expect, it } from 'vitest';
import {
  ApiVersionsApi,
  decodeResponse,
  finalizedFeatureLevel,
  TRANSACTION_VERSION_FEATURE,
  TRANSACTIONS_V2_LEVEL,
} from '../../../src/protocol/index.js';
import { fixtureBytes, manifest } from '../fixtures/manifest.js';

// The producer decides on transactions v2 from the transaction.version level in ApiVersions responses; these
// are responses kafka-clients 4.4.0 wrote with that feature finalized at 2, at 1, and not at all.

const expected: Record<string, number> = {
  '': 2,
  'transaction-version-1': 1,
  'no-finalized-features': 0,
  'unsupported-version': 0,
};

describe('finalizedFeatureLevel, on ApiVersions responses from kafka-clients 4.4.0', () => {
  const responses = manifest.protocol.filter((f) => f.api === 'ApiVersions' && f.kind === 'response');

  it.each(responses.map((f) => [f.file, f] as const))('%s', (_, f) => {
    const { response } = decodeResponse(ApiVersionsApi, f.version, fixtureBytes(f.file));
    // Finalized features exist from v3; older responses have none, so the feature is off.
    const level = f.version >= 3 ? expected[f.variant] : 0;
    expect(finalizedFeatureLevel(response, TRANSACTION_VERSION_FEATURE)).toBe(level);
    expect(finalizedFeatureLevel(response, 'no.such.feature')).toBe(0);
  });

  it('covers a cluster on transactions v2 and one below it', () => {
    const levels = responses
      .filter((f) => f.version >= 3)
      .map((f) => decodeResponse(ApiVersionsApi, f.version, fixtureBytes(f.file)).response)
      .map((r) => finalizedFeatureLevel(r, TRANSACTION_VERSION_FEATURE));
    expect(levels.some((l) => l >= TRANSACTIONS_V2_LEVEL)).toBe(true);
    expect(levels.some((l) => l > 0 && l < TRANSACTIONS_V2_LEVEL)).toBe(true);
  });

  it('ignores features listed with epoch -1 (no finalized features), as Java never adopts them', () => {
    const finalizedFeatures = [{ name: TRANSACTION_VERSION_FEATURE, maxVersionLevel: 2, minVersionLevel: 2 }];
    expect(
      finalizedFeatureLevel({ finalizedFeaturesEpoch: -1n, finalizedFeatures }, TRANSACTION_VERSION_FEATURE),
    ).toBe(0);
    expect(
      finalizedFeatureLevel({ finalizedFeaturesEpoch: 0n, finalizedFeatures }, TRANSACTION_VERSION_FEATURE),
    ).toBe(2);
    expect(finalizedFeatureLevel({}, TRANSACTION_VERSION_FEATURE)).toBe(0);
  });
});
