// MurmurHash2 (32-bit) exactly as Kafka's Java client computes it in `Utils.murmur2`, so that a key lands
// on the same partition whichever client produced it. Java does all arithmetic in wrapping signed int32
// and reads each 4-byte block little-endian; Math.imul and `| 0` give the same wrapping in JS, and `>>>`
// matches Java's unsigned shifts. Returns Java's signed int32.

const SEED = 0x9747b28c;
const M = 0x5bd1e995;
const R = 24;

export function murmur2(data: Uint8Array): number {
  const length = data.length;
  let h = SEED ^ length;
  const blocks = length & ~3;

  for (let i = 0; i < blocks; i += 4) {
    let k = data[i]! | (data[i + 1]! << 8) | (data[i + 2]! << 16) | (data[i + 3]! << 24);
    k = Math.imul(k, M);
    k ^= k >>> R;
    k = Math.imul(k, M);
    h = Math.imul(h, M);
    h ^= k;
  }

  // Java's switch over the tail falls through: 3 bytes apply all three steps, 2 bytes the last two, 1 byte
  // the last one; the multiply happens once for any non-empty tail.
  const tail = length & 3;
  if (tail === 3) h ^= data[blocks + 2]! << 16;
  if (tail >= 2) h ^= data[blocks + 1]! << 8;
  if (tail >= 1) {
    h ^= data[blocks]!;
    h = Math.imul(h, M);
  }

  h ^= h >>> 13;
  h = Math.imul(h, M);
  h ^= h >>> 15;
  return h | 0;
}

/**
 * Java's `Utils.toPositive`: clears the sign bit. Not Math.abs: abs(MIN_VALUE) stays negative and every
 * other negative would map to a different number than Java's.
 */
export function toPositive(value: number): number {
  return value & 0x7fffffff;
}

/** The partition Kafka's Java client picks for a non-null key: over ALL partitions of the topic. */
export function partitionForKey(keyBytes: Uint8Array, numPartitions: number): number {
  return toPositive(murmur2(keyBytes)) % numPartitions;
}
