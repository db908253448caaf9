import { afterEach, describe, expect, it } from 'vitest';
import { Producer, ProducerConfigError } from '../../../src/index.js';
import { metricValue, type ProducerMetric } from '../../../src/producer/producer-metrics.js';
import { cleanup, producerFor, sendAll, startCluster } from './harness.js';

// producer.metrics() against the fake cluster: values the test can work out exactly from what it sent and what
// the broker saw, under the Java producer's names.

afterEach(cleanup);

const VALUE = 'v'.repeat(100);
/**
 * One 100-byte value, no key, no headers, timestamp and offset deltas under 64: attributes 1 + timestamp delta 1
 * + offset delta 1 + key length (-1) 1 + value length (100) 2 + value 100 + header count 1 = 107 bytes, and
 * its length prefix (107) takes 2 more.
 */
const RECORD_SIZE = 109;
/** RecordBatch v2 header. */
const BATCH_HEADER = 61;

function get(producer: Producer, name: string, tags: Record<string, string> = {}) {
  return metricValue(producer.metrics(), name, tags);
}

function group(metrics: ProducerMetric[], name: ProducerMetric['group']) {
  return metrics.filter((m) => m.group === name);
}

describe('producer.metrics()', () => {
  it('counts records, bytes, batches and requests as Java names them', async () => {
    const cluster = await startCluster({ topics: { t: 1 } });
    const producer = producerFor(cluster, { clientId: 'metrics-test', bufferMemory: 1_000_000 });
    const n = 50;
    const timestamp = 1_700_000_000_000;
    await Promise.all(
      Array.from({ length: n }, () => producer.send({ topic: 't', partition: 0, value: VALUE, timestamp })),
    );

    const metrics = producer.metrics();
    const value = (name: string) => metricValue(metrics, name);
    expect(metrics.every((m) => m.tags['client-id'] === 'metrics-test' && m.description.length > 0)).toBe(
      true,
    );
    expect(value('record-send-total')).toBe(n);
    expect(value('record-size-max')).toBe(RECORD_SIZE);
    expect(value('record-size-avg')).toBe(RECORD_SIZE);
    // One batch in one request: the records went together.
    expect(cluster.requests.filter((r) => r.api === 'Produce')).toHaveLength(1);
    expect(value('batch-size-max')).toBe(BATCH_HEADER + n * RECORD_SIZE);
    expect(value('batch-size-avg')).toBe(BATCH_HEADER + n * RECORD_SIZE);
    expect(value('records-per-request-avg')).toBe(n);
    expect(value('compression-rate-avg')).toBe(1);
    expect(value('record-error-total')).toBe(0);
    expect(value('record-retry-total')).toBe(0);
    expect(value('record-queue-time-max')).toBeGreaterThanOrEqual(0);
    expect(value('request-latency-max')).toBeGreaterThanOrEqual(value('request-latency-avg')!);
    expect(value('produce-throttle-time-max')).toBe(0);
    expect(value('buffer-total-bytes')).toBe(1_000_000);
    expect(value('buffer-available-bytes')).toBe(1_000_000);
    expect(value('requests-in-flight')).toBe(0);
    // Fetched for this send: well under the test's own duration.
    expect(value('metadata-age')).toBeGreaterThanOrEqual(0);
    expect(value('metadata-age')).toBeLessThan(10);
    // Every request the broker saw was counted, and answered.
    expect(value('request-total')).toBe(cluster.requests.length);
    expect(value('response-total')).toBe(cluster.requests.length);
    expect(value('connection-count')).toBe(cluster.openConnections());
    expect(value('connection-creation-total')).toBe(cluster.openConnections());

    const topic = group(metrics, 'producer-topic-metrics');
    expect(metricValue(topic, 'record-send-total', { topic: 't' }, 'producer-topic-metrics')).toBe(n);
    expect(metricValue(topic, 'byte-total', { topic: 't' }, 'producer-topic-metrics')).toBe(
      BATCH_HEADER + n * RECORD_SIZE,
    );
    expect(metricValue(topic, 'compression-rate', { topic: 't' }, 'producer-topic-metrics')).toBe(1);

    // Per node: bootstrap connections are node--1, node--2, ... as in Java; the leader's carries the Produce
    // request's latency.
    const nodes = group(metrics, 'producer-node-metrics');
    const sum = (name: string) =>
      nodes.filter((m) => m.name === name).reduce((total, m) => total + m.value, 0);
    expect(sum('request-total')).toBe(value('request-total'));
    expect(sum('outgoing-byte-total')).toBe(value('outgoing-byte-total'));
    expect(sum('incoming-byte-total')).toBe(value('incoming-byte-total'));
    expect(nodes.some((m) => /^node--[1-3]$/.test(m.tags['node-id']!))).toBe(true);
    const leader = cluster.requests.find((r) => r.api === 'Produce')!.nodeId;
    const leaderLatency = metricValue(
      nodes,
      'request-latency-max',
      { 'node-id': `node-${leader}` },
      'producer-node-metrics',
    );
    expect(leaderLatency).toBe(value('request-latency-max'));
    // Rates are Java's: the window's sum over at least one full 30 s window while the stat is young.
    const rate = value('record-send-rate')!;
    expect(rate).toBeGreaterThan(0);
    expect(rate).toBeLessThanOrEqual(n / 30);
  });

  it('records the throttle time a broker answers with', async () => {
    const cluster = await startCluster({ topics: { t: 1 } });
    const producer = producerFor(cluster);
    await producer.send({ topic: 't', value: 'warm-up' });
    cluster.throttleProduce(250);
    await producer.send({ topic: 't', value: 'throttled' });
    expect(get(producer, 'produce-throttle-time-max')).toBe(250);
    expect(get(producer, 'produce-throttle-time-avg')).toBe(125);
  });

  it('counts retried and failed records per topic', async () => {
    const cluster = await startCluster({ topics: { t: 1, u: 1 } });
    const producer = producerFor(cluster);
    cluster.onProduce({ topic: 't', partition: 0 }, { error: 'NOT_ENOUGH_REPLICAS' });
    cluster.onProduce({ topic: 'u', partition: 0 }, { error: 'INVALID_RECORD' });
    await Promise.all(sendAll(producer, 't', 0, ['a', 'b', 'c']));
    await expect(Promise.all(sendAll(producer, 'u', 0, ['x', 'y']))).rejects.toThrow(/INVALID_RECORD/);

    const metrics = producer.metrics();
    expect(metricValue(metrics, 'record-retry-total')).toBe(3);
    expect(metricValue(metrics, 'record-error-total')).toBe(2);
    const topic = (name: string, t: string) =>
      metricValue(metrics, name, { topic: t }, 'producer-topic-metrics');
    expect(topic('record-retry-total', 't')).toBe(3);
    expect(topic('record-error-total', 't')).toBe(0);
    expect(topic('record-error-total', 'u')).toBe(2);
    expect(topic('record-send-total', 't')).toBe(6); // sent twice: the retry counts, as in Java
  });

  it('counts connections closed', async () => {
    const cluster = await startCluster({ topics: { t: 1 } });
    const producer = producerFor(cluster);
    await producer.send({ topic: 't', value: 'x' });
    const open = get(producer, 'connection-count')!;
    expect(open).toBeGreaterThan(0);
    await producer.close();
    expect(get(producer, 'connection-count')).toBe(0);
    expect(get(producer, 'connection-close-total')).toBe(open);
  });

  it('takes its window from metricsSampleWindowMs and metricsNumSamples', async () => {
    const cluster = await startCluster({ topics: { t: 1 } });
    const producer = producerFor(cluster, { metricsSampleWindowMs: 200, metricsNumSamples: 3 });
    const n = 20;
    await Promise.all(
      sendAll(
        producer,
        't',
        0,
        Array.from({ length: n }, (_, i) => `${i}`),
      ),
    );
    // A young stat divides by at least (samples - 1) windows: 400 ms here, where Java's defaults give 30 s.
    const rate = get(producer, 'record-send-rate')!;
    expect(rate).toBeGreaterThan(n / 30);
    expect(rate).toBeLessThanOrEqual(n / 0.4);
    expect(() => new Producer({ bootstrapServers: 'localhost:9092', metricsNumSamples: 0 })).toThrow(
      ProducerConfigError,
    );
  });
});
