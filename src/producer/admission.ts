import type { RecordAccumulator } from './accumulator.js';
import { doubleArray, objectArray } from './array-kinds.js';
import { BufferExhaustedError } from './errors.js';
import type { TopicMetadata } from './metadata.js';
import { deliver, type Settlement } from './producer-batch.js';

// bufferMemory admission (Java's BufferPool role): a record goes into the accumulator only while the bytes
// held stay within bufferMemory. One that finds no room waits, in send order, until settled batches give
// bytes back, or fails with BufferExhaustedError after maxBlockMs. Records waiting for their topic's
// metadata are counted here too, so produce() can say "wait" for either reason.
//
// @locality: event loop only.

/**
 * The most an encoded record can grow between its size alone in a batch (offset and timestamp deltas 0)
 * and its size at any place in a batch: offset delta varint 1 -> 5 bytes, timestamp delta varlong 1 -> 10,
 * and the length prefix 1 more. Reserving this much before the partition is chosen keeps bufferMemory a
 * hard bound while the exact size is what is accounted.
 */
export const RECORD_GROWTH_BOUND = 16;

/** What admission reads of a record. */
export interface ReservedRecord {
  topic: string;
  /** Bytes the record may take in bufferMemory: its size alone in a batch plus RECORD_GROWTH_BOUND. */
  reserve: number;
  /** Who hears the record's outcome: kept on the record while it waits, rather than in one more array. */
  callback: Settlement;
}

export interface AdmissionOptions<R> {
  accumulator: RecordAccumulator;
  bufferMemory: number;
  maxBlockMs: number;
  /** Appends a record that has room (in admission order). */
  append: (record: R, meta: TopicMetadata, callback: Settlement) => void;
  /** A topic's metadata now: partitions may have been added while a record waited. */
  topic: (name: string) => TopicMetadata | undefined;
  /** Records wait for room: batches should leave at once. */
  onPressure: () => void;
  /** Records waited `ms` for room (from the first one queueing to the last one leaving the queue). */
  onWaited?: (ms: number) => void;
  /** A record found no room within maxBlockMs. */
  onExhausted?: () => void;
}

export class Admission<R extends ReservedRecord> {
  private readonly options: AdmissionOptions<R>;
  /**
   * Records waiting for room in bufferMemory, in send order; `head` is the first still waiting. Parallel arrays
   * rather than an object per waiter: a burst of send() calls can leave hundreds of thousands waiting, and each
   * object would be one more for the garbage collector to trace. A record's slot is emptied as it leaves: its
   * bytes are in a batch by then, and the queue is compacted only once half of it has left, so a kept slot
   * would hold the caller's value (and its Buffer) that long for nothing.
   */
  private waiting: Array<R | undefined> = objectArray();
  private waitingMetas: TopicMetadata[] = objectArray();
  /** maxBlockMs deadlines, in join (and so deadline) order. */
  private waitingDeadlines: number[] = doubleArray();
  private head = 0;
  private timer: NodeJS.Timeout | null = null;
  private drainScheduled = false;
  private resolvers: Array<() => void> = [];
  /** Records waiting for their topic's metadata (not yet in bufferMemory's accounting). */
  private awaitingMetadata = 0;
  /**
   * When the queue of records waiting for room last went from empty to not empty. Starts as a clock reading,
   * not 0: V8 stores a field first given a small integer as one, and the first wait's Date.now() (not one)
   * would change the object's layout mid-run, throwing away the optimized code of every caller on the
   * produce path.
   */
  private waitStartedMs = Date.now();

  constructor(options: AdmissionOptions<R>) {
    this.options = options;
  }

  /** Records waiting for room in bufferMemory now. */
  get waitingCount(): number {
    return this.waiting.length - this.head;
  }

  /** True when no record waits for room or for its topic's metadata. */
  hasRoom(): boolean {
    return this.awaitingMetadata === 0 && this.noneWaitingForMemory();
  }

  /** Resolves once `hasRoom()` (call it when it is false). */
  whenRoom(): Promise<void> {
    return new Promise((resolve) => this.resolvers.push(resolve));
  }

  /** A record started waiting for its topic's metadata. */
  metadataWaitStarted(): void {
    this.awaitingMetadata++;
  }

  /** A record's metadata wait ended (either way); call `resolveRoomIfFree` once it was handled. */
  metadataWaitEnded(): void {
    this.awaitingMetadata--;
  }

  /**
   * Appends the record if it fits in bufferMemory and nothing waits before it; otherwise it joins the
   * queue of records waiting for room (FIFO, so send order is kept across the wait).
   */
  offer(record: R, meta: TopicMetadata, callback: Settlement): void {
    if (this.noneWaitingForMemory() && this.options.accumulator.hasRoom(record.reserve)) {
      this.options.append(record, meta, callback);
      return;
    }
    const now = Date.now();
    if (this.noneWaitingForMemory()) this.waitStartedMs = now;
    record.callback = callback;
    this.waiting.push(record);
    this.waitingMetas.push(meta);
    this.waitingDeadlines.push(now + this.options.maxBlockMs);
    // Batches go at once while records wait: lingering would only make them wait longer.
    this.options.accumulator.exhausted = true;
    this.options.onPressure();
    this.scheduleTimer();
  }

  /** Settled batches gave bytes back: waiting records may go on. */
  memoryFreed(): void {
    if (this.drainScheduled || this.noneWaitingForMemory()) return;
    this.drainScheduled = true;
    // Memory is freed while a response is being handled; append once that pass is over.
    queueMicrotask(() => {
      this.drainScheduled = false;
      this.drain();
    });
  }

  /** Wakes `whenRoom()` callers once no record waits. */
  resolveRoomIfFree(): void {
    if (!this.hasRoom() || this.resolvers.length === 0) return;
    const resolvers = this.resolvers;
    this.resolvers = [];
    for (const resolve of resolvers) resolve();
  }

  /** Fails every record waiting for room (close gave up). */
  failWaiting(error: Error): void {
    while (this.head < this.waiting.length) deliver(this.leave(this.head++).callback, error, null);
    this.settleQueue();
  }

  /** Empties the queue's slot `i` (the record is leaving it); returns the record. */
  private leave(i: number): R {
    const record = this.waiting[i]!;
    this.waiting[i] = undefined;
    return record;
  }

  private noneWaitingForMemory(): boolean {
    return this.head === this.waiting.length;
  }

  /** Appends waiting records, oldest first, while they fit; fails those past maxBlockMs. */
  private drain(): void {
    const { accumulator, bufferMemory, maxBlockMs } = this.options;
    const waiting = this.waiting;
    const now = Date.now();
    while (this.head < waiting.length) {
      const i = this.head;
      const record = waiting[i]!;
      if (accumulator.hasRoom(record.reserve)) {
        this.head++;
        this.leave(i);
        this.options.append(
          record,
          this.options.topic(record.topic) ?? this.waitingMetas[i]!,
          record.callback,
        );
      } else if (this.waitingDeadlines[i]! <= now) {
        this.head++;
        this.leave(i);
        this.options.onExhausted?.();
        deliver(
          record.callback,
          new BufferExhaustedError(
            `No room for a ${record.reserve - RECORD_GROWTH_BOUND}-byte record in bufferMemory (${bufferMemory} bytes, ${accumulator.bufferedBytes} in use) within maxBlockMs (${maxBlockMs} ms): records are produced faster than the brokers take them. Slow down (await producer.waitForRoom() when produce() returns false), or raise bufferMemory or maxBlockMs.`,
          ),
          null,
        );
      } else break;
    }
    this.settleQueue();
  }

  /** Compacts the waiter queue; when it is empty, lifts the pressure and wakes waitForRoom() callers. */
  private settleQueue(): void {
    if (this.noneWaitingForMemory()) {
      if (this.waiting.length > 0) this.options.onWaited?.(Date.now() - this.waitStartedMs);
      this.waiting = objectArray();
      this.waitingMetas = objectArray();
      this.waitingDeadlines = doubleArray();
      this.head = 0;
      this.options.accumulator.exhausted = false;
      if (this.timer !== null) clearTimeout(this.timer);
      this.timer = null;
      this.resolveRoomIfFree();
      return;
    }
    if (this.head > 1024 && this.head * 2 > this.waiting.length) {
      this.waiting = this.waiting.slice(this.head);
      this.waitingMetas = this.waitingMetas.slice(this.head);
      this.waitingDeadlines = this.waitingDeadlines.slice(this.head);
      this.head = 0;
    }
    this.scheduleTimer();
  }

  /** One timer, for the oldest waiter's maxBlockMs deadline (waiters join in deadline order). */
  private scheduleTimer(): void {
    if (this.timer !== null) return;
    const deadlineMs = this.waitingDeadlines[this.head];
    if (deadlineMs === undefined) return;
    this.timer = setTimeout(
      () => {
        this.timer = null;
        this.drain();
      },
      Math.max(0, deadlineMs - Date.now()),
    );
  }
}
