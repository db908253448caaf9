// The independent reader for volume: Kafka's own Java consumer (scripts/java/ConsumeDigest.java) reads a
// whole topic and answers with a count and a SHA-256 per partition instead of every record, so a million
// records can be checked in seconds. The byte layout each record is hashed as is documented in the Java file.
import { readWithJava } from './consume.mjs';

/**
 * @param {{ bootstrap: string, topic: string, expected?: number, timeoutMs?: number,
 *   config?: Record<string, string>, version?: string }} options
 * @returns {Promise<{ partition: number, count: number, firstOffset: bigint | null, lastOffset: bigint | null,
 *   consecutive: boolean, sha256: string }[]>}
 */
export async function consumeDigest(options) {
  const { expected, ...rest } = options;
  const lines = await readWithJava('ConsumeDigest', {
    ...rest,
    ...(expected === undefined ? {} : { count: expected }),
    defaultTimeoutMs: 60_000,
  });
  return lines.map((d) => ({
    partition: d.partition,
    count: d.count,
    firstOffset: d.firstOffset === null ? null : BigInt(d.firstOffset),
    lastOffset: d.lastOffset === null ? null : BigInt(d.lastOffset),
    consecutive: d.consecutive,
    sha256: d.sha256,
  }));
}
