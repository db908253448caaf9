import {
  type BatchObservableCallback,
  type BatchObservableResult,
  type Meter,
  type MeterProvider,
  metrics,
  type Observable,
} from '@opentelemetry/api';
import { CLIENT_SOFTWARE_NAME, CLIENT_SOFTWARE_VERSION } from '../net/client-software.js';
import type { ProducerMetric } from '../producer/producer-metrics.js';

// The producer's metrics (producer.metrics(), Java's names) as OpenTelemetry instruments, named as
// OpenTelemetry's own bridge for the Java client names them (kafka.producer.<name with '_' for '-'>,
// Java's tags as attributes), so dashboards built for Java producers read these too. Values are read from a
// snapshot when the SDK collects: nothing is recorded on the send path.

export interface OtelMetricsOptions {
  /** Where the instruments live. Default: the global meter provider (`metrics.getMeterProvider()`). */
  meterProvider?: MeterProvider;
}

/** What otelMetrics() reads: a kafka-wire Producer (any key and value types). */
export interface MetricsSource {
  metrics(): readonly ProducerMetric[];
}

/** Stops reporting a producer's metrics. */
export interface OtelMetricsHandle {
  close(): void;
}

/**
 * Reports `producer.metrics()` through OpenTelemetry observable instruments: `kafka.producer.record_send_rate`
 * and the like, a gauge per metric, a counter for each `-total` one, with `client-id`, `node-id` and `topic`
 * attributes. A metric Java keeps both per client and per topic or node is reported at the finer level only
 * (as OpenTelemetry's Java bridge does), so summing over attributes does not count twice. Averages and
 * maxima over a window that saw nothing (NaN in the snapshot) are left out.
 *
 * ```ts
 * const handle = otelMetrics(producer);
 * // ... later, before the producer is dropped
 * handle.close();
 * ```
 */
export function otelMetrics(producer: MetricsSource, options: OtelMetricsOptions = {}): OtelMetricsHandle {
  const meter = (options.meterProvider ?? metrics.getMeterProvider()).getMeter(
    CLIENT_SOFTWARE_NAME,
    CLIENT_SOFTWARE_VERSION,
  );
  return new MetricsBridge(producer, meter);
}

class MetricsBridge implements OtelMetricsHandle {
  private readonly instruments = new Map<string, Observable>();
  private registered: Observable[] = [];
  private closed = false;
  private readonly observe: BatchObservableCallback = (result) => this.report(result);

  constructor(
    private readonly producer: MetricsSource,
    private readonly meter: Meter,
  ) {
    this.track(producer.metrics());
  }

  close(): void {
    if (this.closed) return;
    this.closed = true;
    this.meter.removeBatchObservableCallback(this.observe, this.registered);
  }

  private report(result: BatchObservableResult): void {
    const snapshot = this.producer.metrics();
    const finest = finestGroups(snapshot);
    for (const metric of snapshot) {
      if (finest.get(metric.name) !== metric.group) continue;
      const instrument = this.instruments.get(metric.name);
      if (instrument === undefined) continue;
      if (Number.isNaN(metric.value)) continue;
      result.observe(instrument, metric.value, metric.tags);
    }
    // Names that appear later (a topic's own metrics once it has records) get instruments now and are
    // reported from the next collection on: instruments cannot be added to a collection under way.
    if (snapshot.some((m) => !this.instruments.has(m.name))) queueMicrotask(() => this.track(snapshot));
  }

  /** Makes instruments for names not seen before and observes them all with one callback. */
  private track(snapshot: readonly ProducerMetric[]): void {
    if (this.closed) return;
    let added = false;
    for (const metric of snapshot) {
      if (this.instruments.has(metric.name)) continue;
      const name = instrumentName(metric.name);
      const options = { description: metric.description };
      this.instruments.set(
        metric.name,
        metric.name.endsWith('-total')
          ? this.meter.createObservableCounter(name, options)
          : this.meter.createObservableGauge(name, options),
      );
      added = true;
    }
    if (!added) return;
    if (this.registered.length > 0) this.meter.removeBatchObservableCallback(this.observe, this.registered);
    this.registered = [...this.instruments.values()];
    this.meter.addBatchObservableCallback(this.observe, this.registered);
  }
}

/** OpenTelemetry's Java bridge's name for a producer metric: record-send-rate -> kafka.producer.record_send_rate. */
export function instrumentName(javaName: string): string {
  return `kafka.producer.${javaName.replaceAll('-', '_')}`;
}

/** Per metric name, the group with the most tags (topic or node over client): the one to report. */
function finestGroups(snapshot: readonly ProducerMetric[]): Map<string, string> {
  const best = new Map<string, { group: string; tags: number }>();
  for (const metric of snapshot) {
    const tags = Object.keys(metric.tags).length;
    const current = best.get(metric.name);
    if (current === undefined || tags > current.tags) best.set(metric.name, { group: metric.group, tags });
  }
  return new Map([...best].map(([name, { group }]) => [name, group]));
}
