import { describe, expect, it } from 'vitest';
import {
  RoundRobinPartitioner,
  StickyPartitioner,
  type TopicPartitionsView,
} from '../../../src/partition/index.js';

const view = (numPartitions: number, available?: number[]): TopicPartitionsView => ({
  topic: 't',
  numPartitions,
  availablePartitions: available ?? Array.from({ length: numPartitions }, (_, i) => i),
});

/** A deterministic random source that returns the given values in turn. */
function sequence(...values: number[]) {
  let i = 0;
  return () => values[i++ % values.length]!;
}

describe('StickyPartitioner (Java BuiltInPartitioner rules)', () => {
  it('sticks to one partition until batchSize bytes went there and its batches are full', () => {
    const p = new StickyPartitioner({ batchSize: 100, random: sequence(2, 5) });
    const v = view(6);
    expect(p.partition(v)).toBe(2);
    p.onAppend(2, 60, false, v);
    expect(p.partition(v)).toBe(2);
    // 120 >= batchSize but the last batch is not full: keep filling it.
    p.onAppend(2, 60, false, v);
    expect(p.partition(v)).toBe(2);
    // Full now: switch.
    p.onAppend(2, 10, true, v);
    expect(p.partition(v)).toBe(5);
  });

  it('always switches at twice batchSize', () => {
    const p = new StickyPartitioner({ batchSize: 100, random: sequence(1, 3) });
    const v = view(4);
    expect(p.partition(v)).toBe(1);
    p.onAppend(1, 199, false, v);
    expect(p.partition(v)).toBe(1);
    p.onAppend(1, 1, false, v);
    expect(p.partition(v)).toBe(3);
  });

  it('says when an append would read whether the batches are full (between batchSize and twice it)', () => {
    const p = new StickyPartitioner({ batchSize: 100, random: sequence(2, 5) });
    const v = view(6);
    // Nothing chosen yet, or another partition: the flag is not read.
    expect(p.readsBatchFullness(2, 500)).toBe(false);
    expect(p.partition(v)).toBe(2);
    expect(p.readsBatchFullness(3, 150)).toBe(false);
    expect(p.readsBatchFullness(2, 99)).toBe(false);
    expect(p.readsBatchFullness(2, 100)).toBe(true);
    expect(p.readsBatchFullness(2, 199)).toBe(true);
    expect(p.readsBatchFullness(2, 200)).toBe(false);
    // Where it says false, the flag changes nothing: the same appends with either value end alike.
    for (const [bytes, full] of [
      [99, true],
      [200, false],
    ] as const) {
      const a = new StickyPartitioner({ batchSize: 100, random: sequence(2, 5) });
      const b = new StickyPartitioner({ batchSize: 100, random: sequence(2, 5) });
      a.partition(v);
      b.partition(v);
      expect(a.readsBatchFullness(2, bytes)).toBe(false);
      a.onAppend(2, bytes, full, v);
      b.onAppend(2, bytes, !full, v);
      expect(a.partition(v)).toBe(b.partition(v));
    }
  });

  it('ignores appends to partitions other than the sticky one', () => {
    const p = new StickyPartitioner({ batchSize: 10, random: sequence(0, 1) });
    const v = view(2);
    expect(p.partition(v)).toBe(0);
    p.onAppend(1, 1000, true, v);
    expect(p.partition(v)).toBe(0);
  });

  it('chooses only among partitions with a leader, or all when none has one', () => {
    const p = new StickyPartitioner({ batchSize: 1, random: sequence(0, 1, 2, 3) });
    const v = view(6, [1, 4]);
    const seen = new Set<number>();
    for (let i = 0; i < 8; i++) {
      seen.add(p.partition(v));
      p.onAppend(p.partition(v), 5, true, v);
    }
    expect([...seen].sort()).toEqual([1, 4]);
    const none = new StickyPartitioner({ batchSize: 1, random: sequence(7) });
    expect(none.partition(view(6, []))).toBe(1);
  });

  it('weights the next partition by inverse queue length when load stats are given', () => {
    // Queues 0,3 -> weights 4,1 -> cumulative [4,5]: random 0..3 picks partition 10, 4 picks partition 11.
    const counts = new Map<number, number>();
    for (let r = 0; r < 5; r++) {
      const p = new StickyPartitioner({ batchSize: 1, random: () => r });
      p.updateLoadStats([0, 3], [10, 11]);
      const chosen = p.partition(view(12));
      counts.set(chosen, (counts.get(chosen) ?? 0) + 1);
    }
    expect(counts.get(10)).toBe(4);
    expect(counts.get(11)).toBe(1);
  });

  it('falls back to uniform when every queue is equal', () => {
    const p = new StickyPartitioner({ batchSize: 1, random: () => 3 });
    p.updateLoadStats([2, 2, 2], [0, 1, 2]);
    expect(p.partition(view(3))).toBe(0);
  });
});

describe('RoundRobinPartitioner', () => {
  it('cycles over available partitions per topic', () => {
    const rr = new RoundRobinPartitioner();
    const v = view(3);
    expect([0, 1, 2, 3, 4].map(() => rr.partition(v))).toEqual([0, 1, 2, 0, 1]);
    expect(rr.partition({ ...v, topic: 'other' })).toBe(0);
    // Topic 't' is at its 6th record: index 5 over the two available partitions picks the second.
    expect(rr.partition(view(5, [1, 3]))).toBe(3);
  });
});
