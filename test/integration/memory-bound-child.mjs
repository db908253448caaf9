// The producing process of memory-bound.test.ts, run as a fresh Node process so that only the producer and
// its caller count in RSS (not the test runner's heap). It produces --bytes value bytes (values of --value-size
// bytes, keys `key-0` .. `key-<keys - 1>`) through the built kafka-wire, with default options besides
// bufferMemory, the way a user would, and prints one JSON line on stdout: records delivered and failed, the
// first error, the time taken and the peak RSS, both sampled every 50 ms (with process.memoryUsage() at the
// sampled peak, to tell the JS heap from Buffers) and as the kernel's VmHWM, which also sees peaks between
// samples. By hand, for other ways of sending (not asserted anywhere):
//
//   node test/integration/memory-bound-child.mjs --bootstrap 127.0.0.1:9092 --topic T
//     [--mode produce|send] [--window N] [--bytes N] [--value-size N] [--keys N] [--buffer-memory N]
//     [--lib path/to/dist/index.js]
//
// --mode produce: produce() with a callback, awaiting waitForRoom() whenever it returns false (README's loop).
// --mode send: send() per record, `await Promise.all` over each --window of records (1,000: a chunked loop;
// 300,000: the idiomatic burst).
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { parseArgs } from 'node:util';

const { values: args } = parseArgs({
  options: {
    bootstrap: { type: 'string' },
    topic: { type: 'string' },
    mode: { type: 'string', default: 'produce' },
    window: { type: 'string', default: '1000' },
    bytes: { type: 'string', default: String(2e9) },
    'value-size': { type: 'string', default: '1024' },
    keys: { type: 'string', default: '1000' },
    'buffer-memory': { type: 'string', default: String(32 * 2 ** 20) },
    lib: { type: 'string' },
  },
});
if (args.bootstrap === undefined || args.topic === undefined) {
  throw new Error('memory-bound-child: --bootstrap and --topic are required');
}
if (args.mode !== 'produce' && args.mode !== 'send') {
  throw new Error(`memory-bound-child: --mode is produce or send, got ${args.mode}`);
}
const valueSize = Number(args['value-size']);
const records = Math.ceil(Number(args.bytes) / valueSize);
const windowSize = Number(args.window);
const bufferMemory = Number(args['buffer-memory']);
const topic = args.topic;

// By package name, as a user imports it (Node resolves a package's own name from inside it), unless --lib
// names another build.
const { Producer } = await import(
  args.lib === undefined ? 'kafka-wire' : pathToFileURL(resolve(args.lib)).href
);

const rssStart = process.memoryUsage.rss();
let rssPeak = rssStart;
let atPeak = process.memoryUsage();
/** Records handed to the producer so far: tells which half of the run a sample falls in. */
let sent = 0;
// The peak of each half: memory that grows with what was produced shows as a second half above the first.
const halfPeaks = [rssStart, rssStart];
const sampler = setInterval(() => {
  const rss = process.memoryUsage.rss();
  const half = sent < records / 2 ? 0 : 1;
  if (rss > halfPeaks[half]) halfPeaks[half] = rss;
  if (rss > rssPeak) {
    rssPeak = rss;
    // Only when the peak rises: a full memoryUsage() walks the heap's spaces.
    atPeak = process.memoryUsage();
  }
}, 50);

/** The kernel's high-water mark of this process's resident set (Linux), in bytes; null elsewhere. */
function vmHwm() {
  try {
    const kib = /^VmHWM:\s+(\d+) kB$/m.exec(readFileSync('/proc/self/status', 'utf8'))?.[1];
    return kib === undefined ? null : Number(kib) * 1024;
  } catch {
    return null;
  }
}

const keys = Array.from({ length: Number(args.keys) }, (_, i) => `key-${i}`);
const pattern = Buffer.alloc(valueSize, 'kafka-wire memory bound ');
/** A new value per record, as a user's would be, distinct in its first bytes. */
function recordValue(i) {
  const value = Buffer.allocUnsafe(valueSize);
  pattern.copy(value);
  value.writeUInt32BE(i >>> 0, 0);
  return value;
}

const producer = new Producer({ bootstrapServers: args.bootstrap, bufferMemory });
let delivered = 0;
let failed = 0;
let firstError = null;
const failedWith = (error) => {
  failed++;
  firstError ??= `${error.name}: ${error.message}`;
};

const started = performance.now();
if (args.mode === 'produce') {
  const onDelivery = (error) => {
    if (error === null) delivered++;
    else failedWith(error);
  };
  for (let i = 0; i < records; i++) {
    const record = { topic, key: keys[i % keys.length], value: recordValue(i) };
    sent = i + 1;
    if (!producer.produce(record, onDelivery)) await producer.waitForRoom();
  }
  await producer.flush();
} else {
  for (let from = 0; from < records; from += windowSize) {
    const sends = [];
    for (let i = from; i < Math.min(from + windowSize, records); i++) {
      sends.push(producer.send({ topic, key: keys[i % keys.length], value: recordValue(i) }));
      sent = i + 1;
    }
    try {
      delivered += (await Promise.all(sends)).length;
    } catch (error) {
      // Promise.all tells only the first failure; the rest of the window is then counted as failed.
      failedWith(error);
      failed += sends.length - 1;
    }
  }
}
const ms = performance.now() - started;
clearInterval(sampler);
await producer.close();

// Bytes, so that the test compares the peak exactly; MiB for the breakdown, which is for reading.
const mib = (n) => Math.round((n / 2 ** 20) * 10) / 10;
process.stdout.write(
  `${JSON.stringify({
    mode: args.mode,
    window: args.mode === 'send' ? windowSize : null,
    records,
    valueSize,
    bufferMemory,
    delivered,
    failed,
    firstError,
    ms: Math.round(ms),
    rssStart,
    rssPeak,
    halfPeaks,
    vmHwm: vmHwm(),
    atPeakMiB: Object.fromEntries(Object.entries(atPeak).map(([k, v]) => [k, mib(v)])),
  })}\n`,
);
