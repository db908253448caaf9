import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { afterEach, describe, expect, it, vi } from 'vitest';
import type { Producer, RecordMetadata } from '../../../src/index.js';
import { cleanup, producerFor, startCluster } from './harness.js';

// Once send() accepted a record, the producer holds the bytes prepared from it, never the caller's record object
// (nor its headers object): a burst of sends must not keep every caller's object alive until the broker answers.

let exposedGc: (() => void) | undefined;
/**
 * V8's gc(), switched on when first needed: a context made after the flag has `gc` (the flag stays on for the rest
 * of the process, which is harmless). Bun's JavaScriptCore has no such flag; these tests are listed for Node and
 * Deno only in scripts/runtime-unit-tests.mjs, so importing this file must not need it.
 */
function gc(): void {
  if (exposedGc === undefined) {
    setFlagsFromString('--expose-gc');
    exposedGc = runInNewContext('gc') as () => void;
  }
  exposedGc();
}

afterEach(cleanup);

/** Sends records made here, so the only references left to them are the WeakRefs (and what the producer keeps). */
function sendUnreferenced(
  producer: Producer,
  count: number,
): { refs: Array<WeakRef<object>>; settled: () => number; all: Promise<unknown> } {
  const refs: Array<WeakRef<object>> = [];
  const promises: Array<Promise<RecordMetadata>> = [];
  let settled = 0;
  for (let i = 0; i < count; i++) {
    const headers = { 'content-type': 'text/plain', trace: `t-${i}` };
    const record = { topic: 'held', key: `key-${i % 3}`, value: `value ${i}`.padEnd(100, '.'), headers };
    refs.push(new WeakRef(record), new WeakRef(headers));
    const promise = producer.send(record);
    promise.then(
      () => settled++,
      () => settled++,
    );
    promises.push(promise);
  }
  return { refs, settled: () => settled, all: Promise.allSettled(promises) };
}

/** WeakRef targets stay alive until the current job ends: collect on a later turn. */
async function collect(): Promise<void> {
  await new Promise((resolve) => setImmediate(resolve));
  gc();
}

describe('records held by the producer', () => {
  it('keeps no caller record object while its batch waits for the broker', async () => {
    const cluster = await startCluster({ brokers: 1, topics: { held: 2 } });
    const producer = producerFor(cluster);
    await producer.send({ topic: 'held', value: 'warm-up' });
    cluster.control('Produce', () => 'no-response', { times: Infinity });

    const sent = sendUnreferenced(producer, 200);
    await collect();

    expect(sent.settled()).toBe(0);
    expect(sent.refs.filter((ref) => ref.deref() !== undefined)).toHaveLength(0);
  });

  it('keeps no caller record object while records wait for room in bufferMemory', async () => {
    const cluster = await startCluster({ brokers: 1, topics: { held: 2 } });
    const producer = producerFor(cluster, { bufferMemory: 4096 });
    await producer.send({ topic: 'held', value: 'warm-up' });
    cluster.control('Produce', () => 'no-response', { times: Infinity });

    const sent = sendUnreferenced(producer, 200);
    await collect();

    expect(sent.settled()).toBe(0);
    // Most of the 200 records (about 150 bytes each) cannot fit in 4 KiB: they wait for room.
    expect(producer.produce({ topic: 'held', value: 'probe' })).toBe(false);
    expect(sent.refs.filter((ref) => ref.deref() !== undefined)).toHaveLength(0);
  });

  it("lets go of a waiting record's value once room freed and its bytes went into a batch", async () => {
    const cluster = await startCluster({ brokers: 1, topics: { held: 1 } });
    const producer = producerFor(cluster, { bufferMemory: 4096 });
    await producer.send({ topic: 'held', value: 'warm-up' });
    // The first Produce is answered (its bytes go back to bufferMemory, so waiting records move into batches);
    // none after it is, so those batches and the records still waiting stay where they are.
    let produces = 0;
    cluster.control('Produce', () => (++produces === 1 ? undefined : 'no-response'), { times: Infinity });

    const values: Array<WeakRef<Uint8Array>> = [];
    let firstWaiting = -1;
    let delivered = 0;
    for (let i = 0; i < 200; i++) {
      const value = new Uint8Array(100).fill(i);
      values.push(new WeakRef(value));
      // false: this record (or one before it) waits for room.
      if (!producer.produce({ topic: 'held', value }, () => delivered++) && firstWaiting < 0)
        firstWaiting = i;
    }
    expect(firstWaiting).toBeGreaterThan(0);
    await vi.waitFor(() => expect(produces).toBeGreaterThanOrEqual(2));
    await collect();

    expect(delivered).toBeGreaterThan(0);
    const live = values.map((ref) => ref.deref() !== undefined);
    const firstLive = live.indexOf(true);
    // Records leave the wait in send order: the values still held are those of the records still waiting.
    expect(live.slice(firstLive).every(Boolean)).toBe(true);
    expect(firstLive).toBeGreaterThan(firstWaiting);
  });
});
