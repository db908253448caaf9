import { KafkaWireError } from '../errors.js';
import { type Logger, SILENT_LOGGER } from '../logger.js';
import type { ExponentialBackoff } from '../net/backoff.js';
import { AuthenticationError, ClientClosedError } from '../net/errors.js';
import { AuthorizationError, KafkaErrorCode } from '../protocol/errors.js';
import { MAX_PRODUCER_EPOCH } from '../protocol/int-limits.js';
import { incrementSequence } from '../records/index.js';
import type { RecordAccumulator } from './accumulator.js';
import type { ProducerBatch } from './producer-batch.js';

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

  /** True once the broker acknowledged a batch of `key`'s partition under the epoch it counts in. */
  hasAcknowledged(key: string): boolean {
    const state = this.partitions.get(key);
    return state !== undefined && state.lastAcked >= 0;
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
    if (identity === null || identity.producerEpoch >= MAX_PRODUCER_EPOCH) {
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

export interface IdempotenceOptions {
  accumulator: RecordAccumulator;
  /**
   * Gets a producer id and epoch (InitProducerId). Null for a transactional producer: its transaction manager
   * gets them (initTransactions), and only the coordinator may bump its epoch, so a gap here never bumps it
   * locally: the batch fails, which makes the transaction abortable, and the abort bumps the epoch.
   */
  initProducerId: (() => Promise<ProducerIdAndEpoch>) | null;
  /** Spaces out InitProducerId retries after retriable failures. */
  retryBackoff: ExponentialBackoff;
  now: () => number;
  /** Producer ids, epoch bumps and fatal errors are logged here. */
  logger?: Logger;
}

/** What a Produce error code means for an idempotent batch. */
export type SequenceErrorOutcome =
  /** The broker has the batch already: it succeeded, offset unknown. */
  | 'duplicate'
  /** Retry the batch, whatever the error's own flag says. */
  | 'retry'
  /** Not a sequence matter: handle the error as any other. */
  | 'other';

/**
 * Every producer id, epoch and sequence decision of the idempotent producer: when a producer id is fetched,
 * which batch gets which stamp, when a gap bumps the epoch, what a sequence error means. The sender asks
 * and acts; this holds no sockets, so it is tested with a fake `initProducerId`.
 */
export class Idempotence {
  readonly sequences = new IdempotenceState();
  private readonly options: IdempotenceOptions;
  private initializing = false;
  private initFailures = 0;
  private initRetryAtMs = 0;
  private listener: () => void = () => undefined;

  private readonly log: Logger;

  constructor(options: IdempotenceOptions) {
    this.options = options;
    this.log = options.logger ?? SILENT_LOGGER;
  }

  /** After a fatal error (fenced, not authorized) nothing more can be delivered. */
  get fatal(): Error | null {
    return this.sequences.fatal;
  }

  /** Called when InitProducerId settled, either way: the sender may drain again. */
  onChange(listener: () => void): void {
    this.listener = listener;
  }

  /**
   * Moves the producer's identity on where it can: once every in-flight batch resolved (their outcome decides
   * which sequences were written), a requested epoch bump happens; without a producer id, InitProducerId is
   * sent unless one is out or backing off.
   */
  advance(): void {
    const sequences = this.sequences;
    if (sequences.fatal !== null) return;
    if (sequences.epochBumpPending) {
      if (this.options.accumulator.inFlightCount() > 0) return;
      const before = sequences.current;
      const rewrite = sequences.bumpEpoch();
      this.logBump(before, rewrite);
      // The partitions with the gap renumber their waiting batches from 0 under the new epoch; the others
      // keep their stamps (a retry must be resent unchanged to be deduplicated). With a new producer id
      // (epoch exhausted) every partition starts over.
      for (const batch of this.options.accumulator.allBatches()) {
        if (rewrite === null || rewrite.has(partitionKey(batch))) batch.baseSequence = -1;
      }
      if (rewrite === null) this.initFailures = 0;
    }
    if (
      sequences.current === null &&
      !this.initializing &&
      this.options.now() >= this.initRetryAtMs &&
      this.options.initProducerId !== null
    ) {
      this.fetchProducerId(this.options.initProducerId);
    }
  }

  /** True when batches may be drained: a producer id is held, no epoch bump waits, no fatal error. */
  get mayDrain(): boolean {
    const sequences = this.sequences;
    return sequences.fatal === null && !sequences.epochBumpPending && sequences.current !== null;
  }

  /** Milliseconds until a backed-off InitProducerId retry is due (Infinity when none waits on time). */
  initRetryInMs(): number {
    const sequences = this.sequences;
    return sequences.fatal === null &&
      sequences.current === null &&
      !this.initializing &&
      this.options.initProducerId !== null
      ? this.initRetryAtMs - this.options.now()
      : Number.POSITIVE_INFINITY;
  }

  /**
   * A new batch waits until nothing of its partition is outstanding (in flight, or stamped and waiting for a
   * retry) while the partition still counts under an older epoch (it then restarts at 0 under the current
   * one), or while nothing of it was acknowledged under its epoch yet. The latter because a broker with no
   * state for this producer on the partition accepts any first sequence (Kafka 2.5+, KIP-360): were the
   * batch at sequence 0 refused (NOT_ENOUGH_REPLICAS) while 1..4 were in flight, the broker would write 1..4
   * ahead of it, and 0 would then be out of order for good. So a partition's first batch under an epoch
   * travels alone; once the broker acknowledged it, up to 5 go. Batches already stamped always go, unchanged.
   */
  mayStamp(batch: ProducerBatch): boolean {
    if (batch.baseSequence >= 0) return true;
    const key = partitionKey(batch);
    if (this.sequences.isCurrent(key) && this.sequences.hasAcknowledged(key)) return true;
    return !this.options.accumulator.hasOutstanding(batch.topic, batch.partition);
  }

  /** Stamps producer id, epoch and the partition's next sequences on a batch's first drain. */
  stamp(batch: ProducerBatch): void {
    const identity = this.sequences.current;
    if (identity === null || batch.baseSequence >= 0) return;
    batch.producerId = identity.producerId;
    batch.producerEpoch = identity.producerEpoch;
    batch.baseSequence = this.sequences.assign(partitionKey(batch), batch.recordCount);
  }

  /** The broker wrote the batch: its partition's acknowledged sequences move on. */
  acknowledge(batch: ProducerBatch): void {
    if (batch.baseSequence < 0) return;
    this.sequences.acknowledge(
      partitionKey(batch),
      batch.producerId,
      batch.producerEpoch,
      batch.baseSequence,
      batch.recordCount,
    );
  }

  /** A batch with a sequence will never be written: later sequences would leave a gap, so bump the epoch. */
  noteGap(batch: ProducerBatch): void {
    if (batch.baseSequence < 0 || this.options.initProducerId === null) return;
    const key = partitionKey(batch);
    if (this.sequences.matches(key, batch.producerId, batch.producerEpoch))
      this.sequences.requestEpochBump(key);
  }

  /**
   * The idempotent producer's own errors, judged as Java does:
   *  - DUPLICATE_SEQUENCE_NUMBER: the broker has the batch already (older than the 5 it remembers offsets
   *    for): success, offset unknown.
   *  - OUT_OF_ORDER_SEQUENCE_NUMBER / UNKNOWN_PRODUCER_ID: if an earlier batch of the partition is still
   *    unresolved, this one simply came too early: retry after it. If this batch is the next one expected,
   *    the broker lost our state (or a batch was lost): bump the epoch, restart sequences, retry. If later
   *    sequences were acknowledged already (a broker that had lost our state took them first), this one can
   *    only be written under a new epoch: bump and retry, where Java retries until the delivery timeout.
   *  - INVALID_PRODUCER_EPOCH: this batch fails as any error; the epoch is bumped for the ones after it.
   * A transactional producer retries a sequence error only while an earlier batch is unresolved; otherwise the
   * batch fails (its transaction must abort, and the abort bumps the epoch), as Java's TransactionManager.
   */
  judgeProduceError(batch: ProducerBatch, code: number): SequenceErrorOutcome {
    if (code === KafkaErrorCode.DUPLICATE_SEQUENCE_NUMBER) return 'duplicate';
    const local = this.options.initProducerId !== null;
    if (code === KafkaErrorCode.OUT_OF_ORDER_SEQUENCE_NUMBER || code === KafkaErrorCode.UNKNOWN_PRODUCER_ID) {
      const key = partitionKey(batch);
      if (this.sequences.matches(key, batch.producerId, batch.producerEpoch)) {
        const expected = this.sequences.nextExpected(key);
        // Behind the mark: the broker acknowledged later sequences, so this batch was never written (with at
        // most 5 of a partition out, a written one is still among the 5 the broker remembers and would come
        // back as a duplicate) and never will be under this epoch. Retrying it unchanged would go on until
        // deliveryTimeoutMs; under a new epoch it is written, after the later ones.
        const behind = this.sequences.hasAcknowledged(key) && isAfter(expected, batch.baseSequence);
        if (batch.baseSequence === expected || behind) {
          if (!local) return 'other';
          this.sequences.requestEpochBump(key);
        }
      }
      return 'retry';
    }
    if (code === KafkaErrorCode.INVALID_PRODUCER_EPOCH && local) {
      this.sequences.requestEpochBump(partitionKey(batch));
    }
    return 'other';
  }

  failFatally(error: Error): void {
    if (this.sequences.fatal === null) {
      this.log.error({ err: error }, 'idempotent producer failed fatally: nothing more can be sent');
    }
    this.sequences.failFatally(error);
  }

  private logBump(before: ProducerIdAndEpoch | null, rewrite: Set<string> | null): void {
    const after = this.sequences.current;
    if (after === null) {
      this.log.info(
        { producerId: before?.producerId, epoch: before?.producerEpoch },
        'producer epoch exhausted: fetching a new producer id',
      );
      return;
    }
    const partitions = [...(rewrite ?? [])].map((key) => key.replace('\u0000', '-'));
    this.log.info(
      {
        producerId: after.producerId,
        epoch: after.producerEpoch,
        previousEpoch: before?.producerEpoch,
        partitions,
      },
      'producer epoch bumped after a sequence gap; those partitions restart at sequence 0',
    );
  }

  private fetchProducerId(initProducerId: () => Promise<ProducerIdAndEpoch>): void {
    this.initializing = true;
    initProducerId()
      .then(
        (identity) => {
          this.initFailures = 0;
          this.sequences.setIdentity(identity);
          this.log.info(
            { producerId: identity.producerId, epoch: identity.producerEpoch },
            'idempotent producer got its producer id',
          );
        },
        (error: unknown) => {
          if (error instanceof AuthorizationError) {
            // Typed as it is: its message says what to grant (CLUSTER_AUTHORIZATION_FAILED: IDEMPOTENT_WRITE on the
            // cluster, or enableIdempotence: false).
            this.failFatally(error);
          } else if (
            error instanceof KafkaWireError &&
            // Credentials or TLS refused by the broker asked: another may take them (a certificate expired on one
            // broker), and the pool tries each broker once per reconnect backoff, so this is retried, not fatal.
            !(error instanceof AuthenticationError) &&
            // The producer closed while the request was out (it is asked for with the first record, before the
            // topic's metadata): nothing failed, and nothing is sent any more.
            !(error instanceof ClientClosedError) &&
            (error.fatal || !error.retriable)
          ) {
            this.failFatally(
              new KafkaWireError(
                `The idempotent producer could not get a producer id: ${error.message} Fix the cause (e.g. grant IdempotentWrite on the cluster) or set enableIdempotence: false.`,
                { fatal: true, cause: error },
              ),
            );
          } else {
            const backoffMs = this.options.retryBackoff.backoff(this.initFailures++);
            this.initRetryAtMs = this.options.now() + backoffMs;
            this.log.debug(
              { err: error, attempt: this.initFailures, backoffMs },
              'InitProducerId failed; retrying after a backoff',
            );
          }
        },
      )
      .finally(() => {
        this.initializing = false;
        this.listener();
      });
  }
}

/** Sequence numbers are kept per partition. */
function partitionKey(batch: ProducerBatch): string {
  return `${batch.topic}\u0000${batch.partition}`;
}
