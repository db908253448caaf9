// The send() path as most users write it: `await Promise.all(records.map((r) => producer.send(r)))` with default
// options, over keyed records (string keys and values) to a real broker.
//
//   npm run build && npm run kafka:up -- --port 19092
//   node bench/send-path.mjs [--bootstrap 127.0.0.1:19092] [--records 300000] [--keys 1000] [--value-size 100]
//                            [--partitions 6] [--lib dist/index.js] [--inline] [--cold]
//   node bench/send-path.mjs --ab A.js,B.js [--rounds 3] [...]   (alternates builds, one process per run)
//   node bench/send-path.mjs --modes send,sendBatch [--rounds 3] [...]   (alternates the two ways to send an array)
//
// --mode sendBatch hands the same records to one producer.sendBatch() instead of send() per record + Promise.all.
//
// The records (keys `key-0`..`key-999`, values of --value-size ASCII characters) are built before the clock
// starts, as a caller's array would be; with --inline each is built in the map that sends it, so the caller
// keeps no reference to it (what the producer retains of a record then shows in the peak RSS). The clock runs
// from the first send() to Promise.all resolving (every record acknowledged). Printed per run: records/s, this process's CPU seconds per 1M records (user + system,
// process.cpuUsage), and peak RSS (process.resourceUsage().maxRSS). CPU per record varies least on a shared
// machine, so compare that first; --ab prints the load average with each round.
import { spawnSync } from 'node:child_process';
import { loadavg } from 'node:os';
import { resolve } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { parseArgs } from 'node:util';

const { values: args } = parseArgs({
  options: {
    bootstrap: { type: 'string', default: '127.0.0.1:19092' },
    records: { type: 'string', default: '300000' },
    keys: { type: 'string', default: '1000' },
    'value-size': { type: 'string', default: '100' },
    partitions: { type: 'string', default: '6' },
    lib: { type: 'string', default: 'dist/index.js' },
    ab: { type: 'string' },
    rounds: { type: 'string', default: '3' },
    inline: { type: 'boolean', default: false },
    cold: { type: 'boolean', default: false },
    mode: { type: 'string', default: 'send' },
    modes: { type: 'string' },
  },
});

if (args.ab !== undefined || args.modes !== undefined)
  compare((args.ab ?? args.lib).split(','), (args.modes ?? args.mode).split(','), Number(args.rounds));
else await run();

async function run() {
  const { Producer } = await import(pathToFileURL(resolve(args.lib)).href);
  const count = Number(args.records);
  const keys = Number(args.keys);
  const valueSize = Number(args['value-size']);
  const topic = `bench-send-path-${process.pid}-${Date.now()}`;
  const { createTopic } = await import('../scripts/lib/index.mjs');
  await createTopic(args.bootstrap, { topic, partitions: Number(args.partitions), replicationFactor: 1 });

  const record = (i) => ({
    topic,
    key: `key-${i % keys}`,
    value: `${`{"n":${i},"text":"`.padEnd(valueSize - 2, 'x')}"}`,
  });
  const records = args.inline ? [] : Array.from({ length: count }, (_, i) => record(i));
  const producer = new Producer({ bootstrapServers: args.bootstrap });
  // One record first, so topic metadata and the connection are not in the measurement; --cold leaves it out,
  // so every record of the burst first waits for the topic's metadata, as in a program's first sends.
  if (!args.cold) await producer.send({ topic, key: 'warm-up', value: 'warm-up' });

  const cpuBefore = process.cpuUsage();
  const start = performance.now();
  const results =
    args.mode === 'sendBatch'
      ? await producer.sendBatch(args.inline ? Array.from({ length: count }, (_, i) => record(i)) : records)
      : await Promise.all(
          args.inline
            ? Array.from({ length: count }, (_, i) => producer.send(record(i)))
            : records.map((r) => producer.send(r)),
        );
  const seconds = (performance.now() - start) / 1000;
  const cpu = process.cpuUsage(cpuBefore);
  await producer.close();
  if (results.length !== count) throw new Error(`${results.length} of ${count} records acknowledged`);
  const cpuSeconds = (cpu.user + cpu.system) / 1e6;
  console.log(
    JSON.stringify({
      lib: args.lib,
      mode: args.mode,
      records: count,
      inline: args.inline,
      cold: args.cold,
      recordsPerS: Math.round(count / seconds),
      cpuSPer1M: Number(((cpuSeconds * 1e6) / count).toFixed(2)),
      maxRssMiB: Math.round(process.resourceUsage().maxRSS / 1024),
    }),
  );
}

function compare(libs, modes, rounds) {
  const script = fileURLToPath(import.meta.url);
  const passOn = ['--bootstrap', args.bootstrap, '--records', args.records, '--keys', args.keys];
  passOn.push('--value-size', args['value-size'], '--partitions', args.partitions);
  if (args.inline) passOn.push('--inline');
  if (args.cold) passOn.push('--cold');
  const rows = [];
  const runs = libs.flatMap((lib) => modes.map((mode) => ({ lib, mode, name: `${lib} ${mode}` })));
  for (let round = 1; round <= rounds; round++) {
    for (const { lib, mode, name } of runs) {
      const load = loadavg()[0].toFixed(1);
      const child = spawnSync(process.execPath, [script, ...passOn, '--lib', lib, '--mode', mode], {
        encoding: 'utf8',
      });
      if (child.status !== 0) throw new Error(`${name} failed:\n${child.stderr}`);
      const result = JSON.parse(child.stdout.trim().split('\n').at(-1));
      rows.push({ round, load, name, ...result });
      console.log(
        `round ${round}  load ${load}  ${name}: ${result.recordsPerS} records/s, ${result.cpuSPer1M} CPU-s per 1M, max RSS ${result.maxRssMiB} MiB`,
      );
    }
  }
  for (const { name } of runs) {
    const mine = rows.filter((r) => r.name === name);
    const median = (field) => mine.map((r) => r[field]).sort((a, b) => a - b)[Math.floor(mine.length / 2)];
    console.log(
      `median ${name}: ${median('recordsPerS')} records/s, ${median('cpuSPer1M')} CPU-s per 1M, max RSS ${median('maxRssMiB')} MiB`,
    );
  }
}
