// Bytes the send() path allocates per record, garbage included: V8's sampling heap profiler (node:inspector,
// collected objects kept in the sample) over issue 14's workload, `Promise.all` over `send()` of 300,000 keyed
// 100-byte records (string keys key-0..key-999, 6 partitions, default options), after a warm-up of a fifth of
// them. Where held records cost memory, bench/held-memory.mjs says; this counts what the garbage collector has to
// get through, which is what its share of the CPU follows.
//
//   npm run build && node bench/allocations.mjs --bootstrap 127.0.0.1:19092 [--lib dist/index.js] [--top 12]
//                                              [--mode send|produce]
//
// --mode produce: what the fast path allocates instead, bench:compare's throughput loop (1M keyless 100-byte
// values, one Uint8Array shared by every record, 6 partitions, acks=all, batchSize 256 KiB, lingerMs 10),
// `produce()` with one callback shared by every record (so the caller allocates nothing per record) and
// `await waitForRoom()` on false. --records defaults to 1,000,000 there.
//
// Prints the total per record and the functions that allocated most. Functions the optimiser inlined are charged
// to the function they were inlined into; run under `node --no-turbo-inlining` to see them apart (that also
// turns off the escape analysis that removes some allocations, so its total is higher).
import { Session } from 'node:inspector/promises';
import { resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { parseArgs } from 'node:util';

const { values: args } = parseArgs({
  options: {
    bootstrap: { type: 'string', default: '127.0.0.1:19092' },
    lib: { type: 'string', default: 'dist/index.js' },
    records: { type: 'string' },
    mode: { type: 'string', default: 'send' },
    top: { type: 'string', default: '12' },
    'interval-bytes': { type: 'string', default: '1024' },
  },
});

const { Producer } = await import(pathToFileURL(resolve(args.lib)).href);
const { createTopic } = await import('../scripts/lib/index.mjs');
if (!['send', 'produce'].includes(args.mode)) throw new Error('--mode is send or produce');
const produceMode = args.mode === 'produce';
const count = Number(args.records ?? (produceMode ? 1_000_000 : 300_000));
const topic = `bench-allocations-${process.pid}-${Date.now()}`;
await createTopic(args.bootstrap, { topic, partitions: 6, replicationFactor: 1 });
const record = (i) => ({
  topic,
  key: `key-${i % 1000}`,
  value: `${`{"n":${i},"text":"`.padEnd(98, 'x')}"}`,
});
const records = produceMode ? [] : Array.from({ length: count }, (_, i) => record(i));
const producer = new Producer(
  produceMode
    ? { bootstrapServers: args.bootstrap, acks: 'all', batchSize: 262_144, lingerMs: 10 }
    : { bootstrapServers: args.bootstrap },
);
const fast = { topic, value: new Uint8Array(100).fill(120) };
/** produce() of `n` records with one shared callback; resolves once every one is acknowledged. */
const produceAll = async (n) => {
  let acknowledged = 0;
  let done;
  const all = new Promise((resolve) => {
    done = resolve;
  });
  const callback = (error) => {
    if (error) throw error;
    if (++acknowledged === n) done();
  };
  for (let i = 0; i < n; i++) if (!producer.produce(fast, callback)) await producer.waitForRoom();
  await all;
};
const run = (n) =>
  produceMode ? produceAll(n) : Promise.all(records.slice(0, n).map((r) => producer.send(r)));
await run(Math.ceil(count / 5));

const session = new Session();
session.connect();
await session.post('HeapProfiler.startSampling', {
  samplingInterval: Number(args['interval-bytes']),
  includeObjectsCollectedByMajorGC: true,
  includeObjectsCollectedByMinorGC: true,
});
await run(count);
const { profile } = await session.post('HeapProfiler.stopSampling');
session.disconnect();
await producer.close();

const bytes = new Map();
const visit = (node) => {
  const { functionName, url, lineNumber } = node.callFrame;
  const where = url === '' ? '(native)' : `${url.split('/').slice(-2).join('/')}:${lineNumber + 1}`;
  const name = `${functionName || '(anonymous)'} ${where}`;
  bytes.set(name, (bytes.get(name) ?? 0) + node.selfSize);
  for (const child of node.children) visit(child);
};
visit(profile.head);
const total = [...bytes.values()].reduce((sum, n) => sum + n, 0);
console.log(`${args.lib}: ${(total / count).toFixed(0)} bytes allocated per record (${count} records)`);
for (const [name, n] of [...bytes].sort((a, b) => b[1] - a[1]).slice(0, Number(args.top))) {
  console.log(`${(n / count).toFixed(1).padStart(8)}  ${name}`);
}
