import { offloadsCompression } from '../records/compression/worker-pool.js';
import { CompressionWorkerPool, type EncodeOptions, stampProducerState } from '../records/index.js';
import type { CompressionType } from '../records/types.js';
import type { RecordAccumulator } from './accumulator.js';
import type { ProducerBatch } from './producer-batch.js';

// Finishes each batch's builder once (its records were written at append): the header and CRC in place
// without compression, or the compressed batch. A retry resends the same bytes, and a batch finished before
// it had its producer stamp (encode-ahead) or re-sequenced after an epoch bump gets its header patched
// instead of being compressed again.
//
// @locality: event loop; compression runs on libuv's thread pool (gzip, zlib's zstd), in a worker, or inline
// (lz4 and zstd-napi at their fast levels).

interface EncodingState {
  encoded: Uint8Array | null;
  /** The first encoding while it runs (started early for a batch waiting behind one in flight). */
  encoding: Promise<void> | null;
  /** The producer stamp `encoded` carries, so a re-stamped retry patches the bytes instead of re-encoding. */
  stampedProducerId: bigint;
  stampedEpoch: number;
  stampedSequence: number;
}

export interface BatchEncoderOptions {
  compressionType: CompressionType;
  compressionLevel: number | undefined;
  /** Learns each topic's compression ratio from the batches encoded. */
  accumulator: RecordAccumulator;
  /** Batches carry the transactional flag in their attributes (a transactional producer's, all of them). */
  transactional?: boolean;
}

export class BatchEncoder {
  private readonly states = new WeakMap<ProducerBatch, EncodingState>();
  private readonly compressionType: CompressionType;
  private readonly compressionLevel: number | undefined;
  private readonly accumulator: RecordAccumulator;
  private readonly transactional: boolean;
  // snappy, WASM zstd, and lz4 and zstd-napi above their fast default levels compress large batches in a
  // worker thread (started on first use) rather than on the event loop; gzip and zlib's zstd use libuv's
  // thread pool already, and the fast compressors cost less on the loop than the hop to a worker.
  private readonly encodeOptions: EncodeOptions;

  constructor(options: BatchEncoderOptions) {
    this.compressionType = options.compressionType;
    this.compressionLevel = options.compressionLevel;
    this.accumulator = options.accumulator;
    this.transactional = options.transactional ?? false;
    this.encodeOptions = offloadsCompression(this.compressionType, this.compressionLevel)
      ? { compressionPool: new CompressionWorkerPool() }
      : {};
  }

  /** Terminates the compression workers (batches still compressing finish on the event loop). */
  async close(): Promise<void> {
    await this.encodeOptions.compressionPool?.close();
  }

  /**
   * Compresses full batches that wait only for their partition's in-flight slot, so they leave the moment it
   * frees instead of compressing then (Java compresses as records are appended, with the same effect). A
   * failure here is forgotten: the send encodes again and reports it.
   */
  encodeAhead(batches: readonly ProducerBatch[]): void {
    if (this.compressionType === 'none') return;
    for (const batch of batches) {
      const state = this.state(batch);
      if (state.encoded === null && state.encoding === null) void this.encode(batch).catch(() => undefined);
    }
  }

  /** The batch's bytes, carrying its current producer id, epoch and base sequence. */
  async encode(batch: ProducerBatch): Promise<Uint8Array> {
    const state = this.state(batch);
    // Encoding is a pure function of the batch, so a retry could re-encode; keeping the bytes saves
    // compressing twice.
    if (state.encoded === null) {
      state.encoding ??= this.encodeFirst(batch, state);
      try {
        await state.encoding;
      } catch (error) {
        state.encoding = null;
        throw error;
      }
    }
    return this.stamped(batch, state);
  }

  /**
   * The batch's bytes without waiting, when they exist (compressed ahead, or sent before) or are finished
   * synchronously (nothing to compress); stamped as encode() stamps them. Undefined: await encode().
   */
  encodedNow(batch: ProducerBatch): Uint8Array | undefined {
    const state = this.state(batch);
    if (state.encoded === null) {
      if (this.compressionType !== 'none' || state.encoding !== null) return undefined;
      // A failure is reported by the encode() that the caller falls back to.
      this.encode(batch).catch(() => undefined);
      if (state.encoded === null) return undefined;
    }
    return this.stamped(batch, state);
  }

  private stamped(batch: ProducerBatch, state: EncodingState): Uint8Array {
    const encoded = state.encoded!;
    if (
      state.stampedProducerId !== batch.producerId ||
      state.stampedEpoch !== batch.producerEpoch ||
      state.stampedSequence !== batch.baseSequence
    ) {
      // Encoded early (before it had a sequence) or resequenced after an epoch bump: patch the header (and
      // CRC) rather than compress again.
      stampProducerState(encoded, {
        producerId: batch.producerId,
        producerEpoch: batch.producerEpoch,
        baseSequence: batch.baseSequence,
      });
      state.stampedProducerId = batch.producerId;
      state.stampedEpoch = batch.producerEpoch;
      state.stampedSequence = batch.baseSequence;
    }
    return encoded;
  }

  private state(batch: ProducerBatch): EncodingState {
    let state = this.states.get(batch);
    if (state === undefined) {
      state = {
        encoded: null,
        encoding: null,
        stampedProducerId: -1n,
        stampedEpoch: -1,
        stampedSequence: -1,
      };
      this.states.set(batch, state);
    }
    return state;
  }

  private async encodeFirst(batch: ProducerBatch, state: EncodingState): Promise<void> {
    const stamp = {
      producerId: batch.producerId,
      producerEpoch: batch.producerEpoch,
      baseSequence: batch.baseSequence,
    };
    const fields = {
      compression: this.compressionType,
      ...(this.compressionLevel === undefined ? {} : { compressionLevel: this.compressionLevel }),
      ...stamp,
      ...(this.transactional ? { transactional: true } : {}),
    };
    const encoded =
      this.compressionType === 'none'
        ? batch.builder.finishUncompressed(fields)
        : await batch.builder.finish(fields, this.encodeOptions);
    this.accumulator.observeCompression(batch, encoded.length);
    state.encoded = encoded;
    state.stampedProducerId = stamp.producerId;
    state.stampedEpoch = stamp.producerEpoch;
    state.stampedSequence = stamp.baseSequence;
  }
}
