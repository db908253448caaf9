// A small pool of worker threads that compress record sections, for the codecs that would otherwise run
// on the event loop: lz4 and snappy (our TypeScript codecs) and zstd on Node < 22.15 (WASM). gzip and
// native zstd already run on libuv's thread pool.
//
// Only large sections are worth the hop: posting a job and its answer costs tens of microseconds, which
// is what lz4 needs for ~16 KiB, so small sections stay on the loop (CompressionWorkerPool.accepts).
// An input that owns its whole ArrayBuffer is transferred. Any other (a view of a batch buffer, which stays
// its builder's) is copied into a SharedArrayBuffer the pool reuses and the worker reads in place: posting
// the view itself structured-clones its whole ArrayBuffer (a serialized copy, then a fresh buffer and a
// second copy in the worker, both in fresh memory), which measured 15-27 % of the event loop's time on
// compressed produce() workloads. The answer comes back in a buffer with room for the batch header,
// transferred.
//
// Workers never keep the process alive when idle (unref'd; ref'd only while a job is out, so an awaited
// compression is not cut short by the process exiting). A worker that dies fails its pending jobs with a
// retriable CompressionWorkerError; the encoder (encode.ts) then compresses those sections on the loop.
// After MAX_CRASHES deaths the pool stops taking jobs and everything runs on the loop.
import { availableParallelism } from 'node:os';
import { Worker } from 'node:worker_threads';
import { KafkaWireError } from '../../errors.js';
import type { CompressionType } from '../types.js';
import { hasNativeZstd } from './zstd.js';

/** Sections smaller than this are compressed on the loop by default (the hop would cost more). */
export const DEFAULT_OFFLOAD_MIN_BYTES = 64 * 1024;
const MAX_CRASHES = 3;
/** Shared input buffers kept for reuse, in bytes: room for a few jobs of the multi-MiB sections that
 *  well-compressing batches grow to, without holding much more than that idle. */
const MAX_RETAINED_INPUT_BYTES = 16 * 1024 * 1024;
/** Shared input buffers are sized in powers of two from this, so one fits the sizes near it. */
const MIN_INPUT_BYTES = 64 * 1024;

/** A compression worker died or the pool was closed before it answered. Compressing again (on the
 *  loop, or in a new worker) may succeed. */
export class CompressionWorkerError extends KafkaWireError {
  override name = 'CompressionWorkerError';
  constructor(message: string, cause?: unknown) {
    super(message, { retriable: true, cause });
  }
}

/** Whether `codec` compresses on the event loop on this runtime (so a worker pool can take it off). */
export function compressesOnEventLoop(codec: CompressionType): boolean {
  return codec === 'lz4' || codec === 'snappy' || (codec === 'zstd' && !hasNativeZstd);
}

export interface CompressionWorkerPoolOptions {
  /** Worker threads, started on first use. Default: 1 (one thread keeps up with the producer). */
  threads?: number;
  /** Sections below this many bytes stay on the event loop. Default DEFAULT_OFFLOAD_MIN_BYTES. */
  minBytes?: number;
  /** The worker module. Default: worker.js next to this module (tests point it at a build). */
  workerUrl?: URL;
}

interface Pending {
  resolve(data: Uint8Array): void;
  reject(error: Error): void;
}

interface Slot {
  worker: Worker;
  pending: Map<number, Pending>;
}

type Answer = { id: number; data: Uint8Array; error?: undefined } | { id: number; error: string };

export class CompressionWorkerPool {
  readonly minBytes: number;
  readonly #threads: number;
  readonly #workerUrl: URL;
  readonly #slots: Slot[] = [];
  #nextId = 0;
  #crashes = 0;
  #closed = false;
  /** Free shared input buffers, and their total size. */
  readonly #inputs: SharedArrayBuffer[] = [];
  #inputBytes = 0;

  constructor(options: CompressionWorkerPoolOptions = {}) {
    const threads = options.threads ?? 1;
    if (!Number.isInteger(threads) || threads < 1 || threads > availableParallelism() * 4) {
      throw new RangeError(
        `threads must be an integer from 1 to ${availableParallelism() * 4}, got ${threads}`,
      );
    }
    const minBytes = options.minBytes ?? DEFAULT_OFFLOAD_MIN_BYTES;
    if (!Number.isInteger(minBytes) || minBytes < 0) {
      throw new RangeError(`minBytes must be a non-negative integer, got ${minBytes}`);
    }
    this.#threads = threads;
    this.minBytes = minBytes;
    this.#workerUrl = options.workerUrl ?? new URL('./worker.js', import.meta.url);
  }

  /** Live worker threads (they start on first use). */
  get threadCount(): number {
    return this.#slots.length;
  }

  /** Whether a section of `size` bytes should go to a worker: large enough, pool open and healthy. */
  accepts(size: number): boolean {
    return size >= this.minBytes && !this.#closed && this.#crashes < MAX_CRASHES;
  }

  /**
   * Compresses `data` in a worker. Returns a buffer whose first `headroom` bytes are left for the caller
   * and whose rest is the compressed data, exactly sized. `data` is transferred when it owns its whole
   * ArrayBuffer (it is then detached: do not use it afterwards), otherwise copied into shared memory (and not
   * touched again, whatever the worker does). Rejects with
   * CompressionWorkerError if the worker dies or the pool closes first, and with a CompressionError-like
   * Error carrying the codec's message if the codec fails.
   */
  compress(
    codec: CompressionType,
    data: Uint8Array,
    level: number | undefined,
    headroom = 0,
  ): Promise<Uint8Array> {
    if (this.#closed) return Promise.reject(new CompressionWorkerError('the compression pool is closed'));
    const slot = this.#pick();
    const id = this.#nextId++;
    return new Promise<Uint8Array>((resolve, reject) => {
      if (slot.pending.size === 0) slot.worker.ref();
      const buffer = data.buffer;
      const transferable =
        buffer instanceof ArrayBuffer && data.byteOffset === 0 && data.byteLength === buffer.byteLength;
      const input = transferable ? data : this.#sharedCopy(data);
      const shared = transferable ? null : (input.buffer as SharedArrayBuffer);
      const done = () => {
        if (shared !== null) this.#keepInput(shared);
      };
      slot.pending.set(id, {
        resolve: (out) => {
          done();
          resolve(out);
        },
        reject: (error) => {
          done();
          reject(error);
        },
      });
      try {
        slot.worker.postMessage(
          { id, codec, level, data: input, headroom },
          transferable ? [buffer as ArrayBuffer] : [],
        );
      } catch (error) {
        this.#settle(slot, id)?.reject(
          new CompressionWorkerError('could not hand the section to a compression worker', error),
        );
      }
    });
  }

  /** `data` copied into a free shared input buffer (or a new one), as a view of its first bytes. */
  #sharedCopy(data: Uint8Array): Uint8Array {
    const length = data.length;
    // Few buffers are kept (about as many as jobs out at once): a scan finds the smallest that fits.
    let best = -1;
    for (let i = 0; i < this.#inputs.length; i++) {
      const size = this.#inputs[i]!.byteLength;
      if (size >= length && (best < 0 || size < this.#inputs[best]!.byteLength)) best = i;
    }
    let shared: SharedArrayBuffer;
    if (best >= 0) {
      shared = this.#inputs[best]!;
      this.#inputs[best] = this.#inputs[this.#inputs.length - 1]!;
      this.#inputs.pop();
      this.#inputBytes -= shared.byteLength;
    } else {
      let size = MIN_INPUT_BYTES;
      while (size < length) size *= 2;
      shared = new SharedArrayBuffer(size);
    }
    const view = new Uint8Array(shared, 0, length);
    view.set(data);
    return view;
  }

  /** A job is over: its shared input buffer is kept for the next one while the bound allows. */
  #keepInput(shared: SharedArrayBuffer): void {
    if (this.#closed) return;
    // Smaller buffers make room first: a large one is what costs most to allocate and fault in again.
    this.#inputs.sort((a, b) => a.byteLength - b.byteLength);
    while (this.#inputBytes + shared.byteLength > MAX_RETAINED_INPUT_BYTES && this.#inputs.length > 0) {
      if (this.#inputs[0]!.byteLength > shared.byteLength) return;
      this.#inputBytes -= this.#inputs.shift()!.byteLength;
    }
    if (this.#inputBytes + shared.byteLength > MAX_RETAINED_INPUT_BYTES) return;
    this.#inputs.push(shared);
    this.#inputBytes += shared.byteLength;
  }

  /** Terminates every worker; jobs still out reject with CompressionWorkerError. Idempotent. */
  async close(): Promise<void> {
    this.#closed = true;
    this.#inputs.length = 0;
    this.#inputBytes = 0;
    const slots = this.#slots.splice(0);
    await Promise.all(
      slots.map(async (slot) => {
        this.#failAll(slot, new CompressionWorkerError('the compression pool was closed'));
        await slot.worker.terminate();
      }),
    );
  }

  #pick(): Slot {
    let best: Slot | undefined;
    for (const slot of this.#slots)
      if (best === undefined || slot.pending.size < best.pending.size) best = slot;
    if (best !== undefined && (best.pending.size === 0 || this.#slots.length >= this.#threads)) return best;
    return this.#start();
  }

  #start(): Slot {
    const worker = new Worker(this.#workerUrl);
    worker.unref();
    const slot: Slot = { worker, pending: new Map() };
    this.#slots.push(slot);
    worker.on('message', (answer: Answer) => {
      const pending = this.#settle(slot, answer.id);
      if (pending === undefined) return;
      if (answer.error === undefined) pending.resolve(answer.data);
      else pending.reject(new Error(answer.error));
    });
    const died = (error: unknown) => {
      const index = this.#slots.indexOf(slot);
      if (index < 0) return; // closed, or already handled ('error' is followed by 'exit')
      this.#slots.splice(index, 1);
      this.#crashes++;
      void worker.terminate(); // after 'messageerror' it may still be running
      this.#failAll(
        slot,
        new CompressionWorkerError(
          'a compression worker thread died before answering; the section is compressed again',
          error,
        ),
      );
    };
    worker.on('error', died);
    worker.on('messageerror', died);
    worker.on('exit', (code) => died(new Error(`the worker exited with code ${code}`)));
    return slot;
  }

  #settle(slot: Slot, id: number): Pending | undefined {
    const pending = slot.pending.get(id);
    if (pending === undefined) return undefined;
    slot.pending.delete(id);
    if (slot.pending.size === 0) slot.worker.unref();
    return pending;
  }

  #failAll(slot: Slot, error: Error): void {
    const pending = [...slot.pending.values()];
    slot.pending.clear();
    slot.worker.unref();
    for (const job of pending) job.reject(error);
  }
}
