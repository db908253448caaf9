import { describe, expect, it } from 'vitest';
import { ExponentialBackoff } from '../../../src/net/backoff.js';
import { AuthenticationError } from '../../../src/net/errors.js';
import { RecordAccumulator } from '../../../src/producer/accumulator.js';
import { Idempotence, type ProducerIdAndEpoch } from '../../../src/producer/idempotence.js';
import type { ProducerBatch } from '../../../src/producer/producer-batch.js';
import { AuthorizationError, KafkaErrorCode, kafkaErrorFor } from '../../../src/protocol/errors.js';

// The idempotent producer's decisions without a socket: InitProducerId is a function the test answers,
// time is a fake clock, batches come from a real accumulator.

function setup() {
  let now = 1_000;
  const accumulator = new RecordAccumulator({
    batchSize: 1_000,
    lingerMs: 0,
    deliveryTimeoutMs: 60_000,
    maxInFlightPerPartition: 5,
    now: () => now,
  });
  const asks: Array<{ resolve: (id: ProducerIdAndEpoch) => void; reject: (error: unknown) => void }> = [];
  const idempotence = new Idempotence({
    accumulator,
    initProducerId: () => new Promise((resolve, reject) => asks.push({ resolve, reject })),
    retryBackoff: new ExponentialBackoff({ initialMs: 100, maxMs: 1_000, jitter: 0 }),
    now: () => now,
  });
  let changes = 0;
  idempotence.onChange(() => changes++);
  const settled = () => new Promise((resolve) => setImmediate(resolve));
  const batch = (partition: number): ProducerBatch =>
    accumulator.append('t', partition, {
      key: null,
      value: null,
      headers: undefined,
      timestamp: 0n,
      size: 0,
      callback: () => undefined,
    });
  return {
    accumulator,
    idempotence,
    asks,
    settled,
    batch,
    changes: () => changes,
    advance: (ms: number) => (now += ms),
  };
}

describe('Idempotence', () => {
  it('asks for a producer id once, drains only once it has one, and stamps contiguous sequences', async () => {
    const { idempotence, asks, settled, batch, changes } = setup();
    idempotence.advance();
    idempotence.advance();
    expect(asks).toHaveLength(1);
    expect(idempotence.mayDrain).toBe(false);
    asks[0]!.resolve({ producerId: 42n, producerEpoch: 3 });
    await settled();
    expect(changes()).toBe(1);
    expect(idempotence.mayDrain).toBe(true);
    const first = batch(0);
    first.closed = true;
    const second = batch(0);
    idempotence.stamp(first);
    idempotence.stamp(second);
    expect([first.producerId, first.producerEpoch, first.baseSequence]).toEqual([42n, 3, 0]);
    expect(second.baseSequence).toBe(1);
  });

  it('backs off after a retriable InitProducerId failure, and fails fatally on one that is not', async () => {
    const { idempotence, asks, settled, advance } = setup();
    idempotence.advance();
    asks[0]!.reject(kafkaErrorFor(KafkaErrorCode.COORDINATOR_NOT_AVAILABLE, { api: 'InitProducerId' }));
    await settled();
    expect(idempotence.initRetryInMs()).toBe(100);
    idempotence.advance();
    expect(asks).toHaveLength(1);
    advance(100);
    idempotence.advance();
    expect(asks).toHaveLength(2);
    asks[1]!.reject(kafkaErrorFor(KafkaErrorCode.CLUSTER_AUTHORIZATION_FAILED, { api: 'InitProducerId' }));
    await settled();
    expect(idempotence.fatal).toBeInstanceOf(AuthorizationError);
    expect(idempotence.fatal!.message).toMatch(/IDEMPOTENT_WRITE.*enableIdempotence: false/s);
    expect(idempotence.mayDrain).toBe(false);
  });

  it('retries InitProducerId after refused credentials or TLS (another broker may accept them) instead of failing for good', async () => {
    const { idempotence, asks, settled, advance } = setup();
    idempotence.advance();
    asks[0]!.reject(
      new AuthenticationError('TLS handshake with node 2 (b2:9093) failed: certificate has expired'),
    );
    await settled();
    expect(idempotence.fatal).toBeNull();
    expect(idempotence.initRetryInMs()).toBe(100);
    advance(100);
    idempotence.advance();
    asks[1]!.resolve({ producerId: 7n, producerEpoch: 0 });
    await settled();
    expect(idempotence.mayDrain).toBe(true);
  });

  it('judges sequence errors: duplicate is success, a gap at the expected sequence bumps the epoch once nothing is in flight', async () => {
    const { idempotence, asks, settled, batch, accumulator } = setup();
    idempotence.advance();
    asks[0]!.resolve({ producerId: 1n, producerEpoch: 0 });
    await settled();
    const b = batch(0);
    idempotence.stamp(b);
    accumulator.markInFlight(b);
    expect(idempotence.judgeProduceError(b, KafkaErrorCode.DUPLICATE_SEQUENCE_NUMBER)).toBe('duplicate');
    expect(idempotence.judgeProduceError(b, KafkaErrorCode.NOT_LEADER_OR_FOLLOWER)).toBe('other');
    expect(idempotence.judgeProduceError(b, KafkaErrorCode.OUT_OF_ORDER_SEQUENCE_NUMBER)).toBe('retry');
    // The bump waits for the batch in flight: its outcome decides which sequences were written.
    idempotence.advance();
    expect(idempotence.mayDrain).toBe(false);
    accumulator.release(b);
    idempotence.advance();
    expect(idempotence.mayDrain).toBe(true);
    expect(b.baseSequence).toBe(-1);
    idempotence.stamp(b);
    expect([b.producerEpoch, b.baseSequence]).toEqual([1, 0]);
  });
});
