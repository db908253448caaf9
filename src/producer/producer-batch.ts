// A partition's batch of records and how its records learn their outcome. The accumulator groups records
// into these; the sender ships and settles them.

import {
  type BatchBufferSource,
  RECORD_BATCH_OVERHEAD,
  RecordBatchBuilder,
  type RecordHeader,
} from '../records/index.js';
import { objectArray } from './array-kinds.js';

/** Where a record ended up, as the broker reported it. */
export interface RecordMetadata {
  topic: string;
  partition: number;
  /** The record's offset; -1n when acks=0 (the broker does not answer). */
  offset: bigint;
  /** The record's timestamp; the broker's append time when the topic uses LogAppendTime. */
  timestamp: bigint;
}

export type DeliveryCallback = (error: Error | null, metadata: RecordMetadata | null) => void;

/**
 * A record's outcome as a resolve/reject pair: send()'s (SendSettlement) and sendBatch()'s (one slot of the
 * call). One small object per record, where a callback closing over a promise's functions would cost a function
 * and its scope on top (65 bytes more per record held).
 */
export interface PromiseSettlement {
  resolve: (metadata: RecordMetadata) => void;
  reject: (error: Error) => void;
}

/** send()'s promise's resolve function: a rejected promise given to it rejects send()'s with the same reason. */
export type SendResolve = (value: RecordMetadata | PromiseLike<RecordMetadata>) => void;

/** Stands in for the resolve function once the promise is settled. */
const settledAlready: SendResolve = () => {};

/**
 * send()'s settlement: its promise's resolve function alone. V8 makes a resolve and a reject function for every
 * promise; keeping both in a record's settlement held the reject function (56 bytes on Node 20) and a larger
 * object (40 bytes against this one's 32) per record until the broker answered. A failure goes through resolve
 * too, as a rejected promise, which rejects send()'s promise with the same error two microtask turns later.
 * Settling twice must stay a no-op, as it is for the functions themselves: the second call would otherwise make
 * a rejected promise nothing ever handles.
 */
export class SendSettlement implements PromiseSettlement {
  private settleWith: SendResolve;

  constructor(resolve: SendResolve) {
    this.settleWith = resolve;
  }

  resolve(metadata: RecordMetadata): void {
    const settle = this.settleWith;
    this.settleWith = settledAlready;
    settle(metadata);
  }

  reject(error: Error): void {
    const settle = this.settleWith;
    if (settle === settledAlready) return;
    this.settleWith = settledAlready;
    settle(Promise.reject(error));
  }
}

/** How a record learns its outcome: a produce() callback, or send()'s promise. */
export type Settlement = DeliveryCallback | PromiseSettlement;

/** A callback for a settlement, for code that wraps one (transactions, cancellation, tracing). */
export function asCallback(settlement: Settlement): DeliveryCallback {
  return typeof settlement === 'function'
    ? settlement
    : (error, metadata) => settle(settlement, error, metadata);
}

/** Gives a record its outcome; a throwing callback throws here (`deliver` is what guards against that). */
export function settle(settlement: Settlement, error: Error | null, metadata: RecordMetadata | null): void {
  if (typeof settlement === 'function') settlement(error, metadata);
  else if (error !== null) settlement.reject(error);
  else settlement.resolve(metadata!);
}

/**
 * Calls a record's callback. A user callback that throws must not stop the other records of its batch
 * from settling (nor break the producer's accounting), so its error is rethrown on its own, later, as an
 * uncaught exception: the caller's bug surfaces the way Node surfaces a throwing event listener.
 */
export function deliver(callback: Settlement, error: Error | null, metadata: RecordMetadata | null): void {
  try {
    settle(callback, error, metadata);
  } catch (thrown) {
    process.nextTick(() => {
      throw thrown;
    });
  }
}

/** A record on its way into a batch: its bytes are written there at append, then only its settlement stays. */
export interface PendingRecord {
  key: Uint8Array | null;
  value: Uint8Array | null;
  headers: RecordHeader[] | undefined;
  timestamp: bigint;
  /**
   * Its body size as the only record of a batch (aloneBodySize), when known: its size anywhere in a batch
   * follows from it without sizing key, value and headers again.
   */
  alone?: number;
  /** Exact encoded size of this record inside its batch, set by the append. */
  size: number;
  callback: Settlement;
}

export class ProducerBatch {
  /** Per record, in batch order: who hears its outcome. Its bytes are in `builder` already. Add with `add`. */
  readonly settlements: Settlement[] = objectArray();
  /**
   * The records' timestamps, for the metadata each settlement gets, one entry per run of records with the
   * same one: records stamped by the producer share a timestamp per millisecond, so a batch of thousands
   * holds a few runs. An entry per record was 29 of the 174 bytes produce() allocated per record.
   */
  private readonly runTimestamps: bigint[] = objectArray();
  /** The index of each run's first record. */
  private readonly runStarts: number[] = [];
  /** The batch's bytes, written as records are appended. */
  builder: RecordBatchBuilder;
  /** Exact uncompressed encoded size: header + records. */
  sizeInBytes = RECORD_BATCH_OVERHEAD;
  /** Largest record's encoded size (the record-size metrics, which Java records per batch). */
  maxRecordSize = 0;
  /** Compressed / uncompressed size this batch is expected to reach (1 without compression), fixed at creation. */
  compressionRatio = 1;
  /** How many times this batch was sent (0 while it has never left). */
  attempts = 0;
  /** Not to be sent again before this time (retry backoff). */
  retryAtMs = 0;
  /** Set once the batch left for the broker: later appends go to a new batch. */
  closed = false;
  /** True while a request carrying this batch awaits its response. */
  inFlight = false;
  /** Its bytes may exist already (compressed ahead while it waited for an in-flight slot). */
  sealed = false;
  /**
   * Idempotence: the producer id, epoch and first sequence the batch was stamped with when first drained;
   * a retry resends the same stamp (unless an epoch bump restarted the sequences).
   */
  producerId = -1n;
  producerEpoch = -1;
  baseSequence = -1;
  /** Why the last attempt failed, for the message when the batch expires. */
  lastError: unknown = undefined;

  constructor(
    readonly topic: string,
    readonly partition: number,
    readonly createdMs: number,
    /** delivery.timeout.ms counts from the batch's creation, as Java's does. */
    readonly deadlineMs: number,
    /** Where the builder's buffer comes from (the accumulator's pool) and the capacity to start with. */
    buffers?: BatchBufferSource,
    initialCapacity?: number,
  ) {
    this.builder = new RecordBatchBuilder({
      ...(buffers === undefined ? {} : { buffers }),
      ...(initialCapacity === undefined ? {} : { initialCapacity }),
    });
  }

  private settled = false;
  private settleWaiters: Array<() => void> | null = null;
  /** Records already told their outcome and let go of (`letGo`): still records of this batch. */
  private toldRecords = 0;

  get recordCount(): number {
    return this.settlements.length + this.toldRecords;
  }

  /** Adds a record's settlement and timestamp, after its bytes went into the builder. */
  add(settlement: Settlement, timestamp: bigint): void {
    const runs = this.runTimestamps;
    if (runs.length === 0 || runs[runs.length - 1] !== timestamp) {
      runs.push(timestamp);
      this.runStarts.push(this.settlements.length);
    }
    this.settlements.push(settlement);
  }

  /** Every record's timestamp, in batch order (for the rare paths that take records out or split a batch). */
  timestamps(): bigint[] {
    const all: bigint[] = [];
    const starts = this.runStarts;
    for (let run = 0; run < starts.length; run++) {
      const end = run + 1 < starts.length ? starts[run + 1]! : this.settlements.length;
      for (let i = starts[run]!; i < end; i++) all.push(this.runTimestamps[run]!);
    }
    return all;
  }

  /** Takes the record at `index` out of the settlements and timestamps (its bytes are the caller's). */
  removeAt(index: number): void {
    const timestamps = this.timestamps();
    const settlements = this.settlements.splice(0);
    settlements.splice(index, 1);
    timestamps.splice(index, 1);
    this.runTimestamps.length = 0;
    this.runStarts.length = 0;
    for (let i = 0; i < settlements.length; i++) this.add(settlements[i]!, timestamps[i]!);
  }

  /**
   * True while records may still be taken out (an AbortSignal cancelled them): the batch has never left,
   * has no sequence and no bytes yet. Past that, its records count as sent.
   */
  get mayRemoveRecords(): boolean {
    return !this.sealed && !this.inFlight && this.attempts === 0 && this.baseSequence < 0;
  }

  /** Every record has its outcome; a late answer for this batch must be ignored. */
  get isSettled(): boolean {
    return this.settled;
  }

  /** Resolves once every record of this batch has settled (or moved to smaller batches that settled). */
  whenSettled(): Promise<void> {
    if (this.settled) return Promise.resolve();
    return new Promise((resolve) => {
      this.settleWaiters ??= [];
      this.settleWaiters.push(resolve);
    });
  }

  markSettled(): void {
    this.settled = true;
    const waiters = this.settleWaiters;
    this.settleWaiters = null;
    if (waiters !== null) for (const resolve of waiters) resolve();
  }

  /**
   * Settles every record of the batch; each record's promise or callback fires once. Runs once per record
   * acknowledged, and with send() + Promise.all every metadata object lives until the caller's last record
   * is in: so one object and one BigInt per record (`base + BigInt(i)` made two; `BigInt(double)` is a call
   * into the runtime, 3x the cost of adding 1n).
   */
  complete(baseOffset: bigint, logAppendTimeMs: bigint): void {
    const topic = this.topic;
    const partition = this.partition;
    const settlements = this.settlements;
    const runTimestamps = this.runTimestamps;
    const runStarts = this.runStarts;
    const appendTime = logAppendTimeMs >= 0n ? logAppendTimeMs : null;
    const acknowledged = baseOffset >= 0n;
    let offset = acknowledged ? baseOffset : -1n;
    let run = -1;
    let nextRunAt = 0;
    let timestamp = 0n;
    for (let i = 0; i < settlements.length; i++) {
      if (i === nextRunAt) {
        run++;
        timestamp = runTimestamps[run]!;
        nextRunAt = run + 1 < runStarts.length ? runStarts[run + 1]! : settlements.length;
      }
      const metadata: RecordMetadata = {
        topic,
        partition,
        offset,
        timestamp: appendTime ?? timestamp,
      };
      if (acknowledged) offset += 1n;
      const settlement = settlements[i]!;
      // A promise's resolve never throws: only callbacks need deliver's guard.
      if (typeof settlement === 'function') deliver(settlement, null, metadata);
      else settlement.resolve(metadata);
    }
    this.letGo();
  }

  fail(error: Error): void {
    this.failEach(() => error);
  }

  /** Fails each record with its own error (the broker named the records it refused). */
  failEach(errorFor: (index: number) => Error): void {
    const settlements = this.settlements;
    for (let i = 0; i < settlements.length; i++) deliver(settlements[i]!, errorFor(i), null);
    this.letGo();
  }

  /**
   * Drops the told records' settlements (and so the caller's callbacks, promises and what they hold). A
   * batch that lived through two young-generation collections is in V8's old generation, where it stays,
   * dead or not, until a full collection; every young object it refers to survives with it. Kept, a
   * finished batch's settlements took its records' callbacks along: 1M x 100 B at 6 partitions, acks=all,
   * 47-51 MB promoted and 3 full collections; let go, 5-6 MB and one.
   */
  private letGo(): void {
    this.toldRecords += this.settlements.length;
    this.settlements.length = 0;
    this.runTimestamps.length = 0;
    this.runStarts.length = 0;
  }
}
