import { afterEach, describe, expect, it } from 'vitest';
import { AbortError, ClientClosedError, type Producer } from '../../../src/index.js';
import { cleanup, gate, producerFor, startCluster } from './harness.js';

// AbortSignal: send(record, { signal }) takes a record back while it has not left for the broker (and frees
// its bufferMemory space); flush({ signal }) and close({ signal }) stop waiting; `await using` closes.

afterEach(cleanup);

function padded(i: number, length = 100): string {
  return `${i}:`.padEnd(length, 'x');
}

/** Warms up metadata (so records append synchronously) before any rule holds Produce requests. */
async function warm(producer: Producer, topic = 't'): Promise<void> {
  await producer.send({ topic, partition: 0, value: 'warm-up' });
}

async function rejection(promise: Promise<unknown>): Promise<Error> {
  return promise.then(
    () => {
      throw new Error('expected a rejection');
    },
    (error: unknown) => error as Error,
  );
}

describe('send(record, { signal })', () => {
  it('takes a record out of its unsent batch: the others are written, its bytes are free at once', async () => {
    const cluster = await startCluster({ topics: { t: 2 } });
    const producer = producerFor(cluster, { lingerMs: 60_000, deliveryTimeoutMs: 120_000 });
    await Promise.all([warm(producer), producer.flush()]);
    const controller = new AbortController();
    const first = producer.send({ topic: 't', partition: 0, value: padded(1) });
    const aborted = producer.send(
      { topic: 't', partition: 0, value: padded(2) },
      { signal: controller.signal },
    );
    const third = producer.send({ topic: 't', partition: 0, value: padded(3) });
    const alone = new AbortController();
    const lonely = producer.send({ topic: 't', partition: 1, value: padded(4) }, { signal: alone.signal });
    // 100-byte values, no key or headers: 109 encoded bytes each.
    expect(producer.bufferedBytes).toBe(4 * 109);

    const reason = new Error('user gave up');
    controller.abort(reason);
    alone.abort();
    expect(producer.bufferedBytes).toBe(2 * 109);
    const error = await rejection(aborted);
    expect(error).toBeInstanceOf(AbortError);
    expect(error.name).toBe('AbortError');
    expect((error as AbortError).code).toBe('ABORT_ERR');
    expect(error.cause).toBe(reason);
    expect((await rejection(lonely)).name).toBe('AbortError');

    await producer.flush();
    expect((await first).offset).toBe(1n);
    expect((await third).offset).toBe(2n);
    expect(cluster.values('t', 0)).toEqual(['warm-up', padded(1), padded(3)]);
    expect(cluster.produced('t', 1)).toEqual([]);
    expect(producer.bufferedBytes).toBe(0);
  });

  it('shares one listener among the sends of one signal: aborting it takes back every record not sent', async () => {
    const cluster = await startCluster({ topics: { t: 1 } });
    const producer = producerFor(cluster, { lingerMs: 60_000, deliveryTimeoutMs: 120_000 });
    await Promise.all([warm(producer), producer.flush()]);
    const warnings: Error[] = [];
    const onWarning = (warning: Error) => warnings.push(warning);
    process.on('warning', onWarning);
    try {
      const controller = new AbortController();
      const sends = Array.from({ length: 50 }, (_, i) =>
        producer.send({ topic: 't', value: padded(i) }, { signal: controller.signal }),
      );
      controller.abort();
      const outcomes = await Promise.allSettled(sends);
      expect(outcomes.map((o) => (o.status === 'rejected' ? (o.reason as Error).name : 'sent'))).toEqual(
        Array(50).fill('AbortError'),
      );
      expect(producer.bufferedBytes).toBe(0);
      // Settled sends let go of the signal: a new send with a fresh signal is unaffected.
      await Promise.all([
        producer.send({ topic: 't', value: 'kept' }, { signal: new AbortController().signal }),
        producer.flush(),
      ]);
      expect(cluster.values('t', 0)).toEqual(['warm-up', 'kept']);
    } finally {
      process.off('warning', onWarning);
    }
    expect(warnings.map((w) => w.name)).not.toContain('MaxListenersExceededWarning');
  });

  it('lets the records waiting behind an aborted one in, once it no longer waits for room', async () => {
    const cluster = await startCluster({ topics: { t: 1 } });
    const producer = producerFor(cluster, { bufferMemory: 400 });
    await warm(producer);
    const held = gate();
    cluster.onRequest({ api: 'Produce', times: Infinity }, { until: held.promise });
    const inFlight = producer.send({ topic: 't', value: padded(1) });
    await cluster.waitForRequests((r) => r.api === 'Produce', 2);
    // 109 bytes held; the 300-byte record needs more than the 291 left and waits, the small one behind it.
    const controller = new AbortController();
    const big = producer.send({ topic: 't', value: padded(2, 300) }, { signal: controller.signal });
    const small = producer.send({ topic: 't', value: padded(3) });
    expect(producer.bufferedBytes).toBe(109);

    controller.abort();
    expect((await rejection(big)).name).toBe('AbortError');
    await producer.waitForRoom();
    expect(producer.bufferedBytes).toBe(2 * 109);

    held.open();
    expect((await inFlight).offset).toBe(1n);
    expect((await small).offset).toBe(2n);
    expect(cluster.values('t', 0)).toEqual(['warm-up', padded(1), padded(3)]);
  });

  it('does nothing once the record is in a request: the send settles with the broker’s answer', async () => {
    const cluster = await startCluster({ topics: { t: 1 } });
    const producer = producerFor(cluster);
    await warm(producer);
    const held = gate();
    cluster.onRequest({ api: 'Produce', times: Infinity }, { until: held.promise });
    const controller = new AbortController();
    const sent = producer.send({ topic: 't', value: 'on the wire' }, { signal: controller.signal });
    await cluster.waitForRequests((r) => r.api === 'Produce', 2);

    controller.abort();
    expect(producer.bufferedBytes).toBeGreaterThan(0);
    held.open();
    expect((await sent).offset).toBe(1n);
    expect(cluster.values('t', 0)).toEqual(['warm-up', 'on the wire']);
  });

  it('rejects at once for a signal aborted already, and drops a record still waiting for its topic', async () => {
    const cluster = await startCluster({ topics: { t: 1 } });
    const producer = producerFor(cluster);
    await warm(producer);
    const reason = new Error('too late');
    const early = await rejection(
      producer.send({ topic: 't', value: 'never' }, { signal: AbortSignal.abort(reason) }),
    );
    expect(early).toBeInstanceOf(AbortError);
    expect(early.cause).toBe(reason);

    // 'later' does not exist yet: the record waits for its metadata when the abort comes.
    const controller = new AbortController();
    const waiting = producer.send({ topic: 'later', value: 'dropped' }, { signal: controller.signal });
    await cluster.waitForRequests(
      (r) => r.api === 'Metadata' && (r.metadata?.topics ?? []).some((t) => t.name === 'later'),
    );
    controller.abort();
    expect((await rejection(waiting)).name).toBe('AbortError');
    cluster.createTopic('later', 1);
    await producer.send({ topic: 'later', value: 'kept' });
    await producer.flush();
    expect(cluster.values('later', 0)).toEqual(['kept']);
    expect(cluster.values('t', 0)).toEqual(['warm-up']);
  });
});

describe('flush({ signal }), close({ signal }) and await using', () => {
  it('flush() stops waiting when its signal aborts; the record is still delivered', async () => {
    const cluster = await startCluster({ topics: { t: 1 } });
    const producer = producerFor(cluster);
    await warm(producer);
    const held = gate();
    cluster.onRequest({ api: 'Produce', times: Infinity }, { until: held.promise });
    const sent = producer.send({ topic: 't', value: 'a' });
    const controller = new AbortController();
    const flushed = producer.flush({ signal: controller.signal });
    controller.abort();
    expect((await rejection(flushed)).name).toBe('AbortError');
    held.open();
    expect((await sent).offset).toBe(1n);
  });

  it('close() with an aborted signal closes at once and rejects what was not delivered', async () => {
    const cluster = await startCluster({ topics: { t: 1 } });
    const producer = producerFor(cluster);
    await warm(producer);
    cluster.onRequest({ api: 'Produce', times: Infinity }, 'no-response');
    const sent = producer.send({ topic: 't', value: 'a' });
    const controller = new AbortController();
    const closed = producer.close({ signal: controller.signal });
    const reason = new Error('shutting down');
    controller.abort(reason);
    await closed;
    const error = await rejection(sent);
    expect(error).toBeInstanceOf(ClientClosedError);
    expect(error.message).toMatch(/close\(\)'s AbortSignal was aborted/);
    expect(error.cause).toBe(reason);
  });

  it('await using closes the producer gracefully at the end of its scope', async () => {
    const cluster = await startCluster({ topics: { t: 1 } });
    let escaped: Producer;
    let pending: Promise<unknown>;
    {
      await using producer = producerFor(cluster, { lingerMs: 60_000, deliveryTimeoutMs: 120_000 });
      escaped = producer;
      pending = producer.send({ topic: 't', value: 'delivered on dispose' });
    }
    expect((await pending) as { offset: bigint }).toMatchObject({ offset: 0n });
    expect(cluster.values('t', 0)).toEqual(['delivered on dispose']);
    await expect(escaped.send({ topic: 't', value: 'after' })).rejects.toBeInstanceOf(ClientClosedError);
  });
});
