// Producer throughput against a real broker: how many records a second one producer gets acknowledged.
//
//   npm run build && npm run kafka:up -- --port 19092
//   node bench/produce.mjs --bootstrap 127.0.0.1:19092 [--records 1000000] [--mode produce|forget|send]
//                          [--value-size 100] [--partitions 6] [--acks all|1|0] [--linger 5]
//                          [--batch-size 16384] [--compression none|gzip|snappy|lz4|zstd]
//                          [--values same|varied] [--value-pool 1000] [--yield-every 0]
//
// Workload: keyless records with a --value-size byte value, sticky partitioning over a fresh topic.
// --values same (default) sends the same Uint8Array every time, so the numbers measure the producer, not
// the feeder; it compresses absurdly well. --values varied cycles through a pool of --value-pool
// different values (JSON-ish text from a seeded generator, roughly 2-4x compressible like real
// payloads), built before the clock starts, so codecs do real work. --yield-every N (produce and forget
// modes) lets the event loop run (setImmediate) after every N records, as a server producing a few
// records per request would; without it the feeding loop itself blocks the event loop until the buffer
// fills, and the event-loop delay measures the feeder, not the producer. Modes:
//   produce  produce(record, callback): no promise per record; the loop pauses on false (waitForRoom()).
//   forget   produce(record) without a callback; flush() reports failures.
//   send     send(record): a promise per record, awaited a window at a time (what most callers write).
// The clock runs from the first record to flush() resolving (every record acknowledged). Printed: records/s,
// MB/s of values, ms per 1M records, this process's CPU ms per 1M records, peak RSS, the most bytes
// bufferMemory held (sampled on pauses), and the event-loop delay (perf_hooks, 1 ms resolution: p50, p99
// and max in ms): how long other work in the same process would wait behind the producer.
// The broker runs on the same machine (2 cores here), so absolute numbers are lower than on real hardware;
// compare runs with each other.
import { monitorEventLoopDelay } from 'node:perf_hooks';
import { parseArgs } from 'node:util';
import { Producer } from '../dist/index.js';

const { values: args } = parseArgs({
  options: {
    bootstrap: { type: 'string', default: '127.0.0.1:19092' },
    records: { type: 'string', default: '1000000' },
    mode: { type: 'string', default: 'produce' },
    'value-size': { type: 'string', default: '100' },
    partitions: { type: 'string', default: '6' },
    acks: { type: 'string', default: 'all' },
    linger: { type: 'string', default: '5' },
    'batch-size': { type: 'string', default: '16384' },
    topic: { type: 'string' },
    compression: { type: 'string', default: 'none' },
    values: { type: 'string', default: 'same' },
    'value-pool': { type: 'string', default: '1000' },
    'yield-every': { type: 'string', default: '0' },
  },
});

const count = Number(args.records);
const mode = args.mode;
if (!['produce', 'forget', 'send'].includes(mode)) throw new Error(`--mode must be produce, forget or send`);
const valueSize = Number(args['value-size']);
if (!['same', 'varied'].includes(args.values)) throw new Error('--values must be same or varied');
const values =
  args.values === 'same'
    ? [new Uint8Array(valueSize).fill(120)]
    : variedValues(Number(args['value-pool']), valueSize);
const value = values[0];
const topic = args.topic ?? `bench-produce-${Date.now()}`;
const acks = args.acks === 'all' ? 'all' : Number(args.acks);

await createTopic(args.bootstrap, topic, Number(args.partitions));

const producer = new Producer({
  bootstrapServers: args.bootstrap,
  acks,
  lingerMs: Number(args.linger),
  batchSize: Number(args['batch-size']),
  compressionType: args.compression,
});
// Metadata and the producer id first, so the clock measures the steady state.
await producer.send({ topic, value });

let failed = 0;
let firstError = null;
const onDelivery = (error) => {
  if (error !== null && failed++ === 0) firstError = error;
};
let peakRss = process.memoryUsage.rss();
let mostBuffered = 0;
let pauses = 0;
const records = values.map((v) => ({ topic, value: v }));
const record = records[0];
const pool = records.length;
const yieldEvery = Number(args['yield-every']);
const loopDelay = monitorEventLoopDelay({ resolution: 1 });

loopDelay.enable();
const cpuStart = process.cpuUsage();
const start = performance.now();
if (mode === 'send') {
  const window = 50_000;
  let previous = [];
  for (let i = 0; i < count; i += window) {
    const current = [];
    for (let j = i; j < Math.min(count, i + window); j++)
      current.push(producer.send(records[j % pool]).catch(onDelivery));
    await Promise.all(previous);
    peakRss = Math.max(peakRss, process.memoryUsage.rss());
    mostBuffered = Math.max(mostBuffered, producer.bufferedBytes);
    previous = current;
  }
  await Promise.all(previous);
} else {
  const callback = mode === 'produce' ? onDelivery : undefined;
  for (let i = 0; i < count; i++) {
    if (!producer.produce(pool === 1 ? record : records[i % pool], callback)) {
      pauses++;
      mostBuffered = Math.max(mostBuffered, producer.bufferedBytes);
      peakRss = Math.max(peakRss, process.memoryUsage.rss());
      await producer.waitForRoom();
    } else if (yieldEvery > 0 && (i + 1) % yieldEvery === 0) {
      await new Promise(setImmediate);
    }
  }
}
try {
  await producer.flush();
} catch (error) {
  failed++;
  firstError ??= error;
}
const ms = performance.now() - start;
const cpu = process.cpuUsage(cpuStart);
loopDelay.disable();
peakRss = Math.max(peakRss, process.memoryUsage.rss());
await producer.close();

const perSecond = count / (ms / 1000);
console.log(
  JSON.stringify({
    mode,
    records: count,
    valueBytes: value.length,
    compression: args.compression,
    values: args.values,
    yieldEvery,
    acks: args.acks,
    lingerMs: Number(args.linger),
    ms: Math.round(ms),
    recordsPerSecond: Math.round(perSecond),
    valueMBPerSecond: Number(((perSecond * value.length) / 1e6).toFixed(1)),
    msPer1M: Math.round((ms * 1e6) / count),
    // This process's CPU time (user + system) per 1M records: the producer's own cost, whatever the broker does.
    cpuMsPer1M: Math.round(((cpu.user + cpu.system) / 1000) * (1e6 / count)),
    peakRssMB: Math.round(peakRss / 2 ** 20),
    mostBufferedMB: Number((mostBuffered / 2 ** 20).toFixed(1)),
    pauses,
    loopDelayP50Ms: Number((loopDelay.percentile(50) / 1e6).toFixed(1)),
    loopDelayP99Ms: Number((loopDelay.percentile(99) / 1e6).toFixed(1)),
    loopDelayMaxMs: Number((loopDelay.max / 1e6).toFixed(1)),
    failed,
    ...(firstError ? { firstError: String(firstError.message ?? firstError) } : {}),
  }),
);
if (failed > 0) process.exitCode = 1;

/** Creates the topic through Kafka's own Admin client (scripts/lib), so it has the partitions asked for. */
async function createTopic(bootstrap, name, partitions) {
  const { createTopic: create } = await import('../scripts/lib/index.mjs');
  await create(bootstrap, { topic: name, partitions, replicationFactor: 1 });
}

/** `n` different JSON-ish text values of exactly `size` bytes from a fixed-seed generator: realistic
 *  redundancy (repeated keys and words), but no two alike. */
function variedValues(n, size) {
  let seed = 0x9e3779b9;
  const random = () => {
    seed ^= seed << 13;
    seed ^= seed >>> 17;
    seed ^= seed << 5;
    return (seed >>> 0) / 2 ** 32;
  };
  const words = [
    'click',
    'view',
    'purchase',
    'login',
    'search',
    'cart',
    'checkout',
    'home',
    'product',
    'user',
    'session',
    'mobile',
    'desktop',
    'chrome',
    'firefox',
    'safari',
    'de',
    'fr',
    'us',
    'jp',
  ];
  const encoder = new TextEncoder();
  const out = [];
  for (let i = 0; i < n; i++) {
    let text = `{"id":${Math.floor(random() * 1e9)},"user":"u${Math.floor(random() * 1e6)}","ts":${1.7e12 + Math.floor(random() * 1e9)},"tags":"`;
    while (text.length < size) {
      text +=
        random() < 0.3 ? Math.floor(random() * 1e5).toString(36) : words[Math.floor(random() * words.length)];
      text += ' ';
    }
    const bytes = new Uint8Array(size);
    bytes.set(encoder.encode(text).subarray(0, size));
    out.push(bytes);
  }
  return out;
}
