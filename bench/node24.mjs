// The Node 24 binary for the one benchmark contestant that needs it (@platformatic/kafka 2.x requires
// Node >= 22.22), fetched from npm into .cache by the shared runtime provisioning (scripts/runtimes.mjs)
// rather than made a devDependency, whose `node` bin would shadow the Node the tests target.
import { fileURLToPath } from 'node:url';
import { runtime, runtimeVersion } from '../scripts/runtimes.mjs';

export const NODE24_VERSION = runtimeVersion('node24');

/** Path of the Node 24 binary, downloading it on first use. */
export function node24() {
  return runtime('node24');
}

if (process.argv[1] === fileURLToPath(import.meta.url)) console.log(node24());
