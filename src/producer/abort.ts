import { AbortError } from './errors.js';
import type { DeliveryCallback } from './producer-batch.js';
import type { PreparedRecord } from './record-preparation.js';

// AbortSignal support. A record sent with a signal can be taken back until it has left for the broker: while
// it is serialized, waits for its topic's metadata or for room in bufferMemory, or sits in a batch that has not
// been sent (nor compressed ahead of sending). After that an abort changes nothing and the send settles with
// the broker's answer: bytes on the wire cannot be recalled, and a batch's bytes are fixed once made.

/** Where a record with a signal is: what an abort has to undo. */
export type AbortStage =
  /** Being serialized or waiting for its topic's metadata: held by nobody but its own continuation. */
  | 'preparing'
  /** Offered to admission: waiting for room in bufferMemory (or appended at once: then 'batched'). */
  | 'waiting'
  /** In a batch of the accumulator. */
  | 'batched';

/** Options of one send: `signal` cancels the record while it has not left (see `RecordAbort`). */
export interface SendOptions {
  signal?: AbortSignal;
}

/** One record's link to its AbortSignal, from send() until its outcome. */
export class RecordAbort {
  stage: AbortStage = 'preparing';
  /** The record, once prepared and offered. */
  prepared: PreparedRecord | null = null;
  /** Its outcome was delivered (by the abort or otherwise): nothing more may happen to it. */
  settled = false;
  /** Aborted while waiting for room: admission still holds it, and drops it on its next pass. */
  dropPending = false;
  /** What the rest of the producer calls with the outcome: settles once and stops listening to the signal. */
  readonly callback: DeliveryCallback;

  constructor(
    readonly signal: AbortSignal,
    done: DeliveryCallback,
    onSettled: (abort: RecordAbort) => void,
  ) {
    this.callback = (error, metadata) => {
      if (this.settled) return;
      this.settled = true;
      onSettled(this);
      done(error, metadata);
    };
  }
}

/**
 * The records waiting on each signal, with one listener per signal however many records share it: a signal
 * passed to thousands of sends would otherwise carry thousands of listeners (and Node's "possible
 * EventTarget memory leak" warning past ten).
 */
export class SignalListeners {
  private readonly bySignal = new Map<AbortSignal, { records: Set<RecordAbort>; listener: () => void }>();

  constructor(private readonly onAbort: (abort: RecordAbort) => void) {}

  add(abort: RecordAbort): void {
    let entry = this.bySignal.get(abort.signal);
    if (entry === undefined) {
      const signal = abort.signal;
      const records = new Set<RecordAbort>();
      const listener = () => {
        this.bySignal.delete(signal);
        for (const record of records) this.onAbort(record);
      };
      entry = { records, listener };
      this.bySignal.set(signal, entry);
      signal.addEventListener('abort', listener, { once: true });
    }
    entry.records.add(abort);
  }

  delete(abort: RecordAbort): void {
    const entry = this.bySignal.get(abort.signal);
    if (entry === undefined || !entry.records.delete(abort) || entry.records.size > 0) return;
    this.bySignal.delete(abort.signal);
    abort.signal.removeEventListener('abort', entry.listener);
  }
}

/** The error a cancelled record rejects with; its cause is the signal's reason. */
export function recordAborted(signal: AbortSignal): AbortError {
  return new AbortError(
    'The record was not sent: its AbortSignal was aborted before it left for the broker, and nothing of it was written.',
    signal.reason,
  );
}

/**
 * Resolves or rejects as `work` does, unless `signal` aborts first: then rejects with an AbortError saying
 * `what` stopped waiting (the work itself goes on).
 */
export function unlessAborted<T>(
  work: Promise<T>,
  signal: AbortSignal | undefined,
  what: string,
): Promise<T> {
  if (signal === undefined) return work;
  const stopped = () =>
    new AbortError(
      `${what} stopped waiting: its AbortSignal was aborted. Records already accepted are still being delivered.`,
      signal.reason,
    );
  if (signal.aborted) return Promise.reject(stopped());
  return new Promise<T>((resolve, reject) => {
    const onAbort = () => reject(stopped());
    signal.addEventListener('abort', onAbort, { once: true });
    work.then(
      (value) => {
        signal.removeEventListener('abort', onAbort);
        resolve(value);
      },
      (error: unknown) => {
        signal.removeEventListener('abort', onAbort);
        reject(error);
      },
    );
  });
}

/** Resolves once `signal` aborts (never without one); `cancel()` stops listening. */
export function whenAborted(signal: AbortSignal | undefined): { aborted: Promise<void>; cancel: () => void } {
  if (signal === undefined) return { aborted: new Promise<void>(() => {}), cancel: () => {} };
  if (signal.aborted) return { aborted: Promise.resolve(), cancel: () => {} };
  let onAbort!: () => void;
  const aborted = new Promise<void>((resolve) => {
    onAbort = resolve;
    signal.addEventListener('abort', onAbort, { once: true });
  });
  return { aborted, cancel: () => signal.removeEventListener('abort', onAbort) };
}
