// Starts the Kafka the integration tests share (one broker at 127.0.0.1:29092, data in .kafka/vitest), or
// uses the cluster KAFKA_BOOTSTRAP_SERVERS names, and hands its address to tests (test/harness: kafkaBootstrap()).
// Ports 29092/29192 keep it apart from `npm run kafka:up` (9092) and the fault tests' clusters (19092...).
import { join } from 'node:path';
import type { TestProject } from 'vitest/node';
import { kafkaHome, kafkaVersion, startCluster } from '../../scripts/lib/index.mjs';

export default async function setup(project: TestProject): Promise<() => Promise<void>> {
  const external = process.env.KAFKA_BOOTSTRAP_SERVERS?.trim();
  const version = kafkaVersion();
  if (external) {
    project.provide('kafkaBootstrapServers', external);
    project.provide('kafkaVersion', version);
    project.provide('kafkaExternal', true);
    return async () => {};
  }
  const started = Date.now();
  const cluster = await startCluster({
    brokers: 1,
    basePort: 29092,
    dir: join(kafkaHome, 'vitest'),
    version,
  });
  process.stderr.write(
    `global-setup: Kafka ${version} up at ${cluster.bootstrapServers} in ${Date.now() - started} ms (logs: ${cluster.logFile(1)})\n`,
  );
  project.provide('kafkaBootstrapServers', cluster.bootstrapServers);
  project.provide('kafkaVersion', version);
  project.provide('kafkaExternal', false);
  return async () => {
    await cluster.destroy();
  };
}
