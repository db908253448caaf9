import { createHook } from 'node:async_hooks';
import { afterEach, describe, expect, it } from 'vitest';
import { ClientClosedError, DeliveryTimeoutError } from '../../../src/index.js';
import { cleanup, outcomes, producerFor, sendAll, since, startCluster, within } from './harness.js';

// deliveryTimeoutMs bounds the time from send() to its promise settling, whatever the cluster does, and
// close({ timeoutMs }) bounds the wait for what was accepted. Times are real but small; the bounds are
// loose because this runs on a busy 2-core machine.

afterEach(cleanup);

function deliveryTimeout(outcome: unknown): DeliveryTimeoutError {
  const error = (outcome as { error?: unknown }).error;
  expect(error).toBeInstanceOf(DeliveryTimeoutError);
  return error as DeliveryTimeoutError;
}

describe('deliveryTimeoutMs', () => {
  it('expires records whose leader never answers, at the delivery deadline, while the request is in flight', async () => {
    const cluster = await startCluster({ topics: { t: { partitions: 2, leaders: [0, 1] } } });
    cluster.onRequest({ api: 'Produce', nodeId: 0, times: Infinity }, 'no-response');
    const producer = producerFor(cluster, { requestTimeoutMs: 1_000, deliveryTimeoutMs: 1_500 });
    // Warm up metadata so the clock starts when the records are appended.
    await producer.send({ topic: 't', partition: 1, value: 'warm-up' });

    const start = performance.now();
    const results = await outcomes([
      ...sendAll(producer, 't', 0, ['a', 'b']),
      producer.send({ topic: 't', partition: 1, value: 'other' }),
    ]);
    const elapsed = since(start);

    for (const result of results.slice(0, 2)) {
      const error = deliveryTimeout(result);
      expect([error.topic, error.partition]).toEqual(['t', 0]);
      expect(error.message).toMatch(
        /^Expiring 2 record\(s\) for t-0: \d+ ms have passed since the batch was created, more than deliveryTimeoutMs \(1500\)\. Its request was still in flight: the broker may or may not have written it\./,
      );
    }
    expect(results[2]).toEqual({ offset: 1n, partition: 1 });
    // The deadline, not the request timeout that would end later (a second attempt times out at ~2 s).
    expect(elapsed).toBeGreaterThanOrEqual(1_400);
    expect(elapsed).toBeLessThan(1_950);
    expect(cluster.values('t', 0)).toEqual([]);
  });

  it('expires records of a partition that never gets a leader, without flooding the cluster with Metadata', async () => {
    const cluster = await startCluster({ topics: { t: { partitions: 2, leaders: [-1, 1] } } });
    const producer = producerFor(cluster, {
      requestTimeoutMs: 500,
      deliveryTimeoutMs: 1_000,
      retryBackoffMs: 100,
      retryBackoffMaxMs: 200,
    });
    await producer.send({ topic: 't', partition: 1, value: 'warm-up' });
    const metadataBefore = cluster.requestsFor('Metadata').length;

    const start = performance.now();
    const [result] = await outcomes([producer.send({ topic: 't', partition: 0, value: 'a' })]);
    const elapsed = since(start);

    const error = deliveryTimeout(result);
    expect([error.topic, error.partition]).toEqual(['t', 0]);
    expect(elapsed).toBeGreaterThanOrEqual(900);
    expect(elapsed).toBeLessThan(1_700);
    // It kept looking for a leader, spaced by the retry backoff: about one refresh per 100 ms.
    const refreshes = cluster.requestsFor('Metadata').length - metadataBefore;
    expect(refreshes).toBeGreaterThanOrEqual(2);
    expect(refreshes).toBeLessThanOrEqual(Math.ceil(elapsed / 100) + 2);
    expect(
      cluster.requestsFor('Produce').filter((r) => r.produce!.partitions.some((p) => p.partition === 0)),
    ).toEqual([]);
  });
});

describe('close', () => {
  it('close({ timeoutMs }) with an unresponsive broker rejects what is pending and leaves no sockets or timers', async () => {
    const cluster = await startCluster({ topics: { t: 1 } });
    cluster.onRequest({ api: 'Produce', times: Infinity }, 'no-response');
    const handles = trackHandles();
    const producer = producerFor(cluster, {
      requestTimeoutMs: 30_000,
      deliveryTimeoutMs: 60_000,
      maxBlockMs: 60_000,
      allowAutoCreateTopics: false,
    });

    const pending = outcomes([
      ...sendAll(producer, 't', 0, ['a', 'b']),
      // Still waiting for a topic that does not exist when close() gives up.
      producer.send({ topic: 'missing', value: 'c' }),
    ]);
    await cluster.waitForRequests((r) => r.api === 'Produce');
    const start = performance.now();
    await producer.close({ timeoutMs: 300 });
    const closeTook = since(start);
    const results = await within(pending, 2_000, 'the pending records to settle after close()');

    expect(closeTook).toBeGreaterThanOrEqual(250);
    expect(closeTook).toBeLessThan(1_500);
    for (const result of results.slice(0, 2)) {
      const error = (result as { error: Error }).error;
      expect(error).toBeInstanceOf(ClientClosedError);
      expect(error.message).toContain('close({ timeoutMs: 300 }) ran out');
    }
    const unsent = (results[2] as { error: Error }).error;
    expect(unsent).toBeInstanceOf(ClientClosedError);
    expect(unsent.message).toBe(
      "The producer was closed while this record waited for metadata of topic 'missing': it was not sent.",
    );
    await expect(producer.send({ topic: 't', value: 'late' })).rejects.toThrow(ClientClosedError);

    // Every connection the producer opened is closed on the broker side too, and nothing it started is
    // left running: the test process would otherwise be kept alive.
    await within(
      cluster.waitUntil(() => (cluster.openConnections() === 0 ? true : undefined)),
      2_000,
      'the broker to see every connection closed',
    );
    handles.freeze();
    try {
      await within(released(handles), 2_000, 'sockets and timers to be released').catch((error: Error) => {
        throw new Error(`${error.message}; still alive: ${handles.live().join(', ')}`);
      });
    } finally {
      handles.stop();
    }
  });

  it('close() without a timeout delivers records that were still lingering', async () => {
    const cluster = await startCluster({ topics: { t: 1 } });
    const producer = producerFor(cluster, { lingerMs: 60_000, deliveryTimeoutMs: 120_000 });

    const sent = sendAll(producer, 't', 0, ['a', 'b']);
    await producer.close();

    expect((await Promise.all(sent)).map((r) => r.offset)).toEqual([0n, 1n]);
    expect(cluster.values('t', 0)).toEqual(['a', 'b']);
  });
});

/**
 * Records every timer and TCP handle created from now on, so a test can wait for all of them to be gone.
 * getActiveResourcesInfo() counts would be blurred by the test runner's own short-lived timers.
 */
function trackHandles(): { freeze(): void; stop(): void; live(): string[] } {
  const live = new Map<number, { type: string; resource: unknown }>();
  let recording = true;
  const hook = createHook({
    init(asyncId, type, _trigger, resource) {
      if (!recording) return;
      if (type === 'Timeout' || type === 'TCPWRAP' || type === 'TCPCONNECTWRAP')
        live.set(asyncId, { type, resource });
    },
    destroy(asyncId) {
      live.delete(asyncId);
    },
  }).enable();
  return {
    /** Stops recording new handles (the test's own waiting timer) but keeps noticing the end of old ones. */
    freeze: () => {
      recording = false;
    },
    stop: () => hook.disable(),
    live: () =>
      [...live.values()].map(({ type, resource }) =>
        type === 'Timeout'
          ? `Timeout(${(resource as NodeJS.Timeout).hasRef() ? 'ref' : 'unref'}, ${(resource as { _idleTimeout?: number })._idleTimeout} ms)`
          : type,
      ),
  };
}

/** Resolves once every tracked handle is gone (sockets close asynchronously after destroy()). */
async function released(handles: ReturnType<typeof trackHandles>): Promise<void> {
  while (handles.live().length > 0) await new Promise((resolve) => setImmediate(resolve));
}
