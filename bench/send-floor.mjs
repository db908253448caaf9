// What `send()` per record + one `Promise.all` costs the caller whatever the producer does: bench/compare's
// send-all workload (300,000 keyed records of 100 B, keys key-0..key-999, the driver's `.then` per record)
// against a stand-in producer that only keeps each record's resolve function and resolves it with a
// RecordMetadata-shaped object, 2,000 records per macrotask (as acknowledgements arrive in batches). No broker,
// no encoding, no network: records/s, CPU and peak RSS here bound what any producer with a promise per record
// reaches on this machine and runtime.
//
//   node bench/send-floor.mjs [--records 300000] [--rounds 3] [--no-then]
//
// Each round runs in a fresh process (peak RSS is the process's: process.resourceUsage().maxRSS). --no-then
// leaves out the driver's `.then` per record (what a caller that only awaits Promise.all writes).
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';

const { values: args } = parseArgs({
  options: {
    records: { type: 'string', default: '300000' },
    rounds: { type: 'string', default: '3' },
    'no-then': { type: 'boolean', default: false },
    child: { type: 'boolean', default: false },
  },
});
const records = Number(args.records);

if (!args.child) {
  const extra = args['no-then'] ? ['--no-then'] : [];
  for (let round = 1; round <= Number(args.rounds); round++) {
    const child = spawnSync(
      process.execPath,
      [fileURLToPath(import.meta.url), '--child', '--records', String(records), ...extra],
      { encoding: 'utf8', stdio: ['ignore', 'pipe', 'inherit'] },
    );
    process.stdout.write(`round ${round}: ${child.stdout}`);
  }
} else {
  const keys = Array.from({ length: 1000 }, (_, i) => `key-${i}`);
  const value = 'x'.repeat(100);
  const pending = [];
  const send = (_record) => new Promise((resolve) => pending.push(resolve));
  const cpu = process.cpuUsage();
  const started = performance.now();
  const sends = new Array(records);
  for (let i = 0; i < records; i++) {
    const sent = send({ topic: 't', key: keys[i % keys.length], value });
    sends[i] = args['no-then']
      ? sent
      : sent.then(
          () => undefined,
          () => undefined,
        );
  }
  await new Promise((done) => {
    let next = 0;
    const acknowledge = () => {
      const end = Math.min(next + 2000, records);
      for (; next < end; next++) {
        pending[next]({ topic: 't', partition: next % 6, offset: BigInt(next), timestamp: 0 });
      }
      if (next < records) setImmediate(acknowledge);
      else done();
    };
    setImmediate(acknowledge);
  });
  await Promise.all(sends);
  const seconds = (performance.now() - started) / 1000;
  const used = process.cpuUsage(cpu);
  const cpuPer1M = ((used.user + used.system) / 1e6) * (1e6 / records);
  const rss = process.resourceUsage().maxRSS / 1024;
  console.log(
    `${Math.round(records / seconds).toLocaleString('en-US')} records/s, ${cpuPer1M.toFixed(2)} CPU-s per 1M, peak RSS ${rss.toFixed(0)} MiB`,
  );
}
