import { afterEach, describe, expect, it } from 'vitest';
import { cleanup, producerFor, startCluster } from './harness.js';

// KIP-219: a broker enforcing a quota answers Produce (v6+) at once with ThrottleTimeMs and expects no further
// request from the client until that time has passed; the client, not the broker, does the waiting.

afterEach(cleanup);

describe('a throttled broker', () => {
  it('gets no Produce request before its ThrottleTimeMs has passed, then everything', async () => {
    const cluster = await startCluster({ topics: { t: 1 } });
    const producer = producerFor(cluster, { lingerMs: 0 });
    await producer.send({ topic: 't', value: 'warm-up' });
    cluster.throttleProduce(300);

    const first = await producer.send({ topic: 't', value: 'throttled' });
    const answeredAt = performance.now();
    const second = await producer.send({ topic: 't', value: 'after the throttle' });

    expect([first.offset, second.offset]).toEqual([1n, 2n]);
    const produces = cluster.requests.filter((r) => r.api === 'Produce');
    expect(produces).toHaveLength(3);
    // The third request left only once 300 ms had passed since the throttled answer (a little slack for
    // timer granularity: the answer was read a moment before answeredAt).
    expect(produces[2]!.atMs - answeredAt).toBeGreaterThanOrEqual(280);
  });
});
