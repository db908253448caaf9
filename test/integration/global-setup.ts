// Starts the Kafka the integration tests share (one broker on free ports, data in .kafka/vitest-<pid>), or
// uses the cluster KAFKA_BOOTSTRAP_SERVERS names, and hands its address to tests (test/harness: kafkaBootstrap()).
// Free ports and a per-process folder let several test runs (other checkouts, CI, `npm run kafka:up` on 9092)
// run side by side.
//
// The secured broker (TLS, SASL, ACLs) starts only when a test file first asks for it (test/harness:
// secureKafka()), then serves every later file; most runs never pay for it.
import type { TestProject } from 'vitest/node';
import {
  brokerClassArchive,
  CLUSTER_MARK,
  findFreeBasePort,
  kafkaLibs,
  kafkaVersion,
  processClusterDir,
  type SecurityInfo,
  serveOnDemand,
  startCluster,
} from '../../scripts/lib/index.mjs';
import { BROKER_JVM_FLAGS, startKafka } from '../../src/testing/start-kafka.js';

export default async function setup(project: TestProject): Promise<() => Promise<void>> {
  const external = process.env.KAFKA_BOOTSTRAP_SERVERS?.trim();
  const version = kafkaVersion();
  const secure = await serveOnDemand<SecurityInfo>(async () => {
    const started = Date.now();
    const cluster = await startCluster({
      brokers: 1,
      basePort: 'auto',
      dir: await processClusterDir('vitest-secure'),
      version,
      secure: { reauthMs: 10_000 },
    });
    process.stderr.write(
      `global-setup: secured Kafka ${version} up at ${cluster.bootstrapServers} in ${Date.now() - started} ms ` +
        `(log: ${cluster.logFile(1)})\n`,
    );
    return { info: cluster.security as SecurityInfo, stop: () => cluster.destroy() };
  });
  project.provide('kafkaSecureUrl', secure.url);
  project.provide('kafkaVersion', version);
  if (external) {
    project.provide('kafkaBootstrapServers', external);
    project.provide('kafkaExternal', true);
    return () => secure.close();
  }
  const started = Date.now();
  // The shared broker is what users get from kafka-wire/testing's startKafka, so every integration run uses
  // it; with the harness's jars (any $KAFKA_VERSION), its class archive (a faster start on small machines)
  // and its mark on the command line, so an interrupted run's broker is found and killed like the others.
  const dir = await processClusterDir('vitest');
  const libs = await kafkaLibs(version);
  const archive = await brokerClassArchive(libs, BROKER_JVM_FLAGS, { freePorts: () => findFreeBasePort(1) });
  const kafka = await startKafka({
    version,
    libs,
    dir,
    jvmArgs: [`${CLUSTER_MARK}${dir}`, ...(archive ? [`-XX:SharedArchiveFile=${archive}`] : [])],
  });
  process.stderr.write(
    `global-setup: Kafka ${version} up at ${kafka.bootstrapServers} in ${Date.now() - started} ms ` +
      `(log: ${kafka.brokers[0]!.logFile})\n`,
  );
  project.provide('kafkaBootstrapServers', kafka.bootstrapServers);
  project.provide('kafkaExternal', false);
  return async () => {
    await Promise.all([secure.close(), kafka.stop()]);
  };
}
