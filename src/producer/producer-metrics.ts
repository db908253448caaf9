// The producer's metrics, under the Java producer's names, groups, tags and meanings (its SenderMetricsRegistry,
// RecordAccumulator/BufferPool and Selector metrics), so what an operator knows from JMX reads the same here.
//
// Values are recorded where Java records them, never per record: per drained batch and per Produce request
// (sizes, queue time, compression, records), per response (latency, throttle time), per retried or failed batch,
// per request and response frame on the network (bytes, counts), per connection opened or closed. Reading a
// snapshot does the arithmetic (windowed averages, maxima and rates, as metric-stats.ts explains).

import type { NetworkObserver } from '../net/network-observer.js';
import { FIRST_BOOTSTRAP_NODE_ID } from '../net/pool.js';
import { JAVA_METRIC_WINDOW, type MetricWindow, WindowedStat } from './metric-stats.js';
import type { ProducerBatch } from './producer-batch.js';

export type ProducerMetricGroup = 'producer-metrics' | 'producer-node-metrics' | 'producer-topic-metrics';

/** One metric as Java's `producer.metrics()` map has it: its name (group, name, tags) and current value. */
export interface ProducerMetric {
  readonly group: ProducerMetricGroup;
  readonly name: string;
  /** `client-id` on every metric; `node-id` (`node-<id>`) in producer-node-metrics; `topic` in producer-topic-metrics. */
  readonly tags: Readonly<Record<string, string>>;
  /** NaN for an average or maximum over a window that holds no value, as Java reports it. */
  readonly value: number;
  readonly description: string;
}

/** What the metrics read from the rest of the producer when a snapshot is taken. */
export interface ProducerMetricsSources {
  /** buffer.memory. */
  bufferTotalBytes: () => number;
  /** Bytes of bufferMemory held by records now. */
  bufferUsedBytes: () => number;
  /** Records waiting for room in bufferMemory now. */
  waitingRecords: () => number;
  /** Produce requests sent and not answered now. */
  requestsInFlight: () => number;
  /** Milliseconds since metadata was last fetched (not finite before the first fetch). */
  metadataAgeMs: () => number;
}

interface NodeStats {
  readonly sent: WindowedStat;
  readonly received: WindowedStat;
  readonly latency: WindowedStat;
}

interface TopicStats {
  readonly records: WindowedStat;
  readonly bytes: WindowedStat;
  readonly compression: WindowedStat;
  readonly retries: WindowedStat;
  readonly errors: WindowedStat;
}

export class ProducerMetrics implements NetworkObserver {
  private readonly window: MetricWindow;
  private readonly now: () => number;
  private readonly clientId: string;
  private readonly sources: ProducerMetricsSources;
  private readonly batchSize: WindowedStat;
  private readonly compression: WindowedStat;
  private readonly queueTime: WindowedStat;
  private readonly recordSize: WindowedStat;
  /** Records per Produce request: its sum over time is the records sent. */
  private readonly recordsPerRequest: WindowedStat;
  private readonly latency: WindowedStat;
  private readonly throttle: WindowedStat;
  private readonly retries: WindowedStat;
  private readonly errors: WindowedStat;
  private readonly splits: WindowedStat;
  private readonly sent: WindowedStat;
  private readonly received: WindowedStat;
  private readonly created: WindowedStat;
  private readonly closed: WindowedStat;
  private readonly bufferWaitNs: WindowedStat;
  private readonly exhausted: WindowedStat;
  private openConnections = 0;
  private readonly nodes = new Map<number, NodeStats>();
  private readonly topics = new Map<string, TopicStats>();

  constructor(options: {
    clientId: string;
    now: () => number;
    sources: ProducerMetricsSources;
    window?: MetricWindow;
  }) {
    this.clientId = options.clientId;
    this.now = options.now;
    this.sources = options.sources;
    this.window = options.window ?? JAVA_METRIC_WINDOW;
    const stat = () => new WindowedStat(this.window);
    this.batchSize = stat();
    this.compression = stat();
    this.queueTime = stat();
    this.recordSize = stat();
    this.recordsPerRequest = stat();
    this.latency = stat();
    this.throttle = stat();
    this.retries = stat();
    this.errors = stat();
    this.splits = stat();
    this.sent = stat();
    this.received = stat();
    this.created = stat();
    this.closed = stat();
    this.bufferWaitNs = stat();
    this.exhausted = stat();
  }

  /**
   * A Produce request left with these batches (encoded to `encoded`, in order), drained at `drainedMs`: Java's
   * updateProduceRequestMetrics, once per batch and once per request.
   */
  produceRequestSent(
    batches: readonly ProducerBatch[],
    encoded: readonly Uint8Array[],
    drainedMs: number,
  ): void {
    const now = this.now();
    let records = 0;
    for (let i = 0; i < batches.length; i++) {
      const batch = batches[i]!;
      const bytes = encoded[i]!.length;
      const ratio = bytes / batch.sizeInBytes;
      const topic = this.topic(batch.topic);
      topic.records.record(batch.recordCount, now);
      topic.bytes.record(bytes, now);
      topic.compression.record(ratio, now);
      this.batchSize.record(bytes, now);
      this.queueTime.record(drainedMs - batch.createdMs, now);
      this.compression.record(ratio, now);
      this.recordSize.record(batch.maxRecordSize, now);
      records += batch.recordCount;
    }
    this.recordsPerRequest.record(records, now);
  }

  /** A Produce response arrived from `nodeId` after `latencyMs`; the broker throttled it `throttleTimeMs`. */
  produceResponse(nodeId: number, latencyMs: number, throttleTimeMs: number): void {
    const now = this.now();
    this.latency.record(latencyMs, now);
    this.node(nodeId).latency.record(latencyMs, now);
    this.throttle.record(throttleTimeMs, now);
  }

  /** A batch of `count` records goes back to its queue for another attempt. */
  recordsRetried(topic: string, count: number): void {
    const now = this.now();
    this.retries.record(count, now);
    this.topic(topic).retries.record(count, now);
  }

  /** A batch of `count` records failed for good (refused, expired, fenced...). */
  recordsFailed(topic: string, count: number): void {
    const now = this.now();
    this.errors.record(count, now);
    this.topic(topic).errors.record(count, now);
  }

  /** A batch too large for the broker was split in two. */
  batchSplit(): void {
    this.splits.record(1, this.now());
  }

  /** Records waited `ms` for room in bufferMemory (one wait from the first waiter to the queue's end). */
  bufferWaited(ms: number): void {
    this.bufferWaitNs.record(ms * 1e6, this.now());
  }

  /** A record found no room in bufferMemory within maxBlockMs. */
  bufferExhausted(): void {
    this.exhausted.record(1, this.now());
  }

  connectionCreated(_nodeId: number): void {
    this.openConnections++;
    this.created.record(1, this.now());
  }

  connectionClosed(_nodeId: number): void {
    this.openConnections--;
    this.closed.record(1, this.now());
  }

  requestSent(nodeId: number, bytes: number): void {
    const now = this.now();
    this.sent.record(bytes, now);
    this.node(nodeId).sent.record(bytes, now);
  }

  responseReceived(nodeId: number, bytes: number): void {
    const now = this.now();
    this.received.record(bytes, now);
    this.node(nodeId).received.record(bytes, now);
  }

  /** Every metric's current value. */
  snapshot(): ProducerMetric[] {
    const now = this.now();
    const out: ProducerMetric[] = [];
    const tags = { 'client-id': this.clientId };
    const add = (name: string, value: number, description: string) =>
      out.push({ group: 'producer-metrics', name, tags, value, description });
    const s = this.sources;
    add(
      'batch-size-avg',
      this.batchSize.avg(now),
      'The average number of bytes sent per partition per-request.',
    );
    add('batch-size-max', this.batchSize.max(now), 'The max number of bytes sent per partition per-request.');
    add(
      'compression-rate-avg',
      this.compression.avg(now),
      'The average compression rate of record batches, defined as the average ratio of the compressed batch size over the uncompressed size.',
    );
    add(
      'record-queue-time-avg',
      this.queueTime.avg(now),
      'The average time in ms record batches spent in the send buffer.',
    );
    add(
      'record-queue-time-max',
      this.queueTime.max(now),
      'The maximum time in ms record batches spent in the send buffer.',
    );
    add('request-latency-avg', this.latency.avg(now), 'The average request latency in ms');
    add('request-latency-max', this.latency.max(now), 'The maximum request latency in ms');
    add(
      'produce-throttle-time-avg',
      this.throttle.avg(now),
      'The average time in ms a request was throttled by a broker',
    );
    add(
      'produce-throttle-time-max',
      this.throttle.max(now),
      'The maximum time in ms a request was throttled by a broker',
    );
    add(
      'record-send-rate',
      this.recordsPerRequest.rate(now),
      'The average number of records sent per second.',
    );
    add('record-send-total', this.recordsPerRequest.total, 'The total number of records sent.');
    add(
      'records-per-request-avg',
      this.recordsPerRequest.avg(now),
      'The average number of records per request.',
    );
    add('record-retry-rate', this.retries.rate(now), 'The average per-second number of retried record sends');
    add('record-retry-total', this.retries.total, 'The total number of retried record sends');
    add(
      'record-error-rate',
      this.errors.rate(now),
      'The average per-second number of record sends that resulted in errors',
    );
    add('record-error-total', this.errors.total, 'The total number of record sends that resulted in errors');
    add('record-size-max', this.recordSize.max(now), 'The maximum record size');
    add('record-size-avg', this.recordSize.avg(now), 'The average record size');
    add(
      'requests-in-flight',
      s.requestsInFlight(),
      'The current number of in-flight requests awaiting a response.',
    );
    const ageMs = s.metadataAgeMs();
    add(
      'metadata-age',
      Number.isFinite(ageMs) ? ageMs / 1000 : Number.NaN,
      'The age in seconds of the current producer metadata being used.',
    );
    add('batch-split-rate', this.splits.rate(now), 'The average number of batch splits per second');
    add('batch-split-total', this.splits.total, 'The total number of batch splits');
    add(
      'waiting-threads',
      s.waitingRecords(),
      'The number of records waiting for buffer memory to enqueue them',
    );
    add(
      'buffer-total-bytes',
      s.bufferTotalBytes(),
      'The maximum amount of buffer memory the client can use (whether or not it is currently used).',
    );
    add(
      'buffer-available-bytes',
      s.bufferTotalBytes() - s.bufferUsedBytes(),
      'The total amount of buffer memory that is not being used (either unallocated or in the free list).',
    );
    add(
      'buffer-exhausted-rate',
      this.exhausted.rate(now),
      'The average per-second number of record sends that are dropped due to buffer exhaustion',
    );
    add(
      'buffer-exhausted-total',
      this.exhausted.total,
      'The total number of record sends that are dropped due to buffer exhaustion',
    );
    add(
      'bufferpool-wait-ratio',
      this.bufferWaitNs.rate(now) / 1e9,
      'The fraction of time an appender waits for space allocation.',
    );
    add(
      'bufferpool-wait-time-ns-total',
      this.bufferWaitNs.total,
      'The total time in nanoseconds an appender waits for space allocation.',
    );
    add('connection-count', this.openConnections, 'The current number of active connections.');
    add(
      'connection-creation-rate',
      this.created.rate(now),
      'The number of new connections established per second',
    );
    add('connection-creation-total', this.created.total, 'The total number of new connections established');
    add('connection-close-rate', this.closed.rate(now), 'The number of connections closed per second');
    add('connection-close-total', this.closed.total, 'The total number of connections closed');
    addTraffic(add, this.sent, this.received, now, 'all servers');

    for (const [nodeId, node] of this.nodes) {
      const nodeTags = { 'client-id': this.clientId, 'node-id': javaNodeId(nodeId) };
      const addNode = (name: string, value: number, description: string) =>
        out.push({ group: 'producer-node-metrics', name, tags: nodeTags, value, description });
      addTraffic(addNode, node.sent, node.received, now, 'a node');
      addNode('request-latency-avg', node.latency.avg(now), 'The average request latency in ms for a node');
      addNode('request-latency-max', node.latency.max(now), 'The maximum request latency in ms for a node');
    }
    for (const [topic, stats] of this.topics) {
      const topicTags = { 'client-id': this.clientId, topic };
      const addTopic = (name: string, value: number, description: string) =>
        out.push({ group: 'producer-topic-metrics', name, tags: topicTags, value, description });
      addTopic(
        'record-send-rate',
        stats.records.rate(now),
        'The average number of records sent per second for a topic.',
      );
      addTopic('record-send-total', stats.records.total, 'The total number of records sent for a topic.');
      addTopic(
        'byte-rate',
        stats.bytes.rate(now),
        'The average number of bytes sent per second for a topic.',
      );
      addTopic('byte-total', stats.bytes.total, 'The total number of bytes sent for a topic.');
      addTopic(
        'compression-rate',
        stats.compression.avg(now),
        'The average compression rate of record batches for a topic, defined as the average ratio of the compressed batch size over the uncompressed size.',
      );
      addTopic(
        'record-retry-rate',
        stats.retries.rate(now),
        'The average per-second number of retried record sends for a topic',
      );
      addTopic(
        'record-retry-total',
        stats.retries.total,
        'The total number of retried record sends for a topic',
      );
      addTopic(
        'record-error-rate',
        stats.errors.rate(now),
        'The average per-second number of record sends that resulted in errors for a topic',
      );
      addTopic(
        'record-error-total',
        stats.errors.total,
        'The total number of record sends that resulted in errors for a topic',
      );
    }
    return out;
  }

  private node(nodeId: number): NodeStats {
    let node = this.nodes.get(nodeId);
    if (node === undefined) {
      node = {
        sent: new WindowedStat(this.window),
        received: new WindowedStat(this.window),
        latency: new WindowedStat(this.window),
      };
      this.nodes.set(nodeId, node);
    }
    return node;
  }

  private topic(name: string): TopicStats {
    let topic = this.topics.get(name);
    if (topic === undefined) {
      const stat = () => new WindowedStat(this.window);
      topic = { records: stat(), bytes: stat(), compression: stat(), retries: stat(), errors: stat() };
      this.topics.set(name, topic);
    }
    return topic;
  }
}

/** Java's Selector metrics of bytes and requests, for all servers or one node. */
function addTraffic(
  add: (name: string, value: number, description: string) => void,
  sent: WindowedStat,
  received: WindowedStat,
  now: number,
  scope: string,
): void {
  add('outgoing-byte-rate', sent.rate(now), `The number of outgoing bytes sent to ${scope} per second`);
  add('outgoing-byte-total', sent.total, `The total number of outgoing bytes sent to ${scope}`);
  add('request-rate', sent.countRate(now), `The number of requests sent to ${scope} per second`);
  add('request-total', sent.totalCount, `The total number of requests sent to ${scope}`);
  add('request-size-avg', sent.avg(now), `The average size of requests sent to ${scope}.`);
  add('request-size-max', sent.max(now), `The maximum size of any request sent to ${scope}.`);
  add('incoming-byte-rate', received.rate(now), `The number of bytes read off ${scope}'s sockets per second`);
  add('incoming-byte-total', received.total, `The total number of bytes read off ${scope}'s sockets`);
  add('response-rate', received.countRate(now), `The number of responses received from ${scope} per second`);
  add('response-total', received.totalCount, `The total number of responses received from ${scope}`);
}

/** Java names nodes `node-<id>`, bootstrap servers `node--1`, `node--2`, ... in the order given. */
export function javaNodeId(nodeId: number): string {
  const bootstrapIndex = nodeId - FIRST_BOOTSTRAP_NODE_ID;
  return bootstrapIndex >= 0 && nodeId < -1 ? `node--${bootstrapIndex + 1}` : `node-${nodeId}`;
}

/** The value of the metric named `name` (in `group`, default producer-metrics) whose tags include `tags`. */
export function metricValue(
  metrics: readonly ProducerMetric[],
  name: string,
  tags: Readonly<Record<string, string>> = {},
  group: ProducerMetricGroup = 'producer-metrics',
): number | undefined {
  const found = metrics.find(
    (m) =>
      m.group === group &&
      m.name === name &&
      Object.entries(tags).every(([key, value]) => m.tags[key] === value),
  );
  return found?.value;
}
