// The idempotent producer's bookkeeping (Java's TransactionManager, minus transactions).
//
// The broker keeps, per producer id and partition, the last 5 batches' sequence numbers. A batch carries
// (producerId, epoch, baseSequence); the broker appends it only if baseSequence is the next one expected,
// answers a duplicate of a recent batch with its original offset, and refuses a gap with
// OUT_OF_ORDER_SEQUENCE_NUMBER. That makes retries safe (no duplicates) and keeps order with up to 5
// batches in flight per partition, as long as the client
//   - assigns sequences once, when a batch is first drained, contiguously per partition;
//   - resends a failed batch with the same sequence, and only once every earlier batch has resolved;
//   - after a real gap (a batch that will never be written), starts over with a new epoch, from sequence
//     0 on every partition (KIP-360: the idempotent producer bumps the epoch itself, no RPC needed).
//
// @locality: event loop.

const INT32_MAX = 2147483647;
const MAX_EPOCH = 32767;

/** Java's incrementSequence: sequences wrap from Int32 MAX to 0. */
export function addSequence(sequence: number, increment: number): number {
  return sequence > INT32_MAX - increment ? increment - (INT32_MAX - sequence) - 1 : sequence + increment;
}

interface PartitionSequences {
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

  setIdentity(identity: ProducerIdAndEpoch): void {
    this.identity = identity;
    this.partitions.clear();
    this.bumpRequested = false;
  }

  failFatally(error: Error): void {
    this.fatalError ??= error;
  }

  /** Hands out `count` sequences for a new batch of `key`'s partition. */
  assign(key: string, count: number): number {
    const state = this.sequences(key);
    const base = state.next;
    state.next = addSequence(base, count);
    return base;
  }

  /** The sequence the broker expects next for `key`: the one after the last acknowledged batch. */
  nextExpected(key: string): number {
    const state = this.partitions.get(key);
    return state === undefined || state.lastAcked < 0 ? 0 : addSequence(state.lastAcked, 1);
  }

  acknowledge(key: string, baseSequence: number, count: number): void {
    const state = this.sequences(key);
    const last = addSequence(baseSequence, count - 1);
    // Responses of one partition arrive in order, but be robust: never move the mark backwards.
    if (state.lastAcked < 0 || isAfter(last, state.lastAcked)) state.lastAcked = last;
  }

  requestEpochBump(): void {
    this.bumpRequested = true;
  }

  /**
   * Moves to the next epoch and restarts every partition at sequence 0. Returns false when the epoch is
   * exhausted: the caller must get a new producer id (InitProducerId) instead.
   */
  bumpEpoch(): boolean {
    const identity = this.identity;
    if (identity === null || identity.producerEpoch >= MAX_EPOCH) {
      this.identity = null;
      this.partitions.clear();
      this.bumpRequested = false;
      return false;
    }
    this.setIdentity({ producerId: identity.producerId, producerEpoch: identity.producerEpoch + 1 });
    return true;
  }

  private sequences(key: string): PartitionSequences {
    let state = this.partitions.get(key);
    if (state === undefined) {
      state = { next: 0, lastAcked: -1 };
      this.partitions.set(key, state);
    }
    return state;
  }
}

// Sequences wrap, so "after" is judged within half the range, like TCP sequence numbers.
function isAfter(a: number, b: number): boolean {
  const diff = a - b;
  return (diff > 0 && diff < 2 ** 30) || diff < -(2 ** 30);
}
