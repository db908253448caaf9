import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { javaFixed, javaSummaryLine, PerfStats } from '../../../src/cli/perf-stats.js';

describe('javaFixed', () => {
  // Expected strings printed by Java 17's String.format("%.2f|%f|%.1f", d, d, d).
  it.each([
    [1.005, '1.01|1.005000|1.0'],
    [2.675, '2.68|2.675000|2.7'],
    [0.125, '0.13|0.125000|0.1'],
    [1e-7, '0.00|0.000000|0.0'],
    [123456.7894445, '123456.79|123456.789445|123456.8'],
    [1e21, '1000000000000000000000.00|1000000000000000000000.000000|1000000000000000000000.0'],
    [0, '0.00|0.000000|0.0'],
    [9.995, '10.00|9.995000|10.0'],
    [5e-324, '0.00|0.000000|0.0'],
  ])('%s formats as Java does', (x, expected) => {
    expect([javaFixed(x, 2), javaFixed(x, 6), javaFixed(x, 1)].join('|')).toBe(expected);
  });
});

describe('javaSummaryLine', () => {
  // Expected lines printed by Java 17 with ProducerPerformance's format string and the same figures.
  it.each([
    [
      { records: 3000, bytes: 300000, elapsedMs: 1237, totalLatency: 9331, max: 58, p: [7, 24, 54, 58] },
      '3000 records sent, 2425.222312 records/sec (0.23 MB/sec), 3.11 ms avg latency, 58.00 ms max latency, 7 ms 50th, 24 ms 95th, 54 ms 99th, 58 ms 99.9th.',
    ],
    [
      {
        records: 1000000,
        bytes: 100000000,
        elapsedMs: 8100,
        totalLatency: 12345678,
        max: 345,
        p: [10, 20, 30, 40],
      },
      '1000000 records sent, 123456.790123 records/sec (11.77 MB/sec), 12.35 ms avg latency, 345.00 ms max latency, 10 ms 50th, 20 ms 95th, 30 ms 99th, 40 ms 99.9th.',
    ],
  ])('matches kafka-producer-perf-test for %#', (f, expected) => {
    const line = javaSummaryLine({
      records: f.records,
      bytes: f.bytes,
      elapsedMs: f.elapsedMs,
      recordsPerSec: (1000 * f.records) / f.elapsedMs,
      mbPerSec: (1000 * f.bytes) / f.elapsedMs / 1048576,
      avgLatencyMs: f.totalLatency / f.records,
      maxLatencyMs: f.max,
      p50Ms: f.p[0]!,
      p95Ms: f.p[1]!,
      p99Ms: f.p[2]!,
      p999Ms: f.p[3]!,
    });
    expect(line).toBe(expected);
  });
});

describe('PerfStats', () => {
  it("gives Java's percentiles (sorted[floor(p x n)]) over every latency recorded", () => {
    fc.assert(
      fc.property(
        fc.array(fc.integer({ min: 0, max: 5000 }), { minLength: 1, maxLength: 3000 }),
        (latencies) => {
          const stats = new PerfStats(0);
          for (const l of latencies) stats.record(l, 10);
          const sorted = [...latencies].sort((a, b) => a - b);
          for (const p of [0.5, 0.95, 0.99, 0.999]) {
            expect(stats.percentile(p)).toBe(sorted[Math.trunc(p * sorted.length)]);
          }
          const s = stats.summary(2000);
          expect(s.records).toBe(latencies.length);
          expect(s.bytes).toBe(10 * latencies.length);
          expect(s.maxLatencyMs).toBe(sorted.at(-1));
          expect(s.avgLatencyMs).toBeCloseTo(latencies.reduce((a, b) => a + b, 0) / latencies.length, 9);
          expect(s.recordsPerSec).toBeCloseTo(latencies.length / 2, 9);
        },
      ),
    );
  });

  it('reports zeros before any record is acknowledged', () => {
    expect(new PerfStats(0).summary(0)).toEqual({
      records: 0,
      bytes: 0,
      elapsedMs: 0,
      recordsPerSec: 0,
      mbPerSec: 0,
      avgLatencyMs: 0,
      maxLatencyMs: 0,
      p50Ms: 0,
      p95Ms: 0,
      p99Ms: 0,
      p999Ms: 0,
    });
  });
});
