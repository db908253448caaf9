// The side-by-side producer benchmark: kafka-wire against Kafka's Java producer, librdkafka, kafkajs and
// @platformatic/kafka, every contestant against the same local Kafka, in turn, each in its own process.
//
//   npm run bench:compare                       # everything: 24 workloads x 6 contestants (~7 min here)
//   node bench/compare.mjs --quick              # 1M x 100 B and 200k x 1 KiB, 6 partitions, acks=all, none/lz4
//   node bench/compare.mjs --contestants kafka-wire,java --workloads '100B.*p6'   # a subset (regexps on ids)
//   node bench/compare.mjs --tls --rounds 2      # what TLS costs each client: 1M x 100 B, 6 partitions, acks=all,
//                                                # over PLAINTEXT and over TLS on the same secured broker (~10 min)
//   node bench/compare.mjs --transactions --rounds 3   # 200k x 100 B in transactions of 1,000 and of 10,000
//                                                      # records, 6 partitions, acks=all: records/s, commit latency
//   node bench/compare.mjs --ref HEAD ...         # kafka-wire as committed at a git ref, built apart from the
//                                                 # working tree (which other work may have half-changed)
//   node bench/compare.mjs --quick --ceiling      # adds the broker's ceiling (librdkafka at its best settings)
//                                                 # and every client as % of it
//
// Writes bench/compare.json (every run, with the settings each client used), the tables between the
// `compare:` markers in bench/README.md and the chart bench/compare.png (unless --no-write); with --tls,
// bench/compare-tls.json and the table between the `compare-tls:` markers instead (no chart); with
// --transactions, bench/compare-txn.json and the `compare-txn:` table. Installs what it needs on first use:
// Kafka's jars (broker 4.4.0, ProducerPerformance from kafka-tools 4.3.1, the newest kafka-tools on Maven
// Central), rdkafka_performance (bench/compare/rdkafka.sh), @confluentinc/kafka-javascript (built from its
// sources by bench/compare/confluent.sh), Node 24 (bench/node24.mjs) and matplotlib in a virtualenv under .cache
// (bench/compare/chart.py); javac and gcc compile the transactional Java and librdkafka contestants
// (bench/compare/TxnPerf.java, bench/compare/rdkafka-txn.c) into .cache.
//
// What is measured, and how (the same for every contestant):
// - records/s: records acknowledged / seconds from the first send to the last acknowledgement, as each tool
//   measures it itself (Java's ProducerPerformance and rdkafka_performance print it; the Node contestants
//   use bench/compare/common.mjs). Process start-up (a JVM's ~1 s) is outside that clock.
// - MB/s: value bytes acknowledged per second (1 MB = 10^6 bytes).
// - CPU s per 1M records: user + system CPU of the whole client process, start-up included, from wait4()
//   (bench/compare/rusage.py), divided by the records.
// - with --tls: the same workload over the broker's plaintext listener and over its one-way TLS listener (server
//   certificate checked against the test CA, no client certificate), both on one broker started with
//   startCluster({ secure: true }), so the ratio TLS / plaintext is what encryption costs each client; the
//   secured broker's authorizer and extra listeners weigh on both sides alike.
// - peak RSS: the client process's maximum resident set, from the same wait4().
// - p50/p99 latency: from handing a record to the client to its acknowledgement. Java and kafka-wire time each
//   record; librdkafka writes a timestamp into each payload (its -l mode); kafkajs and platformatic have no
//   per-record API, so a record's latency is its send() call's.
// - event-loop delay p99: perf_hooks.monitorEventLoopDelay over the run, Node contestants only.
// - commit latency (transactional workloads): from calling commitTransaction (or the client's equivalent) to its
//   return or resolution, p50/p99 over the run's transactions. The commit flushes what is still queued first,
//   in every client.
// - every run is checked against the broker: the topic's end offsets must add up to the records sent (for
//   transactions, plus one commit marker per partition and transaction).
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { cpus, loadavg, totalmem } from 'node:os';
import { dirname, join } from 'node:path';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { createTopic, deleteTopic, endOffsets, startCluster } from '../scripts/lib/index.mjs';
import { NODE24_VERSION, node24 } from './node24.mjs';

const CONFLUENT_VERSION = '1.10.1';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const JAVA_TOOLS_VERSION = '4.3.1';
const PATTERN = 'kafka-wire benchmark payload ';
const BATCH_SIZE = 262_144;
const LINGER_MS = 10;
const CEILING_BATCH_SIZE = 1_000_000;
const CEILING_LINGER_MS = 100;

const { values: args } = parseArgs({
  options: {
    quick: { type: 'boolean', default: false },
    contestants: { type: 'string' },
    workloads: { type: 'string' },
    'timeout-s': { type: 'string', default: '600' },
    'no-write': { type: 'boolean', default: false },
    bootstrap: { type: 'string' },
    tls: { type: 'boolean', default: false },
    rounds: { type: 'string', default: '1' },
    transactions: { type: 'boolean', default: false },
    ceiling: { type: 'boolean', default: false },
    ref: { type: 'string' },
  },
});

// ---------------------------------------------------------------------------------------------- workloads

const SHAPES = [
  { id: '1M-100B', records: 1_000_000, size: 100, label: '1M × 100 B' },
  { id: '200k-1KiB', records: 200_000, size: 1024, label: '200k × 1 KiB' },
];
function allWorkloads() {
  const list = [];
  for (const shape of SHAPES) {
    for (const partitions of [1, 6]) {
      for (const acks of ['1', 'all']) {
        for (const compression of ['none', 'lz4', 'zstd']) {
          list.push({
            ...shape,
            partitions,
            acks,
            compression,
            id: `${shape.id}-p${partitions}-acks${acks}-${compression}`,
            label: `${shape.label}, ${partitions} part., acks=${acks}, ${compression}`,
          });
        }
      }
    }
  }
  list.push(IDIOMATIC);
  return list;
}
// Issue 14's "what most users write": send() per keyed record, one Promise.all, default options, against
// kafkajs sending the same records in arrays of 1,000 (kafkajs has no per-record send).
const IDIOMATIC = {
  id: '300k-100B-keyed-p6-send-all',
  kind: 'send-all',
  label: '300k × 100 B keyed (1,000 keys), 6 part., send() per record + Promise.all, defaults',
  records: 300_000,
  size: 100,
  keys: 1000,
  partitions: 6,
  acks: 'all',
  compression: 'none',
};
// Transactions of 1,000 and of 10,000 records of 100 B, 6 partitions, acks=all, idempotent (issue 13).
const TXN_WORKLOADS = [1000, 10_000].map((perTransaction) => ({
  id: `txn${perTransaction / 1000}k-200k-100B-p6`,
  kind: 'txn',
  label: `200k × 100 B in transactions of ${perTransaction.toLocaleString('en-US')}, 6 part., acks=all`,
  records: 200_000,
  size: 100,
  transactionRecords: perTransaction,
  partitions: 6,
  acks: 'all',
  compression: 'none',
}));
// One record, once per contestant before the matrix: what starting the process, connecting and stopping costs
// (a JVM's start-up and class loading, Node's module loading), so CPU per record can also be shown without it.
const STARTUP = {
  id: 'startup',
  label: 'start-up: 1 record',
  records: 1,
  size: 100,
  partitions: 1,
  acks: '1',
  compression: 'none',
};
const startupCpu = new Map();
// The TLS comparison: one workload, twice on the same secured broker; `tls` picks the client's listener.
const TLS_BASE = allWorkloads().find((w) => w.id === '1M-100B-p6-acksall-none');
const TLS_WORKLOADS = [
  { ...TLS_BASE, id: `${TLS_BASE.id}-plaintext`, label: `${TLS_BASE.label}, PLAINTEXT`, tls: false },
  { ...TLS_BASE, id: `${TLS_BASE.id}-tls`, label: `${TLS_BASE.label}, TLS`, tls: true },
];
const rounds = Number(args.rounds);
if (!Number.isInteger(rounds) || rounds < 1)
  throw new Error(`--rounds must be a whole number >= 1, got ${args.rounds}`);
if ([args.tls, args.transactions, args.ceiling].filter(Boolean).length > 1) {
  throw new Error('--tls, --transactions and --ceiling are separate comparisons: pick one');
}
if (args.tls && args.bootstrap) {
  throw new Error('--tls starts its own secured broker (its TLS listener and CA); leave out --bootstrap');
}
let workloads = args.tls ? TLS_WORKLOADS : args.transactions ? TXN_WORKLOADS : allWorkloads();
if (args.quick) {
  workloads = workloads.filter((w) => w.partitions === 6 && w.acks === 'all' && w.compression !== 'zstd');
}
if (args.workloads) {
  const pattern = new RegExp(args.workloads);
  workloads = workloads.filter((w) => pattern.test(w.id));
}

// -------------------------------------------------------------------------------------------- contestants

// `kinds`: the workload kinds a contestant runs ('throughput' is the matrix, 'txn' the transactional workloads,
// 'send-all' the idiomatic one).
const ALL_KINDS = ['throughput', 'txn', 'send-all'];
const CONTESTANTS = [
  {
    id: 'kafka-wire',
    label: 'kafka-wire',
    kind: 'node',
    script: 'kafka-wire.mjs',
    runtime: 'node20',
    kinds: ALL_KINDS,
  },
  // The idiomatic workload's records handed to kafka-wire as one array: the way it offers to send an array.
  {
    id: 'kafka-wire-sendbatch',
    label: 'kafka-wire sendBatch()',
    kind: 'node',
    script: 'kafka-wire.mjs',
    runtime: 'node20',
    args: ['--send-batch'],
    kinds: ['send-all'],
  },
  { id: 'java', label: `Java producer ${JAVA_TOOLS_VERSION}`, kind: 'java', kinds: ['throughput', 'txn'] },
  { id: 'librdkafka', label: 'librdkafka', kind: 'rdkafka', kinds: ['throughput', 'txn'] },
  {
    id: 'kafkajs',
    label: 'kafkajs 2.2.4',
    kind: 'node',
    script: 'kafkajs.mjs',
    runtime: 'node20',
    kinds: ALL_KINDS,
  },
  {
    id: 'platformatic',
    label: '@platformatic/kafka 2.12.1',
    kind: 'node',
    script: 'platformatic.mjs',
    runtime: 'node24',
    kinds: ['throughput', 'txn'],
  },
  // The same library on the runtime platformatic needs, so that ratio compares like with like.
  {
    id: 'kafka-wire-node24',
    label: 'kafka-wire',
    kind: 'node',
    script: 'kafka-wire.mjs',
    runtime: 'node24',
    kinds: ['throughput', 'txn'],
  },
  // Confluent's official client (librdkafka 2.15 under N-API), through both of its APIs.
  {
    id: 'confluent-kafkajs',
    label: `@confluentinc/kafka-javascript ${CONFLUENT_VERSION}, KafkaJS API`,
    kind: 'node',
    script: 'confluent-kafkajs.mjs',
    runtime: 'node20',
    confluent: true,
    kinds: ['throughput', 'txn'],
  },
  {
    id: 'confluent-rdkafka',
    label: `@confluentinc/kafka-javascript ${CONFLUENT_VERSION}, produce API`,
    kind: 'node',
    script: 'confluent-rdkafka.mjs',
    runtime: 'node20',
    confluent: true,
    kinds: ['throughput'],
  },
];
// --ceiling: what the broker takes in at most, measured with the fastest client here at its best settings
// (librdkafka: batches of up to 1 MB, 100 ms linger, a deep queue, no per-message latency stamping).
const CEILING = {
  id: 'ceiling',
  label: 'ceiling (librdkafka, best settings)',
  kind: 'rdkafka',
  ceiling: true,
  kinds: ['throughput'],
};
let contestants = args.ceiling ? [CEILING, ...CONTESTANTS] : CONTESTANTS;
if (args.contestants) {
  const wanted = args.contestants.split(',');
  for (const id of wanted) {
    if (!CONTESTANTS.some((c) => c.id === id)) {
      throw new Error(`--contestants: unknown ${id}; known: ${CONTESTANTS.map((c) => c.id).join(', ')}`);
    }
  }
  contestants = contestants.filter((c) => c.ceiling || wanted.includes(c.id));
}
const runsWorkload = (contestant, workload) => contestant.kinds.includes(workload.kind ?? 'throughput');
contestants = contestants.filter((c) => workloads.some((w) => runsWorkload(c, w)));

// ----------------------------------------------------------------------------------------------- set-up

function step(what, command, commandArgs, options = {}) {
  status(`setup: ${what}`);
  const result = spawnSync(command, commandArgs, { cwd: root, encoding: 'utf8', ...options });
  if (result.status !== 0) {
    throw new Error(`bench: ${what} failed (exit ${result.status}):\n${result.stdout}\n${result.stderr}`);
  }
  return result.stdout.trim();
}

const tty = process.stderr.isTTY;
let lastStatusAt = 0;
function status(line, { force = true } = {}) {
  if (tty) {
    process.stderr.write(`\r\x1b[2K${line.slice(0, (process.stderr.columns ?? 120) - 1)}`);
    if (force) process.stderr.write('\n');
    return;
  }
  // Not a terminal (CI logs): a progress line every 5 s, and every final line.
  const now = Date.now();
  if (force || now - lastStatusAt > 5000) {
    lastStatusAt = now;
    process.stderr.write(`${line}\n`);
  }
}

const tools = {};
function setUp() {
  if (args.ref) tools.kafkaWireDist = buildRef(args.ref);
  else {
    tools.kafkaWireTree = workingTree();
    step('build kafka-wire (npm run build)', 'npm', ['run', 'build', '--silent']);
  }
  if (contestants.some((c) => c.kind === 'java')) {
    const libs = step(`Kafka ${JAVA_TOOLS_VERSION} jars with kafka-tools`, 'bash', [
      'scripts/kafka-jars.sh',
      JAVA_TOOLS_VERSION,
    ]);
    tools.javaClasspath = `${libs}/*`;
    // `java -version` answers on stderr.
    tools.javaVersion = spawnSync('java', ['-version'], { encoding: 'utf8' }).stderr.trim();
    if (workloads.some((w) => w.kind === 'txn')) {
      tools.javaClasses = join(root, '.cache', 'bench-compare', `java-${JAVA_TOOLS_VERSION}`);
      mkdirSync(tools.javaClasses, { recursive: true });
      step('javac TxnPerf.java', 'javac', [
        ...['-cp', tools.javaClasspath, '-d', tools.javaClasses],
        join(root, 'bench', 'compare', 'TxnPerf.java'),
      ]);
    }
  }
  if (contestants.some((c) => c.kind === 'rdkafka')) {
    tools.rdkafka = step('rdkafka_performance', 'bash', ['bench/compare/rdkafka.sh']);
    tools.rdkafkaVersion = spawnSync(tools.rdkafka, [], { encoding: 'utf8' }).stderr.match(
      /librdkafka version ([\d.]+)/,
    )?.[1];
  }
  if (contestants.some((c) => c.kind === 'rdkafka') && workloads.some((w) => w.kind === 'txn')) {
    tools.rdkafkaTxn = join(root, '.cache', 'bench-compare', 'rdkafka-txn');
    step('gcc rdkafka-txn.c', 'gcc', [
      ...['-O2', '-o', tools.rdkafkaTxn],
      ...[join(root, 'bench', 'compare', 'rdkafka-txn.c'), '-lrdkafka'],
    ]);
  }
  if (contestants.some((c) => c.confluent)) {
    step(`@confluentinc/kafka-javascript ${CONFLUENT_VERSION} (bench/compare/confluent.sh)`, 'bash', [
      'bench/compare/confluent.sh',
    ]);
  }
  if (contestants.some((c) => c.runtime === 'node24')) {
    status(`setup: Node ${NODE24_VERSION}`);
    tools.node24 = node24();
  }
  if (!args['no-write'] && !args.tls && !args.transactions) tools.python = chartPython();
}

/**
 * What the working tree's build is (read when it is built): its commit, and whether tracked files differ
 * from it, so a run on a clean tree names the code it measured ("working tree" alone left that to whoever
 * reported the run).
 */
function workingTree() {
  const git = (...gitArgs) => spawnSync('git', gitArgs, { cwd: root, encoding: 'utf8' });
  const head = git('rev-parse', '--short=7', 'HEAD');
  if (head.status !== 0) return 'working tree';
  const changed = git('status', '--porcelain', '--untracked-files=no').stdout.trim() !== '';
  return `working tree at ${head.stdout.trim()}${changed ? ' with uncommitted changes' : ' (clean)'}`;
}

/** kafka-wire as committed at `ref`, built once into .cache/bench-kafka-wire/<commit>; returns its dist/. */
function buildRef(ref) {
  const commit = step(`git rev-parse ${ref}`, 'git', ['rev-parse', '--verify', `${ref}^{commit}`]);
  tools.kafkaWireCommit = commit;
  const dir = join(root, '.cache', 'bench-kafka-wire', commit);
  const dist = join(dir, 'dist');
  if (existsSync(join(dist, 'index.js'))) return dist;
  rmSync(dir, { recursive: true, force: true });
  mkdirSync(dir, { recursive: true });
  step(`git archive ${commit.slice(0, 12)}`, 'bash', [
    '-c',
    `git archive ${commit} src scripts tsconfig.json tsconfig.build.json package.json | tar -x -C '${dir}'`,
  ]);
  symlinkSync(join(root, 'node_modules'), join(dir, 'node_modules'));
  step(
    `build kafka-wire ${commit.slice(0, 12)}`,
    join(root, 'node_modules', '.bin', 'tsc'),
    ['-p', 'tsconfig.build.json'],
    {
      cwd: dir,
    },
  );
  // Commits since the package's entry points became one linked folder (dist/bundle) link it after tsc.
  if (existsSync(join(dir, 'scripts', 'bundle.mjs'))) {
    step(`link kafka-wire ${commit.slice(0, 12)}`, process.execPath, ['scripts/bundle.mjs'], { cwd: dir });
  }
  return dist;
}

/** A virtualenv with matplotlib for the chart, made once in .cache (PyPI wheels, nothing compiles). */
function chartPython() {
  const venv = join(root, '.cache', 'bench-venv');
  const python = join(venv, 'bin', 'python');
  const probe = spawnSync(python, ['-c', 'import matplotlib'], { encoding: 'utf8' });
  if (probe.status === 0) return python;
  rmSync(venv, { recursive: true, force: true });
  step('virtualenv for the chart', 'python3', ['-m', 'venv', venv]);
  step('matplotlib 3.9.2 from PyPI', join(venv, 'bin', 'pip'), ['install', '-q', 'matplotlib==3.9.2']);
  return python;
}

// ---------------------------------------------------------------------------------------------- one run

function payloadFile(size) {
  const file = join(root, '.cache', 'bench-compare', `payload-${size}.txt`);
  mkdirSync(dirname(file), { recursive: true });
  writeFileSync(file, PATTERN.repeat(Math.ceil(size / PATTERN.length)).slice(0, size));
  return file;
}

/**
 * The client's command line. `ca`: the CA certificate (PEM) to trust when the workload runs over TLS, else null:
 * every client then checks the broker's certificate and host name against it, as a user's would.
 */
function commandFor(contestant, workload, topic, bootstrap, latencyFile, ca) {
  switch (contestant.kind) {
    case 'node':
      return [
        contestant.runtime === 'node24' ? tools.node24 : process.execPath,
        join(root, 'bench', 'compare', 'contestants', contestant.script),
        ...['--bootstrap', bootstrap, '--topic', topic, '--records', String(workload.records)],
        ...['--size', String(workload.size), '--acks', workload.acks, '--compression', workload.compression],
        ...['--batch-size', String(BATCH_SIZE), '--linger', String(LINGER_MS), '--pattern', PATTERN],
        ...(ca ? ['--ssl-ca', ca] : []),
        ...(workload.kind === 'txn' ? ['--transaction-records', String(workload.transactionRecords)] : []),
        ...(workload.kind === 'send-all' ? ['--keys', String(workload.keys), '--defaults'] : []),
        ...(contestant.args ?? []),
      ];
    case 'java':
      if (workload.kind === 'txn') {
        return [
          'java',
          ...['-Xmx512M', '-server', '-XX:+UseG1GC', '-XX:MaxGCPauseMillis=20', '-Djava.awt.headless=true'],
          ...['-cp', `${tools.javaClasspath}:${tools.javaClasses}`, 'TxnPerf', bootstrap, topic],
          ...[String(workload.records), String(workload.transactionRecords), String(workload.size), PATTERN],
          ...[String(BATCH_SIZE), String(LINGER_MS)],
        ];
      }
      // The JVM options are those kafka-producer-perf-test.sh runs it with (kafka-run-class.sh's defaults and
      // its -Xmx512M); the payload file holds one payload, so every record carries the same bytes.
      return [
        'java',
        ...['-Xmx512M', '-server', '-XX:+UseG1GC', '-XX:MaxGCPauseMillis=20'],
        ...['-XX:InitiatingHeapOccupancyPercent=35', '-XX:+ExplicitGCInvokesConcurrent'],
        '-Djava.awt.headless=true',
        ...['-cp', tools.javaClasspath, 'org.apache.kafka.tools.ProducerPerformance'],
        ...['--topic', topic, '--num-records', String(workload.records), '--throughput', '-1'],
        ...['--payload-file', payloadFile(workload.size)],
        // One flag, all properties after it (a repeated flag keeps only its last list).
        ...['--command-property', `bootstrap.servers=${bootstrap}`, `acks=${workload.acks}`],
        ...[`batch.size=${BATCH_SIZE}`, `linger.ms=${LINGER_MS}`, `compression.type=${workload.compression}`],
        ...(ca ? ['security.protocol=SSL', 'ssl.truststore.type=PEM', `ssl.truststore.location=${ca}`] : []),
      ];
    case 'rdkafka':
      if (workload.kind === 'txn') {
        return [
          tools.rdkafkaTxn,
          ...[bootstrap, topic, String(workload.records), String(workload.transactionRecords)],
          ...[String(workload.size), PATTERN, String(BATCH_SIZE), String(LINGER_MS)],
        ];
      }
      if (contestant.ceiling) {
        return [
          tools.rdkafka,
          ...[
            '-P',
            '-t',
            topic,
            '-b',
            bootstrap,
            '-c',
            String(workload.records),
            '-s',
            String(workload.size),
          ],
          ...['-m', PATTERN, '-a', workload.acks === 'all' ? '-1' : '1', '-u', '-q', '-i', '500'],
          ...['-X', `compression.codec=${workload.compression}`, '-X', `linger.ms=${CEILING_LINGER_MS}`],
          ...[
            '-X',
            `batch.size=${CEILING_BATCH_SIZE}`,
            '-X',
            `enable.idempotence=${workload.acks === 'all'}`,
          ],
          ...['-X', 'queue.buffering.max.messages=2000000', '-X', 'queue.buffering.max.kbytes=2097151'],
        ];
      }
      // Idempotence as Java has it by default: on with acks=all (librdkafka's default is off).
      return [
        tools.rdkafka,
        ...['-P', '-t', topic, '-b', bootstrap, '-c', String(workload.records), '-s', String(workload.size)],
        ...['-m', PATTERN, '-a', workload.acks === 'all' ? '-1' : '1', '-u', '-q', '-i', '500'],
        ...['-X', `compression.codec=${workload.compression}`, '-X', `linger.ms=${LINGER_MS}`],
        ...['-X', `batch.size=${BATCH_SIZE}`, '-X', `enable.idempotence=${workload.acks === 'all'}`],
        ...['-l', '-A', latencyFile],
        ...(ca ? ['-X', 'security.protocol=ssl', '-X', `ssl.ca.location=${ca}`] : []),
      ];
    default:
      throw new Error(`unknown contestant kind ${contestant.kind}`);
  }
}

/** Progress (records acknowledged so far) and the final figures, from each kind of output. */
function outputParser(contestant, workload) {
  // The Node contestants and the transactional Java and C programs speak the same line protocol.
  const lines = contestant.kind === 'node' || workload.kind === 'txn';
  let acked = 0;
  let result = null;
  const javaFinal =
    /^(\d+) records sent, ([\d.]+) records\/sec \(([\d.]+) MB\/sec\), ([\d.]+) ms avg latency, ([\d.]+) ms max latency, (\d+) ms 50th, (\d+) ms 95th, (\d+) ms 99th, (\d+) ms 99\.9th/;
  const javaWindow = /^(\d+) records sent, [\d.]+ records\/sec/;
  let rdkafkaColumns = null;
  return {
    get acked() {
      return acked;
    },
    get result() {
      return result;
    },
    line(text) {
      if (lines) {
        if (text.startsWith('PROGRESS ')) acked = Number(text.slice(9));
        else if (text.startsWith('RESULT ')) result = JSON.parse(text.slice(7));
      } else if (contestant.kind === 'java') {
        const final = javaFinal.exec(text);
        if (final) {
          result = {
            records: Number(final[1]),
            recordsPerSecond: Number(final[2]),
            latencyMs: { p50: Number(final[6]), p99: Number(final[8]) },
          };
          acked = Number(final[1]);
        } else {
          const window = javaWindow.exec(text);
          if (window) acked += Number(window[1]);
        }
      } else if (contestant.kind === 'rdkafka' && text.startsWith('|')) {
        const cells = text
          .split('|')
          .map((cell) => cell.trim())
          .filter((cell) => cell.length > 0);
        if (cells[0] === 'elapsed') rdkafkaColumns = cells;
        else if (rdkafkaColumns) {
          const row = Object.fromEntries(rdkafkaColumns.map((name, i) => [name, Number(cells[i])]));
          acked = row.dr;
          result = {
            records: row.dr,
            seconds: row.elapsed / 1000,
            // tx_err counts "queue full, try again" (its back-pressure), not lost records.
            errors: row.dr_err,
          };
        }
      }
    },
  };
}

/** Whose start-up run stands for this contestant's: the ceiling is librdkafka's process. */
const startupOf = (contestant) => (contestant.ceiling ? 'librdkafka' : contestant.id);

function percentile(sorted, fraction) {
  if (sorted.length === 0) return null;
  return sorted[Math.min(sorted.length - 1, Math.ceil(sorted.length * fraction) - 1)];
}

/**
 * One contestant on one workload. `broker`: `bootstrap` (plaintext: topics are made, counted and deleted there,
 * and clients of plaintext workloads connect to it), and for --tls `tlsBootstrap` and `ca`.
 */
async function runOne(contestant, workload, broker, round, index, total) {
  const { bootstrap } = broker;
  const runDir = join(root, '.cache', 'bench-compare', 'runs');
  mkdirSync(runDir, { recursive: true });
  const name = `${workload.id}-${contestant.id}${round > 1 ? `-round${round}` : ''}`;
  const topic = `cmp-${name}-${Date.now()}`;
  const latencyFile = join(runDir, `${name}.latency`);
  const usageFile = join(runDir, `${name}.rusage.json`);
  rmSync(usageFile, { force: true });
  await createTopic(bootstrap, { topic, partitions: workload.partitions });

  const command = workload.tls
    ? commandFor(contestant, workload, topic, broker.tlsBootstrap, latencyFile, broker.ca)
    : commandFor(contestant, workload, topic, bootstrap, latencyFile, null);
  const log = [];
  const parser = outputParser(contestant, workload);
  const started = Date.now();
  const child = spawn('python3', [join(root, 'bench', 'compare', 'rusage.py'), usageFile, '--', ...command], {
    cwd: root,
    stdio: ['ignore', 'pipe', 'pipe'],
    detached: true,
    env: tools.kafkaWireDist ? { ...process.env, BENCH_KAFKA_WIRE_DIST: tools.kafkaWireDist } : process.env,
  });
  const onLine = (text) => {
    if (text.length === 0) return;
    if (!text.startsWith('PROGRESS ')) log.push(text);
    parser.line(text);
  };
  // Each stream is read line by line; a last line without a newline still arrives before 'close'.
  createInterface({ input: child.stdout }).on('line', onLine);
  createInterface({ input: child.stderr }).on('line', onLine);
  const ticker = setInterval(() => {
    const done = parser.acked / workload.records;
    const bar = '#'.repeat(Math.round(done * 20)).padEnd(20, '.');
    const seconds = ((Date.now() - started) / 1000).toFixed(0);
    status(
      `[${index}/${total}] ${workload.label} | ${contestant.label} (${contestant.runtime ?? contestant.kind}) [${bar}] ${parser.acked.toLocaleString('en-US')}/${workload.records.toLocaleString('en-US')} ${seconds}s`,
      { force: false },
    );
  }, 200);
  const timeoutMs = Number(args['timeout-s']) * 1000;
  let timedOut = false;
  const timer = setTimeout(() => {
    timedOut = true;
    try {
      process.kill(-child.pid, 'SIGKILL');
    } catch {}
  }, timeoutMs);
  const exitCode = await new Promise((resolve) => child.on('close', (code) => resolve(code)));
  clearInterval(ticker);
  clearTimeout(timer);
  writeFileSync(join(runDir, `${name}.log`), `${command.join(' ')}\n\n${log.join('\n')}\n`);

  const run = {
    workload: workload.id,
    contestant: contestant.id,
    label: contestant.label,
    round,
    runtime:
      contestant.runtime === 'node24'
        ? `Node ${NODE24_VERSION}`
        : contestant.runtime
          ? process.version
          : null,
  };
  const parsed = parser.result;
  if (parsed?.unsupported) {
    status(`[${index}/${total}] ${workload.label} | ${contestant.label}: n/a (${parsed.unsupported})`);
    await deleteTopic(bootstrap, topic).catch(() => {});
    return { ...run, unsupported: parsed.unsupported };
  }
  if (timedOut || exitCode !== 0 || parsed === null) {
    const why = timedOut ? `no result within ${args['timeout-s']} s` : `exit ${exitCode}, no result`;
    status(
      `[${index}/${total}] ${workload.label} | ${contestant.label}: FAILED (${why}); log in ${runDir}/${name}.log`,
    );
    await deleteTopic(bootstrap, topic).catch(() => {});
    return { ...run, failed: why, logTail: log.slice(-5) };
  }
  const usage = JSON.parse(readFileSync(usageFile, 'utf8'));
  const records = parsed.records;
  const seconds = parsed.seconds ?? records / parsed.recordsPerSecond;
  let latencyMs = parsed.latencyMs;
  if (contestant.kind === 'rdkafka' && workload.kind !== 'txn' && !contestant.ceiling) {
    const micros = readFileSync(latencyFile, 'utf8')
      .split('\n')
      .filter((l) => l.length > 0)
      .map(Number)
      .sort((a, b) => a - b);
    latencyMs = { p50: percentile(micros, 0.5) / 1000, p99: percentile(micros, 0.99) / 1000 };
    rmSync(latencyFile, { force: true });
  }
  const offsets = await endOffsets(bootstrap, topic);
  const landed = offsets.reduce((sum, p) => sum + Number(p.endOffset), 0);
  await deleteTopic(bootstrap, topic).catch(() => {});
  const result = {
    ...run,
    records,
    errors: parsed.errors ?? 0,
    landed,
    seconds,
    recordsPerSecond: records / seconds,
    mbPerSecond: (records * workload.size) / seconds / 1e6,
    cpuSeconds: usage.userSeconds + usage.systemSeconds,
    cpuSecondsPer1M: ((usage.userSeconds + usage.systemSeconds) * 1e6) / workload.records,
    cpuSecondsPer1MAfterStartup:
      startupCpu.has(startupOf(contestant)) && workload.id !== STARTUP.id
        ? (Math.max(0, usage.userSeconds + usage.systemSeconds - startupCpu.get(startupOf(contestant))) *
            1e6) /
          workload.records
        : null,
    peakRssMiB: usage.peakRssKiB / 1024,
    latencyMs: latencyMs ?? { p50: null, p99: null },
    commitLatencyMs: parsed.commitLatencyMs ?? null,
    transactions: parsed.transactions ?? null,
    eventLoopDelayP99Ms: parsed.eventLoopDelayP99Ms ?? null,
    settings: parsed.settings ?? null,
    processWallSeconds: usage.wallSeconds,
  };
  // Each committed transaction leaves one commit marker (a control record) in every partition it wrote to: one
  // to `partitions` per transaction, depending on how the client spread its records.
  const markers = workload.kind === 'txn' ? (result.transactions ?? 0) : 0;
  const landedOk =
    landed >= workload.records + markers && landed <= workload.records + markers * workload.partitions;
  if (!landedOk || records !== workload.records || result.errors > 0) {
    result.failed = `${records} acknowledged, ${landed} in the topic, ${result.errors} errors, of ${workload.records}`;
  }
  status(
    `[${index}/${total}] ${workload.label} | ${contestant.label} (${run.runtime ?? contestant.kind}): ${fmt(result.recordsPerSecond)} rec/s, CPU ${result.cpuSecondsPer1M.toFixed(2)} s/1M, RSS ${fmt(result.peakRssMiB)} MiB, ${result.commitLatencyMs ? `commit p50 ${fmt(result.commitLatencyMs.p50, 1)} p99 ${fmt(result.commitLatencyMs.p99, 1)} ms` : `p99 ${fmt(result.latencyMs.p99)} ms`}${result.failed ? ` — FAILED: ${result.failed}` : ''}`,
  );
  return result;
}

// -------------------------------------------------------------------------------------------- reporting

function fmt(n, digits = 0) {
  if (n === null || n === undefined || Number.isNaN(n)) return 'n/a';
  return n.toLocaleString('en-US', { minimumFractionDigits: digits, maximumFractionDigits: digits });
}

function machine() {
  const cpu = cpus();
  return {
    cpu: `${cpu.length} × ${cpu[0]?.model ?? 'unknown'}`,
    memoryGiB: Math.round(totalmem() / 2 ** 30),
    node: process.version,
    java: tools.javaVersion?.split('\n')[0] ?? null,
    librdkafka: tools.rdkafkaVersion ?? null,
  };
}

function contestantName(run) {
  return run.runtime?.startsWith('Node') && run.contestant.startsWith('kafka-wire')
    ? `${run.label} (${run.runtime})`
    : run.runtime === process.version
      ? `${run.label} (Node ${process.version.slice(1)})`
      : run.label;
}

function markdown(report) {
  const lines = [];
  const byWorkload = runsByWorkload(report);
  lines.push(
    `\`${report.command}\`, ${report.startedAt} → ${report.finishedAt} UTC, ${report.machine.cpu}, ${report.machine.memoryGiB} GiB; load average ${report.loadBefore} before, ${report.loadAfter} after. Kafka ${report.broker} (one broker, same machine). kafka-wire: ${report.kafkaWire}. batch.size ${BATCH_SIZE} and linger.ms ${LINGER_MS} for every client that has them.`,
    '',
  );
  // Summary: kafka-wire's records/s over each other contestant's, per workload, and CPU against Java's (with
  // --rounds, the first round's; every round is under "Every run").
  const ours = (runs) => runs.find((r) => r.contestant === 'kafka-wire' && !r.failed && !r.unsupported);
  const ours24 = (runs) =>
    runs.find((r) => r.contestant === 'kafka-wire-node24' && !r.failed && !r.unsupported);
  const other = (runs, id) => runs.find((r) => r.contestant === id && !r.failed && !r.unsupported);
  const cpuRatio = (a, b, field) => (a?.[field] && b?.[field] ? (a[field] / b[field]).toFixed(2) : 'n/a');
  const ratio = (a, b) => (a && b ? `${(a.recordsPerSecond / b.recordsPerSecond).toFixed(2)}x` : 'n/a');
  lines.push(
    '| workload | kafka-wire rec/s | ÷ Java | ÷ librdkafka | ÷ kafkajs | ÷ platformatic (both Node 24) | ÷ Confluent, KafkaJS API | ÷ Confluent, produce API | CPU/record ÷ Java | same, start-up excluded | CPU/record ÷ librdkafka, start-up excluded |',
    '| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |',
  );
  for (const [id, runs] of byWorkload) {
    const mine = ours(runs);
    const java = other(runs, 'java');
    lines.push(
      `| ${workloadLabel(id)} | ${fmt(mine?.recordsPerSecond)} | ${ratio(mine, java)} | ${ratio(mine, other(runs, 'librdkafka'))} | ${ratio(mine, other(runs, 'kafkajs'))} | ${ratio(ours24(runs), other(runs, 'platformatic'))} | ${ratio(mine, other(runs, 'confluent-kafkajs'))} | ${ratio(mine, other(runs, 'confluent-rdkafka'))} | ${cpuRatio(mine, java, 'cpuSecondsPer1M')} | ${cpuRatio(mine, java, 'cpuSecondsPer1MAfterStartup')} | ${cpuRatio(mine, other(runs, 'librdkafka'), 'cpuSecondsPer1MAfterStartup')} |`,
    );
  }
  if (report.runs.some((r) => r.contestant === CEILING.id)) lines.push('', ...ceilingTable(report));
  lines.push('', ...everyRun(report));
  return lines.join('\n');
}

const workloadLabel = (id) =>
  [...allWorkloads(), ...TLS_WORKLOADS, ...TXN_WORKLOADS].find((w) => w.id === id)?.label ?? id;

/** Every client's records/s as a share of the ceiling's on the same workload (same round). */
function ceilingTable(report) {
  const clients = [];
  for (const run of report.runs) {
    if (run.contestant !== CEILING.id && !clients.some((c) => c.id === run.contestant)) {
      clients.push({ id: run.contestant, name: contestantName(run) });
    }
  }
  const lines = [
    `Every client's records/s as % of the ceiling: librdkafka's rdkafka_performance with batch.size ${CEILING_BATCH_SIZE}, linger.ms ${CEILING_LINGER_MS}, a 2M-message queue and no latency stamping, same acks, idempotence and codec as the workload.`,
    '',
    `| workload | ceiling rec/s | ${clients.map((c) => c.name).join(' | ')} |`,
    `| --- | ---: | ${clients.map(() => '---:').join(' | ')} |`,
  ];
  for (const [id, runs] of runsByWorkload(report)) {
    for (let round = 1; round <= report.rounds; round++) {
      const ok = (r) => r.round === round && !r.failed && !r.unsupported && r.recordsPerSecond !== undefined;
      const ceiling = runs.find((r) => r.contestant === CEILING.id && ok(r));
      if (!ceiling) continue;
      const cells = clients.map((c) => {
        const run = runs.find((r) => r.contestant === c.id && ok(r));
        return run ? `${((run.recordsPerSecond / ceiling.recordsPerSecond) * 100).toFixed(0)} %` : '–';
      });
      const name = `${workloadLabel(id)}${report.rounds > 1 ? `, round ${round}` : ''}`;
      lines.push(`| ${name} | ${fmt(ceiling.recordsPerSecond)} | ${cells.join(' | ')} |`);
    }
  }
  return lines;
}

/**
 * The --transactions table: per workload and client, records/s, CPU per 1M records (start-up excluded) and
 * commit latency, one value per round joined by " / ", and kafka-wire's records/s and CPU against each client's.
 */
function txnMarkdown(report) {
  const lines = [
    `\`${report.command}\`, ${report.startedAt} → ${report.finishedAt} UTC, ${report.machine.cpu}, ${report.machine.memoryGiB} GiB; load average ${report.loadBefore} before, ${report.loadAfter} after. Kafka ${report.broker} (one broker, same machine). kafka-wire: ${report.kafkaWire}. Every client transactional (acks=all, idempotent), batch.size ${BATCH_SIZE} and linger.ms ${LINGER_MS} where it has them. ${report.rounds} round(s), order rotated per round; values per round, separated by " / ".`,
    '',
    '| workload | client | records/s | kafka-wire ÷ this | CPU s / 1M, start-up excluded | this ÷ kafka-wire | commit p50 ms | commit p99 ms | peak RSS MiB |',
    '| --- | --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: |',
  ];
  const ok = (run) => run && !run.failed && !run.unsupported && run.recordsPerSecond !== undefined;
  for (const [id, runs] of runsByWorkload(report)) {
    const clients = [];
    for (const run of runs)
      if (!clients.some((c) => c.id === run.contestant)) clients.push({ id: run.contestant, run });
    for (const { id: client, run: first } of clients) {
      const perRound = (figure) =>
        Array.from({ length: report.rounds }, (_, i) => {
          const run = runs.find((r) => r.contestant === client && r.round === i + 1);
          const mine = runs.find((r) => r.contestant === 'kafka-wire' && r.round === i + 1);
          return ok(run) ? figure(run, ok(mine) ? mine : null) : run?.failed ? 'failed' : 'n/a';
        }).join(' / ');
      lines.push(
        `| ${workloadLabel(id)} | ${contestantName(first)} | ${perRound((r) => fmt(r.recordsPerSecond))} | ${perRound((r, m) => (m ? `${(m.recordsPerSecond / r.recordsPerSecond).toFixed(2)}x` : 'n/a'))} | ${perRound((r) => fmt(r.cpuSecondsPer1MAfterStartup, 2))} | ${perRound((r, m) => (m?.cpuSecondsPer1MAfterStartup ? (r.cpuSecondsPer1MAfterStartup / m.cpuSecondsPer1MAfterStartup).toFixed(2) : 'n/a'))} | ${perRound((r) => fmt(r.commitLatencyMs?.p50, 1))} | ${perRound((r) => fmt(r.commitLatencyMs?.p99, 1))} | ${perRound((r) => fmt(r.peakRssMiB))} |`,
      );
    }
  }
  lines.push('', ...everyRun(report));
  return lines.join('\n');
}

function runsByWorkload(report) {
  const byWorkload = new Map();
  for (const run of report.runs) {
    if (!byWorkload.has(run.workload)) byWorkload.set(run.workload, []);
    byWorkload.get(run.workload).push(run);
  }
  return byWorkload;
}

/** Every run's figures, folded away under the summary. */
function everyRun(report) {
  const lines = ['<details><summary>Every run</summary>', ''];
  lines.push(
    '| workload | client | records/s | MB/s | CPU s / 1M | same, start-up excluded | peak RSS MiB | p50 ms | p99 ms | event-loop p99 ms |',
    '| --- | --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |',
  );
  for (const [id, runs] of runsByWorkload(report)) {
    for (const run of runs) {
      const name = `${contestantName(run)}${report.rounds > 1 ? `, round ${run.round}` : ''}`;
      if (run.unsupported) {
        lines.push(`| ${workloadLabel(id)} | ${name} | n/a: ${run.unsupported} | | | | | | | |`);
      } else if (run.failed && run.recordsPerSecond === undefined) {
        lines.push(`| ${workloadLabel(id)} | ${name} | failed: ${run.failed} | | | | | | | |`);
      } else {
        lines.push(
          `| ${workloadLabel(id)} | ${name}${run.failed ? ` (FAILED: ${run.failed})` : ''}${run.retriedAfter ? ` (second try; the first: ${run.retriedAfter})` : ''} | ${fmt(run.recordsPerSecond)} | ${fmt(run.mbPerSecond, 1)} | ${fmt(run.cpuSecondsPer1M, 2)} | ${fmt(run.cpuSecondsPer1MAfterStartup, 2)} | ${fmt(run.peakRssMiB)} | ${fmt(run.latencyMs?.p50, 1)} | ${fmt(run.latencyMs?.p99, 1)} | ${run.eventLoopDelayP99Ms === null ? '–' : fmt(run.eventLoopDelayP99Ms, 1)} |`,
        );
      }
    }
  }
  lines.push('', '</details>');
  return lines;
}

/**
 * The --tls table: per client, records/s and CPU per 1M records over PLAINTEXT and over TLS, and TLS ÷
 * PLAINTEXT, one value per round (a spread, since the machine is shared) joined by " / ".
 */
function tlsMarkdown(report) {
  const [plain, tls] = TLS_WORKLOADS;
  const ok = (run) => run && !run.failed && !run.unsupported;
  const find = (workload, contestant, round) =>
    report.runs.find((r) => r.workload === workload.id && r.contestant === contestant && r.round === round);
  const perRound = (contestant, figure) =>
    Array.from({ length: report.rounds }, (_, i) => {
      const a = find(plain, contestant, i + 1);
      const b = find(tls, contestant, i + 1);
      return figure(ok(a) ? a : null, ok(b) ? b : null);
    }).join(' / ');
  const value = (field, digits) => (run) => (run ? fmt(run[field], digits) : 'n/a');
  const ratio = (field) => (a, b) => (a && b ? (b[field] / a[field]).toFixed(2) : 'n/a');
  const lines = [
    `\`${report.command}\`, ${report.startedAt} → ${report.finishedAt} UTC, ${report.machine.cpu}, ${report.machine.memoryGiB} GiB; load average ${report.loadBefore} before, ${report.loadAfter} after. Kafka ${report.broker} (one secured broker, same machine): ${plain.label.replace(/, PLAINTEXT$/, '')}, once over its PLAINTEXT listener and once over its one-way TLS listener (server certificate from a test CA, which every client is given and checks, host name included; no client certificate). batch.size ${BATCH_SIZE} and linger.ms ${LINGER_MS} for every client that has them. ${report.rounds} round(s); values per round, separated by " / ".`,
    '',
    '| client | records/s PLAINTEXT | records/s TLS | TLS ÷ PLAINTEXT | CPU s / 1M PLAINTEXT | CPU s / 1M TLS | TLS ÷ PLAINTEXT |',
    '| --- | ---: | ---: | ---: | ---: | ---: | ---: |',
  ];
  const seen = new Set();
  for (const run of report.runs) {
    if (seen.has(run.contestant)) continue;
    seen.add(run.contestant);
    const id = run.contestant;
    lines.push(
      `| ${contestantName(run)} | ${perRound(id, (a) => value('recordsPerSecond', 0)(a))} | ${perRound(id, (_, b) => value('recordsPerSecond', 0)(b))} | ${perRound(id, ratio('recordsPerSecond'))} | ${perRound(id, (a) => value('cpuSecondsPer1M', 2)(a))} | ${perRound(id, (_, b) => value('cpuSecondsPer1M', 2)(b))} | ${perRound(id, ratio('cpuSecondsPer1M'))} |`,
    );
  }
  lines.push('', ...everyRun(report));
  return lines.join('\n');
}

function render(report) {
  return args.tls ? tlsMarkdown(report) : args.transactions ? txnMarkdown(report) : markdown(report);
}

function writeReport(report) {
  // --quick has its own files, so the full matrix's table and chart stay as they were.
  const name = args.tls
    ? 'compare-tls'
    : args.transactions
      ? 'compare-txn'
      : args.quick
        ? 'compare-quick'
        : 'compare';
  const json = join(root, 'bench', `${name}.json`);
  writeFileSync(json, `${JSON.stringify(report, null, 2)}\n`);
  const readme = join(root, 'bench', 'README.md');
  const text = readFileSync(readme, 'utf8');
  const begin = `<!-- ${name}:begin -->`;
  const end = `<!-- ${name}:end -->`;
  const table = `${begin}\n${render(report)}\n${end}`;
  const updated =
    text.includes(begin) && text.includes(end)
      ? text.slice(0, text.indexOf(begin)) + table + text.slice(text.indexOf(end) + end.length)
      : `${text.trimEnd()}\n\n${table}\n`;
  writeFileSync(readme, updated);
  if (args.tls || args.transactions) {
    status(`wrote ${json} and bench/README.md`);
    return;
  }
  const png = join(root, 'bench', `${name}.png`);
  step(`chart (bench/${name}.png)`, tools.python, [join(root, 'bench', 'compare', 'chart.py'), json, png]);
  status(`wrote ${json}, bench/README.md and ${png}`);
}

// ------------------------------------------------------------------------------------------------- main

setUp();
let cluster = null;
const broker = { bootstrap: args.bootstrap, tlsBootstrap: null, ca: null };
if (!broker.bootstrap) {
  status(`setup: starting Kafka (one KRaft broker${args.tls ? ' with TLS listeners' : ''})`);
  cluster = await startCluster({
    basePort: 'auto',
    dir: join(root, '.kafka', `bench-compare-${process.pid}`),
    ...(args.tls ? { secure: true } : {}),
  });
  broker.bootstrap = cluster.bootstrapServers;
  if (args.tls) {
    broker.tlsBootstrap = cluster.security.listeners.SSL_ONE_WAY;
    broker.ca = cluster.security.tls.ca;
  }
}
const { bootstrap } = broker;
const report = {
  command: `node bench/compare.mjs${process.argv.slice(2).length ? ` ${process.argv.slice(2).join(' ')}` : ''}`,
  startedAt: new Date().toISOString().slice(0, 16).replace('T', ' '),
  loadBefore: loadavg()
    .map((n) => n.toFixed(1))
    .join(' '),
  broker: cluster?.version ?? `external ${bootstrap}`,
  machine: machine(),
  settings: { batchSize: BATCH_SIZE, lingerMs: LINGER_MS, pattern: PATTERN },
  kafkaWire: tools.kafkaWireCommit
    ? `commit ${tools.kafkaWireCommit}`
    : (tools.kafkaWireTree ?? 'working tree'),
  rounds,
  startup: [],
  runs: [],
};
try {
  const total =
    contestants.filter((c) => !c.ceiling).length +
    rounds * workloads.reduce((sum, w) => sum + contestants.filter((c) => runsWorkload(c, w)).length, 0);
  let index = 0;
  for (const contestant of contestants) {
    // The ceiling is librdkafka's process: its start-up cost is librdkafka's.
    if (contestant.ceiling) continue;
    const run = await runOne(contestant, STARTUP, broker, 1, ++index, total);
    report.startup.push(run);
    if (run.cpuSeconds !== undefined) startupCpu.set(contestant.id, run.cpuSeconds);
  }
  for (let round = 1; round <= rounds; round++) {
    for (const [w, workload] of workloads.entries()) {
      // Rotate the order per workload and round, so no contestant always runs first (warm broker page cache,
      // log roll, a neighbour's burst of CPU).
      const shift = w + (round - 1) * workloads.length;
      const order = contestants
        .map((_, i) => contestants[(i + shift) % contestants.length])
        .filter((c) => runsWorkload(c, workload));
      for (const contestant of order) {
        index++;
        let run = await runOne(contestant, workload, broker, round, index, total);
        // A process that died or gave no result (librdkafka's rdkafka_performance once exited 1 after
        // reporting every record delivered) runs once more; the run keeps why. A run whose records did not
        // all land is a client's failure and stands.
        if (run.failed && run.recordsPerSecond === undefined) {
          const first = run.failed;
          run = { ...(await runOne(contestant, workload, broker, round, index, total)), retriedAfter: first };
        }
        report.runs.push(run);
      }
    }
  }
} finally {
  if (cluster) await cluster.destroy({ keepLogs: false });
}
report.finishedAt = new Date().toISOString().slice(11, 16);
report.loadAfter = loadavg()
  .map((n) => n.toFixed(1))
  .join(' ');
const failed = report.runs.filter((r) => r.failed);
if (!args['no-write']) writeReport(report);
else process.stdout.write(`${render(report)}\n`);
if (failed.length > 0) {
  status(`${failed.length} run(s) failed: ${failed.map((r) => `${r.workload}/${r.contestant}`).join(', ')}`);
  process.exitCode = 1;
}
