// Shared setup for the producer's unit tests against the fake cluster: fast timings, and cleanup that
// closes every producer and cluster a test made, even when the test failed halfway.

import { Producer, type ProducerOptions, type RecordMetadata } from '../../../src/index.js';
import { FakeKafka, type FakeKafkaOptions } from '../../../src/testing/index.js';

const clusters: FakeKafka[] = [];
const producers: Producer[] = [];

export async function startCluster(options: FakeKafkaOptions = {}): Promise<FakeKafka> {
  const cluster = await FakeKafka.start(options);
  clusters.push(cluster);
  return cluster;
}

/** Timings small enough for unit tests, far enough apart to survive a busy 2-core machine. */
export const FAST: Partial<ProducerOptions> = {
  lingerMs: 0,
  retryBackoffMs: 20,
  retryBackoffMaxMs: 100,
  reconnectBackoffMs: 10,
  reconnectBackoffMaxMs: 100,
  requestTimeoutMs: 5_000,
  deliveryTimeoutMs: 10_000,
  maxBlockMs: 5_000,
};

export function producerFor(cluster: FakeKafka, options: Partial<ProducerOptions> = {}): Producer {
  const producer = new Producer({ bootstrapServers: cluster.bootstrapServers, ...FAST, ...options });
  producers.push(producer);
  return producer;
}

/** Closes what the test left open; records still pending are rejected (and those rejections observed). */
export async function cleanup(): Promise<void> {
  await Promise.all(producers.splice(0).map((p) => p.close({ timeoutMs: 0 }).catch(() => undefined)));
  await Promise.all(clusters.splice(0).map((c) => c.close()));
}

export type Outcome = { offset: bigint; partition: number } | { error: Error };

/** Settles every promise and keeps what matters for assertions: the offset, or the error. */
export async function outcomes(promises: Array<Promise<RecordMetadata>>): Promise<Outcome[]> {
  const settled = await Promise.allSettled(promises);
  return settled.map((s) =>
    s.status === 'fulfilled'
      ? { offset: s.value.offset, partition: s.value.partition }
      : { error: s.reason as Error },
  );
}

/** Sends values to one partition in the same tick, so they travel in one batch. */
export function sendAll(
  producer: Producer,
  topic: string,
  partition: number,
  values: string[],
): Array<Promise<RecordMetadata>> {
  return values.map((value) => producer.send({ topic, partition, value }));
}

export function offsetsOf(results: RecordMetadata[]): bigint[] {
  return results.map((r) => r.offset);
}

/** Milliseconds since `start` (performance.now()). */
export function since(start: number): number {
  return performance.now() - start;
}

/** Rejects after `ms` with `what`: a bound on how long a test waits for an event, never a stand-in for one. */
export function within<T>(promise: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const bound = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`timed out after ${ms} ms waiting for ${what}`)), ms);
  });
  return Promise.race([promise, bound]).finally(() => clearTimeout(timer));
}

/** A gate that holds whatever awaits it (scripted Produce requests, say) until opened. */
export function gate(): { promise: Promise<void>; open: () => void } {
  let open!: () => void;
  const promise = new Promise<void>((resolve) => {
    open = resolve;
  });
  return { promise, open };
}
