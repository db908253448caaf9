// Topic and cluster administration through Kafka's own Admin client (scripts/java/KafkaAdminJson.java).
import { runJavaHelper } from './java-helpers.mjs';

async function admin(bootstrap, args, version) {
  const { stdout } = await runJavaHelper('KafkaAdminJson', [bootstrap, ...args], {
    version,
    timeoutMs: 90_000,
  });
  return JSON.parse(stdout);
}

/**
 * Creates a topic and returns its description once every partition has a leader.
 * @param {string} bootstrap
 * @param {{ topic: string, partitions?: number, replicationFactor?: number, configs?: Record<string, string>,
 *   ifNotExists?: boolean, version?: string }} spec
 */
export function createTopic(bootstrap, spec) {
  const args = [
    'create-topic',
    spec.topic,
    String(spec.partitions ?? 1),
    String(spec.replicationFactor ?? 1),
  ];
  if (spec.ifNotExists) args.push('--if-not-exists');
  for (const [k, v] of Object.entries(spec.configs ?? {})) args.push('--config', `${k}=${v}`);
  return admin(bootstrap, args, spec.version);
}

export function describeTopic(bootstrap, topic, { version } = {}) {
  return admin(bootstrap, ['describe-topic', topic], version);
}

export function deleteTopic(bootstrap, topic, { version } = {}) {
  return admin(bootstrap, ['delete-topic', topic], version);
}

/** The end offset of every partition of `topic`, from Kafka's Admin client: `[{ partition, endOffset }]`. */
export function endOffsets(bootstrap, topic, { version } = {}) {
  return admin(bootstrap, ['end-offsets', topic], version);
}

export function listTopics(bootstrap, { version } = {}) {
  return admin(bootstrap, ['list-topics'], version);
}

export function describeCluster(bootstrap, { version } = {}) {
  return admin(bootstrap, ['cluster'], version);
}
