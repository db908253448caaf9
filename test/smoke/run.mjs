// The runtime smoke test: kafka-wire's built dist/ produces on each runtime named on the command line (Node
// versions, Bun, Deno: scripts/runtimes.mjs), and Kafka's own Java consumer reads every record back; each one
// must be where the runtime's send() said, with the key, value, headers and timestamp it was given. One
// broker (started here unless KAFKA_BOOTSTRAP_SERVERS names one) serves every runtime, a topic each.
//
// Usage (after `npm run build`): node test/smoke/run.mjs [--records N] RUNTIME...   (RUNTIME: node = this Node,
// node22, node24, bun, deno). Exits non-zero if any runtime fails.
import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import {
  consumeAll,
  createTopic,
  kafkaVersion,
  processClusterDir,
  repoRoot,
  startCluster,
} from '../../scripts/lib/index.mjs';
import { scriptCommand } from '../../scripts/runtimes.mjs';
import { INDEX_HEADER, PARTITIONS, smokeRecord } from './records.mjs';

const { values, positionals: runtimes } = parseArgs({
  options: { records: { type: 'string', default: '500' } },
  allowPositionals: true,
});
const count = Number(values.records);
if (runtimes.length === 0 || !Number.isInteger(count) || count < 1) {
  console.error('usage: node test/smoke/run.mjs [--records N] RUNTIME... (node, node22, node24, bun, deno)');
  process.exit(2);
}
if (!existsSync(join(repoRoot, 'dist', 'bundle', 'index.js'))) {
  console.error(
    'smoke: dist/bundle/index.js is missing; run `npm run build` first (the smoke test runs the built package).',
  );
  process.exit(2);
}
// Fetch every runtime first, so a registry problem shows before a broker is started.
const commands = Object.fromEntries(runtimes.map((name) => [name, scriptCommand(name)]));

const external = process.env.KAFKA_BOOTSTRAP_SERVERS?.trim();
const cluster = external
  ? null
  : await startCluster({
      brokers: 1,
      basePort: 'auto',
      dir: await processClusterDir('smoke'),
      version: kafkaVersion(),
    });
const bootstrap = external || cluster.bootstrapServers;
console.log(
  `smoke: Kafka ${external ? `at ${external}` : `${cluster.version} at ${bootstrap}`}, ${count} records per runtime`,
);

let failed = 0;
try {
  for (const name of runtimes) {
    const started = Date.now();
    const problems = await smoke(name, commands[name]);
    const took = ((Date.now() - started) / 1000).toFixed(1);
    if (problems.length === 0) {
      console.log(`smoke: ${name} OK (${took} s)`);
    } else {
      failed++;
      console.log(`smoke: ${name} FAILED (${took} s)\n  ${problems.slice(0, 10).join('\n  ')}`);
      if (problems.length > 10) console.log(`  ... and ${problems.length - 10} more`);
    }
  }
} finally {
  await cluster?.destroy();
}
process.exit(failed === 0 ? 0 : 1);

/** Produces on runtime `name` and checks what Java reads; returns what is wrong, empty when all is well. */
async function smoke(name, [binary, ...args]) {
  const topic = `smoke-${name}-${process.pid}-${Date.now()}`;
  await createTopic(bootstrap, { topic, partitions: PARTITIONS, replicationFactor: 1 });
  let output;
  try {
    output = await run(binary, [
      ...args,
      join(repoRoot, 'test', 'smoke', 'produce.mjs'),
      bootstrap,
      topic,
      String(count),
    ]);
  } catch (error) {
    return [`${name} could not produce: ${error.message}`];
  }
  const { runtime, acks } = JSON.parse(output.trim().split('\n').pop());
  console.log(`smoke: ${name} is ${runtime}; ${acks.length} records acknowledged`);
  const consumed = await consumeAll({ bootstrap, topic, count });
  const problems = [];
  const seen = new Set();
  for (const got of consumed) {
    const indexHeader = got.headers.find((h) => h.key === INDEX_HEADER);
    const i = Number(indexHeader?.value?.toString());
    const where = `partition ${got.partition} offset ${got.offset}`;
    if (!Number.isInteger(i) || i < 0 || i >= count || seen.has(i)) {
      problems.push(`${where}: unexpected record (index header ${indexHeader?.value})`);
      continue;
    }
    seen.add(i);
    const { record } = smokeRecord(i);
    const ack = acks[i];
    const expect = (field, actual, wanted) => {
      if (actual !== wanted) problems.push(`record ${i} (${where}): ${field} is ${actual}, sent ${wanted}`);
    };
    expect('partition', got.partition, ack.partition);
    expect('offset', String(got.offset), ack.offset);
    expect('timestamp', got.timestamp, BigInt(record.timestamp));
    expect('timestamp (acknowledged)', ack.timestamp, String(record.timestamp));
    expect('timestamp type', got.timestampType, 'CREATE_TIME');
    expect('key', hex(got.key), hex(record.key));
    expect('value', hex(got.value), hex(record.value));
    const headers = (list) => JSON.stringify(list.map((h) => [h.key, hex(h.value)]));
    expect('headers', headers(got.headers), headers(record.headers));
  }
  for (let i = 0; i < count; i++)
    if (!seen.has(i)) problems.push(`record ${i} was acknowledged but not found`);
  return problems;
}

function hex(v) {
  if (v === null) return 'null';
  return Buffer.from(typeof v === 'string' ? Buffer.from(v, 'utf8') : v).toString('hex');
}

function run(binary, args) {
  return new Promise((resolve, reject) => {
    execFile(binary, args, { timeout: 120_000, maxBuffer: 64 * 1024 * 1024 }, (error, stdout, stderr) => {
      if (error) reject(new Error(`${error.message.split('\n')[0]}\n${stderr.trim()}`));
      else resolve(stdout);
    });
  });
}
