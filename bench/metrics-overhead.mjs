// What the always-on metrics and the diagnostics_channel hooks cost on the 1M x 100 B workload (keyless,
// 6 partitions, acks=all, produce() with a callback, the loop pausing on false), against a real broker:
//
//   npm run build && node scripts/kafka.mjs up --port 19097
//   mkdir /tmp/baseline && git archive <commit before the hooks> | tar -x -C /tmp/baseline
//   (cd /tmp/baseline && ln -s "$OLDPWD/node_modules" . && npx tsc -p tsconfig.build.json)
//   node bench/metrics-overhead.mjs --bootstrap 127.0.0.1:19097 --baseline /tmp/baseline [--rounds 5]
//
// Three setups, each run of bench/produce.mjs in a fresh process, alternated round by round so that a busy
// spell on the shared machine hits all of them alike:
//   baseline     the build without the hooks (--baseline: a built checkout of the commit before them)
//   metrics      this build: metrics recorded, nobody subscribed to the diagnostics channels
//   subscribed   this build with a no-op subscriber on every kafka-wire channel (so every record, request and
//                connection builds and publishes its context)
// Every other round runs them in reverse order. --setups picks some (default all three). Printed per run and as
// medians: records/s and this process's CPU ms per 1M records.
import { execFileSync } from 'node:child_process';
import { join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { parseArgs } from 'node:util';

const { values: args } = parseArgs({
  options: {
    bootstrap: { type: 'string', default: '127.0.0.1:19097' },
    baseline: { type: 'string' },
    records: { type: 'string', default: '1000000' },
    rounds: { type: 'string', default: '5' },
    setups: { type: 'string', default: 'baseline,metrics,subscribed' },
  },
});
if (args.baseline === undefined)
  throw new Error('--baseline DIR (a built checkout without the hooks) is required');
const here = fileURLToPath(new URL('..', import.meta.url));
const subscriber = pathToFileURL(join(here, 'bench', 'subscribe-diagnostics.mjs')).href;
const ALL_SETUPS = {
  baseline: { dir: args.baseline, node: [] },
  metrics: { dir: here, node: [] },
  subscribed: { dir: here, node: ['--import', subscriber] },
};
const SETUPS = Object.fromEntries(args.setups.split(',').map((name) => [name, ALL_SETUPS[name]]));

const results = Object.fromEntries(Object.keys(SETUPS).map((name) => [name, []]));
for (let round = 1; round <= Number(args.rounds); round++) {
  // Every other round runs the setups in reverse, so none always runs right after another.
  const order = Object.entries(SETUPS);
  if (round % 2 === 0) order.reverse();
  for (const [name, setup] of order) {
    const out = execFileSync(
      process.execPath,
      [
        ...setup.node,
        join(setup.dir, 'bench', 'produce.mjs'),
        '--bootstrap',
        args.bootstrap,
        '--records',
        args.records,
        '--mode',
        'produce',
        '--partitions',
        '6',
        '--acks',
        'all',
      ],
      { encoding: 'utf8', stdio: ['ignore', 'pipe', 'inherit'] },
    );
    const line = out.trim().split('\n').at(-1);
    const run = JSON.parse(line);
    if (run.failed !== 0) throw new Error(`${name}: ${run.failed} records failed`);
    results[name].push(run);
    console.log(
      `round ${round} ${name.padEnd(10)} ${run.recordsPerSecond} records/s, ${run.cpuMsPer1M} CPU ms per 1M`,
    );
  }
}

const median = (values) => {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)];
};
const base = median(results.baseline.map((r) => r.cpuMsPer1M));
for (const [name, runs] of Object.entries(results)) {
  const cpu = median(runs.map((r) => r.cpuMsPer1M));
  const rate = median(runs.map((r) => r.recordsPerSecond));
  const delta = (((cpu - base) / base) * 100).toFixed(1);
  console.log(`median ${name.padEnd(10)} ${rate} records/s, ${cpu} CPU ms per 1M (${delta} % vs baseline)`);
}
