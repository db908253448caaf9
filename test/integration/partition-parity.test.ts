import { execFileSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { murmur2, partitionForKey } from '../../src/partition/index.js';

// Our keyed partitioning must equal the Java client's for every key, or records written by kafka-wire and
// by Java producers land on different partitions (breaking compaction and per-key order across stacks).
// This asks Kafka's own classes, not a copy of their vectors.

function kafkaLibs(): string {
  return execFileSync('bash', ['scripts/kafka-jars.sh'], { encoding: 'utf8' }).trim();
}

function makeKeys(): Uint8Array[] {
  const keys: Uint8Array[] = [new Uint8Array(0)];
  const encoder = new TextEncoder();
  for (let i = 0; keys.length < 4000; i++) keys.push(encoder.encode(`truck-${i}`));
  for (let i = 0; keys.length < 6000; i++) keys.push(encoder.encode(`clé-ü-${i}-🚚`));
  // Random bytes of every length 1..64, covering each tail length and negative bytes.
  while (keys.length < 10_000) keys.push(randomBytes(1 + (keys.length % 64)));
  return keys;
}

describe('partition parity with the Java client', () => {
  it('puts 10,000 keys on the same partition of 12 as BuiltInPartitioner.partitionForKey', () => {
    const keys = makeKeys();
    const input = `${keys.map((k) => Buffer.from(k).toString('hex')).join('\n')}\n`;
    const output = execFileSync(
      'java',
      ['-cp', `${kafkaLibs()}/*`, 'scripts/partition/PartitionForKeys.java', '12'],
      { input, encoding: 'utf8', maxBuffer: 64 * 1024 * 1024 },
    );
    const lines = output.trim().split('\n');
    expect(lines).toHaveLength(keys.length);
    let mismatches = 0;
    keys.forEach((key, i) => {
      const [javaHash, javaPartition] = lines[i]!.split(' ').map(Number);
      if (murmur2(key) !== javaHash || partitionForKey(key, 12) !== javaPartition) mismatches++;
    });
    expect(mismatches).toBe(0);
  });
});
