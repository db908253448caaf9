import { describe, expect, it } from 'vitest';
import { WindowedStat } from '../../../src/producer/metric-stats.js';

// Java's SampledStat arithmetic with its defaults (2 samples of 30 s), on a clock the test sets.

describe('WindowedStat', () => {
  it('is NaN for averages and maxima, and 0 for rates, with nothing recorded', () => {
    const stat = new WindowedStat();
    expect(stat.avg(0)).toBeNaN();
    expect(stat.max(0)).toBeNaN();
    expect(stat.rate(0)).toBe(0);
    expect(stat.total).toBe(0);
  });

  it('divides a young stat by at least one full window, as Java Rate.windowSize does', () => {
    const stat = new WindowedStat();
    stat.record(10, 0);
    stat.record(20, 1_000);
    // 30 over 2 s elapsed plus the (samples - 1) window a young stat is padded with.
    expect(stat.rate(2_000)).toBeCloseTo(30 / 32, 10);
    expect(stat.countRate(2_000)).toBeCloseTo(2 / 32, 10);
    expect(stat.avg(2_000)).toBe(15);
    expect(stat.max(2_000)).toBe(20);
  });

  it('moves to the next sample after a window and forgets samples older than all of them', () => {
    const stat = new WindowedStat({ sampleWindowMs: 1_000, numSamples: 2 });
    stat.record(100, 0);
    stat.record(1, 1_000); // second sample, starting at 1000
    expect(stat.max(1_500)).toBe(100);
    expect(stat.rate(1_500)).toBeCloseTo(101 / 1.5, 10);
    stat.record(2, 2_100); // reuses the first sample: the 100 is gone
    expect(stat.max(2_100)).toBe(2);
    expect(stat.avg(2_100)).toBe(1.5);
    // At 4100 both samples are two windows old: cleared.
    expect(stat.avg(4_100)).toBeNaN();
    expect(stat.rate(4_100)).toBe(0);
    expect(stat.total).toBe(103);
    expect(stat.totalCount).toBe(3);
  });
});
