import { W3CTraceContextPropagator } from '@opentelemetry/core';
import {
  BasicTracerProvider,
  InMemorySpanExporter,
  SimpleSpanProcessor,
} from '@opentelemetry/sdk-trace-base';
import { afterAll, describe, expect, it } from 'vitest';
import { Producer } from '../../src/index.js';
import { otelTracing } from '../../src/otel/index.js';
import { consumeAll, createTopic, kafkaBootstrap, uniqueTopic } from '../harness/index.js';

// The trace context reaches a consumer: records traced by kafka-wire/otel, read back by Kafka's own Java
// consumer, carry a W3C traceparent naming exactly the producer span that was exported for them, beside the
// caller's own headers.

const exporter = new InMemorySpanExporter();
const provider = new BasicTracerProvider({ spanProcessors: [new SimpleSpanProcessor(exporter)] });
const producer = new Producer({
  bootstrapServers: kafkaBootstrap(),
  clientId: 'otel-integration',
  interceptors: [otelTracing({ tracerProvider: provider, propagator: new W3CTraceContextPropagator() })],
});
afterAll(() => producer.close({ timeoutMs: 10_000 }));

const text = (b: Uint8Array | null) => (b === null ? null : Buffer.from(b).toString('utf8'));

describe('kafka-wire/otel against a real broker', () => {
  it("Java's consumer reads each record's traceparent: the trace and span ids of its exported producer span", async () => {
    const topic = uniqueTopic('otel');
    await createTopic({ topic, partitions: 3 });
    const sent = await Promise.all(
      ['a', 'b', 'c', 'd'].map((key) =>
        producer.send({ topic, key, value: `value-${key}`, headers: { source: 'otel-test' } }),
      ),
    );
    const spans = exporter
      .getFinishedSpans()
      .filter((s) => s.attributes['messaging.destination.name'] === topic);
    expect(spans).toHaveLength(4);
    const spanOf = new Map(spans.map((s) => [s.attributes['messaging.kafka.message.key'], s]));
    for (const [i, key] of ['a', 'b', 'c', 'd'].entries()) {
      const span = spanOf.get(key)!;
      expect(span.attributes['messaging.destination.partition.id']).toBe(String(sent[i]!.partition));
      expect(span.attributes['messaging.kafka.offset']).toBe(Number(sent[i]!.offset));
    }

    const consumed = await consumeAll({ topic, count: 4 });
    expect(consumed).toHaveLength(4);
    for (const record of consumed) {
      const key = text(record.key)!;
      const { traceId, spanId } = spanOf.get(key)!.spanContext();
      expect(record.headers.map((h) => [h.key, text(h.value)])).toEqual([
        ['source', 'otel-test'],
        ['traceparent', `00-${traceId}-${spanId}-01`],
      ]);
      expect(spanOf.get(key)!.attributes['messaging.kafka.offset']).toBe(Number(record.offset));
    }
  });
});
