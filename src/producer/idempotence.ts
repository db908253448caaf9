// The idempotent producer's bookkeeping (Java's TransactionManager, minus transactions).
//
// The broker keeps, per producer id and partition, the last 5 batches' sequence numbers. A batch carries
// (producerId, epoch, baseSequence); the broker appends it only if baseSequence is the next one expected,
// answers a duplicate of a recent batch with its original offset, and refuses a gap with
// OUT_OF_ORDER_SEQUENCE_NUMBER. That makes retries safe (no duplicates) and keeps order with up to 5
// batches in flight per partition, as long as the client
//   - assigns sequences once, when a batch is first drained, contiguously per partition;
//   - resends a failed batch with the same sequence, and only once every earlier batch has resolved;
//   - after a real gap (a batch that will never be written), moves to a new epoch (KIP-360: the idempotent
//     producer bumps the epoch itself, no RPC needed). The partitions that had the gap restart at sequence 0
//     under it at once. Every other partition keeps counting under the epoch its batches carry, so a retry
//     whose first attempt may have been written is resent unchanged and deduplicated by the broker; such a
//     partition moves to the new epoch (from sequence 0) only once nothing of it is outstanding, as in Java.
//
// @locality: event loop.

import { incrementSequence } from '../records/index.js';

const MAX_EPOCH = 32767;

interface PartitionSequences {
  /** The producer id and epoch these sequences count under. */
  producerId: bigint;
  epoch: number;
  /** Sequence the next new batch gets. */
  next: number;
  /** Last sequence the broker acknowledged; -1 when nothing was acknowledged under this epoch. */
  lastAcked: number;
}

export interface ProducerIdAndEpoch {
  producerId: bigint;
  producerEpoch: number;
}

export class IdempotenceState {
  private identity: ProducerIdAndEpoch | null = null;
  private readonly partitions = new Map<string, PartitionSequences>();
  /** A gap was found: drain nothing new until every in-flight batch resolved, then bump the epoch. */
  private bumpRequested = false;
  /** Partitions whose gap asked for the bump: they restart at 0 under the new epoch right away. */
  private readonly rewrite = new Set<string>();
  private fatalError: Error | null = null;

  get current(): ProducerIdAndEpoch | null {
    return this.identity;
  }

  get fatal(): Error | null {
    return this.fatalError;
  }

  get epochBumpPending(): boolean {
    return this.bumpRequested;
  }

  /** A producer id and epoch from InitProducerId. Partitions move to it as `assign` allows. */
  setIdentity(identity: ProducerIdAndEpoch): void {
    this.identity = identity;
    this.bumpRequested = false;
    this.rewrite.clear();
  }

  /** True when `key`'s partition counts sequences under the current producer id and epoch (or has none yet). */
  isCurrent(key: string): boolean {
    const state = this.partitions.get(key);
    const identity = this.identity;
    return (
      state === undefined ||
      (identity !== null &&
        state.producerId === identity.producerId &&
        state.epoch === identity.producerEpoch)
    );
  }

  /** True when a batch was stamped under the epoch its partition still counts in (its sequences mean something). */
  matches(key: string, producerId: bigint, epoch: number): boolean {
    const state = this.partitions.get(key);
    return state !== undefined && state.producerId === producerId && state.epoch === epoch;
  }

  failFatally(error: Error): void {
    this.fatalError ??= error;
  }

  /**
   * Hands out `count` sequences for a new batch of `key`'s partition, under the current identity. A partition
   * still on an older epoch restarts at 0: the caller makes sure nothing of it is outstanding first.
   */
  assign(key: string, count: number): number {
    let state = this.partitions.get(key);
    if (state === undefined || !this.isCurrent(key)) state = this.restart(key);
    const base = state.next;
    state.next = incrementSequence(base, count);
    return base;
  }

  /** The sequence the broker expects next for `key`: the one after the last acknowledged batch. */
  nextExpected(key: string): number {
    const state = this.partitions.get(key);
    return state === undefined || state.lastAcked < 0 ? 0 : incrementSequence(state.lastAcked, 1);
  }

  acknowledge(key: string, producerId: bigint, epoch: number, baseSequence: number, count: number): void {
    const state = this.partitions.get(key);
    if (state === undefined || state.producerId !== producerId || state.epoch !== epoch) return;
    const last = incrementSequence(baseSequence, count - 1);
    // Responses of one partition arrive in order, but be robust: never move the mark backwards.
    if (state.lastAcked < 0 || isAfter(last, state.lastAcked)) state.lastAcked = last;
  }

  /** `key`'s partition has a gap: bump the epoch and restart that partition's sequences. */
  requestEpochBump(key: string): void {
    this.bumpRequested = true;
    this.rewrite.add(key);
  }

  /**
   * Moves to the next epoch. Returns the partitions to re-sequence from 0 now (their unacknowledged batches
   * were refused, so they can be renumbered), or null when the epoch is exhausted: then the caller gets a new
   * producer id (InitProducerId) and every partition restarts.
   */
  bumpEpoch(): Set<string> | null {
    const identity = this.identity;
    if (identity === null || identity.producerEpoch >= MAX_EPOCH) {
      this.identity = null;
      this.partitions.clear();
      this.bumpRequested = false;
      this.rewrite.clear();
      return null;
    }
    const rewrite = new Set(this.rewrite);
    this.setIdentity({ producerId: identity.producerId, producerEpoch: identity.producerEpoch + 1 });
    for (const key of rewrite) this.restart(key);
    return rewrite;
  }

  private restart(key: string): PartitionSequences {
    const identity = this.identity!;
    const state = { producerId: identity.producerId, epoch: identity.producerEpoch, next: 0, lastAcked: -1 };
    this.partitions.set(key, state);
    return state;
  }
}

// Sequences wrap, so "after" is judged within half the range, like TCP sequence numbers.
function isAfter(a: number, b: number): boolean {
  const diff = a - b;
  return (diff > 0 && diff < 2 ** 30) || diff < -(2 ** 30);
}
