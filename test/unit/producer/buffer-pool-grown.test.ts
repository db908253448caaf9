import { describe, expect, it } from 'vitest';
import { BufferPool } from '../../../src/producer/buffer-pool.js';

// Compressed batches double past batchSize (batchSize bounds their estimated compressed size): those buffers
// come back for reuse like the smaller ones, within the same bound.

describe('BufferPool: buffers grown past batchSize', () => {
  it('keeps batchSize x 2^k and hands the same buffer out again for that size', () => {
    const pool = new BufferPool({ capacity: 1_000, maxPooledBytes: 100_000 });
    const grown = [2_000, 4_000, 8_000].map((size) => pool.allocate(size));
    for (const buffer of grown) pool.release(buffer);
    expect(pool.pooledBytes).toBe(14_000);
    expect(pool.allocate(4_000)).toBe(grown[1]);
    expect(pool.allocate(8_000)).toBe(grown[2]);
    expect(pool.allocate(2_000)).toBe(grown[0]);
    expect(pool.pooledBytes).toBe(0);
  });

  it('leaves other sizes past batchSize to the garbage collector', () => {
    const pool = new BufferPool({ capacity: 1_000, maxPooledBytes: 100_000 });
    const odd = [1_500, 3_000, 2_048].map((size) => pool.allocate(size));
    for (const buffer of odd) pool.release(buffer);
    expect(pool.pooledBytes).toBe(0);
    expect(pool.allocate(3_000)).not.toBe(odd[1]);
  });

  it('keeps a grown buffer only within the bound (bufferMemory plus one batchSize)', () => {
    const pool = new BufferPool({ capacity: 1_000, maxPooledBytes: 5_000 });
    const small = pool.allocate(4_000);
    const large = pool.allocate(8_000);
    pool.release(large); // 4,000 out + 8,000 kept > 5,000 + 1,000
    expect(pool.pooledBytes).toBe(0);
    pool.release(small);
    expect(pool.pooledBytes).toBe(4_000);
  });

  it('gives the smallest kept size that holds a size hint', () => {
    const pool = new BufferPool({ capacity: 1_000, maxPooledBytes: 100_000 });
    expect([1, 300, 512, 513, 999, 1_000, 1_001, 2_000, 2_001, 7_999].map((n) => pool.sizeFor(n))).toEqual([
      1, 512, 512, 1_000, 1_000, 1_000, 2_000, 2_000, 4_000, 8_000,
    ]);
  });

  it('makes room for a buffer given back by dropping kept sizes asked for less recently, never more recent ones', () => {
    // Counted in use: nothing, so only what is kept meets the bound (10,000 + 1,000).
    const pool = new BufferPool({ capacity: 1_000, maxPooledBytes: 10_000, inUse: () => 0 });
    const early = [pool.allocate(2_000), pool.allocate(2_000), pool.allocate(2_000)];
    const old = pool.allocate(4_000);
    for (const buffer of early) pool.release(buffer);
    expect(pool.pooledBytes).toBe(6_000);
    // A batch of a compressed topic grew past the sizes its first batches took: 6,000 + 8,000 > 11,000, so
    // two of the 2,000s (asked for earlier) go, and the 8,000 is kept.
    const recent = pool.allocate(8_000);
    pool.release(recent);
    expect(pool.pooledBytes).toBe(10_000);
    expect(pool.allocate(8_000)).toBe(recent);
    pool.release(recent);
    // The 4,000 was asked for before the 8,000: dropping the last 2,000 would not make room, and the 8,000
    // is more recent, so the 4,000 is the one dropped and nothing kept goes.
    pool.release(old);
    expect(pool.pooledBytes).toBe(10_000);
    expect(pool.allocate(8_000)).toBe(recent);
    expect(pool.allocate(2_000)).toBe(early[0]);
  });
});
