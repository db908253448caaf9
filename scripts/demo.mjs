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

  // The producer: trucks report positions keyed by truck id, as JSON with a header. Keyed records go
  // through Java's murmur2 partitioner, so each truck always lands on one partition.
  const { Producer } = await import('../dist/bundle/index.js');
  const producer = new Producer({ bootstrapServers: bootstrap, clientId: 'trucks-demo' });
  const trucks = ['truck-1', 'truck-2', 'truck-3', 'truck-4', 'truck-5'];
  const sent = [];
  try {
    for (let round = 0; round < 3; round++) {
      const results = await Promise.all(
        trucks.map((truck, i) => {
          const position = {
            truck,
            lat: 52.37 + i / 100 + round / 1000,
            lon: 4.89 + round / 1000,
            at: Date.now(),
          };
          return producer
            .send({
              topic: 'trucks',
              key: truck,
              value: JSON.stringify(position),
              headers: { 'content-type': 'application/json' },
            })
            .then((where) => ({ truck, ...where }));
        }),
      );
      sent.push(...results);
    }
  } finally {
    await producer.close();
  }
  say('\nSent with kafka-wire (acks=all, idempotent):');
  for (const r of sent) say(`  ${r.truck} -> partition ${r.partition}, offset ${r.offset}`);
  const byTruck = new Map();
  for (const r of sent) byTruck.set(r.truck, new Set([...(byTruck.get(r.truck) ?? []), r.partition]));
  const oneEach = [...byTruck.values()].every((partitions) => partitions.size === 1);
  say(
    oneEach
      ? 'Every truck stayed on one partition, as the Java producer would place it.'
      : 'UNEXPECTED: a truck landed on more than one partition.',
  );

  // Read back with Kafka's own Java consumer, independent of our code.
  const { consumeAll } = await import('./lib/index.mjs');
  const consumed = await consumeAll({ bootstrap, topic: 'trucks' });
  const mine = new Set(sent.map((r) => `${r.partition}/${r.offset}`));
  const found = consumed.filter((r) => mine.has(`${r.partition}/${r.offset}`));
  say(`\nKafka's Java consumer read ${found.length} of the ${sent.length} records back, e.g.:`);
  const sample = found[0];
  if (sample) {
    say(
      `  partition ${sample.partition} offset ${sample.offset}: key=${sample.key} value=${sample.value} headers=${sample.headers
        .map((h) => `${h.key}=${h.value}`)
        .join(',')}`,
    );
  }
  if (!oneEach || found.length !== sent.length) process.exitCode = 1;
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
