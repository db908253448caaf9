// The record accumulator: records wait here, grouped into per-partition batches, until a batch is full
// (batchSize bytes, counted exactly), has waited lingerMs, or a flush/close asks for everything. The
// sender drains ready batches, one Produce request per leader.
//
// Each record is written into its partition's open batch when appended (RecordBatchBuilder), so a batch is
// never sized or encoded again when drained; only the record's settlement and timestamp stay as JS values.
// Sizes are exact (61-byte batch header + each record's exact encoded size), so "full" means what it says. With compression, batchSize bounds the
// batch's compressed size as Java estimates it: uncompressed records x the topic's compression ratio learnt
// from earlier batches (CompressionRatioEstimator: starts at 1, improves by 0.005 a batch, worsens at once)
// x 1.05, so well-compressing data makes batches that hold more records, as in Java; up to 2 x batchSize of
// uncompressed records (COMPRESSED_BATCH_RAW_FACTOR).
//
// @locality: event loop only; no locking needed. Time comes from `now()` so tests use a fake clock.

import {
  type DecodedRecord,
  incrementSequence,
  RECORD_BATCH_OVERHEAD,
  RecordBatchBuilder,
} from '../records/index.js';
import { objectArray } from './array-kinds.js';
import { BufferPool } from './buffer-pool.js';
import { type PendingRecord, ProducerBatch } from './producer-batch.js';

/**
 * What a new batch's buffer starts at when no pooled batchSize buffer is free (a larger first record gets its
 * size). Small, so hundreds of partitions with a few records per batch cost their records' bytes, not
 * batchSize each; growing a batch that fills from here to batchSize copies its bytes about once more.
 */
const FIRST_BUFFER_SIZE = 16 * 1024;

/**
 * The most a batch grows to while its partition cannot send: 1 MiB, within what a broker takes by default (a
 * batch of up to message.max.bytes, 1,048,588) so a grown batch is not refused unless a topic lowered
 * max.message.bytes (which the accumulator then learns from the split).
 */
const GROWN_BATCH_LIMIT = 1024 * 1024;
/** ... and at most 8 batchSizes: a small batchSize (a wish for small batches, or none) stays about as small. */
const GROWN_BATCH_FACTOR = 8;

/** Java's COMPRESSION_RATE_ESTIMATION_FACTOR: the estimate errs on the large side by 5 %. */
const COMPRESSION_ESTIMATE_FACTOR = 1.05;

/**
 * A compressed batch is full once its uncompressed records reach this many batchSizes, however well they
 * compress. Java bounds only the estimated compressed size, so records that compress 100x make batches of
 * several MiB that fill slowly and leave at lingerMs. Java's sticky partitioner leaves a partition after 2 x
 * batch.size bytes whether its batch is full or not, and that batch then waits for lingerMs with no record
 * coming: full at that point, it leaves at once. Measured (1M x 100 B, lz4 and zstd, lingerMs 10, batchSize
 * 256 KiB, 3-6 alternating rounds against one broker): p50 9.7-10.8 -> 3.6-4.1 ms at 6 partitions and 4.2-6.0
 * -> 3.1-3.4 at one, records/s and CPU per record unchanged within the rounds' spread. Bounded at 1 x batchSize,
 * one partition with acks=all slowed (its 5 in flight filled with small batches, p50 16 ms); at 3 x, the
 * partitioner leaves before the batch is full and p50 stays at lingerMs.
 */
const COMPRESSED_BATCH_RAW_FACTOR = 2;

interface PartitionQueue {
  /** Oldest first; a batch stays here until it is delivered or failed for good, in flight or not. */
  readonly batches: ProducerBatch[];
  /** How many of `batches` are at the broker right now. */
  inFlight: number;
  /** Uncompressed size of the partition's last batch that left (0 before the first): a new batch's size hint. */
  lastSentBytes: number;
}

/**
 * The partition's newest batch, if any. Not `batches[batches.length - 1]`: on an empty queue that reads the
 * property "-1", which turned the per-record load in append() megamorphic (V8's generic keyed load on every
 * record from then on).
 */
function lastBatch(queue: PartitionQueue): ProducerBatch | undefined {
  const count = queue.batches.length;
  return count === 0 ? undefined : queue.batches[count - 1];
}

export interface AccumulatorOptions {
  batchSize: number;
  lingerMs: number;
  deliveryTimeoutMs: number;
  /**
   * Batches of one partition that may be at the broker at once. 1 keeps order without idempotence (a
   * retry can never overtake a later batch); with idempotence the broker enforces order by sequence
   * number, so up to 5 may go.
   */
  maxInFlightPerPartition: number;
  /**
   * max.request.size. With one batch per partition in flight, a partition's open batch behind another may
   * grow past batchSize up to this, at most GROWN_BATCH_LIMIT and 8 batchSizes (`mayGrow`). Default: no growth.
   */
  maxRequestSize?: number;
  /** Batches are compressed: batchSize then bounds their estimated compressed size. */
  compressed?: boolean;
  /**
   * buffer.memory: the most record bytes (exact encoded sizes) the accumulator holds at once, queued or in
   * flight. `append` does not refuse records: admission checks `hasRoom` first and waits.
   */
  bufferMemory?: number;
  /**
   * Called on every readiness check, per topic, with the batches waiting (not in flight) in each partition
   * that has had records: what adaptive partitioning steers by.
   */
  onQueueSizes?: (topic: string, partitions: readonly number[], sizes: readonly number[]) => void;
  /** Called when a settled batch gave its bytes back, so records waiting for room may go on. */
  onMemoryFreed?: () => void;
  /**
   * Called when a partition gets a new batch (not per record): a transaction adds the partition before its
   * first batch may be sent.
   */
  onNewBatch?: (topic: string, partition: number) => void;
  now: () => number;
}

export interface ReadyCheck {
  /** Partitions with a batch that may be sent now, in queue order. */
  ready: ProducerBatch[];
  /** Full batches never sent whose partition has no room in flight: the next to go once a slot frees. */
  blocked: ProducerBatch[];
  /** Milliseconds until the next batch becomes ready by linger or backoff (Infinity if none waits). */
  nextReadyInMs: number;
}

export class RecordAccumulator {
  private readonly queues = new Map<string, Map<number, PartitionQueue>>();
  private lastTopic: string | undefined;
  private lastPartition = -1;
  private lastQueue: PartitionQueue | undefined;
  private readonly options: AccumulatorOptions;
  private flushes = 0;
  /** Records appended and not yet settled. */
  private pendingRecords = 0;
  /**
   * Exact encoded bytes of those records (their batches' headers are not counted): what bufferMemory bounds.
   * Real memory follows it but not exactly: a new batch takes a free batchSize buffer from `buffers` if one is
   * kept, else starts at FIRST_BUFFER_SIZE and doubles up to batchSize (so an open batch with a few records
   * holds at most twice their bytes, not batchSize; one that may grow behind another takes a kept buffer of
   * the size its partition's last batch reached), and past it (compressed topics, records larger than
   * batchSize; a compressed topic's batch starts at its size hint, `startSize`). These bytes (`heldBytes`: a
   * compressed batch's as its compressed bytes) and the buffers kept for reuse together stay within
   * bufferMemory plus one batch buffer (the one a settled batch leaves to the records waiting for its room: of
   * batchSize, or of blockedBatchSize where batches grow).
   */
  private usedBytes = 0;
  /**
   * What `usedBytes` counts beyond what is held, for the pool's bound: per compressed batch whose uncompressed
   * buffer went back, its records' bytes less its compressed batch's (which it holds until it settles).
   * Admission still counts uncompressed record bytes.
   */
  private compressedSavings = 0;
  /** Batch buffers, reused once no request holds them. */
  readonly buffers: BufferPool;
  /** Per topic: the estimated compressed / uncompressed ratio for new batches (Java's, per topic and codec). */
  private readonly compressionRatios = new Map<string, number>();
  /**
   * Set by admission while records wait for room: every batch is then ready at once (as Java does when
   * its buffer pool is exhausted), because lingering would only keep the waiters waiting longer.
   */
  exhausted = false;
  /**
   * How far a partition's open batch may grow while a batch is ahead of it (`mayGrow`): batchSize (no growth)
   * where several batches of a partition may fly.
   */
  private readonly blockedBatchSize: number;
  /** Topics whose batches stay within batchSize even while blocked: the broker refused one as too large. */
  private readonly noGrowth = new Set<string>();

  constructor(options: AccumulatorOptions) {
    this.options = options;
    this.blockedBatchSize =
      options.maxInFlightPerPartition === 1
        ? Math.max(
            options.batchSize,
            Math.min(options.maxRequestSize ?? 0, GROWN_BATCH_LIMIT, options.batchSize * GROWN_BATCH_FACTOR),
          )
        : options.batchSize;
    this.buffers = new BufferPool({
      capacity: options.batchSize,
      maxPooledBytes: options.bufferMemory ?? 0,
      largestBatch: this.blockedBatchSize,
      inUse: () => this.heldBytes,
      onCompressed: (sectionBytes, compressedBytes) => {
        this.compressedSavings += sectionBytes - compressedBytes;
      },
    });
  }

  get recordsPending(): number {
    return this.pendingRecords;
  }

  /** Exact encoded bytes of every record held (queued or in flight) and not yet settled. */
  get bufferedBytes(): number {
    return this.usedBytes;
  }

  /** Bytes the records held take now: uncompressed, and a compressed batch's bytes once its buffer went back. */
  get heldBytes(): number {
    return this.usedBytes - this.compressedSavings;
  }

  get bufferMemory(): number {
    return this.options.bufferMemory ?? Number.POSITIVE_INFINITY;
  }

  /** True when `bytes` more fit in bufferMemory. */
  hasRoom(bytes: number): boolean {
    return this.usedBytes + bytes <= this.bufferMemory;
  }

  queueFor(topic: string, partition: number): PartitionQueue {
    // Records come in runs for one partition (the sticky partitioner's, a key's): queues are never removed,
    // so the last one found stays valid.
    if (partition === this.lastPartition && topic === this.lastTopic) return this.lastQueue!;
    let byPartition = this.queues.get(topic);
    if (byPartition === undefined) {
      byPartition = new Map();
      this.queues.set(topic, byPartition);
    }
    let queue = byPartition.get(partition);
    if (queue === undefined) {
      // An object array from its start: `[]` changes kind at its first batch, so a queue made after the
      // produce path was optimized would not fit that code.
      queue = { batches: objectArray(), inFlight: 0, lastSentBytes: 0 };
      byPartition.set(partition, queue);
    }
    this.lastTopic = topic;
    this.lastPartition = partition;
    this.lastQueue = queue;
    return queue;
  }

  /**
   * True when the partition's last batch is full or absent: Java's sticky partitioner may only switch
   * partition then, so it never leaves a half-filled batch behind.
   */
  allBatchesFull(topic: string, partition: number): boolean {
    const last = lastBatch(this.queueFor(topic, partition));
    return last === undefined || last.closed || this.estimatedSize(last) >= this.options.batchSize;
  }

  /**
   * The batch's size as batchSize bounds it: exact without compression; with it, Java's estimate of the
   * compressed size, or half the uncompressed size when that is more (COMPRESSED_BATCH_RAW_FACTOR).
   */
  estimatedSize(batch: ProducerBatch): number {
    if (!this.options.compressed) return batch.sizeInBytes;
    const estimate =
      RECORD_BATCH_OVERHEAD +
      Math.ceil(
        (batch.sizeInBytes - RECORD_BATCH_OVERHEAD) * batch.compressionRatio * COMPRESSION_ESTIMATE_FACTOR,
      );
    return Math.max(estimate, Math.ceil(batch.sizeInBytes / COMPRESSED_BATCH_RAW_FACTOR));
  }

  /**
   * A batch was compressed to `compressedBytes`: moves the topic's estimate toward what it achieved, slowly
   * when it compressed better (0.005 a batch) and at once when worse, as Java's CompressionRatioEstimator.
   */
  observeCompression(batch: ProducerBatch, compressedBytes: number): void {
    if (!this.options.compressed) return;
    const observed = compressedBytes / batch.sizeInBytes;
    const current = this.compressionRatios.get(batch.topic) ?? 1;
    if (observed > current) this.compressionRatios.set(batch.topic, Math.max(current + 0.05, observed));
    else if (observed < current) this.compressionRatios.set(batch.topic, Math.max(observed, current - 0.005));
  }

  /** After MESSAGE_TOO_LARGE: new batches of the topic assume no compression gain again (as Java's split). */
  resetCompressionEstimate(topic: string): void {
    if (this.options.compressed) this.compressionRatios.set(topic, 1);
  }

  /**
   * Writes a record into its partition's open batch and returns that batch; sets `record.size` to its exact
   * encoded size there (its deltas depend on the batch's first record). A record that does not fit starts a
   * new batch; a record bigger than batchSize gets a batch of its own (the caller has checked it against
   * maxRequestSize). Only the record's settlement and timestamp are kept: the record object is garbage
   * afterwards. This is the producer's hot path.
   */
  append(topic: string, partition: number, record: PendingRecord): ProducerBatch {
    const queue = this.queueFor(topic, partition);
    const last = lastBatch(queue);
    if (last !== undefined && !last.closed) {
      const size = last.builder.measure(record, record.alone ?? -1);
      if (this.estimatedSize(last) + size <= this.options.batchSize || this.mayGrow(queue, last, size)) {
        this.add(last, record);
        return last;
      }
      // Does not fit: the old batch is done growing, and must not keep the record alive.
      last.closed = true;
      last.builder.forgetMeasured();
    }
    const batch = this.newBatch(topic, partition, this.options.now());
    batch.builder.measure(record, record.alone ?? -1);
    this.add(batch, record);
    queue.batches.push(batch);
    this.options.onNewBatch?.(topic, partition);
    return batch;
  }

  /**
   * The partition's open batch past batchSize, where one batch per partition flies (without idempotence, so
   * a retry cannot reorder): it may take the record while a batch is ahead of it (sent or waiting), as it
   * could not leave before that one's round trip anyway, up to blockedBatchSize. Its records then leave in
   * one request, not as several batchSize batches each waiting a round trip of its own, which set the rate
   * at one partition (1M x 100 B, acks=1: 395k -> 814k records/s). With idempotence five batches fly and
   * batches stay within batchSize, as Java's: growing there too (measured +20-60 % at one partition) let
   * the sticky partitioner's visits to a slow broker's partitions end at batchSize (their grown batch
   * counts as full), which skewed uniform partitioning; not done. Not for a topic whose batch the broker
   * found too large.
   */
  private mayGrow(queue: PartitionQueue, batch: ProducerBatch, size: number): boolean {
    return (
      this.growsBehind(batch.topic, queue.batches.length - 1) &&
      this.estimatedSize(batch) + size <= this.blockedBatchSize
    );
  }

  /** True where a topic's batch with `ahead` batches of its partition before it may grow past batchSize. */
  private growsBehind(topic: string, ahead: number): boolean {
    return ahead > 0 && this.blockedBatchSize > this.options.batchSize && !this.noGrowth.has(topic);
  }

  private newBatch(topic: string, partition: number, createdMs: number, deadlineMs?: number): ProducerBatch {
    const batch = new ProducerBatch(
      topic,
      partition,
      createdMs,
      deadlineMs ?? createdMs + this.options.deliveryTimeoutMs,
      this.buffers,
      this.startSize(topic, partition),
    );
    if (this.options.compressed) batch.compressionRatio = this.compressionRatios.get(topic) ?? 1;
    return batch;
  }

  /**
   * The buffer a new batch starts with. An uncompressed topic's: FIRST_BUFFER_SIZE, or behind a batch of its
   * partition where it may grow, a kept buffer of the size that partition's last batch reached. A compressed
   * topic's batches grow past batchSize (it bounds their estimated compressed size), doubling from
   * FIRST_BUFFER_SIZE and copying their records each time (9 % of the event loop with lz4 over 1 KiB records),
   * so they start at the pool's size for what the partition's last batch reached, at most what the topic's
   * compression estimate lets a batch hold (and COMPRESSED_BATCH_RAW_FACTOR x batchSize).
   */
  private startSize(topic: string, partition: number): number {
    const first = Math.min(FIRST_BUFFER_SIZE, this.options.batchSize);
    const queue = this.queues.get(topic)?.get(partition);
    const last = queue?.lastSentBytes ?? 0;
    if (!this.options.compressed) {
      // A batch opened behind another of its partition grows to blockedBatchSize (mayGrow) while that one's
      // round trip lasts. Started small it doubles there, copying its records each time and leaving the
      // smaller buffers to drop: 200k x 1 KiB at one partition, acks=1 allocated 157-191 MiB of buffers for
      // 32 MiB of records (7 per 1 MiB batch). So it starts in a kept buffer of the size the partition's last
      // batch reached. Only a kept one: a fresh one for a batch that may take a few records would put the
      // buffers out over the pool's bound. And only there: started at batchSize elsewhere, each open batch
      // held a whole buffer while it filled, and with the broker keeping up (1M x 100 B at 6 partitions,
      // acks=all) the buffers allocated rose from 13 to 37 MiB.
      const behind = queue !== undefined && this.growsBehind(topic, queue.batches.length);
      const expected = behind ? Math.min(last, this.blockedBatchSize) : 0;
      if (expected <= first) return first;
      const size = this.buffers.sizeFor(expected);
      return this.buffers.hasFree(size) ? size : first;
    }
    const ratio = (this.compressionRatios.get(topic) ?? 1) * COMPRESSION_ESTIMATE_FACTOR;
    const fits = Math.min(
      RECORD_BATCH_OVERHEAD + Math.ceil((this.options.batchSize - RECORD_BATCH_OVERHEAD) / ratio),
      this.options.batchSize * COMPRESSED_BATCH_RAW_FACTOR,
    );
    const expected = Math.min(last, fits);
    return expected <= first ? first : this.buffers.sizeFor(expected);
  }

  /** Appends the record last measured by the batch's builder. */
  private add(batch: ProducerBatch, record: PendingRecord): void {
    const size = batch.builder.appendMeasured(record);
    record.size = size;
    batch.add(record.callback, record.timestamp);
    batch.sizeInBytes += size;
    if (size > batch.maxRecordSize) batch.maxRecordSize = size;
    this.pendingRecords++;
    this.usedBytes += size;
  }

  /** What a batch's records count for less than their bytes once they are held compressed (0 before). */
  private savingOf(batch: ProducerBatch): number {
    const compressed = batch.builder.compressedSize;
    return compressed === 0 ? 0 : batch.sizeInBytes - RECORD_BATCH_OVERHEAD - compressed;
  }

  /**
   * Takes a record out of the batch that holds it, if that batch has not left (see `mayRemoveRecords`): the
   * batch is written again without it (the records after it move up, so every size changes and the bytes
   * given back are exact); a batch left empty goes. The record is found by its settlement, which is its own
   * for every record that can be cancelled (its RecordAbort's). Returns false when the record is not held, or
   * has left.
   */
  removeRecord(topic: string, record: { callback: PendingRecord['callback'] }): boolean {
    const byPartition = this.queues.get(topic);
    if (byPartition === undefined) return false;
    for (const queue of byPartition.values()) {
      for (const batch of queue.batches) {
        const index = batch.settlements.indexOf(record.callback);
        if (index < 0) continue;
        if (!batch.mayRemoveRecords) return false;
        const records = batch.builder.records();
        records.splice(index, 1);
        batch.removeAt(index);
        this.pendingRecords--;
        const before = batch.sizeInBytes;
        if (records.length === 0) {
          this.usedBytes -= before - RECORD_BATCH_OVERHEAD;
          batch.sizeInBytes = RECORD_BATCH_OVERHEAD;
          this.remove(batch);
          return true;
        }
        // Never exposed to a request: its buffer may go back at once.
        batch.builder.release();
        this.rebuild(batch, records);
        this.usedBytes -= before - batch.sizeInBytes;
        this.options.onMemoryFreed?.();
        return true;
      }
    }
    return false;
  }

  /** Writes `records` into a new builder for `batch` (the rare paths: a record cancelled, a split). */
  private rebuild(batch: ProducerBatch, records: DecodedRecord[]): void {
    batch.builder = new RecordBatchBuilder({
      buffers: this.buffers,
      initialCapacity: Math.min(FIRST_BUFFER_SIZE, this.options.batchSize),
    });
    batch.sizeInBytes = RECORD_BATCH_OVERHEAD;
    batch.maxRecordSize = 0;
    for (const record of records) {
      const size = batch.builder.append(record);
      batch.sizeInBytes += size;
      if (size > batch.maxRecordSize) batch.maxRecordSize = size;
    }
  }

  /**
   * Finds the batches that may go now: per partition, the oldest batch not in flight, if the partition
   * has room in flight and the batch is full, older than lingerMs, past its retry backoff, or asked for by
   * flush/close. A retry (or any batch with a sequence already) waits until nothing of its partition is in
   * flight, so it goes back in order.
   */
  ready(): ReadyCheck {
    const now = this.options.now();
    const linger = this.options.lingerMs;
    const flushing = this.flushes > 0 || this.exhausted;
    const ready: ProducerBatch[] = [];
    const blocked: ProducerBatch[] = [];
    let nextReadyInMs = Number.POSITIVE_INFINITY;
    const report = this.options.onQueueSizes;
    for (const [topic, byPartition] of this.queues) {
      // Java's adaptive partitioning input, gathered on the same pass: batches waiting per partition.
      if (report !== undefined) {
        const partitions: number[] = [];
        const sizes: number[] = [];
        for (const [partition, queue] of byPartition) {
          partitions.push(partition);
          sizes.push(this.queuedBatches(queue));
        }
        report(topic, partitions, sizes);
      }
      for (const queue of byPartition.values()) {
        if (queue.inFlight >= this.options.maxInFlightPerPartition) {
          const next = queue.batches[queue.inFlight];
          if (next?.closed && !next.inFlight && next.attempts === 0) blocked.push(next);
          continue;
        }
        const first = queue.inFlight === 0 ? queue.batches[0] : queue.batches.find((b) => !b.inFlight);
        // A batch that already has a sequence (a retry, or a part of a split batch) goes only when nothing
        // of its partition is in flight, as Java's drain does: sent beside an earlier batch the broker may
        // still refuse, it could be written ahead of it (a broker accepts any first sequence from a
        // producer it has no state for).
        const resend = first !== undefined && (first.attempts > 0 || first.baseSequence >= 0);
        if (first === undefined || (resend && queue.inFlight > 0)) continue;
        let readyAt: number;
        if (first.attempts > 0) readyAt = first.retryAtMs;
        else if (
          flushing ||
          first.closed ||
          queue.batches.length > 1 ||
          this.estimatedSize(first) >= this.options.batchSize
        ) {
          readyAt = now;
        } else readyAt = first.createdMs + linger;
        if (readyAt <= now) ready.push(first);
        else nextReadyInMs = Math.min(nextReadyInMs, readyAt - now);
      }
    }
    return { ready, blocked, nextReadyInMs };
  }

  /**
   * Batches waiting in a partition's queue, a batch grown past batchSize (`mayGrow`) counted as the batchSize
   * batches it holds: a slow partition's backlog then weighs the same grown or not.
   */
  private queuedBatches(queue: PartitionQueue): number {
    let count = 0;
    for (const batch of queue.batches) {
      if (!batch.inFlight)
        count += Math.max(1, Math.ceil(this.estimatedSize(batch) / this.options.batchSize));
    }
    return count;
  }

  /** The batch leaves for the broker: it takes no more records and counts against its partition's room. */
  markInFlight(batch: ProducerBatch): void {
    if (batch.inFlight) return;
    batch.closed = true;
    batch.inFlight = true;
    const queue = this.queueFor(batch.topic, batch.partition);
    queue.inFlight++;
    queue.lastSentBytes = batch.sizeInBytes;
  }

  /** The batch's request finished (either way). Idempotent. */
  release(batch: ProducerBatch): void {
    if (!batch.inFlight) return;
    batch.inFlight = false;
    this.queueFor(batch.topic, batch.partition).inFlight--;
    // Settled while its request was out (expired, closed): its buffer is free only now that it ended.
    if (batch.isSettled) batch.builder.release();
  }

  /** True while a batch of the partition is in flight, or stamped with a sequence and waiting for a retry. */
  hasOutstanding(topic: string, partition: number): boolean {
    const queue = this.queues.get(topic)?.get(partition);
    if (queue === undefined) return false;
    return queue.inFlight > 0 || queue.batches.some((batch) => batch.baseSequence >= 0);
  }

  /** Batches at the broker right now, over all partitions. */
  inFlightCount(): number {
    let count = 0;
    for (const byPartition of this.queues.values())
      for (const queue of byPartition.values()) count += queue.inFlight;
    return count;
  }

  /** Removes a finished batch (delivered or failed for good) and settles its accounting. */
  remove(batch: ProducerBatch): void {
    // Settled already (expired in flight, or failed by close): its records were counted out then.
    if (batch.isSettled) return;
    // An in-flight batch settled early (expired, or failed by close) keeps its partition muted until its
    // answer arrives and `release` is called, so nothing overtakes it.
    const queue = this.queueFor(batch.topic, batch.partition);
    const index = queue.batches.indexOf(batch);
    if (index >= 0) queue.batches.splice(index, 1);
    this.pendingRecords -= batch.recordCount;
    // A batch's size is its header plus its records' exact sizes (split parts are built the same way).
    this.usedBytes -= batch.sizeInBytes - RECORD_BATCH_OVERHEAD;
    this.compressedSavings -= this.savingOf(batch);
    batch.builder.countOut();
    batch.markSettled();
    // A request may still hold the bytes of a batch in flight: `release` gives its buffer back then.
    if (!batch.inFlight) batch.builder.release();
    this.options.onMemoryFreed?.();
  }

  /**
   * Replaces a batch at the head of its queue by smaller ones (after MESSAGE_TOO_LARGE), keeping order. The
   * records are unchanged, so the pending count stays the same; the bytes held become the parts' exact sizes
   * (their deltas are relative to their own first record, so they may differ slightly from the batch's).
   */
  replace(batch: ProducerBatch, parts: ProducerBatch[]): void {
    this.release(batch);
    const queue = this.queueFor(batch.topic, batch.partition);
    const index = queue.batches.indexOf(batch);
    if (index >= 0) queue.batches.splice(index, 1, ...parts);
    let partBytes = 0;
    for (const part of parts) partBytes += part.sizeInBytes - RECORD_BATCH_OVERHEAD;
    this.usedBytes += partBytes - (batch.sizeInBytes - RECORD_BATCH_OVERHEAD);
    this.compressedSavings -= this.savingOf(batch);
    // Its request ended and its records now live in the parts' buffers.
    batch.builder.release();
    void Promise.all(parts.map((part) => part.whenSettled())).then(() => batch.markSettled());
  }

  /**
   * Splits a batch the broker found too large into two halves that take its place, in order (Java's
   * splitAndReenqueue); no attempt is counted. Its records are read back from its bytes (compressed or not)
   * and written into two new batches. With a sequence, the halves keep the original's range (first half from
   * its base sequence), so batches drained after it stay valid, as Java does. New batches of the topic assume
   * no compression gain again.
   */
  split(batch: ProducerBatch): void {
    this.resetCompressionEstimate(batch.topic);
    this.noGrowth.add(batch.topic);
    const records = batch.builder.records();
    const timestamps = batch.timestamps();
    const half = Math.ceil(records.length / 2);
    const parts = [0, half].map((from, i) => {
      const to = i === 0 ? half : records.length;
      const part = this.newBatch(batch.topic, batch.partition, batch.createdMs, batch.deadlineMs);
      part.closed = true;
      if (batch.baseSequence >= 0) {
        part.producerId = batch.producerId;
        part.producerEpoch = batch.producerEpoch;
        part.baseSequence = i === 0 ? batch.baseSequence : incrementSequence(batch.baseSequence, half);
      }
      this.rebuild(part, records.slice(from, to));
      for (let r = from; r < to; r++) part.add(batch.settlements[r]!, timestamps[r]!);
      return part;
    });
    this.replace(batch, parts);
  }

  /** The earliest delivery deadline of any queued batch (Infinity when none is queued). */
  nextDeadlineMs(): number {
    let next = Number.POSITIVE_INFINITY;
    // Batches of a partition are created in order, so each queue's head has its earliest deadline.
    for (const byPartition of this.queues.values()) {
      for (const queue of byPartition.values()) {
        const head = queue.batches[0];
        if (head !== undefined && head.deadlineMs < next) next = head.deadlineMs;
      }
    }
    return next;
  }

  /** Batches that waited in the queue (not in flight) past delivery.timeout.ms. */
  expired(): ProducerBatch[] {
    const now = this.options.now();
    const expired: ProducerBatch[] = [];
    for (const byPartition of this.queues.values()) {
      for (const queue of byPartition.values()) {
        for (const batch of queue.batches) {
          if (!batch.inFlight && batch.deadlineMs <= now) expired.push(batch);
        }
      }
    }
    return expired;
  }

  /** Every batch still queued, for close() to fail them when it gives up. */
  allBatches(): ProducerBatch[] {
    const all: ProducerBatch[] = [];
    for (const byPartition of this.queues.values())
      for (const q of byPartition.values()) all.push(...q.batches);
    return all;
  }

  /** Makes every queued batch ready regardless of linger until `endFlush`. */
  beginFlush(): void {
    this.flushes++;
  }

  endFlush(): void {
    this.flushes--;
  }

  /** Resolves when every record appended before this call has settled (later appends are not waited for). */
  whenAllSettled(): Promise<void> {
    return Promise.all(this.allBatches().map((batch) => batch.whenSettled())).then(() => undefined);
  }
}
