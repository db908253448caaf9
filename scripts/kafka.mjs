#!/usr/bin/env node
// Local Apache Kafka for development and tests, straight from Maven Central's jars (no Docker needed).
//
//   node scripts/kafka.mjs up [--brokers N] [--port P] [--kafka-version V] [--timeout SECONDS]
//   node scripts/kafka.mjs down [--all]
//   node scripts/kafka.mjs status
//
// `up` starts N KRaft nodes (combined broker + controller) on 127.0.0.1:P..P+N-1 (controllers on P+100..),
// with data, configs and logs in .kafka/, and prints the bootstrap address on stdout. Running `up` again
// reuses a healthy cluster of the same shape, otherwise replaces it. `down` kills the cluster's JVMs (found
// by command line, whatever the pid file says) and those of test clusters whose test process is gone, and
// deletes the data; logs stay. Clusters of test runs still in progress are spared unless --all.
import { relative } from 'node:path';
import { parseArgs } from 'node:util';
import {
  attachCluster,
  findHarnessJvms,
  kafkaHome,
  kafkaVersion,
  repoRoot,
  startCluster,
  stopAll,
} from './lib/index.mjs';

const say = (message) => process.stderr.write(`kafka: ${message}\n`);
// For messages: .kafka, or wherever KAFKA_WIRE_DIR moved it.
const relativeHome = relative(repoRoot, kafkaHome);
const home = relativeHome.startsWith('..') ? kafkaHome : relativeHome || '.';

async function up(options) {
  const brokers = Number(options.brokers);
  const basePort = Number(options.port);
  const version = kafkaVersion(options['kafka-version']);
  if (!Number.isInteger(brokers) || brokers < 1 || brokers > 9)
    throw new Error(`--brokers must be 1..9, got ${options.brokers}`);
  if (!Number.isInteger(basePort) || basePort < 1 || basePort > 65535)
    throw new Error(`--port must be a port, got ${options.port}`);

  const existing = await attachCluster(kafkaHome);
  if (existing) {
    const sameShape =
      existing.version === version &&
      existing.nodes.length === brokers &&
      existing.nodes[0]?.port === basePort;
    const allRunning = existing.nodes.every((n) => n.pid !== null && !n.paused);
    if (sameShape && allRunning) {
      try {
        await existing.waitForBrokers(existing.brokerIds, { timeoutMs: 5000 });
        say(`Kafka ${version} already runs: ${brokers} broker(s) at ${existing.bootstrapServers} (reused)`);
        console.log(existing.bootstrapServers);
        return;
      } catch (error) {
        say(`the running cluster does not answer well (${error.message.split('\n')[0]}); restarting it`);
      }
    } else {
      say(`a cluster of another shape (or a broken one) is recorded in ${home}; replacing it`);
    }
    await existing.destroy({ keepLogs: false });
  }

  const cluster = await startCluster({
    brokers,
    basePort,
    version,
    dir: kafkaHome,
    detached: true,
    startTimeoutMs: Number(options.timeout) * 1000,
    log: say,
  });
  say(
    `Kafka ${version} is up: ${brokers} broker(s) at ${cluster.bootstrapServers}; ` +
      `logs in ${home}/logs; stop with \`npm run kafka:down\``,
  );
  console.log(cluster.bootstrapServers);
}

async function down(options) {
  const { killed, spared } = await stopAll({ dir: kafkaHome, all: options.all });
  say(
    killed.length > 0
      ? `stopped ${killed.length} broker JVM(s) (pids ${killed.join(', ')}); data removed, logs kept in ${home}/logs`
      : 'no broker was running; data removed',
  );
  for (const s of spared) {
    const why =
      s.owner === null ? 'started by a script, owner unknown' : `its test process ${s.owner} still runs`;
    say(`left running: pid ${s.pid} of ${relative(repoRoot, s.dir)} (${why}); \`down --all\` stops it too`);
  }
}

async function status() {
  const cluster = await attachCluster(kafkaHome);
  const known = new Set(cluster?.nodes.map((n) => n.pid) ?? []);
  const strays = findHarnessJvms({ under: kafkaHome }).filter((j) => !known.has(j.pid));
  if (!cluster) {
    say(`no cluster recorded in ${home}`);
  } else {
    for (const node of cluster.nodes) {
      const state =
        node.pid === null
          ? 'not running'
          : node.paused
            ? `paused (pid ${node.pid})`
            : `running (pid ${node.pid})`;
      say(`broker ${node.id} at 127.0.0.1:${node.port}: ${state}`);
    }
    if (cluster.nodes.every((n) => n.pid !== null)) console.log(cluster.bootstrapServers);
  }
  for (const j of strays)
    say(`also running: broker ${j.nodeId} of ${relative(repoRoot, j.dir)} (pid ${j.pid})`);
  if (!cluster || cluster.nodes.some((n) => n.pid === null)) process.exitCode = 1;
}

const { positionals, values } = parseArgs({
  allowPositionals: true,
  options: {
    brokers: { type: 'string', default: '1' },
    port: { type: 'string', default: '9092' },
    'kafka-version': { type: 'string' },
    timeout: { type: 'string', default: '120' },
    all: { type: 'boolean', default: false },
  },
});

const commands = { up: () => up(values), down: () => down(values), status };
const command = commands[positionals[0] ?? ''];
if (!command) {
  say(
    'usage: node scripts/kafka.mjs up [--brokers N] [--port P] [--kafka-version V] [--timeout S] | down [--all] | status',
  );
  process.exit(2);
}
try {
  await command();
} catch (error) {
  say(error instanceof Error ? error.message : String(error));
  process.exit(1);
}
