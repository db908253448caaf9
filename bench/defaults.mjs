// Choosing batchSize and lingerMs defaults by measurement (issue 14): kafka-wire alone, against one local
// broker, on the workloads a default has to serve, with every setting alternated within each round so a
// shared machine's load falls on all of them alike.
//
//   node bench/defaults.mjs                                  # 3 rounds, batchSize 16 KiB .. 1 MiB, lingerMs 5
//   node bench/defaults.mjs --rounds 5 --lingers 5,20 --workloads 'latency|send-all'
//   node bench/defaults.mjs --ref HEAD~3                     # kafka-wire as committed there (default HEAD)
//
// Workloads (6 partitions unless said; acks=all and idempotence, the defaults; every other option default):
//   send-all     300k keyed 100 B records (1,000 keys), send() per record, one Promise.all: what most users write
//   produce-100B 1M keyless 100 B records, produce() with a callback, waitForRoom() when it returns false
//   produce-1KiB 200k keyless 1 KiB records, the same loop
//   latency      100k keyless 100 B records at a fixed 20k records/s: send-to-ack p50/p99 when nobody is in a hurry
//   keyed-p60    600k keyed 100 B records (10,000 keys) over 60 partitions, produce(): many open batches at once
//   keyed-p600   300k keyed 100 B records (10,000 keys) over 600 partitions: where a batch buffer of batchSize
//                bytes per open batch (encode at append) shows in RSS
// Each run is its own process under bench/compare/rusage.py (CPU and peak RSS from wait4); records/s and
// latency come from bench/compare/common.mjs's Meter, as in bench/compare. A run counts only if every record
// was acknowledged without error; at the end each topic's end offsets must add up to the records sent to it
// (the uncounted warm-up run per workload included).
// Prints, per workload and setting, medians over the rounds and the median of the per-round ratios to the
// first setting; writes them and every run to --out (bench/defaults.json).
import { spawn } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { createInterface } from 'node:readline';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { parseArgs } from 'node:util';
import { buildRef } from './build-ref.mjs';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');

const WORKLOADS = {
  'send-all': { records: 300_000, size: 100, keys: 1000, partitions: 6, mode: 'send-all' },
  'produce-100B': { records: 1_000_000, size: 100, keys: 0, partitions: 6, mode: 'produce' },
  'produce-1KiB': { records: 200_000, size: 1024, keys: 0, partitions: 6, mode: 'produce' },
  latency: { records: 100_000, size: 100, keys: 0, partitions: 6, mode: 'rate', rate: 20_000 },
  'keyed-p60': { records: 600_000, size: 100, keys: 10_000, partitions: 60, mode: 'produce' },
  'keyed-p600': { records: 300_000, size: 100, keys: 10_000, partitions: 600, mode: 'produce' },
};

const { values: args } = parseArgs({
  options: {
    worker: { type: 'string' },
    bootstrap: { type: 'string' },
    topic: { type: 'string' },
    dist: { type: 'string' },
    'batch-sizes': { type: 'string', default: '16384,65536,131072,262144,524288,1048576' },
    lingers: { type: 'string', default: '5' },
    rounds: { type: 'string', default: '3' },
    workloads: { type: 'string', default: '.' },
    ref: { type: 'string', default: 'HEAD' },
    out: { type: 'string', default: join(root, 'bench', 'defaults.json') },
  },
});

// ------------------------------------------------------------------------------------------------ worker

async function worker() {
  const { Meter, keyStrings, payload } = await import('./compare/common.mjs');
  const { Producer } = await import(pathToFileURL(join(args.dist, 'index.js')).href);
  const workload = WORKLOADS[args.worker];
  const batchSize = Number(args['batch-sizes']);
  const lingerMs = Number(args.lingers);
  const producer = new Producer({ bootstrapServers: args.bootstrap, batchSize, lingerMs });
  const value = new Uint8Array(payload(workload.size, 'kafka-wire benchmark payload '));
  const keys = workload.keys > 0 ? keyStrings(workload.keys) : null;
  const recordAt = (i) =>
    keys === null ? { topic: args.topic, value } : { topic: args.topic, key: keys[i % keys.length], value };
  const meter = new Meter(workload.records);
  meter.start();
  if (workload.mode === 'send-all') {
    const sends = new Array(workload.records);
    for (let i = 0; i < workload.records; i++) {
      const sentAt = meter.now();
      sends[i] = producer.send(recordAt(i)).then(
        () => meter.acked(1, sentAt),
        (error) => meter.acked(1, sentAt, error),
      );
    }
    meter.sent(workload.records);
    await Promise.all(sends);
  } else {
    const perMs = workload.mode === 'rate' ? workload.rate / 1000 : Number.POSITIVE_INFINITY;
    const started = meter.now();
    let i = 0;
    while (i < workload.records) {
      // At a fixed rate: whatever is due by now, then a timer turn; otherwise as fast as produce() allows.
      const due = Math.min(workload.records, Math.floor((meter.now() - started) * perMs) + 1);
      let accepted = true;
      for (; i < due && accepted; i++) {
        const sentAt = meter.now();
        accepted = producer.produce(recordAt(i), (error) => meter.acked(1, sentAt, error));
        meter.sent(1);
      }
      if (!accepted) await producer.waitForRoom();
      else if (i < workload.records) await new Promise((resolve) => setTimeout(resolve, 1));
    }
    await producer.flush().catch(() => {
      // Each record's callback counted its own failure.
    });
  }
  meter.finish({ settings: { batchSize, lingerMs } });
  await producer.close();
}

// ------------------------------------------------------------------------------------------ orchestrator

function say(text) {
  process.stderr.write(`${text}\n`);
}

/** One run in its own process; resolves with the Meter's result plus wait4's CPU and peak RSS. */
function runOnce(workloadId, topic, bootstrap, dist, batchSize, lingerMs) {
  const usageFile = join(tmpdir(), `bench-defaults-${process.pid}.rusage.json`);
  const command = [
    ...[join(root, 'bench', 'compare', 'rusage.py'), usageFile, '--', process.execPath],
    ...[fileURLToPath(import.meta.url), '--worker', workloadId, '--bootstrap', bootstrap, '--topic', topic],
    ...['--dist', dist, '--batch-sizes', String(batchSize), '--lingers', String(lingerMs)],
  ];
  return new Promise((resolve, reject) => {
    const child = spawn('python3', command, { stdio: ['ignore', 'pipe', 'pipe'] });
    let result = null;
    const log = [];
    createInterface({ input: child.stdout }).on('line', (line) => {
      if (line.startsWith('RESULT ')) result = JSON.parse(line.slice(7));
    });
    createInterface({ input: child.stderr }).on('line', (line) => {
      if (!line.startsWith('PROGRESS ')) log.push(line);
    });
    child.on('close', (code) => {
      if (code !== 0 || result === null) {
        reject(
          new Error(
            `${workloadId} batchSize ${batchSize} lingerMs ${lingerMs} exited ${code}:\n${log.join('\n')}`,
          ),
        );
        return;
      }
      const usage = JSON.parse(readFileSync(usageFile, 'utf8'));
      resolve({
        ...result,
        cpuSeconds: usage.userSeconds + usage.systemSeconds,
        peakRssMiB: usage.peakRssKiB / 1024,
      });
    });
  });
}

const median = (values) => {
  const sorted = [...values].sort((a, b) => a - b);
  const middle = sorted.length >> 1;
  return sorted.length % 2 ? sorted[middle] : (sorted[middle - 1] + sorted[middle]) / 2;
};

async function orchestrate() {
  const { createTopic, deleteTopic, endOffsets, startCluster } = await import('../scripts/lib/index.mjs');
  const batchSizes = args['batch-sizes'].split(',').map(Number);
  const lingers = args.lingers.split(',').map(Number);
  const settings = lingers.flatMap((lingerMs) => batchSizes.map((batchSize) => ({ batchSize, lingerMs })));
  const rounds = Number(args.rounds);
  const pattern = new RegExp(args.workloads);
  const workloadIds = Object.keys(WORKLOADS).filter((id) => pattern.test(id));
  const { commit, dist } = buildRef(args.ref);
  say(`kafka-wire ${commit.slice(0, 12)}${args.bootstrap ? '' : '; starting Kafka'}`);
  const cluster = args.bootstrap
    ? null
    : await startCluster({ basePort: 'auto', dir: join(root, '.kafka', `bench-defaults-${process.pid}`) });
  const bootstrap = args.bootstrap ?? cluster.bootstrapServers;
  const runs = [];
  const loads = [loadavg()[0]];
  try {
    const topics = {};
    for (const id of workloadIds) {
      topics[id] = `bench-defaults-${id}-${process.pid}`;
      await createTopic(bootstrap, { topic: topics[id], partitions: WORKLOADS[id].partitions });
    }
    // The first writes to a fresh topic pay for the broker creating its segments (seconds over 600
    // partitions): one uncounted run per workload, so that cost does not fall on whichever setting runs first.
    for (const id of workloadIds) {
      await runOnce(id, topics[id], bootstrap, dist, settings[0].batchSize, settings[0].lingerMs);
    }
    for (let round = 0; round < rounds; round++) {
      for (const id of workloadIds) {
        // Each round starts at another setting, so none always runs first (or right after the heaviest).
        for (let k = 0; k < settings.length; k++) {
          const setting = settings[(k + round) % settings.length];
          const result = await runOnce(id, topics[id], bootstrap, dist, setting.batchSize, setting.lingerMs);
          if (result.errors > 0 || result.records !== WORKLOADS[id].records)
            throw new Error(
              `${id} ${JSON.stringify(setting)}: ${result.errors} errors (${result.firstError})`,
            );
          runs.push({ round, workload: id, ...setting, ...result });
          loads.push(loadavg()[0]);
          say(
            `round ${round + 1}/${rounds} ${id} batchSize ${setting.batchSize} lingerMs ${setting.lingerMs}: ` +
              `${Math.round(result.records / result.seconds)} records/s, p50 ${result.latencyMs.p50.toFixed(1)} ms, ` +
              `p99 ${result.latencyMs.p99.toFixed(1)} ms, RSS ${result.peakRssMiB.toFixed(0)} MiB, load ${loadavg()[0].toFixed(1)}`,
          );
        }
      }
    }
    for (const id of workloadIds) {
      const offsets = await endOffsets(bootstrap, topics[id]);
      const total = offsets.reduce((sum, { endOffset }) => sum + Number(endOffset), 0);
      const expected = WORKLOADS[id].records * (settings.length * rounds + 1);
      if (total !== expected)
        throw new Error(`${topics[id]} holds ${total} records, ${expected} were acknowledged`);
      await deleteTopic(bootstrap, topics[id]).catch(() => {});
    }
  } finally {
    await cluster?.destroy();
  }
  const rows = [];
  for (const id of workloadIds) {
    for (const setting of settings) {
      const mine = runs.filter(
        (r) => r.workload === id && r.batchSize === setting.batchSize && r.lingerMs === setting.lingerMs,
      );
      const baseline = (round) =>
        runs.find(
          (r) =>
            r.workload === id &&
            r.round === round &&
            r.batchSize === settings[0].batchSize &&
            r.lingerMs === settings[0].lingerMs,
        );
      rows.push({
        workload: id,
        ...setting,
        recordsPerSecond: median(mine.map((r) => r.records / r.seconds)),
        ratio: median(
          mine.map((r) => r.records / r.seconds / (baseline(r.round).records / baseline(r.round).seconds)),
        ),
        cpuSecondsPer1M: median(mine.map((r) => (r.cpuSeconds / r.records) * 1e6)),
        p50Ms: median(mine.map((r) => r.latencyMs.p50)),
        p99Ms: median(mine.map((r) => r.latencyMs.p99)),
        peakRssMiB: median(mine.map((r) => r.peakRssMiB)),
        eventLoopDelayP99Ms: median(mine.map((r) => r.eventLoopDelayP99Ms)),
      });
    }
  }
  const report = {
    command: `node bench/defaults.mjs ${process.argv.slice(2).join(' ')}`.trim(),
    commit,
    date: new Date().toISOString().slice(0, 16).replace('T', ' '),
    rounds,
    load: { median: median(loads), min: Math.min(...loads), max: Math.max(...loads) },
    rows,
    runs,
  };
  writeFileSync(args.out, `${JSON.stringify(report, null, 2)}\n`);
  const kib = (bytes) => (bytes >= 1048576 ? `${bytes / 1048576} MiB` : `${bytes / 1024} KiB`);
  console.log(
    '| workload | batchSize | lingerMs | records/s | x first | CPU s/1M | p50 ms | p99 ms | peak RSS MiB | loop p99 ms |',
  );
  console.log('|---|---|---|---|---|---|---|---|---|---|');
  for (const r of rows) {
    console.log(
      `| ${r.workload} | ${kib(r.batchSize)} | ${r.lingerMs} | ${Math.round(r.recordsPerSecond / 1000)}k | ` +
        `${r.ratio.toFixed(2)} | ${r.cpuSecondsPer1M.toFixed(2)} | ${r.p50Ms.toFixed(1)} | ${r.p99Ms.toFixed(1)} | ` +
        `${r.peakRssMiB.toFixed(0)} | ${r.eventLoopDelayP99Ms.toFixed(1)} |`,
    );
  }
  console.log(
    `load (1-min average) median ${report.load.median.toFixed(1)}, ${report.load.min.toFixed(1)}-${report.load.max.toFixed(1)}`,
  );
}

// Last, so every const above is initialised before either role runs.
if (args.worker) await worker();
else await orchestrate();
