import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { IdempotenceState } from '../../../src/producer/idempotence.js';
import { incrementSequence } from '../../../src/records/index.js';

// The idempotent producer's bookkeeping on its own: sequences per partition that wrap at Int32 MAX like
// Kafka's, the broker's acknowledged mark, epoch bumps and the exhausted epoch.

const MAX = 2147483647;

describe('incrementSequence', () => {
  it('adds, and wraps from Int32 MAX to 0 as Kafka does', () => {
    expect(incrementSequence(0, 5)).toBe(5);
    expect(incrementSequence(MAX - 5, 5)).toBe(MAX);
    expect(incrementSequence(MAX, 1)).toBe(0);
    expect(incrementSequence(MAX - 4, 5)).toBe(0);
    expect(incrementSequence(MAX - 1, 3)).toBe(1);
  });

  it('matches (sequence + increment) mod 2^31 for every sequence and batch size', () => {
    fc.assert(
      fc.property(fc.integer({ min: 0, max: MAX }), fc.integer({ min: 0, max: 1_000_000 }), (s, n) => {
        expect(incrementSequence(s, n)).toBe((s + n) % 2 ** 31);
      }),
    );
  });
});

describe('IdempotenceState', () => {
  const key = 't\u00000';

  it('hands out contiguous sequences per partition, from 0', () => {
    const state = new IdempotenceState();
    expect(state.current).toBeNull();
    state.setIdentity({ producerId: 7n, producerEpoch: 0 });
    expect(state.assign(key, 3)).toBe(0);
    expect(state.assign(key, 2)).toBe(3);
    expect(state.assign('t\u00001', 4)).toBe(0);
    expect(state.assign(key, 1)).toBe(5);
  });

  it('wraps sequences at Int32 MAX and keeps the acknowledged mark moving forward across the wrap', () => {
    const state = new IdempotenceState();
    state.setIdentity({ producerId: 7n, producerEpoch: 0 });
    expect(state.nextExpected(key)).toBe(0);
    expect(state.assign(key, MAX - 7)).toBe(0);
    state.acknowledge(key, 7n, 0, 0, MAX - 7);
    expect(state.nextExpected(key)).toBe(MAX - 7);

    expect(state.assign(key, 10)).toBe(MAX - 7);
    expect(state.assign(key, 5)).toBe(2);
    state.acknowledge(key, 7n, 0, MAX - 7, 10);
    expect(state.nextExpected(key)).toBe(2);
    state.acknowledge(key, 7n, 0, 2, 5);
    expect(state.nextExpected(key)).toBe(7);
    // A late acknowledgement of an older batch never moves the mark back.
    state.acknowledge(key, 7n, 0, MAX - 7, 10);
    expect(state.nextExpected(key)).toBe(7);
  });

  it('bumps the epoch: the partition with the gap restarts at 0 now, the others only once nothing is outstanding', () => {
    const other = 't\u00001';
    const state = new IdempotenceState();
    state.setIdentity({ producerId: 7n, producerEpoch: 3 });
    state.assign(key, 4);
    state.acknowledge(key, 7n, 3, 0, 4);
    expect(state.assign(other, 2)).toBe(0);
    state.requestEpochBump(key);
    expect(state.epochBumpPending).toBe(true);

    expect([...state.bumpEpoch()!]).toEqual([key]);

    expect(state.current).toEqual({ producerId: 7n, producerEpoch: 4 });
    expect(state.epochBumpPending).toBe(false);
    expect(state.isCurrent(key)).toBe(true);
    expect(state.nextExpected(key)).toBe(0);
    expect(state.assign(key, 1)).toBe(0);
    // The other partition still counts under epoch 3: its stamped batch keeps meaning something there ...
    expect(state.isCurrent(other)).toBe(false);
    expect(state.matches(other, 7n, 3)).toBe(true);
    state.acknowledge(other, 7n, 3, 0, 2);
    expect(state.nextExpected(other)).toBe(2);
    // ... until its next new batch, which starts over at 0 under epoch 4.
    expect(state.assign(other, 1)).toBe(0);
    expect(state.matches(other, 7n, 4)).toBe(true);
  });

  it('gives up the producer id when the epoch is exhausted (a new InitProducerId is needed)', () => {
    const state = new IdempotenceState();
    state.setIdentity({ producerId: 7n, producerEpoch: 32767 });
    state.assign(key, 4);
    state.requestEpochBump(key);

    expect(state.bumpEpoch()).toBeNull();

    expect(state.current).toBeNull();
    expect(state.epochBumpPending).toBe(false);
    state.setIdentity({ producerId: 8n, producerEpoch: 0 });
    expect(state.assign(key, 1)).toBe(0);
  });

  it('keeps the first fatal error', () => {
    const state = new IdempotenceState();
    const first = new Error('fenced');
    state.failFatally(first);
    state.failFatally(new Error('later'));
    expect(state.fatal).toBe(first);
  });
});
