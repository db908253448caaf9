// Producer throughput against a real broker: how many records a second one producer gets acknowledged.
//
//   npm run build && npm run kafka:up -- --port 19092
//   node bench/produce.mjs --bootstrap 127.0.0.1:19092 [--records 1000000] [--mode produce|forget|send]
//                          [--value-size 100] [--partitions 6] [--acks all|1|0] [--linger 5]
//
// Workload: keyless records with a --value-size byte value (the same Uint8Array every time, so the
// numbers measure the producer, not the feeder), sticky partitioning over a fresh topic. Modes:
//   produce  produce(record, callback): no promise per record; the loop pauses on false (waitForRoom()).
//   forget   produce(record) without a callback; flush() reports failures.
//   send     send(record): a promise per record, awaited a window at a time (what most callers write).
// The clock runs from the first record to flush() resolving (every record acknowledged). Printed: records/s,
// MB/s of values, ms per 1M records, this process's CPU ms per 1M records, peak RSS, and the most bytes bufferMemory held (sampled on pauses).
// The broker runs on the same machine (2 cores here), so absolute numbers are lower than on real hardware;
// compare runs with each other.
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
  },
});

const count = Number(args.records);
const mode = args.mode;
if (!['produce', 'forget', 'send'].includes(mode)) throw new Error(`--mode must be produce, forget or send`);
const value = new Uint8Array(Number(args['value-size'])).fill(120);
const topic = args.topic ?? `bench-produce-${Date.now()}`;
const acks = args.acks === 'all' ? 'all' : Number(args.acks);

await createTopic(args.bootstrap, topic, Number(args.partitions));

const producer = new Producer({
  bootstrapServers: args.bootstrap,
  acks,
  lingerMs: Number(args.linger),
  batchSize: Number(args['batch-size']),
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
const record = { topic, value };

const cpuStart = process.cpuUsage();
const start = performance.now();
if (mode === 'send') {
  const window = 50_000;
  let previous = [];
  for (let i = 0; i < count; i += window) {
    const current = [];
    for (let j = i; j < Math.min(count, i + window); j++)
      current.push(producer.send(record).catch(onDelivery));
    await Promise.all(previous);
    peakRss = Math.max(peakRss, process.memoryUsage.rss());
    mostBuffered = Math.max(mostBuffered, producer.bufferedBytes);
    previous = current;
  }
  await Promise.all(previous);
} else {
  const callback = mode === 'produce' ? onDelivery : undefined;
  for (let i = 0; i < count; i++) {
    if (!producer.produce(record, callback)) {
      pauses++;
      mostBuffered = Math.max(mostBuffered, producer.bufferedBytes);
      peakRss = Math.max(peakRss, process.memoryUsage.rss());
      await producer.waitForRoom();
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
peakRss = Math.max(peakRss, process.memoryUsage.rss());
await producer.close();

const perSecond = count / (ms / 1000);
console.log(
  JSON.stringify({
    mode,
    records: count,
    valueBytes: value.length,
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
