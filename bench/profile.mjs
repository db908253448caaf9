// Where the producer's CPU goes in the steady state: a V8 CPU profile of one workload against a real broker,
// summarised as self time per bucket (GC, record writing, CRC, copying, settlement, socket, ...).
//
//   node bench/profile.mjs [--ref main --ref 2b89636 | --lib dist] [--workload produce,send-all]
//                          [--rounds 1] [--bootstrap H:P] [--out .cache/profiles] [--interval-us 500] [--top 12]
//   node bench/profile.mjs --summarize FILE.cpuprofile [FILE ...]    (profiles written earlier, or any others;
//                          files named <build>-<workload>-<round>.cpuprofile are summed per build and workload)
//
// Workloads (issue 14's two paths):
//   produce   produce(record, callback) with `await waitForRoom()` on false: 1M keyless 100-byte values,
//             6 partitions, acks=all, idempotent, lingerMs 10, batchSize 256 KiB (bench/compare's settings).
//   produce-lz4, produce-zstd           the same compressed.
//   produce-none-1k, produce-lz4-1k, produce-zstd-1k   200,000 keyless 1 KiB values, otherwise the same.
//   send-all  what most users write: default options, send() per record and one Promise.all over 300,000
//             keyed 100-byte records (string keys key-0..key-999).
// Each (build, workload, round) runs in a fresh Node process (no JIT state shared between builds): it creates
// a fresh topic, connects, runs the workload on a fifth of the records as a warm-up (connection, metadata,
// producer id and JIT settled), then one full run un-profiled (records/s and CPU-s per 1M reported come from
// it, so the sampler's own cost is not in them), then one full run profiled through the inspector's Profiler
// (node:inspector), from the first record handed over to the last acknowledgement. The profile is written to
// --out as <commit>-<workload>-<round>.cpuprofile (open it in Chrome DevTools or speedscope), its run's
// measurements beside it in <same>.cpuprofile.json.
//
// --ref builds that commit apart from the working tree (bench/build-ref.mjs, as bench/compare.mjs --ref);
// --lib takes a built dist/ folder (default: this checkout's dist/, `npm run build` first). Without --bootstrap
// a one-broker KRaft Kafka is started in .kafka/bench-profile-<pid> and stopped at the end.
//
// --thread-profiles also starts each child with --cpu-prof (one profile per thread, the compression worker's
// included, from process start) into <out>/<build>-<workload>-<round>.threads/; summarise them with --summarize.
//
// The summary: self time per function (each sample's node charged the time until the next sample), grouped
// into buckets by source file and function name (BUCKETS below; the first rule that matches wins), printed as
// % of non-idle time (the machine is shared, so wall-clock shares are not comparable between runs) and the
// process's CPU seconds (user + system, process.cpuUsage over the profiled run, all threads) per 1M records.
// Rounds of one build and workload are added up before the percentages are taken; CPU-s per 1M is their
// median. With several builds, a last table puts them side by side. `--json` prints the summaries as JSON.
// V8 charges a function inlined by the optimiser to the function it was inlined into: read a bucket as "time
// in these functions and what they inlined".
import { spawnSync } from 'node:child_process';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { Session } from 'node:inspector/promises';
import { SourceMap } from 'node:module';
import { loadavg } from 'node:os';
import { basename, dirname, join, resolve } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { parseArgs } from 'node:util';
import { startCluster } from '../scripts/lib/index.mjs';
import { buildRef } from './build-ref.mjs';
import { keyStrings, payload } from './compare/common.mjs';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const HELP = readFileSync(fileURLToPath(import.meta.url), 'utf8')
  .split('\n')
  .filter((line) => line.startsWith('//'))
  .map((line) => line.slice(3))
  .join('\n');

const WORKLOADS = {
  produce: { records: 1_000_000, keys: 0, partitions: 6 },
  'produce-lz4': { records: 1_000_000, keys: 0, partitions: 6, compression: 'lz4' },
  'produce-zstd': { records: 1_000_000, keys: 0, partitions: 6, compression: 'zstd' },
  'produce-none-1k': { records: 200_000, keys: 0, partitions: 6, valueSize: 1024 },
  'produce-lz4-1k': { records: 200_000, keys: 0, partitions: 6, valueSize: 1024, compression: 'lz4' },
  'produce-zstd-1k': { records: 200_000, keys: 0, partitions: 6, valueSize: 1024, compression: 'zstd' },
  'send-all': { records: 300_000, keys: 1000, partitions: 6 },
};
const VALUE_SIZE = 100;
const PATTERN = 'kafka-wire benchmark payload ';

// Buckets, first match wins. `fn` matches the function name, `url` the script (a src/ module's file name in
// dist/, or a node: internal), `native` a function without a script (a C++ binding or a V8 builtin).
const BUCKETS = [
  { name: 'idle', fn: /^\(idle\)$/ },
  { name: 'GC', fn: /^\(garbage collector\)$/ },
  { name: 'VM, unattributed (program)', fn: /^\(program\)$/ },
  { name: 'CRC', url: /\/records\/crc32c\.js$/ },
  // @node-rs/crc32's native call (a whole batch's CRC goes there): a function without a script.
  { name: 'CRC', fn: /^crc32c$/, url: /^$/ },
  { name: 'compression (codec)', url: /\/records\/compression\/(?!worker)|zstd-wasm|^wasm:/ },
  // zstd-napi's native calls; V8 may name one after another function of the same addon (CCtx.compress shows
  // up as getDictIDFromFrame on Node 20).
  { name: 'compression (codec)', fn: /^(compress\w*|getDictIDFromFrame)$/, url: /^$/ },
  {
    name: 'compression worker hop',
    url: /\/records\/compression\/worker(-pool)?\.js$|^node:internal\/worker/,
  },
  { name: 'compression worker hop', fn: /^postMessage$/ },
  {
    name: 'copying, byte-buffer allocation',
    fn: /^(copyBytes|writeBytesField|bytes|set|copy|_copy|_copyActual|concat|allocUnsafe|fill|slice)$/,
    url: /\/(records|protocol)\/|^node:buffer$|^$/,
  },
  { name: 'copying, byte-buffer allocation', url: /^node:(internal\/)?buffer$/ },
  {
    name: 'strings to bytes (keys, values)',
    fn: /^(encode|encodeInto|utf8Write|latin1Write|asciiWrite|writeUtf8String|byteLengthUtf8|byteLength|writeUtf8|utf8Length)$/,
  },
  { name: 'strings to bytes (keys, values)', url: /\/(string-key-cache|serializers\/.*)\.js$/ },
  {
    name: 'record sizing/writing',
    url: /\/records\/(record|encode|layout|batch-builder|types)\.js$|\/protocol\/varint\.js$|\/producer\/(batch-encoder|record-preparation|record-input)\.js$/,
  },
  {
    name: 'promise/callback settlement',
    fn: /^(settle|deliver|asCallback|complete|fail|markSettled|resolve|reject|then|Promise|processTicksAndRejections|runMicrotasks|PromiseResolveThenableJob|deliveryPromise)$/,
  },
  {
    name: 'socket/writev',
    fn: /^(writev|writeBuffer|writeGeneric|writevGeneric|onStreamRead|onWriteComplete|afterWriteDispatched|cork|uncork|_writev|_write|write|writeOrBuffer|doWrite|handleWriteReq|clearBuffer|emit|push|readableAddChunk|addChunk|emitReadable_?)$/,
    url: /^node:|^$/,
  },
  { name: 'socket/writev', url: /^node:(net|stream|internal\/(stream_base_commons|streams\/.*|net))$/ },
  { name: 'socket/writev', url: /\/net\/(connection|frame-decoder|pool|network-observer)\.js$/ },
  { name: 'admission', url: /\/producer\/admission\.js$/ },
  // The producer's side of the append (partition choice, accumulator.append inlined into it).
  { name: 'accumulator', fn: /^(appendNow|append)$/, url: /\/producer\/producer\.js$/ },
  { name: 'accumulator', url: /\/producer\/(accumulator|producer-batch|buffer-pool|abort)\.js$/ },
  {
    name: 'metadata/partitioning',
    url: /\/producer\/(metadata|partitioning)\.js$|\/partition\/[^/]+\.js$/,
  },
  {
    name: 'sender, Produce request/response',
    url: /\/producer\/(sender|produce-request|idempotence|send-diagnostics|producer-metrics|metric-stats)\.js$|\/protocol\/[^/]+\.js$/,
  },
  { name: 'send()/produce() front door (checks, routing, the promise)', url: /\/producer\/producer\.js$/ },
  { name: 'Node internals (timers, async hooks, ticks)', url: /^node:/ },
  { name: 'benchmark loop', url: /\/bench\/profile\.mjs$/ },
  { name: 'other', fn: /./ },
];

const { values: args, positionals } = parseArgs({
  allowPositionals: true,
  options: {
    help: { type: 'boolean', default: false },
    ref: { type: 'string', multiple: true },
    lib: { type: 'string' },
    workload: { type: 'string', default: 'produce,send-all' },
    rounds: { type: 'string', default: '1' },
    bootstrap: { type: 'string' },
    out: { type: 'string', default: join(root, '.cache', 'profiles') },
    'interval-us': { type: 'string', default: '500' },
    top: { type: 'string', default: '12' },
    summarize: { type: 'boolean', default: false },
    json: { type: 'boolean', default: false },
    // Internal: one profiled run in this process (the parent's child).
    child: { type: 'boolean', default: false },
    label: { type: 'string' },
    'thread-profiles': { type: 'boolean', default: false },
  },
});

// ------------------------------------------------------------------------------------------------ parent

async function main() {
  const workloads = args.workload.split(',');
  for (const w of workloads) {
    if (!(w in WORKLOADS))
      throw new Error(`bench/profile: --workload ${w} is none of ${Object.keys(WORKLOADS)}`);
  }
  const rounds = Number(args.rounds);
  const builds = (args.ref ?? []).map((ref) => {
    const { commit, dist } = buildRef(ref, (line) => process.stderr.write(`profile: ${line}\n`));
    return { label: `${ref} (${commit.slice(0, 7)})`, id: commit.slice(0, 12), dist };
  });
  if (builds.length === 0 || args.lib) {
    const dist = resolve(args.lib ?? join(root, 'dist'));
    builds.push({ label: dist, id: basename(dirname(dist)) || 'dist', dist });
  }
  mkdirSync(args.out, { recursive: true });

  let cluster = null;
  let bootstrap = args.bootstrap;
  if (!bootstrap) {
    process.stderr.write('profile: starting Kafka (one KRaft broker)\n');
    cluster = await startCluster({
      basePort: 'auto',
      dir: join(root, '.kafka', `bench-profile-${process.pid}`),
    });
    bootstrap = cluster.bootstrapServers;
  }
  const results = [];
  try {
    for (const workload of workloads) {
      const runs = builds.map((build) => ({ build, workload, files: [], loads: [] }));
      // Builds alternate within a round, so a neighbour's burst of CPU does not fall on one build only.
      for (let round = 1; round <= rounds; round++) {
        for (const run of runs) {
          const file = join(args.out, `${run.build.id}-${workload}-${round}.cpuprofile`);
          const load = loadavg()[0].toFixed(1);
          const threads = args['thread-profiles']
            ? ['--cpu-prof', `--cpu-prof-dir=${file.replace(/\.cpuprofile$/, '.threads')}`]
            : [];
          const childRun = spawnSync(
            process.execPath,
            [
              ...threads,
              '--allow-natives-syntax',
              fileURLToPath(import.meta.url),
              ...['--child', '--lib', run.build.dist, '--workload', workload, '--bootstrap', bootstrap],
              ...['--out', file, '--interval-us', args['interval-us']],
            ],
            { encoding: 'utf8', stdio: ['ignore', 'pipe', 'inherit'] },
          );
          if (childRun.status !== 0)
            throw new Error(
              `bench/profile: ${workload} with ${run.build.label} failed (exit ${childRun.status})`,
            );
          const stats = JSON.parse(childRun.stdout.trim().split('\n').at(-1));
          run.files.push(file);
          run.loads.push(load);
          process.stderr.write(
            `profile: ${workload} round ${round} ${run.build.label}: ${stats.recordsPerS} records/s, ` +
              `${stats.cpuSPer1M} CPU-s per 1M, load ${load}, ${file}\n`,
          );
        }
      }
      for (const run of runs) {
        results.push({
          ...resultOf(`${workload}: ${run.build.label}`, run.files),
          load: run.loads.join(', '),
        });
      }
    }
  } finally {
    if (cluster) await cluster.destroy({ keepLogs: false });
  }
  print(results);
}

function median(list) {
  const sorted = [...list].sort((a, b) => a - b);
  const middle = Math.floor(sorted.length / 2);
  return sorted.length % 2 === 1 ? sorted[middle] : (sorted[middle - 1] + sorted[middle]) / 2;
}

/**
 * The summary of some profiles of one build and workload, with the measurements of their runs (medians over
 * the sidecar <profile>.json files the child wrote, where they exist).
 */
function resultOf(label, files) {
  const summary = summarize(files.map((file) => JSON.parse(readFileSync(file, 'utf8'))));
  const stats = files.flatMap((file) => {
    try {
      return [JSON.parse(readFileSync(`${file}.json`, 'utf8'))];
    } catch {
      return [];
    }
  });
  if (stats.length === 0) return { label, summary };
  const cpu = stats.map((s) => s.cpuSPer1M);
  return {
    label,
    summary,
    rounds: stats.length,
    cpuSPer1M: median(cpu),
    cpuSPer1MRange: [Math.min(...cpu), Math.max(...cpu)],
    profiledCpuSPer1M: median(stats.map((s) => s.profiledCpuSPer1M)),
    recordsPerS: Math.round(median(stats.map((s) => s.recordsPerS))),
  };
}

// ------------------------------------------------------------------------------------------------- child

async function child() {
  const { Producer } = await import(pathToFileURL(join(resolve(args.lib), 'index.js')).href);
  const { createTopic } = await import('../scripts/lib/index.mjs');
  const workload = WORKLOADS[args.workload];
  const topic = `bench-profile-${args.workload}-${process.pid}-${Date.now()}`;
  await createTopic(args.bootstrap, { topic, partitions: workload.partitions, replicationFactor: 1 });
  const value = new Uint8Array(payload(workload.valueSize ?? VALUE_SIZE, PATTERN));
  const produces = args.workload.startsWith('produce');
  const producer = produces
    ? new Producer({
        bootstrapServers: args.bootstrap,
        acks: 'all',
        lingerMs: 10,
        batchSize: 262_144,
        compressionType: workload.compression ?? 'none',
      })
    : new Producer({ bootstrapServers: args.bootstrap });
  const runOnce = produces
    ? (count) => produceAll(producer, { topic, value }, count)
    : (count) => sendAll(producer, topic, value, keyStrings(workload.keys), count);
  // The loops stay unoptimised, so V8 inlines no producer code into them: send()'s and produce()'s own cost is
  // charged to the producer's functions, not to this script.
  for (const loop of [runOnce, produceAll, sendAll]) neverOptimize(loop);

  await runOnce(workload.records / 5);
  // One full run without the profiler: the CPU per record to report (the sampler's own cost stays out of it).
  const plain = await measured(() => runOnce(workload.records));
  const session = new Session();
  session.connect();
  await session.post('Profiler.enable');
  await session.post('Profiler.setSamplingInterval', { interval: Number(args['interval-us']) });
  await session.post('Profiler.start');
  const profiled = await measured(() => runOnce(workload.records));
  const { profile } = await session.post('Profiler.stop');
  session.disconnect();
  await producer.close();
  writeFileSync(args.out, JSON.stringify(profile));
  const stats = {
    records: workload.records,
    recordsPerS: Math.round(workload.records / plain.seconds),
    cpuSeconds: plain.cpuSeconds,
    cpuSPer1M: Number(((plain.cpuSeconds * 1e6) / workload.records).toFixed(2)),
    profiledCpuSPer1M: Number(((profiled.cpuSeconds * 1e6) / workload.records).toFixed(2)),
    // The whole child's peak (warm-up, both runs and the profiler included).
    peakRssMiB: Math.round(process.resourceUsage().maxRSS / 1024),
  };
  writeFileSync(`${args.out}.json`, `${JSON.stringify(stats)}\n`);
  console.log(JSON.stringify(stats));
}

/** %NeverOptimizeFunction, when the parent started this process with --allow-natives-syntax. */
function neverOptimize(fn) {
  if (!process.execArgv.includes('--allow-natives-syntax')) return;
  new Function('fn', '%NeverOptimizeFunction(fn)')(fn);
}

/** Wall-clock seconds and this process's CPU seconds (user + system, every thread) that `work` took. */
async function measured(work) {
  const cpuBefore = process.cpuUsage();
  const start = performance.now();
  await work();
  const cpu = process.cpuUsage(cpuBefore);
  return { seconds: (performance.now() - start) / 1000, cpuSeconds: (cpu.user + cpu.system) / 1e6 };
}

/** produce() with a callback, pausing on false: the README's fast path. Resolves once all are acknowledged. */
async function produceAll(producer, record, count) {
  let failed = null;
  const onDelivery = (error) => {
    failed ??= error;
  };
  for (let i = 0; i < count; i++) {
    if (!producer.produce(record, onDelivery)) await producer.waitForRoom();
  }
  await producer.flush();
  if (failed) throw failed;
}

/** send() per keyed record, then one Promise.all: what most users write. */
async function sendAll(producer, topic, value, keys, count) {
  const sends = new Array(count);
  for (let i = 0; i < count; i++) sends[i] = producer.send({ topic, key: keys[i % keys.length], value });
  await Promise.all(sends);
}

// --------------------------------------------------------------------------------------------- summaries

/**
 * Self time per function and per bucket over one or more profiles (microseconds). A sample's time is the
 * delta to the next sample; the last sample of a profile gets the profile's end time minus its own.
 */
function summarize(profiles) {
  const functions = new Map();
  for (const profile of profiles) {
    const nodes = new Map(profile.nodes.map((node) => [node.id, node]));
    const self = new Map();
    let at = profile.startTime;
    const times = profile.timeDeltas.map((delta) => (at += delta));
    for (let i = 0; i < profile.samples.length; i++) {
      const duration = (i + 1 < times.length ? times[i + 1] : profile.endTime) - times[i];
      self.set(profile.samples[i], (self.get(profile.samples[i]) ?? 0) + Math.max(0, duration));
    }
    for (const [id, micros] of self) {
      const { functionName, url, lineNumber, columnNumber } = nodes.get(id).callFrame;
      const name = functionName || '(anonymous)';
      const script = url.replace(/^file:\/\//, '');
      const key = `${name} ${script}:${lineNumber + 1}`;
      const entry = functions.get(key) ?? {
        name,
        where: script ? sourceLocation(script, lineNumber, columnNumber) : '(native)',
        bucket: bucketOf(name, script),
        micros: 0,
      };
      entry.micros += micros;
      functions.set(key, entry);
    }
  }
  const buckets = new Map();
  let total = 0;
  let idle = 0;
  for (const entry of functions.values()) {
    buckets.set(entry.bucket, (buckets.get(entry.bucket) ?? 0) + entry.micros);
    total += entry.micros;
    if (entry.bucket === 'idle') idle += entry.micros;
  }
  const busy = total - idle;
  const share = (micros) => (busy > 0 ? (100 * micros) / busy : 0);
  return {
    profiledSeconds: total / 1e6,
    busySeconds: busy / 1e6,
    idleShareOfWall: total > 0 ? (100 * idle) / total : 0,
    buckets: BUCKETS.map((b) => b.name)
      .filter((name, i, all) => name !== 'idle' && all.indexOf(name) === i)
      .map((name) => ({ bucket: name, percent: share(buckets.get(name) ?? 0) })),
    top: [...functions.values()]
      .filter((entry) => entry.bucket !== 'idle')
      .sort((a, b) => b.micros - a.micros)
      .slice(0, Number(args.top))
      .map((entry) => ({
        function: entry.name,
        where: entry.where,
        bucket: entry.bucket,
        percent: share(entry.micros),
      })),
  };
}

function bucketOf(name, script) {
  for (const rule of BUCKETS) {
    if (rule.fn && !rule.fn.test(name)) continue;
    if (rule.url && !rule.url.test(script)) continue;
    return rule.name;
  }
  return 'other';
}

const sourceMaps = new Map();
/**
 * Where a function is, as the reader knows it: its TypeScript source and line for a build's dist/ (through the
 * build's source map), node: internals and other scripts as they are.
 */
function sourceLocation(script, line, column) {
  if (!sourceMaps.has(script)) {
    let map = null;
    try {
      map = new SourceMap(JSON.parse(readFileSync(`${script}.map`, 'utf8')));
    } catch {
      // No source map (a node: internal, a bench script): the script's own line is the place.
    }
    sourceMaps.set(script, map);
  }
  const entry = sourceMaps.get(script)?.findEntry(line, column);
  if (entry?.originalSource) {
    const source = entry.originalSource.replace(/^file:\/\//, '');
    return `${source.slice(source.lastIndexOf('/src/') + 1)}:${entry.originalLine + 1}`;
  }
  const path = script.startsWith(root) ? script.slice(root.length + 1) : script;
  return `${path}:${line + 1}`;
}

function print(results) {
  if (args.json) {
    console.log(JSON.stringify(results, null, 2));
    return;
  }
  const percent = (n) => `${n.toFixed(1)} %`;
  for (const result of results) {
    const { summary } = result;
    console.log(`\n### ${result.label}\n`);
    if (result.cpuSPer1M !== undefined) {
      console.log(
        `${result.cpuSPer1M.toFixed(2)} CPU-s per 1M records (median of ${result.rounds}, ` +
          `${result.cpuSPer1MRange.map((n) => n.toFixed(2)).join('-')}; ${result.profiledCpuSPer1M.toFixed(2)} ` +
          `while profiled), ${result.recordsPerS} records/s (median)${result.load ? `, load ${result.load}` : ''}`,
      );
    }
    console.log(
      `main thread busy ${summary.busySeconds.toFixed(2)} s of ${summary.profiledSeconds.toFixed(2)} s ` +
        `profiled (idle ${percent(summary.idleShareOfWall)})\n`,
    );
    console.log('| bucket | % of non-idle |\n| --- | ---: |');
    for (const row of summary.buckets) console.log(`| ${row.bucket} | ${percent(row.percent)} |`);
    console.log('\n| function | where | bucket | % of non-idle |\n| --- | --- | --- | ---: |');
    for (const row of summary.top)
      console.log(`| ${row.function} | ${row.where} | ${row.bucket} | ${percent(row.percent)} |`);
  }
  if (results.length < 2) return;
  // Side by side: the before/after table.
  console.log(`\n### All runs, % of non-idle time\n`);
  console.log(`| bucket | ${results.map((r) => r.label).join(' | ')} |`);
  console.log(`| --- |${' ---: |'.repeat(results.length)}`);
  for (const [i, row] of results[0].summary.buckets.entries()) {
    console.log(
      `| ${row.bucket} | ${results.map((r) => percent(r.summary.buckets[i].percent)).join(' | ')} |`,
    );
  }
  const cpu = (r) => (r.cpuSPer1M === undefined ? '' : r.cpuSPer1M.toFixed(2));
  console.log(`| **CPU-s per 1M records** | ${results.map(cpu).join(' | ')} |`);
}

// Dispatch last: the functions above use module-level constants that must be initialised first.
if (args.help) console.log(HELP);
else if (args.child) await child();
else if (args.summarize) {
  if (positionals.length === 0)
    throw new Error('bench/profile: --summarize needs one or more .cpuprofile files');
  // Rounds of one build and workload (<build>-<workload>-<round>.cpuprofile, from any --out folder) go together.
  const groups = new Map();
  for (const file of positionals) {
    const name = basename(file).replace(/-\d+\.cpuprofile$/, '');
    groups.set(name, [...(groups.get(name) ?? []), file]);
  }
  print([...groups].map(([name, files]) => resultOf(name, files)));
} else await main();
