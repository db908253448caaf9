// The fake cluster's transaction and group coordinator: FindCoordinator names one broker for every
// transactional id and group, and AddPartitionsToTxn, AddOffsetsToTxn, TxnOffsetCommit and EndTxn are answered
// as a healthy coordinator would (every partition accepted; EndTxn v5 bumps the epoch). Requests are decoded and
// kept in `requests` so tests can check what was asked, in which order and at which version; `fail` scripts an
// error code for the next requests of one API. Transaction semantics (markers, fencing) are the real broker's
// job: the integration tests check those.

import { AddOffsetsToTxnApi } from '../protocol/add-offsets-to-txn.js';
import { AddPartitionsToTxnApi } from '../protocol/add-partitions-to-txn.js';
import type { ApiVersion, ApiVersionsResponse } from '../protocol/api-versions.js';
import { EndTxnApi } from '../protocol/end-txn.js';
import { KafkaErrorCode, type KafkaErrorName } from '../protocol/errors.js';
import { TRANSACTION_VERSION_FEATURE } from '../protocol/finalized-features.js';
import { FindCoordinatorApi } from '../protocol/find-coordinator.js';
import { decodeRequest, encodeResponse } from '../protocol/frame.js';
import { TxnOffsetCommitApi } from '../protocol/txn-offset-commit.js';

const API_KEYS = {
  FindCoordinator: FindCoordinatorApi,
  AddPartitionsToTxn: AddPartitionsToTxnApi,
  AddOffsetsToTxn: AddOffsetsToTxnApi,
  EndTxn: EndTxnApi,
  TxnOffsetCommit: TxnOffsetCommitApi,
} as const;

export type CoordinatorApiName = keyof typeof API_KEYS;

export interface CoordinatorRequest {
  api: CoordinatorApiName;
  version: number;
  // biome-ignore lint/suspicious/noExplicitAny: each API's decoded request; tests read the fields they check
  request: any;
}

export class FakeTransactionCoordinator {
  readonly requests: CoordinatorRequest[] = [];
  private readonly failures = new Map<CoordinatorApiName, KafkaErrorName[]>();

  constructor(
    /** The broker FindCoordinator names. */
    private readonly coordinator: () => { nodeId: number; host: string; port: number },
    /** The cluster's finalized transaction.version (undefined: no transaction support advertised). */
    private readonly transactionVersion: number | undefined,
  ) {}

  /**
   * What ApiVersions advertises for the coordinator APIs, and the finalized features: nothing unless the cluster
   * was started with a transactionVersion, so every other test's ApiVersions bytes stay as they were (the
   * hostile-peers fuzz mutates them by seed).
   */
  apiVersions(): { apiKeys: ApiVersion[]; features: Partial<ApiVersionsResponse> } {
    if (this.transactionVersion === undefined) return { apiKeys: [], features: {} };
    const apiKeys = Object.values(API_KEYS).map((api) => ({
      apiKey: api.apiKey,
      minVersion: api.minVersion,
      maxVersion: api.maxVersion,
    }));
    const level = this.transactionVersion;
    const features = {
      finalizedFeaturesEpoch: 1n,
      finalizedFeatures: [
        { name: TRANSACTION_VERSION_FEATURE, minVersionLevel: level, maxVersionLevel: level },
      ],
    };
    return { apiKeys, features };
  }

  /** The next `times` requests of `api` are answered with `error` (per partition where the API has them). */
  fail(api: CoordinatorApiName, error: KafkaErrorName, times = 1): void {
    const list = this.failures.get(api) ?? [];
    for (let i = 0; i < times; i++) list.push(error);
    this.failures.set(api, list);
  }

  requestsOf(api: CoordinatorApiName): CoordinatorRequest[] {
    return this.requests.filter((r) => r.api === api);
  }

  /** The response frame for a coordinator API request, or undefined when `apiKey` is not one. */
  answer(
    apiKey: number,
    frame: Buffer,
    producerEpochs: Map<bigint, number>,
    /** An error code to answer with instead (FakeKafka.control), before any `fail` queued. */
    forced?: number,
  ): Uint8Array | undefined {
    const entry = Object.entries(API_KEYS).find(([, api]) => api.apiKey === apiKey);
    if (entry === undefined) return undefined;
    const name = entry[0] as CoordinatorApiName;
    const code = forced === undefined ? this.failures.get(name)?.shift() : undefined;
    const errorCode = forced ?? (code === undefined ? 0 : KafkaErrorCode[code]);
    switch (name) {
      case 'FindCoordinator': {
        const { apiVersion, correlationId, request } = decodeRequest(FindCoordinatorApi, frame);
        this.requests.push({ api: name, version: apiVersion, request });
        const keys = request.coordinatorKeys.length > 0 ? request.coordinatorKeys : [request.key];
        const { nodeId, host, port } = this.coordinator();
        if (apiVersion >= 4) {
          const coordinators = keys.map((key) => ({
            key,
            nodeId,
            host,
            port,
            errorCode,
            errorMessage: null,
          }));
          return encodeResponse(FindCoordinatorApi, apiVersion, correlationId, {
            throttleTimeMs: 0,
            coordinators,
          });
        }
        const single = { errorCode, nodeId, host, port };
        return encodeResponse(
          FindCoordinatorApi,
          apiVersion,
          correlationId,
          apiVersion === 0 ? single : { throttleTimeMs: 0, errorMessage: null, ...single },
        );
      }
      case 'AddPartitionsToTxn': {
        const { apiVersion, correlationId, request } = decodeRequest(AddPartitionsToTxnApi, frame);
        this.requests.push({ api: name, version: apiVersion, request });
        return encodeResponse(AddPartitionsToTxnApi, apiVersion, correlationId, {
          throttleTimeMs: 0,
          resultsByTopicV3AndBelow: request.v3AndBelowTopics.map((t) => ({
            name: t.name,
            resultsByPartition: t.partitions.map((p) => ({
              partitionIndex: p,
              partitionErrorCode: errorCode,
            })),
          })),
        });
      }
      case 'AddOffsetsToTxn': {
        const { apiVersion, correlationId, request } = decodeRequest(AddOffsetsToTxnApi, frame);
        this.requests.push({ api: name, version: apiVersion, request });
        return encodeResponse(AddOffsetsToTxnApi, apiVersion, correlationId, {
          throttleTimeMs: 0,
          errorCode,
        });
      }
      case 'TxnOffsetCommit': {
        const { apiVersion, correlationId, request } = decodeRequest(TxnOffsetCommitApi, frame);
        this.requests.push({ api: name, version: apiVersion, request });
        return encodeResponse(TxnOffsetCommitApi, apiVersion, correlationId, {
          throttleTimeMs: 0,
          topics: request.topics.map((t) => ({
            name: t.name,
            partitions: t.partitions.map((p) => ({ partitionIndex: p.partitionIndex, errorCode })),
          })),
        });
      }
      default: {
        const { apiVersion, correlationId, request } = decodeRequest(EndTxnApi, frame);
        this.requests.push({ api: name, version: apiVersion, request });
        // Transactions v2: every transaction ends with the next epoch, which the partitions then accept.
        const bumped = request.producerEpoch + 1;
        if (apiVersion >= 5 && errorCode === 0) producerEpochs.set(request.producerId, bumped);
        return encodeResponse(
          EndTxnApi,
          apiVersion,
          correlationId,
          apiVersion >= 5
            ? { throttleTimeMs: 0, errorCode, producerId: request.producerId, producerEpoch: bumped }
            : { throttleTimeMs: 0, errorCode },
        );
      }
    }
  }
}
