// A small pool of worker threads that compress record sections, for the codecs that would otherwise run
// on the event loop: lz4 and snappy (our TypeScript codecs) and zstd when it is synchronous here (the
// zstd-napi addon, or WASM on Node < 22.15 without it). gzip and zlib's zstd already run on libuv's thread pool.
//
// Only large sections are worth the hop: posting a job and its answer costs tens of microseconds, which
// is what lz4 needs for ~16 KiB, so small sections stay on the loop (CompressionWorkerPool.accepts).
// Nothing is structured-cloned: a section that owns its ArrayBuffer is transferred; any other (a view of a
// pooled batch buffer past its header) is copied into a spare ArrayBuffer of the pool, which is transferred
// to the worker and back with the answer, then kept for the next job. Posting a view instead makes V8
// serialize its whole ArrayBuffer into fresh memory, twice (into the message, out into the worker), and
// a SharedArrayBuffer was slower still (V8 copies into shared memory at ~3 GB/s against ~45 GB/s into an
// ArrayBuffer). A transferred buffer is detached here until the worker gives it back, so it can never serve
// two jobs at once; one a dead worker held is simply lost. The answer comes back in a buffer with room for
// the batch header, also transferred.
//
// Workers never keep the process alive when idle (unref'd; ref'd only while a job is out, so an awaited
// compression is not cut short by the process exiting). A worker that dies fails its pending jobs with a
// retriable CompressionWorkerError; the encoder (encode.ts) then compresses those sections on the loop.
// After MAX_CRASHES deaths the pool stops taking jobs and everything runs on the loop.
import { availableParallelism } from 'node:os';
import type { Worker } from 'node:worker_threads';
import { KafkaWireError } from '../../errors.js';
import { lazyBuiltin } from '../../lazy-builtin.js';
import type { CompressionType } from '../types.js';
import { LZ4_DEFAULT_LEVEL } from './lz4.js';
import { hasNapiZstd, hasNativeZstd, zstdFastOnLoop } from './zstd.js';

/** node:worker_threads, loaded when the first worker starts. */
const workerThreads = lazyBuiltin<typeof import('node:worker_threads')>('node:worker_threads');

/** Sections smaller than this are compressed on the loop by default (the hop would cost more). */
export const DEFAULT_OFFLOAD_MIN_BYTES = 64 * 1024;
const MAX_CRASHES = 3;
/** Spare input buffers are powers of two from this size, so sections of nearby sizes share them. */
const MIN_SPARE_BYTES = 64 * 1024;
/** Spare input buffers kept between jobs, at most (bytes): about what a few jobs at once need. */
const MAX_SPARE_BYTES = 32 * 1024 * 1024;

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
  return codec === 'lz4' || codec === 'snappy' || (codec === 'zstd' && (hasNapiZstd() || !hasNativeZstd()));
}

/**
 * Whether a producer should hand `codec` at `level` to a worker pool: the codecs that would run on the
 * event loop, except lz4's fast compressor (its default level). That one compresses 0.7-2 GB/s, about the
 * speed of the hop itself (the section structured-cloned into the worker: a serialized copy and a fresh
 * buffer there, fresh memory the garbage collector then chases), so the hop saved the loop little and cost
 * the process more. produce() of keyless records that compress ~100x, 5 alternating rounds, CPU-s per 1M
 * with the worker / without: 200,000 x 1 KiB 4.95 / 3.86 (records/s 180k / 210k), 1M x 100 B 1.21 / 0.81
 * (370k / 486k). lz4's other levels (25-160 MB/s) and WASM zstd (~250 MB/s on JSON-like records) would
 * hold the loop for milliseconds per batch, so they still go.
 */
export function offloadsCompression(codec: CompressionType, level: number | undefined): boolean {
  if (codec === 'lz4') return level !== undefined && level !== LZ4_DEFAULT_LEVEL;
  // The same holds for zstd-napi at its default level and below (~1-3 GB/s on batches of records).
  if (codec === 'zstd' && zstdFastOnLoop(level)) return false;
  return compressesOnEventLoop(codec);
}

export interface CompressionWorkerPoolOptions {
  /** Worker threads, started on first use. Default: 1 (one thread keeps up with the producer). */
  threads?: number;
  /** Sections below this many bytes stay on the event loop. Default DEFAULT_OFFLOAD_MIN_BYTES. */
  minBytes?: number;
  /** The worker module. Default: worker.js next to this module (tests point it at a build). */
  workerUrl?: URL;
  /** Spare input buffers are dropped once no job has been out for this long (ms). Default 5000. */
  spareIdleMs?: number;
}

interface Pending {
  resolve(data: Uint8Array): void;
  reject(error: Error): void;
}

/** What the worker answers; `input` is the job's spare buffer coming back (transferred), if it had one. */
export type CompressionAnswer =
  | { id: number; data: Uint8Array; error?: undefined; input?: ArrayBuffer }
  | { id: number; error: string; input?: ArrayBuffer };

/** A job as the worker receives it: `returnInput` asks for data's buffer back with the answer. */
export interface CompressionJob {
  id: number;
  codec: CompressionType;
  level: number | undefined;
  data: Uint8Array;
  headroom: number;
  returnInput: boolean;
}

interface Slot {
  worker: Worker;
  pending: Map<number, Pending>;
}

export class CompressionWorkerPool {
  readonly minBytes: number;
  readonly #threads: number;
  readonly #workerUrl: URL;
  readonly #slots: Slot[] = [];
  /** Input buffers back from the workers, none of them held by a job. */
  readonly #spares: ArrayBuffer[] = [];
  #nextId = 0;
  #crashes = 0;
  #closed = false;
  readonly #spareIdleMs: number;
  #idleTimer: NodeJS.Timeout | undefined;

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
    const spareIdleMs = options.spareIdleMs ?? 5000;
    if (!Number.isFinite(spareIdleMs) || spareIdleMs < 0) {
      throw new RangeError(`spareIdleMs must be a non-negative number of milliseconds, got ${spareIdleMs}`);
    }
    this.#spareIdleMs = spareIdleMs;
  }

  /** Live worker threads (they start on first use). */
  get threadCount(): number {
    return this.#slots.length;
  }

  /** Bytes of spare input buffers the pool holds between jobs (none of them lent to a worker). */
  get spareBytes(): number {
    let total = 0;
    for (const spare of this.#spares) total += spare.byteLength;
    return total;
  }

  /** Whether a section of `size` bytes should go to a worker: large enough, pool open and healthy. */
  accepts(size: number): boolean {
    return size >= this.minBytes && !this.#closed && this.#crashes < MAX_CRASHES;
  }

  /**
   * Compresses `data` in a worker. Returns a buffer whose first `headroom` bytes are left for the caller
   * and whose rest is the compressed data, exactly sized. `data` is transferred when it owns its whole
   * ArrayBuffer (it is then detached: do not use it afterwards), copied otherwise. Rejects with
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
    clearTimeout(this.#idleTimer);
    this.#idleTimer = undefined;
    return new Promise<Uint8Array>((resolve, reject) => {
      if (slot.pending.size === 0) slot.worker.ref();
      slot.pending.set(id, { resolve, reject });
      const buffer = data.buffer;
      const owned =
        buffer instanceof ArrayBuffer && data.byteOffset === 0 && data.byteLength === buffer.byteLength;
      try {
        const input = owned ? data : this.#copyToSpare(data);
        const job: CompressionJob = { id, codec, level, data: input, headroom, returnInput: !owned };
        slot.worker.postMessage(job, [input.buffer as ArrayBuffer]);
      } catch (error) {
        this.#settle(slot, id);
        reject(new CompressionWorkerError('could not hand the section to a compression worker', error));
      }
    });
  }

  /** Terminates every worker; jobs still out reject with CompressionWorkerError. Idempotent. */
  async close(): Promise<void> {
    this.#closed = true;
    clearTimeout(this.#idleTimer);
    this.#spares.length = 0;
    const slots = this.#slots.splice(0);
    await Promise.all(
      slots.map(async (slot) => {
        this.#failAll(slot, new CompressionWorkerError('the compression pool was closed'));
        await slot.worker.terminate();
      }),
    );
  }

  /** `data` copied into the smallest spare buffer that holds it (taken out of the spares), or a new one. */
  #copyToSpare(data: Uint8Array): Uint8Array {
    let best = -1;
    for (let i = 0; i < this.#spares.length; i++) {
      const size = this.#spares[i]!.byteLength;
      if (size >= data.length && (best < 0 || size < this.#spares[best]!.byteLength)) best = i;
    }
    let buffer: ArrayBuffer;
    if (best >= 0) {
      buffer = this.#spares[best]!;
      this.#spares[best] = this.#spares[this.#spares.length - 1]!;
      this.#spares.pop();
    } else {
      buffer = new ArrayBuffer(Math.max(MIN_SPARE_BYTES, 2 ** Math.ceil(Math.log2(data.length || 1))));
    }
    const input = new Uint8Array(buffer, 0, data.length);
    input.set(data);
    return input;
  }

  /** Keeps a buffer a worker gave back, dropping the smallest spares beyond MAX_SPARE_BYTES. */
  #keepSpare(buffer: ArrayBuffer): void {
    if (this.#closed || buffer.byteLength === 0) return;
    const spares = [...this.#spares, buffer].sort((a, b) => b.byteLength - a.byteLength);
    this.#spares.length = 0;
    let total = 0;
    for (const spare of spares) {
      if (total + spare.byteLength > MAX_SPARE_BYTES) continue;
      total += spare.byteLength;
      this.#spares.push(spare);
    }
  }

  #pick(): Slot {
    let best: Slot | undefined;
    for (const slot of this.#slots)
      if (best === undefined || slot.pending.size < best.pending.size) best = slot;
    if (best !== undefined && (best.pending.size === 0 || this.#slots.length >= this.#threads)) return best;
    return this.#start();
  }

  #start(): Slot {
    const worker = new (workerThreads().Worker)(this.#workerUrl);
    worker.unref();
    const slot: Slot = { worker, pending: new Map() };
    this.#slots.push(slot);
    worker.on('message', (answer: CompressionAnswer) => {
      // A worker already declared dead has had its jobs failed: what it still sends is not kept.
      if (answer.input !== undefined && this.#slots.includes(slot)) this.#keepSpare(answer.input);
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
    if (slot.pending.size === 0) {
      slot.worker.unref();
      this.#dropSparesWhenIdle();
    }
    return pending;
  }

  /** Spares are for a stream of jobs: a producer that stops compressing should not keep up to
   *  MAX_SPARE_BYTES for good, so they go once no job has been out for spareIdleMs. */
  #dropSparesWhenIdle(): void {
    if (this.#idleTimer !== undefined || this.#spares.length === 0) return;
    if (this.#slots.some((slot) => slot.pending.size > 0)) return;
    this.#idleTimer = setTimeout(() => {
      this.#idleTimer = undefined;
      this.#spares.length = 0;
    }, this.#spareIdleMs);
    this.#idleTimer.unref();
  }

  #failAll(slot: Slot, error: Error): void {
    const pending = [...slot.pending.values()];
    slot.pending.clear();
    slot.worker.unref();
    for (const job of pending) job.reject(error);
  }
}
