// What the producer holds per record while records wait, measured deterministically (no throughput, no broker
// timing): a fake cluster in a child process answers the first Produce request and never another, so every
// record sent after it stays held. This process sends N records the idiomatic way (records built inline, so the
// caller keeps none of them; Promise.all over send()), lets the sender settle, runs the garbage collector and
// reads the heap. Two runs with different N give the marginal bytes per held record, which leaves out
// everything fixed (code, connections, the key cache).
//
//   npm run build
//   node bench/held-memory.mjs [--lib dist/index.js] [--keys 1000] [--value-size 100] [--headers 0]
//                              [--mode send|sendBatch]
//
// --mode sendBatch sends the same records as one array through producer.sendBatch() instead.
// --headers N gives every record N headers: content-type application/json, then header-1.. with unique values.
//
// Stages printed (each a fresh process per N):
//   in batches   bufferMemory 32 MiB, N = 20,000 and 80,000: every record fits, so each sits in a batch (in
//                flight or waiting for an in-flight slot) until the broker answers;
//   waiting      bufferMemory 1 MiB, N = 40,000 and 160,000: almost every record waits for room in bufferMemory.
// Per stage: JS heap bytes per record (heapUsed after gc), Buffer bytes per record (arrayBuffers after gc), and
// the record's encoded size for comparison.
import { spawn, spawnSync } from 'node:child_process';
import { once } from 'node:events';
import { resolve } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { parseArgs } from 'node:util';

const { values: args } = parseArgs({
  options: {
    lib: { type: 'string', default: 'dist/index.js' },
    keys: { type: 'string', default: '1000' },
    'value-size': { type: 'string', default: '100' },
    headers: { type: 'string', default: '0' },
    mode: { type: 'string', default: 'send' },
    role: { type: 'string' },
    records: { type: 'string' },
    'buffer-memory': { type: 'string' },
    bootstrap: { type: 'string' },
  },
});

if (args.role === 'fake') await fake();
else if (args.role === 'measure') await measure();
else main();

function main() {
  const self = fileURLToPath(import.meta.url);
  const stages = [
    { name: 'in batches', bufferMemory: 32 * 1024 * 1024, counts: [20_000, 80_000] },
    { name: 'waiting', bufferMemory: 1024 * 1024, counts: [40_000, 160_000] },
  ];
  console.log(
    `lib ${args.lib}, ${args.mode === 'sendBatch' ? 'one sendBatch()' : 'Promise.all over send()'}, keys ${args.keys}, value ${args['value-size']} B, headers ${args.headers} per record`,
  );
  for (const stage of stages) {
    const runs = stage.counts.map((n) => {
      const out = spawnSync(
        process.execPath,
        [
          '--expose-gc',
          self,
          '--role',
          'measure',
          '--records',
          String(n),
          '--buffer-memory',
          String(stage.bufferMemory),
          '--lib',
          args.lib,
          '--keys',
          args.keys,
          '--value-size',
          args['value-size'],
          '--headers',
          args.headers,
          '--mode',
          args.mode,
        ],
        { encoding: 'utf8' },
      );
      if (out.status !== 0) throw new Error(`measure run failed: ${out.stderr}`);
      return JSON.parse(out.stdout.trim().split('\n').at(-1));
    });
    const [a, b] = runs;
    const n = b.records - a.records;
    const heap = (b.heapUsed - a.heapUsed) / n;
    const buffers = (b.arrayBuffers - a.arrayBuffers) / n;
    console.log(
      `${stage.name.padEnd(11)} bufferMemory ${stage.bufferMemory / 1024 / 1024} MiB, N ${a.records} -> ${b.records} (waiting for room ${a.waiting} -> ${b.waiting}): ` +
        `${heap.toFixed(0)} B JS heap + ${buffers.toFixed(0)} B buffers per record (encoded ${b.recordBytes} B each)`,
    );
  }
}

async function fake() {
  const { FakeKafka } = await import(
    pathToFileURL(resolve(args.lib.replace(/index\.js$/, 'testing/index.js'))).href
  );
  const cluster = await FakeKafka.start({ brokers: 1, topics: { held: 6 } });
  let produces = 0;
  // The warm-up's request is answered; every later one is held forever, so its records stay in flight.
  cluster.control('Produce', () => (produces++ === 0 ? undefined : 'no-response'), { times: Infinity });
  process.stdout.write(`${cluster.bootstrapServers}\n`);
  process.stdin.resume();
  process.stdin.on('end', () => process.exit(0));
}

async function measure() {
  const self = fileURLToPath(import.meta.url);
  const child = spawn(process.execPath, [self, '--role', 'fake', '--lib', args.lib], {
    stdio: ['pipe', 'pipe', 'inherit'],
  });
  const [line] = await once(child.stdout, 'data');
  const bootstrap = String(line).trim();
  const { Producer } = await import(pathToFileURL(resolve(args.lib)).href);
  const count = Number(args.records);
  const keys = Number(args.keys);
  const valueSize = Number(args['value-size']);
  const headerCount = Number(args.headers);
  const producer = new Producer({
    bootstrapServers: bootstrap,
    bufferMemory: Number(args['buffer-memory']),
  });
  await producer.send({ topic: 'held', key: 'warm-up', value: 'warm-up' });
  const settle = async () => {
    for (let i = 0; i < 3; i++) {
      await new Promise((r) => setTimeout(r, 100));
      globalThis.gc();
    }
  };
  await settle();
  const before = process.memoryUsage();
  // As callers write them: literal keys, a content type shared by every record, the others (a trace id) unique.
  const headerKeys = Array.from({ length: headerCount }, (_, h) => `header-${h}`);
  const record = (i) => {
    const r = {
      topic: 'held',
      key: `key-${i % keys}`,
      value: `${`{"n":${i},"text":"`.padEnd(valueSize - 2, 'x')}"}`,
    };
    if (headerCount > 0) {
      r.headers = { 'content-type': 'application/json' };
      for (let h = 1; h < headerCount; h++) r.headers[headerKeys[h]] = `${i}-${h}`;
    }
    return r;
  };
  let all;
  if (args.mode === 'sendBatch') {
    // The array is the caller's only while sendBatch() takes its records.
    all = producer.sendBatch(Array.from({ length: count }, (_, i) => record(i))).catch(() => {});
  } else {
    const promises = new Array(count);
    for (let i = 0; i < count; i++) promises[i] = producer.send(record(i));
    // As the idiomatic caller holds it: one Promise.all over every send's promise.
    all = Promise.all(promises).catch(() => {});
  }
  await settle();
  await settle();
  const after = process.memoryUsage();
  if (process.env.HELD_SNAPSHOT) (await import('node:v8')).writeHeapSnapshot(process.env.HELD_SNAPSHOT);
  const waiting = producer.admission?.waitingCount ?? -1;
  // Bytes bufferMemory accounts per record in batches (their exact encoded size).
  const recordBytes = Math.round(producer.accumulator.bufferedBytes / (count - waiting));
  console.log(
    JSON.stringify({
      records: count,
      waiting,
      recordBytes,
      heapUsed: after.heapUsed - before.heapUsed,
      arrayBuffers: after.arrayBuffers - before.arrayBuffers,
    }),
  );
  void all;
  child.kill();
  process.exit(0);
}
