// What kafka-producer-perf-test measures, measured the same way: a record's latency is whole milliseconds
// from handing it to the producer to its acknowledgement, only acknowledged records count, rates run from
// the start of the test to the moment the summary is taken, and a percentile p is the latency at index
// floor(p x n) of the sorted latencies. Java sorts a sample of at most 500,000 latencies; a per-millisecond
// histogram gives the same definition over every record, in constant memory, cheaply enough to show p50 and
// p99 live.

const MIB = 1024 * 1024;

export interface PerfSummary {
  records: number;
  bytes: number;
  elapsedMs: number;
  recordsPerSec: number;
  mbPerSec: number;
  avgLatencyMs: number;
  maxLatencyMs: number;
  p50Ms: number;
  p95Ms: number;
  p99Ms: number;
  p999Ms: number;
}

export class PerfStats {
  private histogram = new Uint32Array(1024);
  private count = 0;
  private bytes = 0;
  private totalLatency = 0;
  private maxLatency = 0;

  constructor(private readonly startMs: number) {}

  record(latencyMs: number, bytes: number): void {
    const latency = Math.max(0, Math.trunc(latencyMs));
    if (latency >= this.histogram.length) {
      const grown = new Uint32Array(Math.max(latency + 1, this.histogram.length * 2));
      grown.set(this.histogram);
      this.histogram = grown;
    }
    this.histogram[latency]!++;
    this.count++;
    this.bytes += bytes;
    this.totalLatency += latency;
    if (latency > this.maxLatency) this.maxLatency = latency;
  }

  get recorded(): number {
    return this.count;
  }

  /** Latency at index floor(p x n) of the sorted latencies; 0 before any record. */
  percentile(p: number): number {
    const index = Math.trunc(p * this.count);
    let seen = 0;
    for (let latency = 0; latency <= this.maxLatency; latency++) {
      seen += this.histogram[latency]!;
      if (seen > index) return latency;
    }
    return 0;
  }

  summary(nowMs: number): PerfSummary {
    const elapsedMs = nowMs - this.startMs;
    // Java divides by the elapsed milliseconds as they are; a run inside one millisecond would divide by 0.
    const seconds = Math.max(elapsedMs, 1) / 1000;
    return {
      records: this.count,
      bytes: this.bytes,
      elapsedMs,
      recordsPerSec: this.count / seconds,
      mbPerSec: this.bytes / seconds / MIB,
      avgLatencyMs: this.count === 0 ? 0 : this.totalLatency / this.count,
      maxLatencyMs: this.maxLatency,
      p50Ms: this.percentile(0.5),
      p95Ms: this.percentile(0.95),
      p99Ms: this.percentile(0.99),
      p999Ms: this.percentile(0.999),
    };
  }
}

/**
 * Java's `%.<digits>f`: it rounds the shortest decimal form of the double (Double.toString's digits) half up,
 * where toFixed rounds the exact binary value (1.005 is "1.01" in Java, "1.00" with toFixed).
 */
export function javaFixed(x: number, digits: number): string {
  const match = /^(\d+)(?:\.(\d+))?(?:e([+-]\d+))?$/.exec(Math.abs(x).toString());
  if (match === null) return x.toFixed(digits); // NaN, Infinity: no figure of ours
  const fraction = match[2] ?? '';
  const mantissa = BigInt(match[1]! + fraction);
  const shift = Number(match[3] ?? 0) - fraction.length + digits;
  let scaled: bigint;
  if (shift >= 0) scaled = mantissa * 10n ** BigInt(shift);
  else {
    const divisor = 10n ** BigInt(-shift);
    scaled = mantissa / divisor + ((mantissa % divisor) * 2n >= divisor ? 1n : 0n);
  }
  const text = scaled.toString().padStart(digits + 1, '0');
  const point = text.length - digits;
  const sign = x < 0 ? '-' : '';
  return digits === 0 ? `${sign}${text}` : `${sign}${text.slice(0, point)}.${text.slice(point)}`;
}

/**
 * kafka-producer-perf-test's closing line, character for character (its printf format: "%d records sent, %f
 * records/sec (%.2f MB/sec), %.2f ms avg latency, %.2f ms max latency, %d ms 50th, %d ms 95th, %d ms 99th,
 * %d ms 99.9th."), so scripts that parse Java's output parse ours.
 */
export function javaSummaryLine(s: PerfSummary): string {
  return (
    `${s.records} records sent, ${javaFixed(s.recordsPerSec, 6)} records/sec (${javaFixed(s.mbPerSec, 2)} MB/sec), ` +
    `${javaFixed(s.avgLatencyMs, 2)} ms avg latency, ${javaFixed(s.maxLatencyMs, 2)} ms max latency, ` +
    `${s.p50Ms} ms 50th, ${s.p95Ms} ms 95th, ${s.p99Ms} ms 99th, ${s.p999Ms} ms 99.9th.`
  );
}
