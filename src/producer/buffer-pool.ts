import type { BatchBufferSource } from '../records/index.js';

// Batch buffers for reuse (the role of Java's BufferPool, minus the accounting, which admission does on
// exact record bytes). Buffers of the common capacity (batchSize) come back here once nothing reads them and
// are handed out again, so a steady stream of batches allocates nothing; any other size (a batch grown past
// batchSize, a record larger than it) is left to the garbage collector. The pool never holds more than
// `maxPooledBytes`.
//
// Giving a buffer back is the caller's promise that no request holds its bytes any more: not in flight, not
// waiting for a retry, not queued on a socket (the accumulator releases a batch's buffer only once the batch
// is settled and its request has ended).
//
// @locality: event loop only.

export interface BufferPoolOptions {
  /** The capacity pooled (batchSize). */
  capacity: number;
  /** The most bytes the pool keeps for reuse (bufferMemory). */
  maxPooledBytes: number;
}

export class BufferPool implements BatchBufferSource {
  readonly capacity: number;
  private readonly maxPooled: number;
  private readonly free: Uint8Array[] = [];
  /** Buffers handed out and not given back, for the invariant checks of tests. */
  private readonly lent = new WeakSet<Uint8Array>();

  constructor(options: BufferPoolOptions) {
    this.capacity = options.capacity;
    this.maxPooled = Math.floor(options.maxPooledBytes / options.capacity);
  }

  /** Bytes held for reuse right now. */
  get pooledBytes(): number {
    return this.free.length * this.capacity;
  }

  /** A buffer of at least `size` bytes: a pooled one when `size` fits the pool's capacity. */
  allocate(size: number): Uint8Array {
    let buffer: Uint8Array | undefined;
    if (size <= this.capacity) buffer = this.free.pop() ?? Buffer.allocUnsafeSlow(this.capacity);
    else buffer = Buffer.allocUnsafeSlow(size);
    this.lent.add(buffer);
    return buffer;
  }

  /** True while `buffer` is out (handed out by allocate and not given back). */
  isLent(buffer: Uint8Array): boolean {
    return this.lent.has(buffer);
  }

  release(buffer: Uint8Array): void {
    // A second release of one buffer would let two batches share it.
    if (!this.lent.delete(buffer)) return;
    if (buffer.length === this.capacity && this.free.length < this.maxPooled) this.free.push(buffer);
  }
}
