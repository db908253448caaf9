import { tracingChannel } from 'node:diagnostics_channel';
import { afterAll, describe, expect, it } from 'vitest';
import { metricValue, Producer, type RecordMetadata, type RequestContext } from '../../src/index.js';
import { createTopic, kafkaBootstrap, uniqueTopic } from '../harness/index.js';

// producer.metrics() and the kafka-wire:request channel against a real broker: the counts add up to what was
// sent, and the per-request figures agree with the Produce requests the channel saw.

const producers: Producer[] = [];
afterAll(async () => {
  await Promise.all(producers.map((p) => p.close({ timeoutMs: 10_000 })));
});

describe('metrics against a real broker', () => {
  it('count every record, request and byte of a 6-partition acks=all run', async () => {
    const topic = uniqueTopic('metrics');
    await createTopic({ topic, partitions: 6, replicationFactor: 1 });
    const produces: RequestContext[] = [];
    const handlers = {
      start() {},
      end() {},
      asyncStart() {},
      asyncEnd(context: RequestContext) {
        if (context.api === 'Produce' && context.error === undefined) produces.push(context);
      },
      error() {},
    };
    const channel = tracingChannel<unknown, RequestContext>('kafka-wire:request');
    channel.subscribe(handlers);
    try {
      // Java's 16 KiB batches (the default is 128 KiB): the bounds below count what full batches of that size hold.
      const producer = new Producer({
        bootstrapServers: kafkaBootstrap(),
        clientId: 'metrics-it',
        batchSize: 16384,
      });
      producers.push(producer);
      const count = 3000;
      const value = new Uint8Array(100).fill(1);
      const timestamp = Date.now();
      let failed = 0;
      const onDelivery = (error: Error | null, _metadata: RecordMetadata | null) => {
        if (error !== null) failed++;
      };
      for (let i = 0; i < count; i++) {
        if (!producer.produce({ topic, value, timestamp }, onDelivery)) await producer.waitForRoom();
      }
      await producer.flush();
      expect(failed).toBe(0);

      const metrics = producer.metrics();
      const value_ = (name: string) => metricValue(metrics, name);
      expect(value_('record-send-total')).toBe(count);
      expect(value_('record-error-total')).toBe(0);
      expect(value_('record-retry-total')).toBe(0);
      // A 100-byte keyless record is 109 bytes, 110 from the 65th of a batch on (its offset delta takes two
      // bytes); full 16 KiB batches hold ~148.
      expect(value_('record-size-max')).toBe(110);
      expect(value_('batch-size-max')).toBeLessThanOrEqual(16384);
      expect(value_('batch-size-max')).toBeGreaterThan(65 * 110);
      expect(metricValue(metrics, 'record-send-total', { topic }, 'producer-topic-metrics')).toBe(count);
      expect(metricValue(metrics, 'byte-total', { topic }, 'producer-topic-metrics')).toBeGreaterThan(
        count * 109,
      );

      // The channel saw every Produce request; the metrics' records per request agree with it.
      expect(produces.length).toBeGreaterThan(0);
      expect(value_('records-per-request-avg')! * produces.length).toBeCloseTo(count, 6);
      for (const context of produces) {
        expect(context.nodeId).toBeGreaterThanOrEqual(0);
        expect(context.size).toBeGreaterThan(61);
        expect(context.responseSize).toBeGreaterThan(0);
      }
      const leader = produces[0]!.nodeId!;
      const latency = metricValue(
        metrics,
        'request-latency-max',
        { 'node-id': `node-${leader}` },
        'producer-node-metrics',
      );
      expect(latency).toBe(value_('request-latency-max'));
      expect(value_('connection-count')).toBeGreaterThanOrEqual(1);
      expect(value_('response-total')).toBe(value_('request-total'));
      expect(value_('outgoing-byte-total')).toBeGreaterThan(count * 109);
    } finally {
      channel.unsubscribe(handlers);
    }
  });
});
