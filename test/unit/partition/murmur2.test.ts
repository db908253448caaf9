import { describe, expect, it } from 'vitest';
import { murmur2, partitionForKey, toPositive } from '../../../src/partition/index.js';

const utf8 = (s: string) => new TextEncoder().encode(s);

describe('murmur2 (Kafka UtilsTest.testMurmur2 vectors)', () => {
  it.each([
    ['21', -973932308],
    ['foobar', -790332482],
    ['a-little-bit-long-string', -985981536],
    ['a-little-bit-longer-string', -1486304829],
    ['lkjh234lh9fiuh90y23oiuhsafujhadof229phr9h19h89h8', -58897971],
  ])('%s -> %i', (key, expected) => {
    expect(murmur2(utf8(key))).toBe(expected);
  });

  it('hashes raw bytes', () => {
    expect(murmur2(Uint8Array.of(0x61, 0x62, 0x63))).toBe(479470107);
  });

  it('hashes a zero-length key (non-null keys are always hashed)', () => {
    expect(murmur2(new Uint8Array(0))).toBe(275646681);
  });

  it('maps to partitions with & 0x7fffffff, never Math.abs', () => {
    expect(toPositive(-790332482)).toBe(1357151166);
    expect(partitionForKey(utf8('foobar'), 6)).toBe(0);
    expect(partitionForKey(utf8('foobar'), 10)).toBe(6);
    expect(partitionForKey(utf8('abc'), 6)).toBe(3);
    expect(toPositive(-2147483648)).toBe(0);
  });
});
