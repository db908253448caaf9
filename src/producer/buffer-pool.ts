import type { BatchBufferSource } from '../records/index.js';

// Batch buffers for reuse (the role of Java's BufferPool, minus the accounting of records, which admission
// does on exact record bytes). Buffers come back here once nothing reads them and are handed out again, so a
// steady stream of batches allocates nothing. A batch asks for a small buffer (or, where it may grow behind
// another, for a kept one of the size its partition's last batch reached) and doubles it as it fills (so
// hundreds of partitions with a few records per batch do not each hold batchSize bytes): the pool keeps one
// free list per size, batchSize and the powers of two below it (the sizes doubling goes through), and hands
// out the size asked for, else a free batchSize buffer, else a new one. Compressed batches keep doubling past
// batchSize (batchSize bounds their estimated compressed size, so well-compressing records fill several
// MiB), so batchSize times a power of two is kept too: left to the garbage collector, those fresh multi-MiB
// buffers drove its collections (kept, lz4 and zstd over 1 KiB records took 19-26 % less CPU per record). Other sizes
// (a first record larger than the start) are left to the garbage collector: freed small buffers left
// to it instead were what raised RSS over 600 partitions. What is in use and the free buffers kept together
// stay within `maxPooledBytes` (bufferMemory) plus one batch buffer (batchSize, or what a blocked batch
// grows to, `largestBatch`): a buffer given back beyond that is dropped, so real memory is not bufferMemory
// in use plus as much again kept idle. What is in use is `inUse()`: the accumulator counts its records'
// bytes (what admission lets in up to bufferMemory, and what is resident of a batch's buffer: pages not yet
// written are not), a compressed batch's records as its compressed bytes once their buffer is given back
// (`compressed`, told just before that release; counted uncompressed, 440k x 1 KiB lz4 records dropped 67-77
// grown buffers). When a buffer given back does not fit, kept sizes asked for less recently than its own make
// room (`evictStale`). The one buffer more is for a full bufferMemory: a batch's records never fill its buffer exactly (up to a record's worth stays empty), so with
// records waiting for room the freed batchSize buffer would not fit beside them, be dropped, and the batch
// their bytes go into next would grow a fresh one from 16 KiB: every batch's buffers then went to the garbage
// collector, which frees them only on a full collection (200k x 1 KiB at one partition, acks=1: 226 MiB
// allocated for 32 MiB of records, 80 MiB of ArrayBuffers at the peak).
//
// Giving a buffer back is the caller's promise that no request holds its bytes any more: not in flight, not
// waiting for a retry, not queued on a socket (the accumulator releases a batch's buffer only once the batch
// is settled and its request has ended).
//
// @locality: event loop only.

export interface BufferPoolOptions {
  /** The capacity pooled (batchSize). */
  capacity: number;
  /**
   * The most bytes in use and kept for reuse together (bufferMemory); one buffer of the largest size a batch
   * grows to (`largestBatch`) more may be kept.
   */
  maxPooledBytes: number;
  /**
   * The largest buffer a batch of batchSize grows to (default: capacity): past batchSize where a blocked
   * partition's batch grows (the accumulator's blockedBatchSize). The one buffer kept beyond maxPooledBytes
   * is of this size: with bufferMemory full, a settled grown batch's buffer otherwise never fit and the next
   * grown batch allocated its own (200k x 1 KiB at 6 partitions, acks=1: 30 of 198 1 MiB buffers dropped).
   */
  largestBatch?: number;
  /** Bytes in use, counted against maxPooledBytes (default: the buffers handed out and not given back). */
  inUse?: () => number;
  /** A batch's records are held compressed from now (BatchBufferSource.compressed): `inUse` should follow. */
  onCompressed?: (sectionBytes: number, compressedBytes: number) => void;
}

export class BufferPool implements BatchBufferSource {
  readonly capacity: number;
  private readonly maxBytes: number;
  /** What may be kept beyond maxBytes: one buffer of the largest size a batch grows to. */
  private readonly slack: number;
  /** Free buffers by length. */
  private readonly free = new Map<number, Uint8Array[]>();
  private freeTotal = 0;
  /** Buffers handed out and not given back, for the invariant checks of tests. */
  private readonly lent = new WeakSet<Uint8Array>();
  private lentTotal = 0;
  /** Per size asked for: when it was last asked for (a count of allocations), to know which kept sizes are stale. */
  private readonly lastAsked = new Map<number, number>();
  private allocations = 0;
  private readonly inUse: () => number;
  private readonly onCompressed: ((sectionBytes: number, compressedBytes: number) => void) | undefined;

  constructor(options: BufferPoolOptions) {
    this.capacity = options.capacity;
    this.maxBytes = options.maxPooledBytes;
    this.slack = Math.max(options.capacity, this.sizeFor(options.largestBatch ?? 0));
    this.inUse = options.inUse ?? (() => this.lentTotal);
    this.onCompressed = options.onCompressed;
  }

  compressed(sectionBytes: number, compressedBytes: number): void {
    this.onCompressed?.(sectionBytes, compressedBytes);
  }

  /**
   * The smallest size this pool keeps that holds `bytes`: a power of two below batchSize, else batchSize x
   * 2^k. A batch started at it (a size hint) takes a kept buffer instead of doubling up to it.
   */
  sizeFor(bytes: number): number {
    let size = bytes < this.capacity ? 1 : this.capacity;
    while (size < bytes) size *= 2;
    return bytes < this.capacity ? Math.min(size, this.capacity) : size;
  }

  /** Bytes held for reuse right now. */
  get pooledBytes(): number {
    return this.freeTotal;
  }

  /** Bytes of the buffers handed out and not given back. */
  get lentBytes(): number {
    return this.lentTotal;
  }

  /** True when a buffer of exactly `size` bytes is kept free. */
  hasFree(size: number): boolean {
    return (this.free.get(size)?.length ?? 0) > 0;
  }

  /** A buffer of at least `size` bytes: a free one of that size, else a free batchSize one, else a new one. */
  allocate(size: number): Uint8Array {
    // Only sizes kept: a record larger than the start asks for its own size, one entry per such size otherwise.
    if (this.keeps(size)) this.lastAsked.set(size, ++this.allocations);
    let buffer = this.take(size);
    if (buffer === undefined && size < this.capacity) {
      buffer = this.take(this.capacity);
      if (buffer !== undefined) this.lastAsked.set(this.capacity, this.allocations);
    }
    buffer ??= Buffer.allocUnsafeSlow(size);
    this.lent.add(buffer);
    this.lentTotal += buffer.length;
    return buffer;
  }

  /** True while `buffer` is out (handed out by allocate and not given back). */
  isLent(buffer: Uint8Array): boolean {
    return this.lent.has(buffer);
  }

  release(buffer: Uint8Array): void {
    // A second release of one buffer would let two batches share it.
    if (!this.lent.delete(buffer)) return;
    this.lentTotal -= buffer.length;
    const length = buffer.length;
    if (!this.keeps(length)) return;
    const room = this.maxBytes + this.slack - this.inUse() - length;
    if (this.freeTotal > room && !this.evictStale(length, room)) return;
    const list = this.free.get(length);
    if (list === undefined) this.free.set(length, [buffer]);
    else list.push(buffer);
    this.freeTotal += length;
  }

  /** Sizes kept for reuse: the powers of two below batchSize (doubling's steps) and batchSize x 2^k. */
  private keeps(length: number): boolean {
    return length < this.capacity
      ? isPowerOfTwo(length)
      : length % this.capacity === 0 && isPowerOfTwo(length / this.capacity);
  }

  /**
   * Drops kept buffers of sizes asked for less recently than `length` until what is kept fits `room`; false
   * (nothing dropped) if it cannot. A compressed topic's batches grow as its compression estimate improves,
   * so the smaller sizes of its first batches stayed kept (9 MiB of them over lz4 1 KiB records) while the
   * sizes now asked for were dropped and made fresh every batch.
   */
  private evictStale(length: number, room: number): boolean {
    const asked = this.lastAsked.get(length) ?? 0;
    const stale: number[] = [];
    let staleBytes = 0;
    for (const [size, list] of this.free) {
      if (size !== length && list.length > 0 && (this.lastAsked.get(size) ?? 0) < asked) {
        stale.push(size);
        staleBytes += size * list.length;
      }
    }
    if (this.freeTotal - staleBytes > room) return false;
    // Least recently asked for first.
    stale.sort((a, b) => (this.lastAsked.get(a) ?? 0) - (this.lastAsked.get(b) ?? 0));
    for (const size of stale) {
      const list = this.free.get(size)!;
      while (list.length > 0 && this.freeTotal > room) {
        list.pop();
        this.freeTotal -= size;
      }
      if (this.freeTotal <= room) break;
    }
    return true;
  }

  private take(length: number): Uint8Array | undefined {
    const buffer = this.free.get(length)?.pop();
    if (buffer !== undefined) this.freeTotal -= length;
    return buffer;
  }
}

function isPowerOfTwo(n: number): boolean {
  return (n & (n - 1)) === 0;
}
