import type { ConnectionPool } from '../net/pool.js';
import { kafkaErrorFor } from '../protocol/errors.js';
import { InitProducerIdApi } from '../protocol/init-producer-id.js';
import { MetadataApi } from '../protocol/metadata.js';
import type { ProducerIdAndEpoch } from './idempotence.js';
import type { MetadataSnapshot } from './metadata.js';

// The requests the producer sends to any broker rather than to a partition's leader: Metadata and
// InitProducerId, each to the least loaded broker the pool knows.

/** Without a transaction there is no transaction timeout; Java's idempotent producer sends Integer.MAX_VALUE. */
const NO_TRANSACTION_TIMEOUT_MS = 2147483647;

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
