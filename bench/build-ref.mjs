// kafka-wire as committed at a git ref, built apart from the shared working tree (which other work may have
// half-changed): `git archive` of the sources into .cache/bench-kafka-wire/<commit>, this checkout's
// node_modules linked in, `tsc -p tsconfig.build.json`. Built once per commit; the same folder
// bench/compare.mjs --ref builds into, so either script reuses the other's build.
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, rmSync, symlinkSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');

/** Runs a command in the checkout; throws with its output when it fails. */
function run(what, command, commandArgs, cwd = root) {
  const result = spawnSync(command, commandArgs, { cwd, encoding: 'utf8' });
  if (result.status !== 0)
    throw new Error(`bench: ${what} failed (exit ${result.status}):\n${result.stdout}\n${result.stderr}`);
  return result.stdout.trim();
}

/**
 * Builds `ref` (anything `git rev-parse` takes) unless built already; returns `{ commit, dist }`, dist being
 * the folder holding its index.js. `say` hears one line per step taken.
 */
export function buildRef(ref, say = () => {}) {
  const commit = run(`git rev-parse ${ref}`, 'git', ['rev-parse', '--verify', `${ref}^{commit}`]);
  const dir = join(root, '.cache', 'bench-kafka-wire', commit);
  const dist = join(dir, 'dist');
  if (existsSync(join(dist, 'index.js'))) return { commit, dist };
  rmSync(dir, { recursive: true, force: true });
  mkdirSync(dir, { recursive: true });
  say(`git archive ${commit.slice(0, 12)}`);
  run('git archive', 'bash', [
    '-c',
    `git archive ${commit} src tsconfig.json tsconfig.build.json package.json | tar -x -C '${dir}'`,
  ]);
  symlinkSync(join(root, 'node_modules'), join(dir, 'node_modules'));
  say(`build kafka-wire ${commit.slice(0, 12)}`);
  run(
    `tsc for ${commit.slice(0, 12)}`,
    join(root, 'node_modules', '.bin', 'tsc'),
    ['-p', 'tsconfig.build.json'],
    dir,
  );
  return { commit, dist };
}
