// The independent reader for volume: Kafka's own Java consumer (scripts/java/ConsumeDigest.java) reads a
// whole topic and answers with a count and a SHA-256 per partition instead of every record, so a million
// records can be checked in seconds. The byte layout each record is hashed as is documented in the Java file.
import { runJavaHelper } from './java-helpers.mjs';

/**
 * @param {{ bootstrap: string, topic: string, expected?: number, timeoutMs?: number,
 *   config?: Record<string, string>, version?: string }} options
 * @returns {Promise<{ partition: number, count: number, firstOffset: bigint | null, lastOffset: bigint | null,
 *   consecutive: boolean, sha256: string }[]>}
 */
export async function consumeDigest(options) {
  const timeoutMs = options.timeoutMs ?? 60_000;
  const args = [options.bootstrap, options.topic, '--timeout-ms', String(timeoutMs)];
  if (options.expected !== undefined) args.push('--count', String(options.expected));
  for (const [k, v] of Object.entries(options.config ?? {})) args.push('--config', `${k}=${v}`);
  // The JVM needs its own start-up time on top of the read timeout.
  const { stdout } = await runJavaHelper('ConsumeDigest', args, {
    version: options.version,
    timeoutMs: timeoutMs + 60_000,
  });
  return stdout
    .split('\n')
    .filter((line) => line.length > 0)
    .map((line) => {
      const d = JSON.parse(line);
      return {
        partition: d.partition,
        count: d.count,
        firstOffset: d.firstOffset === null ? null : BigInt(d.firstOffset),
        lastOffset: d.lastOffset === null ? null : BigInt(d.lastOffset),
        consecutive: d.consecutive,
        sha256: d.sha256,
      };
    });
}
