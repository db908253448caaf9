// Links tsc's output (dist/**/*.js) into the files the package's entry points load (dist/bundle/), run by
// `npm run build` after tsc. Why: Node's ESM loader costs ~0.6 ms of CPU and ~70 KiB of memory per module it
// loads, and the core import was 108 modules: importing kafka-wire took 94-117 ms of CPU and raised a bare
// Node's RSS by 19 MiB, against 41-50 ms and 12 MiB once linked (bench/README.md, "Start-up and memory: the
// package as a few files"). Peak RSS counts against every workload's memory goal, and start-up is what a
// short-lived process (a CLI, a serverless function) pays on every run.
//
// Layout, and what depends on it:
// - one file per subpath export (index, records, protocol, ...) plus chunks of the modules they share, all in
//   one flat folder, so a class exported by two subpaths is one class (instanceof holds across them);
// - `worker.js`, the compression worker's body, beside them: worker-pool.ts starts `./worker.js` relative to
//   its own module, which is a file of this folder once linked;
// - packages stay external (the optional native addons and peer dependencies are looked up at run time from
//   the user's node_modules, as before); tsc's .d.ts files stay the types; the CLI keeps running tsc's output.
// Input source maps are followed, so stack traces map back to src/ with --enable-source-maps.
import { readFileSync, rmSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const dist = join(root, 'dist');
const outdir = join(dist, 'bundle');

/**
 * Entry file name in dist/bundle -> tsc's output it starts from, from package.json's exports (each names its
 * linked file as "default" and tsc's types beside the module the link starts from), and the worker's body.
 */
function entryPoints() {
  const { exports } = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8'));
  const entries = { worker: join(dist, 'records', 'compression', 'worker.js') };
  for (const target of Object.values(exports)) {
    if (typeof target !== 'object' || !target.default.startsWith('./dist/bundle/')) continue;
    const name = target.default.slice('./dist/bundle/'.length, -'.js'.length);
    entries[name] = join(root, target.types.replace(/\.d\.ts$/, '.js'));
  }
  return entries;
}

rmSync(outdir, { recursive: true, force: true });
await build({
  entryPoints: entryPoints(),
  outdir,
  bundle: true,
  splitting: true,
  format: 'esm',
  platform: 'node',
  target: 'node20',
  packages: 'external',
  sourcemap: true,
  chunkNames: 'shared-[hash]',
  logLevel: 'warning',
});
