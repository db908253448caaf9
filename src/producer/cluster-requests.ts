import type { BrokerAddress, ConnectionPool } from '../net/pool.js';
import { kafkaErrorFor } from '../protocol/errors.js';
import { finalizedFeatureLevel, TRANSACTION_VERSION_FEATURE } from '../protocol/finalized-features.js';
import { InitProducerIdApi } from '../protocol/init-producer-id.js';
import { INT32_MAX } from '../protocol/int-limits.js';
import { MetadataApi } from '../protocol/metadata.js';
import type { BrokerChannel } from './coordinator.js';
import type { ProducerIdAndEpoch } from './idempotence.js';
import type { MetadataSnapshot } from './metadata.js';

// The requests the producer sends to any broker rather than to a partition's leader: Metadata and
// InitProducerId, each to the least loaded broker the pool knows, and a transactional producer's requests to its
// coordinators.

/** Without a transaction there is no transaction timeout; Java's idempotent producer sends Integer.MAX_VALUE. */
const NO_TRANSACTION_TIMEOUT_MS = INT32_MAX;

/** One Metadata request for `topics`; the pool learns the brokers it lists. */
export async function requestMetadata(
  pool: ConnectionPool,
  topics: string[],
  allowAutoTopicCreation: boolean,
): Promise<MetadataSnapshot> {
  const connection = await pool.get(pool.leastLoadedNodeId());
  const response = await connection.request(MetadataApi, {
    topics: topics.map((name) => ({ name })),
    allowAutoTopicCreation,
  });
  const brokers = response.brokers.map((b) => ({
    nodeId: b.nodeId,
    host: b.host,
    port: b.port,
    rack: b.rack ?? null,
  }));
  pool.updateBrokers(brokers);
  return { brokers, topics: response.topics } as MetadataSnapshot;
}

/** InitProducerId for an idempotent (non-transactional) producer. */
export async function requestProducerId(pool: ConnectionPool): Promise<ProducerIdAndEpoch> {
  const connection = await pool.get(pool.leastLoadedNodeId());
  const response = await connection.request(InitProducerIdApi, {
    transactionalId: null,
    transactionTimeoutMs: NO_TRANSACTION_TIMEOUT_MS,
  });
  if (response.errorCode !== 0) throw kafkaErrorFor(response.errorCode, { api: 'InitProducerId' });
  return { producerId: response.producerId, producerEpoch: response.producerEpoch };
}

/**
 * The transactional producer's way to brokers: requests at the negotiated version (capped where transactions v1
 * needs it) to a coordinator by node id, or to the least loaded broker. It also remembers the cluster's
 * finalized `transaction.version` from the ApiVersions answers of the connections it uses, keeping the answer
 * with the highest features epoch as Java does (brokers learn a new level one after another).
 */
export function brokerChannel(
  pool: ConnectionPool,
  learnBroker: (broker: BrokerAddress) => void,
): BrokerChannel & { transactionVersion(): number } {
  let featuresEpoch = -1n;
  let transactionVersion = 0;
  return {
    async request(nodeId, api, build, maxVersion) {
      const connection = await pool.get(nodeId ?? pool.leastLoadedNodeId());
      const features = connection.apiVersionsResponse;
      if (features !== undefined && (features.finalizedFeaturesEpoch ?? -1n) > featuresEpoch) {
        featuresEpoch = features.finalizedFeaturesEpoch ?? -1n;
        transactionVersion = finalizedFeatureLevel(features, TRANSACTION_VERSION_FEATURE);
      }
      const negotiated = connection.versionFor(api);
      const version = maxVersion === undefined ? negotiated : Math.min(negotiated, maxVersion);
      const response = await connection.request(api, build(version), { version });
      return { response, version };
    },
    learnBroker,
    transactionVersion: () => transactionVersion,
  };
}
