// Finalized features (KIP-584): cluster-wide feature levels a broker reports in its ApiVersions response (v3+,
// tagged FinalizedFeatures with FinalizedFeaturesEpoch). A feature the cluster has not enabled is not listed,
// which means level 0. The producer reads `transaction.version` from them: at level 2 or more the cluster runs
// transactions v2 (KIP-890 part 2: partitions join a transaction through Produce v12+, EndTxn v5 bumps the epoch
// every transaction, TxnOffsetCommit v5 replaces AddOffsetsToTxn); below it, a transactional producer must stay at
// Produce v11, EndTxn v4 and TxnOffsetCommit v4 even when the broker advertises more, as Java's does.

import type { ApiVersionsResponse } from './api-versions.js';

export const TRANSACTION_VERSION_FEATURE = 'transaction.version';

/** The `transaction.version` level from which the cluster runs transactions v2. */
export const TRANSACTIONS_V2_LEVEL = 2;

/**
 * The level `feature` is finalized at in an ApiVersions response: its MaxVersionLevel, the one level Java's
 * client reads; 0 when the feature is not listed or the broker reports no finalized features (epoch -1, or a
 * response below v3). Java keeps the features of the response with the highest epoch it has seen across brokers;
 * that choice belongs to the caller.
 */
export function finalizedFeatureLevel(
  response: Pick<ApiVersionsResponse, 'finalizedFeaturesEpoch' | 'finalizedFeatures'>,
  feature: string,
): number {
  if ((response.finalizedFeaturesEpoch ?? -1n) < 0n) return 0;
  return response.finalizedFeatures?.find((f) => f.name === feature)?.maxVersionLevel ?? 0;
}
