import type {
  PartitionProduceResponse,
  ProduceRequest,
  ProduceResponse,
  TopicProduceData,
} from '../protocol/produce.js';
import { ZERO_UUID } from '../protocol/uuid.js';
import type { ResolvedProducerConfig } from './config.js';
import type { ProducerBatch } from './producer-batch.js';

// Building one Produce request from drained batches and reading its response back onto them. No I/O: the
// sender sends what this builds and settles each batch by what this matches.

/** The oldest version that still names topics; v13 names them by id only. */
const LAST_VERSION_WITH_TOPIC_NAMES = 12;

/**
 * Record batches of at least this many bytes go to the socket from their own buffers (a segment of the request's
 * write vector); smaller ones are copied into the frame, where a copy costs less than another segment.
 */
export const REFERENCE_BATCHES_FROM = 1024;

export interface ProduceRequestPlan {
  request: ProduceRequest;
  /** The version to send: the broker's, or 12 when some topic's id is unknown. */
  version: number;
  /** True when topics travel by id (v13+); the response then names them by id too. */
  byTopicId: boolean;
  /**
   * Each topic's name in this request: its id with v13+, else its name. The response is read by these, not by
   * the metadata of the moment: a topic deleted and created again meanwhile has a new id, and the broker
   * answers with the one the request carried.
   */
  keys: Map<string, string>;
}

/**
 * The request carrying `batches` (with their encoded bytes, in the same order), one entry per topic.
 * `topicIdOf` gives a topic's id as metadata knows it (null when unknown).
 */
export function buildProduceRequest(
  batches: readonly ProducerBatch[],
  encoded: readonly Uint8Array[],
  topicIdOf: (topic: string) => string | null,
  brokerVersion: number,
  acks: ResolvedProducerConfig['acks'],
  timeoutMs: number,
  /** A transactional producer's id: the broker checks the batches belong to its open transaction. */
  transactionalId: string | null = null,
): ProduceRequestPlan {
  const topicIds = new Map<string, string | null>();
  for (const batch of batches) topicIds.set(batch.topic, topicIdOf(batch.topic));
  let version = brokerVersion;
  const byTopicId =
    version > LAST_VERSION_WITH_TOPIC_NAMES &&
    [...topicIds.values()].every((id) => id !== null && id !== ZERO_UUID);
  if (version > LAST_VERSION_WITH_TOPIC_NAMES && !byTopicId) version = LAST_VERSION_WITH_TOPIC_NAMES;

  const topicData = new Map<string, TopicProduceData>();
  const keys = new Map<string, string>();
  for (let i = 0; i < batches.length; i++) {
    const batch = batches[i]!;
    let entry = topicData.get(batch.topic);
    if (entry === undefined) {
      const topicId = topicIds.get(batch.topic)!;
      entry = byTopicId ? { topicId, partitionData: [] } : { name: batch.topic, partitionData: [] };
      topicData.set(batch.topic, entry);
      keys.set(batch.topic, byTopicId ? topicId : batch.topic);
    }
    entry.partitionData.push({ index: batch.partition, records: encoded[i]! });
  }
  const request: ProduceRequest = {
    transactionalId,
    acks,
    timeoutMs,
    topicData: [...topicData.values()],
  };
  return { request, version, byTopicId, keys };
}

/**
 * Each batch's entry in `response` (undefined when the broker left it out), in the order of `batches`.
 */
export function matchProduceResponse(
  batches: readonly ProducerBatch[],
  response: ProduceResponse,
  plan: ProduceRequestPlan,
): Array<PartitionProduceResponse | undefined> {
  const byPartition = new Map<string, PartitionProduceResponse>();
  for (const topic of response.responses) {
    const key = plan.byTopicId ? topic.topicId : topic.name;
    for (const p of topic.partitionResponses) byPartition.set(`${key}\u0000${p.index}`, p);
  }
  return batches.map((batch) => {
    return byPartition.get(`${plan.keys.get(batch.topic)}\u0000${batch.partition}`);
  });
}
