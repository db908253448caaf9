import { channel } from 'node:diagnostics_channel';
import { afterEach, describe, expect, it } from 'vitest';
import type { RequestContext } from '../../../src/diagnostics.js';
import { cleanup, gate, producerFor, startCluster } from './harness.js';

// Without idempotence one batch per partition is at the broker, so the broker has nothing of ours to work on
// from its answer until our next request arrives. That request must go before the answered batch's records
// hear of it: a batch's callbacks (thousands of them in a 1 MiB batch) ran first, and the broker idled
// 0.6-0.9 ms per request (bench/README.md, "Answers: the next request first").

const events: string[] = [];
// The start of kafka-wire:request's tracing channel: a request written to its connection.
const written = channel('tracing:kafka-wire:request:start');
const onWritten = (message: unknown) => {
  if ((message as RequestContext).api === 'Produce') events.push('Produce written');
};

afterEach(async () => {
  written.unsubscribe(onWritten);
  events.length = 0;
  await cleanup();
});

describe('an answered Produce request', () => {
  it('lets the next request of its partition go before the records it acknowledged are told', async () => {
    const cluster = await startCluster({ topics: { t: 1 } });
    const producer = producerFor(cluster, { acks: 1 });
    await producer.send({ topic: 't', value: 'warm-up' });
    written.subscribe(onWritten);

    const held = gate();
    cluster.onRequest({ api: 'Produce' }, { until: held.promise });
    producer.produce({ topic: 't', value: 'a' }, (error) =>
      events.push(error ? `a ${error}` : 'a acknowledged'),
    );
    await cluster.waitForRequests((r) => r.api === 'Produce', 2);
    // Behind a batch in flight: it waits for that batch's answer.
    producer.produce({ topic: 't', value: 'b' }, (error) =>
      events.push(error ? `b ${error}` : 'b acknowledged'),
    );
    expect(events).toEqual(['Produce written']);

    held.open();
    await producer.flush();
    expect(events).toEqual(['Produce written', 'Produce written', 'a acknowledged', 'b acknowledged']);
    expect(cluster.values('t', 0)).toEqual(['warm-up', 'a', 'b']);
  });
});
