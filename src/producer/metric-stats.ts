// Windowed statistics as Java's client metrics compute them (org.apache.kafka.common.metrics: SampledStat,
// Avg, Max, Rate, CumulativeSum), so a dashboard built for the Java producer reads the same numbers here.
//
// A stat keeps `numSamples` samples (metrics.num.samples, default 2), each covering `sampleWindowMs`
// (metrics.sample.window.ms, default 30000). A value goes into the current sample; once that sample is a window
// old the next one starts (the oldest is reused). When read, samples older than numSamples windows are
// cleared first. Avg and Max are over the samples kept (NaN when they hold no value, as Java reports). A rate
// divides the samples' sum by the time they cover: from the oldest sample's start to now, but at least
// numSamples - 1 full windows, so a young stat does not report a burst as a huge rate (Java's Rate.windowSize).
//
// One WindowedStat serves every statistic of one measured quantity (Java keeps one SampledStat per statistic,
// all fed the same values at the same times, so they agree). Recording is a few field updates: cheap enough for
// once per batch or request.

export interface MetricWindow {
  readonly sampleWindowMs: number;
  readonly numSamples: number;
}

/** Java's defaults: metrics.sample.window.ms 30000, metrics.num.samples 2. */
export const JAVA_METRIC_WINDOW: MetricWindow = { sampleWindowMs: 30_000, numSamples: 2 };

interface Sample {
  startMs: number;
  sum: number;
  count: number;
  max: number;
}

export class WindowedStat {
  private readonly samples: Sample[] = [];
  private current = 0;
  /** Every value ever recorded, summed (Java's CumulativeSum), and how many (CumulativeCount). */
  total = 0;
  totalCount = 0;

  constructor(private readonly window: MetricWindow = JAVA_METRIC_WINDOW) {}

  record(value: number, nowMs: number): void {
    this.total += value;
    this.totalCount++;
    let sample = this.samples[this.current];
    if (sample === undefined) {
      sample = newSample(nowMs);
      this.samples.push(sample);
    } else if (nowMs - sample.startMs >= this.window.sampleWindowMs) {
      this.current = (this.current + 1) % this.window.numSamples;
      sample = this.samples[this.current];
      if (sample === undefined) {
        sample = newSample(nowMs);
        this.samples.push(sample);
      } else reset(sample, nowMs);
    }
    sample.sum += value;
    sample.count++;
    if (value > sample.max) sample.max = value;
  }

  /** Average of the values in the window; NaN when none. */
  avg(nowMs: number): number {
    this.purge(nowMs);
    let sum = 0;
    let count = 0;
    for (const s of this.samples) {
      sum += s.sum;
      count += s.count;
    }
    return count === 0 ? Number.NaN : sum / count;
  }

  /** Largest value in the window; NaN when none. */
  max(nowMs: number): number {
    this.purge(nowMs);
    let max = Number.NEGATIVE_INFINITY;
    let count = 0;
    for (const s of this.samples) {
      if (s.max > max) max = s.max;
      count += s.count;
    }
    return count === 0 ? Number.NaN : max;
  }

  /** Sum of the values in the window per second (Java's Rate over a WindowedSum). */
  rate(nowMs: number): number {
    this.purge(nowMs);
    let sum = 0;
    for (const s of this.samples) sum += s.sum;
    return sum / this.windowSeconds(nowMs);
  }

  /** Number of values recorded in the window per second (Java's Rate over a WindowedCount). */
  countRate(nowMs: number): number {
    this.purge(nowMs);
    let count = 0;
    for (const s of this.samples) count += s.count;
    return count / this.windowSeconds(nowMs);
  }

  private windowSeconds(nowMs: number): number {
    const { sampleWindowMs, numSamples } = this.window;
    let oldest = nowMs;
    for (const s of this.samples) if (s.startMs < oldest) oldest = s.startMs;
    let elapsed = nowMs - oldest;
    const fullWindows = Math.floor(elapsed / sampleWindowMs);
    if (fullWindows < numSamples - 1) elapsed += (numSamples - 1 - fullWindows) * sampleWindowMs;
    return elapsed / 1000;
  }

  private purge(nowMs: number): void {
    const expireAge = this.window.numSamples * this.window.sampleWindowMs;
    for (const s of this.samples) if (nowMs - s.startMs >= expireAge) reset(s, nowMs);
  }
}

function newSample(nowMs: number): Sample {
  return { startMs: nowMs, sum: 0, count: 0, max: Number.NEGATIVE_INFINITY };
}

function reset(sample: Sample, nowMs: number): void {
  sample.startMs = nowMs;
  sample.sum = 0;
  sample.count = 0;
  sample.max = Number.NEGATIVE_INFINITY;
}
