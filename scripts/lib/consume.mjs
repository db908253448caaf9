// The independent reader: Kafka's own Java consumer (scripts/java/ConsumeJson.java) reads a topic from the
// beginning; every record comes back with all its fields, bytes as Buffers, 64-bit numbers as bigint.
import { withConfigFile } from './client-config.mjs';
import { runJavaHelper } from './java-helpers.mjs';

/**
 * @param {{ bootstrap: string, topic: string, count?: number, timeoutMs?: number, partition?: number,
 *   isolation?: 'read_committed' | 'read_uncommitted', config?: Record<string, string>, version?: string }} options
 */
export async function consumeAll(options) {
  const extra = [];
  if (options.partition !== undefined) extra.push('--partition', String(options.partition));
  if (options.isolation) extra.push('--isolation', options.isolation);
  const lines = await readWithJava('ConsumeJson', { ...options, defaultTimeoutMs: 30_000 }, extra);
  return lines.map((r) => ({
    topic: r.topic,
    partition: r.partition,
    offset: BigInt(r.offset),
    timestamp: BigInt(r.timestamp),
    timestampType: r.timestampType,
    leaderEpoch: r.leaderEpoch,
    key: bytes(r.key),
    value: bytes(r.value),
    headers: r.headers.map((h) => ({ key: h.key, value: bytes(h.value) })),
  }));
}

/**
 * Runs one of the reading helpers (ConsumeJson, ConsumeDigest: scripts/java/ConsumerArgs.java is their shared
 * command line) and returns its JSON lines, parsed.
 * @param {string} mainClass
 * @param {{ bootstrap: string, topic: string, count?: number, timeoutMs?: number, defaultTimeoutMs: number,
 *   config?: Record<string, string>, version?: string }} options
 * @param {string[]} extra the helper's own flags
 */
export async function readWithJava(mainClass, options, extra = []) {
  const timeoutMs = options.timeoutMs ?? options.defaultTimeoutMs;
  const args = [options.bootstrap, options.topic, '--timeout-ms', String(timeoutMs), ...extra];
  if (options.count !== undefined) args.push('--count', String(options.count));
  // The JVM needs its own start-up time on top of the read timeout.
  const { stdout } = await withConfigFile(options.config, (configArgs) =>
    runJavaHelper(mainClass, [...args, ...configArgs], {
      version: options.version,
      timeoutMs: timeoutMs + 60_000,
    }),
  );
  return stdout
    .split('\n')
    .filter((line) => line.length > 0)
    .map((line) => JSON.parse(line));
}

function bytes(base64) {
  return base64 === null ? null : Buffer.from(base64, 'base64');
}
