import { context, propagation, SpanKind, SpanStatusCode, trace } from '@opentelemetry/api';
import { AsyncLocalStorageContextManager } from '@opentelemetry/context-async-hooks';
import { W3CTraceContextPropagator } from '@opentelemetry/core';
import {
  AlwaysOffSampler,
  BasicTracerProvider,
  InMemorySpanExporter,
  ParentBasedSampler,
  type Sampler,
  SimpleSpanProcessor,
} from '@opentelemetry/sdk-trace-base';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { InvalidRecordError, ProduceError, type ProducerOptions } from '../../../src/index.js';
import { type OtelTracingOptions, otelTracing } from '../../../src/otel/index.js';
import type { FakeKafka } from '../../../src/testing/index.js';
import { cleanup, producerFor, startCluster } from '../producer/harness.js';

// kafka-wire/otel's tracing interceptor on the fake cluster, with the OpenTelemetry SDK's in-memory exporter:
// one PRODUCER span per record with the messaging conventions' attributes, the active span as its parent,
// failures recorded on it, and its context in the record's traceparent header.

const contextManager = new AsyncLocalStorageContextManager();
beforeAll(() => {
  context.setGlobalContextManager(contextManager.enable());
});
afterAll(() => {
  context.disable();
});
afterEach(cleanup);

const text = (bytes: Uint8Array | null) => (bytes === null ? null : Buffer.from(bytes).toString());

function setup(sampler?: Sampler) {
  const exporter = new InMemorySpanExporter();
  const provider = new BasicTracerProvider({
    spanProcessors: [new SimpleSpanProcessor(exporter)],
    ...(sampler === undefined ? {} : { sampler }),
  });
  const traced = (
    cluster: FakeKafka,
    options: OtelTracingOptions = {},
    producer: Partial<ProducerOptions> = {},
  ) =>
    producerFor(cluster, {
      clientId: 'otel-test',
      ...producer,
      interceptors: [
        otelTracing({ tracerProvider: provider, propagator: new W3CTraceContextPropagator(), ...options }),
      ],
    });
  return { exporter, provider, traced };
}

function headersOf(cluster: FakeKafka, topic: string, partition = 0): Array<Record<string, string | null>> {
  return cluster
    .records(topic, partition)
    .map((r) => Object.fromEntries(r.headers.map((h) => [h.key, text(h.value)])));
}

describe('otelTracing()', () => {
  it('makes one PRODUCER span per record with the messaging attributes, partition and offset', async () => {
    const cluster = await startCluster({ topics: { orders: { partitions: 1, firstOffset: 42n } } });
    const { exporter, traced } = setup();
    const producer = traced(cluster);
    await producer.send({ topic: 'orders', key: 'order-7', value: 'v' });
    await producer.send({ topic: 'orders', key: 'order-8', value: 'w' });
    const spans = exporter.getFinishedSpans();
    expect(spans.map((s) => s.name)).toEqual(['send orders', 'send orders']);
    expect(spans[0]!.kind).toBe(SpanKind.PRODUCER);
    expect(spans[0]!.status.code).toBe(SpanStatusCode.UNSET);
    expect(spans[0]!.instrumentationScope.name).toBe('kafka-wire');
    expect(spans[0]!.attributes).toEqual({
      'messaging.system': 'kafka',
      'messaging.operation.type': 'send',
      'messaging.operation.name': 'send',
      'messaging.destination.name': 'orders',
      'messaging.destination.partition.id': '0',
      'messaging.kafka.offset': 42,
      'messaging.kafka.message.key': 'order-7',
      'messaging.client.id': 'otel-test',
    });
    expect(spans[1]!.attributes['messaging.kafka.offset']).toBe(43);
    // Two records, two traces: without an active span each send is a root.
    expect(spans[0]!.parentSpanContext).toBeUndefined();
    expect(spans[0]!.spanContext().traceId).not.toBe(spans[1]!.spanContext().traceId);
  });

  it('records string keys only, and none with captureKey: false; marks tombstones', async () => {
    const cluster = await startCluster({ topics: { t: 1 } });
    const { exporter, traced } = setup();
    await traced(cluster).send({ topic: 't', key: Buffer.from('bytes'), value: null });
    await traced(cluster, { captureKey: false }).send({ topic: 't', key: 'secret-user-id', value: 'v' });
    const [bytesKey, notCaptured] = exporter.getFinishedSpans();
    expect(bytesKey!.attributes['messaging.kafka.message.key']).toBeUndefined();
    expect(bytesKey!.attributes['messaging.kafka.message.tombstone']).toBe(true);
    expect(notCaptured!.attributes['messaging.kafka.message.key']).toBeUndefined();
    expect(notCaptured!.attributes['messaging.kafka.message.tombstone']).toBeUndefined();
  });

  it('is a child of the active span, and the record’s traceparent names the producer span', async () => {
    const cluster = await startCluster({ topics: { t: 1 } });
    const { exporter, provider, traced } = setup();
    const producer = traced(cluster);
    const tracer = provider.getTracer('app');
    await tracer.startActiveSpan('POST /orders', async (request) => {
      await producer.send({ topic: 't', value: 'v', headers: { 'content-type': 'text/plain' } });
      request.end();
    });
    const [send, request] = exporter.getFinishedSpans();
    expect(request!.name).toBe('POST /orders');
    expect(send!.parentSpanContext?.spanId).toBe(request!.spanContext().spanId);
    expect(send!.spanContext().traceId).toBe(request!.spanContext().traceId);
    const { traceId, spanId } = send!.spanContext();
    expect(headersOf(cluster, 't')).toEqual([
      { 'content-type': 'text/plain', traceparent: `00-${traceId}-${spanId}-01` },
    ]);
  });

  it('keeps header lists, replacing a traceparent the record already carried', async () => {
    const cluster = await startCluster({ topics: { t: 1 } });
    const { exporter, traced } = setup();
    const upstream = '00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01';
    await traced(cluster).send({
      topic: 't',
      value: 'v',
      headers: [
        { key: 'traceparent', value: upstream },
        { key: 'tag', value: 'a' },
        { key: 'tag', value: 'b' },
      ],
    });
    const { traceId, spanId } = exporter.getFinishedSpans()[0]!.spanContext();
    const stored = cluster.records('t', 0)[0]!.headers.map((h) => [h.key, text(h.value)]);
    expect(stored).toEqual([
      ['tag', 'a'],
      ['tag', 'b'],
      ['traceparent', `00-${traceId}-${spanId}-01`],
    ]);
  });

  it('records a broker error on the span: exception event, status ERROR, error.type the Kafka error name', async () => {
    const cluster = await startCluster({ topics: { t: 1 } });
    cluster.onProduce({ topic: 't' }, { error: 'INVALID_RECORD' });
    const { exporter, traced } = setup();
    const failure = await traced(cluster)
      .send({ topic: 't', value: 'v' })
      .catch((e: unknown) => e);
    expect(failure).toBeInstanceOf(ProduceError);
    const [span] = exporter.getFinishedSpans();
    expect(span!.status).toEqual({ code: SpanStatusCode.ERROR, message: (failure as Error).message });
    expect(span!.attributes['error.type']).toBe('INVALID_RECORD');
    expect(span!.attributes['messaging.kafka.offset']).toBeUndefined();
    expect(span!.events.map((e) => [e.name, e.attributes?.['exception.type']])).toEqual([
      ['exception', 'ProduceError'],
    ]);
  });

  it('records a refused record (bad input) with its error class as error.type', async () => {
    const cluster = await startCluster({ topics: { t: 1 } });
    const { exporter, traced } = setup();
    await expect(traced(cluster).send({ topic: 't', value: {} as unknown as string })).rejects.toBeInstanceOf(
      InvalidRecordError,
    );
    const [span] = exporter.getFinishedSpans();
    expect(span!.name).toBe('send t');
    expect(span!.status.code).toBe(SpanStatusCode.ERROR);
    expect(span!.attributes['error.type']).toBe('InvalidRecordError');
  });

  it('sampled off: no span is exported, yet the record carries the unsampled decision for consumers', async () => {
    const cluster = await startCluster({ topics: { t: 1 } });
    const { exporter, traced } = setup(new ParentBasedSampler({ root: new AlwaysOffSampler() }));
    const metadata = await traced(cluster).send({ topic: 't', value: 'v' });
    expect(metadata.offset).toBe(0n);
    expect(exporter.getFinishedSpans()).toEqual([]);
    expect(headersOf(cluster, 't')[0]!.traceparent).toMatch(/^00-[0-9a-f]{32}-[0-9a-f]{16}-00$/);
  });

  it('uses the global tracer provider and propagator when given none', async () => {
    const cluster = await startCluster({ topics: { t: 1 } });
    const { exporter, provider } = setup();
    trace.setGlobalTracerProvider(provider);
    propagation.setGlobalPropagator(new W3CTraceContextPropagator());
    try {
      await producerFor(cluster, { interceptors: [otelTracing()] }).send({ topic: 't', value: 'v' });
    } finally {
      trace.disable();
      propagation.disable();
    }
    const [span] = exporter.getFinishedSpans();
    expect(span!.name).toBe('send t');
    expect(headersOf(cluster, 't')[0]!.traceparent).toContain(span!.spanContext().spanId);
  });
});
