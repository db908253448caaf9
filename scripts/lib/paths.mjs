// Where the harness keeps things: everything lives inside the checkout, in folders git ignores.
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

export const repoRoot = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..');
export const cacheDir = join(repoRoot, '.cache');
/**
 * Data, configs and logs of locally started brokers: `npm run kafka:up` uses this folder itself, test
 * clusters use folders inside it. KAFKA_WIRE_DIR moves it (tests of the CLI use that to stay apart).
 */
export const kafkaHome = resolve(repoRoot, process.env.KAFKA_WIRE_DIR || '.kafka');
export const javaSourceDir = join(repoRoot, 'scripts', 'java');

/** Newest Apache Kafka on Maven Central that the harness is tested with; KAFKA_VERSION overrides it. */
export const DEFAULT_KAFKA_VERSION = '4.4.0';

export function kafkaVersion(explicit) {
  return explicit || process.env.KAFKA_VERSION || DEFAULT_KAFKA_VERSION;
}
