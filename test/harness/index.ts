// What integration tests use to reach Kafka: the cluster global-setup.ts started (or KAFKA_BOOTSTRAP_SERVERS),
// Kafka's own Java clients as independent witnesses, and local clusters of their own for fault tests.
// Everything here defaults `bootstrap` and the Kafka `version` to the shared cluster's.
import { randomBytes } from 'node:crypto';
import { inject } from 'vitest';
import * as lib from '../../scripts/lib/index.mjs';

export type {
  ClusterNode,
  ConsumedRecord,
  CreateTopicSpec,
  JavaProducedRecord,
  KafkaCluster,
  MetadataResponse,
  StartClusterOptions,
  TopicDescription,
} from '../../scripts/lib/index.mjs';
export {
  decodeWithKafka,
  fetchMetadata,
  findFreeBasePort,
  findHarnessJvms,
  kafkaHome,
  processClusterDir,
  repoRoot,
  startCluster,
} from '../../scripts/lib/index.mjs';

declare module 'vitest' {
  export interface ProvidedContext {
    /** host:port[,host:port...] of the shared cluster. */
    kafkaBootstrapServers: string;
    /** The Kafka version whose jars the Java helpers use (the local cluster's, or $KAFKA_VERSION). */
    kafkaVersion: string;
    /** true when KAFKA_BOOTSTRAP_SERVERS pointed at a cluster the tests did not start. */
    kafkaExternal: boolean;
  }
}

/** Bootstrap servers of the shared cluster. */
export function kafkaBootstrap(): string {
  return inject('kafkaBootstrapServers');
}

/** Kafka version of the shared cluster (its jars run the Java helpers). */
export function kafkaVersion(): string {
  return inject('kafkaVersion');
}

/** A topic name no other test (or earlier run against the same cluster) uses. */
export function uniqueTopic(prefix = 'test'): string {
  return `${prefix}-${Date.now().toString(36)}-${randomBytes(3).toString('hex')}`;
}

type WithCluster<T> = Omit<T, 'bootstrap' | 'version'> & { bootstrap?: string; version?: string };
const defaults = <T extends { bootstrap?: string; version?: string }>(o: T) => ({
  ...o,
  bootstrap: o.bootstrap ?? kafkaBootstrap(),
  version: o.version ?? kafkaVersion(),
});

/** Reads `topic` from the beginning with Kafka's Java consumer (see scripts/java/ConsumeJson.java). */
export function consumeAll(options: WithCluster<lib.ConsumeOptions>): Promise<lib.ConsumedRecord[]> {
  return lib.consumeAll(defaults(options));
}

/** Writes records with Kafka's Java producer; returns partition, offset and timestamp of each. */
export function produceWithJava(
  options: WithCluster<Parameters<typeof lib.produceWithJava>[0]>,
): ReturnType<typeof lib.produceWithJava> {
  return lib.produceWithJava(defaults(options));
}

/** Creates a topic with Kafka's Admin client; resolves once every partition has a leader. */
export function createTopic(
  spec: lib.CreateTopicSpec & { bootstrap?: string },
): Promise<lib.TopicDescription> {
  const { bootstrap, ...rest } = spec;
  return lib.createTopic(bootstrap ?? kafkaBootstrap(), { version: kafkaVersion(), ...rest });
}

export function describeTopic(topic: string, bootstrap = kafkaBootstrap()): Promise<lib.TopicDescription> {
  return lib.describeTopic(bootstrap, topic, { version: kafkaVersion() });
}

export function deleteTopic(topic: string, bootstrap = kafkaBootstrap()): Promise<{ deleted: string }> {
  return lib.deleteTopic(bootstrap, topic, { version: kafkaVersion() });
}

export function describeCluster(bootstrap = kafkaBootstrap()): ReturnType<typeof lib.describeCluster> {
  return lib.describeCluster(bootstrap, { version: kafkaVersion() });
}

/**
 * Polls `check` until it returns without throwing (then returns its value) or `timeoutMs` passes (then throws
 * its last error). For conditions the cluster reaches on its own time: leadership moves, ISR shrinks.
 */
export async function eventually<T>(
  check: () => T | Promise<T>,
  { timeoutMs = 30_000, intervalMs = 100 }: { timeoutMs?: number; intervalMs?: number } = {},
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    try {
      return await check();
    } catch (error) {
      if (Date.now() > deadline) throw error;
    }
    await new Promise((resolve) => setTimeout(resolve, intervalMs));
  }
}
