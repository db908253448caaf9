// Kafka's jars come from Maven Central through scripts/kafka-jars.sh, which caches them per version.
import { execFile } from 'node:child_process';
import { existsSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { kafkaVersion, repoRoot } from './paths.mjs';

const resolved = new Map();

/**
 * Resolves the folder with Apache Kafka `version`'s jars, downloading them on first use.
 * @returns {Promise<string>}
 */
export function kafkaLibs(version) {
  const v = kafkaVersion(version);
  let pending = resolved.get(v);
  if (!pending) {
    pending = new Promise((resolvePromise, reject) => {
      execFile(
        'bash',
        [join(repoRoot, 'scripts', 'kafka-jars.sh'), v],
        { cwd: repoRoot, maxBuffer: 16 << 20 },
        (error, stdout, stderr) => {
          const dir = stdout.trim().split('\n').pop() ?? '';
          if (error || !existsSync(dir)) {
            reject(
              new Error(
                `Could not get Apache Kafka ${v}'s jars from Maven Central (scripts/kafka-jars.sh ${v} failed). ` +
                  `Is Maven installed and Maven Central reachable, and does version ${v} exist?\n${stderr}`,
              ),
            );
            return;
          }
          resolvePromise(dir);
        },
      );
    });
    pending.catch(() => resolved.delete(v));
    resolved.set(v, pending);
  }
  return pending;
}

/** Kafka 3.x logs through log4j 1 (reload4j), 4.x through log4j2: the config file format differs. */
export function usesLog4j2(libsDir) {
  return readdirSync(libsDir).some((name) => name.startsWith('log4j-core-'));
}
