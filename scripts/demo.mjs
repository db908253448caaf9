#!/usr/bin/env node
// `npm run demo` (after `npm run build`): proves the whole path on this machine. Uses the Kafka at
// KAFKA_BOOTSTRAP_SERVERS, or 127.0.0.1:9092, or starts one there (Kafka's jars from Maven Central; needs Java
// 17+ and Maven) and stops it again at the end unless --keep-kafka is given.
import { parseArgs } from 'node:util';
import { attachCluster, createTopic, fetchMetadata, kafkaHome, startCluster } from './lib/index.mjs';

const { values } = parseArgs({ options: { 'keep-kafka': { type: 'boolean', default: false } } });
const say = (message) => console.log(message);

const configured = process.env.KAFKA_BOOTSTRAP_SERVERS?.trim();
const bootstrap = configured || '127.0.0.1:9092';
const first = bootstrap.split(',')[0];

async function reachable() {
  try {
    await fetchMetadata(first, { topics: [], timeoutMs: 2000 });
    return true;
  } catch {
    return false;
  }
}

let started = null;
if (!(await reachable())) {
  if (configured) {
    console.error(
      `demo: no Kafka answers at ${first} (KAFKA_BOOTSTRAP_SERVERS=${configured}). ` +
        'Start that cluster, or unset KAFKA_BOOTSTRAP_SERVERS to let the demo start a local one.',
    );
    process.exit(1);
  }
  say(`No Kafka at ${bootstrap}; starting a local one (data and logs in .kafka/) ...`);
  // A cluster recorded in .kafka but not answering is stale: replace it.
  await (await attachCluster(kafkaHome))?.destroy();
  started = await startCluster({ brokers: 1, basePort: 9092, dir: kafkaHome, detached: true, log: say });
}

try {
  const topic = await createTopic(bootstrap, {
    topic: 'trucks',
    partitions: 3,
    replicationFactor: 1,
    ifNotExists: true,
  });
  const metadata = await fetchMetadata(first, { topics: ['trucks'] });
  say(`\nCluster ${metadata.clusterId} at ${bootstrap}`);
  for (const b of metadata.brokers)
    say(`  broker ${b.nodeId} at ${b.host}:${b.port}${b.rack ? ` (rack ${b.rack})` : ''}`);
  say(`Topic trucks (id ${topic.topicId}):`);
  for (const p of metadata.topics[0]?.partitions.sort((a, b) => a.partitionIndex - b.partitionIndex) ?? []) {
    say(
      `  partition ${p.partitionIndex}: leader ${p.leaderId}, replicas [${p.replicaNodes}], isr [${p.isrNodes}]`,
    );
  }

  // ---------------------------------------------------------------------------------------------------
  // PRODUCER DEMO GOES HERE (once src/producer exists): import the built package from '../dist/index.js',
  // send a few truck positions keyed by truck id to `trucks` with acks=all, print where each landed, then
  // read them back with consumeAll() from ./lib/index.mjs (Kafka's own Java consumer) to show they arrived.
  // ---------------------------------------------------------------------------------------------------
  say('\n(The producer part of this demo comes with the producer.)');
} finally {
  if (started && !values['keep-kafka']) {
    await started.destroy();
    say(
      '\nStopped the local Kafka the demo started (use --keep-kafka to keep it, `npm run kafka:down` to stop it).',
    );
  } else if (started) {
    say(`\nLocal Kafka keeps running at ${started.bootstrapServers}; stop it with \`npm run kafka:down\`.`);
  }
}
