#!/usr/bin/env node
// Local Apache Kafka for development and tests, straight from Maven Central's jars (no Docker needed).
//
//   node scripts/kafka.mjs up [--brokers N] [--port P] [--kafka-version V] [--timeout SECONDS]
//                             [--secure [--reauth-ms MS]]
//   node scripts/kafka.mjs down [--all]
//   node scripts/kafka.mjs status
//
// `up` starts N KRaft nodes (combined broker + controller) on 127.0.0.1:P..P+N-1 (controllers on P+100..),
// with data, configs and logs in .kafka/, and prints the bootstrap address on stdout. Running `up` again
// reuses a healthy cluster of the same shape, otherwise replaces it. `down` kills the cluster's JVMs (found
// by command line, whatever the pid file says) and those of test clusters whose test process is gone, and
// deletes the data; logs stay. Clusters of test runs still in progress are spared unless --all.
//
// --secure: one broker with TLS, SASL and ACLs on P..P+6 (PLAINTEXT, SSL with client certificates, SASL_SSL,
// SASL_PLAINTEXT, SSL_ONE_WAY, SSL_EXPIRED, SSL_WRONG_HOST) and an OAuth token endpoint; its passwords and
// certificate paths are in .kafka/cluster.json ("security"), made fresh on every start.
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
  const secure = options.secure;
  const reauthMs = Number(options['reauth-ms']);
  if (secure && brokers !== 1) throw new Error(`--secure runs exactly one broker, got --brokers ${brokers}`);
  if (!Number.isInteger(reauthMs) || reauthMs < 1000)
    throw new Error(`--reauth-ms must be at least 1000, got ${options['reauth-ms']}`);
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
      existing.nodes[0]?.port === basePort &&
      (existing.security?.reauthMs ?? null) === (secure ? reauthMs : null);
    const allRunning =
      existing.nodes.every((n) => n.pid !== null && !n.paused) &&
      (!secure || existing.tokenEndpointPid !== null);
    if (sameShape && allRunning) {
      try {
        await existing.waitForBrokers(existing.brokerIds, { timeoutMs: 5000 });
        say(`Kafka ${version} already runs: ${brokers} broker(s) at ${existing.bootstrapServers} (reused)`);
        describeSecurity(existing);
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
    ...(secure ? { secure: { reauthMs } } : {}),
  });
  say(
    `Kafka ${version} is up: ${brokers} broker(s) at ${cluster.bootstrapServers}; ` +
      `logs in ${home}/logs; stop with \`npm run kafka:down\``,
  );
  describeSecurity(cluster);
  console.log(cluster.bootstrapServers);
}

/** Where a secured cluster listens and where its secrets are (never the secrets themselves). */
function describeSecurity(cluster) {
  const security = cluster.security;
  if (!security) return;
  for (const [name, address] of Object.entries(security.listeners)) say(`  ${name.padEnd(15)} ${address}`);
  say(`  OAuth token endpoint ${security.oauth.tokenEndpointUrl} (client ${security.oauth.clientId})`);
  say(`  users ${Object.keys(security.users).join(' | ')}; connections.max.reauth.ms=${security.reauthMs}`);
  say(`  passwords, client secret and certificate paths: "security" in ${home}/cluster.json`);
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
  const known = new Set([...(cluster?.nodes.map((n) => n.pid) ?? []), cluster?.tokenEndpointPid]);
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
    if (cluster.security)
      say(
        `token endpoint: ${cluster.tokenEndpointPid === null ? 'not running' : `running (pid ${cluster.tokenEndpointPid})`}`,
      );
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
    secure: { type: 'boolean', default: false },
    'reauth-ms': { type: 'string', default: '10000' },
  },
});

const commands = { up: () => up(values), down: () => down(values), status };
const command = commands[positionals[0] ?? ''];
if (!command) {
  say(
    'usage: node scripts/kafka.mjs up [--brokers N] [--port P] [--kafka-version V] [--timeout S] [--secure [--reauth-ms MS]]' +
      ' | down [--all] | status',
  );
  process.exit(2);
}
try {
  await command();
} catch (error) {
  say(error instanceof Error ? error.message : String(error));
  process.exit(1);
}
