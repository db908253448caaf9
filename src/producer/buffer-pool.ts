import type { BatchBufferSource } from '../records/index.js';

// Batch buffers for reuse (the role of Java's BufferPool, minus the accounting of records, which admission
// does on exact record bytes). Buffers of the common capacity (batchSize) come back here once nothing reads
// them and are handed out again, so a steady stream of full batches allocates nothing. When none is free a
// batch gets a buffer of the size it asks for (the builder starts small and doubles), so hundreds of
// partitions with a few records per batch do not each hold batchSize bytes; any size but the capacity is left
// to the garbage collector. As in Java, what is in use and the free buffers kept together stay within
// `maxPooledBytes` (bufferMemory): a buffer given back beyond that is dropped, so real memory is not
// bufferMemory in use plus as much again kept idle. What is in use is `inUse()`: the accumulator counts its
// records' bytes (what admission lets in up to bufferMemory, and what is resident of a batch's buffer: pages
// not yet written are not), so a batch freed while records wait for room leaves its buffer to the next batch
// instead of to the garbage collector.
//
// Giving a buffer back is the caller's promise that no request holds its bytes any more: not in flight, not
// waiting for a retry, not queued on a socket (the accumulator releases a batch's buffer only once the batch
// is settled and its request has ended).
//
// @locality: event loop only.

export interface BufferPoolOptions {
  /** The capacity pooled (batchSize). */
  capacity: number;
  /** The most bytes in use and kept for reuse together (bufferMemory). */
  maxPooledBytes: number;
  /** Bytes in use, counted against maxPooledBytes (default: the buffers handed out and not given back). */
  inUse?: () => number;
}

export class BufferPool implements BatchBufferSource {
  readonly capacity: number;
  private readonly maxBytes: number;
  private readonly free: Uint8Array[] = [];
  /** Buffers handed out and not given back, for the invariant checks of tests. */
  private readonly lent = new WeakSet<Uint8Array>();
  private lentTotal = 0;
  private readonly inUse: () => number;

  constructor(options: BufferPoolOptions) {
    this.capacity = options.capacity;
    this.maxBytes = options.maxPooledBytes;
    this.inUse = options.inUse ?? (() => this.lentTotal);
  }

  /** Bytes held for reuse right now. */
  get pooledBytes(): number {
    return this.free.length * this.capacity;
  }

  /** Bytes of the buffers handed out and not given back. */
  get lentBytes(): number {
    return this.lentTotal;
  }

  /** A buffer of at least `size` bytes: a free pooled one when `size` fits the capacity, else a new one of `size`. */
  allocate(size: number): Uint8Array {
    const buffer = (size <= this.capacity ? this.free.pop() : undefined) ?? Buffer.allocUnsafeSlow(size);
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
    if (buffer.length === this.capacity && this.inUse() + this.pooledBytes + this.capacity <= this.maxBytes) {
      this.free.push(buffer);
    }
  }
}
