import {
  AggregationTemporality,
  DataPointType,
  InMemoryMetricExporter,
  MeterProvider,
  type MetricData,
  PeriodicExportingMetricReader,
} from '@opentelemetry/sdk-metrics';
import { afterEach, describe, expect, it } from 'vitest';
import { metricValue } from '../../../src/index.js';
import { instrumentName, otelMetrics } from '../../../src/otel/index.js';
import { cleanup, producerFor, startCluster } from '../producer/harness.js';

// kafka-wire/otel's metrics bridge on the fake cluster, read through the OpenTelemetry SDK's in-memory
// exporter: producer.metrics() values under OpenTelemetry's Java-bridge names, at the finest level only.

afterEach(cleanup);

function meters() {
  const exporter = new InMemoryMetricExporter(AggregationTemporality.CUMULATIVE);
  // The interval never elapses in a test: forceFlush() collects.
  const reader = new PeriodicExportingMetricReader({ exporter, exportIntervalMillis: 3_600_000 });
  const provider = new MeterProvider({ readers: [reader] });
  /** One collection: every exported metric of kafka-wire's meter. */
  const collect = async (): Promise<MetricData[]> => {
    exporter.reset();
    await provider.forceFlush();
    const scopes = exporter.getMetrics().flatMap((r) => r.scopeMetrics);
    return scopes.filter((s) => s.scope.name === 'kafka-wire').flatMap((s) => s.metrics);
  };
  return { provider, collect };
}

const find = (data: MetricData[], name: string) => data.find((m) => m.descriptor.name === name);

describe('otelMetrics()', () => {
  it('reports the snapshot: -total metrics as monotonic counters, the rest as gauges, with Java’s tags', async () => {
    const cluster = await startCluster({ topics: { t: 1 } });
    const producer = producerFor(cluster, { clientId: 'metered', bufferMemory: 1_000_000 });
    const { provider, collect } = meters();
    otelMetrics(producer, { meterProvider: provider });
    for (let i = 0; i < 5; i++) await producer.send({ topic: 't', value: `value-${i}` });
    await collect(); // the topic's and node's own names first appear here; they are reported from the next one
    const data = await collect();

    const sent = find(data, 'kafka.producer.record_send_total')!;
    expect(sent.dataPointType).toBe(DataPointType.SUM);
    // The description is the one of the name's first series (the client-wide one).
    expect(sent.descriptor.description).toContain('The total number of records sent');
    expect(sent.dataPoints.map((p) => [p.attributes, p.value])).toEqual([
      [{ 'client-id': 'metered', topic: 't' }, 5],
    ]);
    const bufferTotal = find(data, 'kafka.producer.buffer_total_bytes')!;
    expect(bufferTotal.dataPointType).toBe(DataPointType.GAUGE);
    expect(bufferTotal.dataPoints.map((p) => [p.attributes, p.value])).toEqual([
      [{ 'client-id': 'metered' }, 1_000_000],
    ]);
    // byte-total exists only per topic; its value is the snapshot's.
    const bytes = metricValue(producer.metrics(), 'byte-total', { topic: 't' }, 'producer-topic-metrics');
    expect(bytes).toBeGreaterThan(0);
    expect(find(data, 'kafka.producer.byte_total')!.dataPoints.map((p) => p.value)).toEqual([bytes]);
  });

  it('reports a metric Java keeps per client and per node at the node level only', async () => {
    const cluster = await startCluster({ topics: { t: 1 } });
    const producer = producerFor(cluster, { clientId: 'nodes' });
    const { provider, collect } = meters();
    otelMetrics(producer, { meterProvider: provider });
    await producer.send({ topic: 't', value: 'v' });
    await collect();
    const data = await collect();
    const latency = find(data, 'kafka.producer.request_latency_max')!;
    const attributes = latency.dataPoints.map((p) => p.attributes);
    expect(attributes.length).toBeGreaterThan(0);
    expect(attributes.every((a) => typeof a['node-id'] === 'string')).toBe(true);
    const expected = producer
      .metrics()
      .filter((m) => m.group === 'producer-node-metrics' && m.name === 'request-latency-max')
      .filter((m) => !Number.isNaN(m.value));
    expect(new Set(attributes.map((a) => a['node-id']))).toEqual(
      new Set(expected.map((m) => m.tags['node-id'])),
    );
  });

  it('leaves out averages over an empty window (NaN) and observes nothing more after close()', async () => {
    const cluster = await startCluster({ topics: { t: 1 } });
    const producer = producerFor(cluster);
    const { provider, collect } = meters();
    const handle = otelMetrics(producer, { meterProvider: provider });
    expect(Number.isNaN(metricValue(producer.metrics(), 'record-queue-time-avg'))).toBe(true);
    const before = await collect();
    expect(find(before, 'kafka.producer.record_queue_time_avg')?.dataPoints ?? []).toEqual([]);
    expect(find(before, 'kafka.producer.buffer_total_bytes')!.dataPoints).toHaveLength(1);

    await producer.send({ topic: 't', value: 'one' });
    await collect();
    const sentTotal = async () =>
      find(await collect(), 'kafka.producer.record_send_total')!.dataPoints.find(
        (p) => p.attributes.topic === 't',
      )?.value;
    expect(await sentTotal()).toBe(1);
    handle.close();
    handle.close();
    await producer.send({ topic: 't', value: 'two' });
    expect(metricValue(producer.metrics(), 'record-send-total')).toBe(2);
    // Cumulative exporters repeat the last value they saw; nothing new is observed.
    expect(await sentTotal()).toBe(1);
  });

  it('names instruments as OpenTelemetry’s bridge for the Java client does', () => {
    expect(instrumentName('record-send-rate')).toBe('kafka.producer.record_send_rate');
    expect(instrumentName('bufferpool-wait-time-ns-total')).toBe(
      'kafka.producer.bufferpool_wait_time_ns_total',
    );
  });
});
