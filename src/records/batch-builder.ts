// An appendable RecordBatch v2 (Java's MemoryRecordsBuilder): each record is written into one contiguous
// buffer the moment it is appended, behind a reserved 61-byte header, so a batch is never sized or copied
// again when it is sent. finish() writes the header and CRC (no copy without compression), or compresses the
// record section into a new buffer. The bytes are the same as encodeRecordBatch's for the same records.
//
// Like encode.ts it allocates nothing per record: timestamp deltas are doubles unless they need bigint, the
// max timestamp is tracked by delta, and the last measurement is kept in fields rather than returned as an
// object.

import { INT32_MAX } from '../protocol/int-limits.js';
import { varintSize, varlongSize, varlongSizeNumber } from '../protocol/varint.js';
import { decodeRecordBatchesSync } from './decode.js';
import {
  codecOf,
  compressSection,
  type EncodeOptions,
  finishBatch,
  headerFields,
  type RecordBatchOptions,
} from './encode.js';
import { RecordBatchEncodeError } from './errors.js';
import { RECORD_BATCH_OVERHEAD } from './layout.js';
import {
  BIGINT_DELTA,
  checkTimestamp,
  int64ToNumber,
  isExactNumber,
  recordBodySize,
  recordBodySizeBigint,
  timestampDeltaBigint,
  timestampDeltaNumber,
  writeRecord,
} from './record.js';
import type { DecodedRecord, RecordInput } from './types.js';

/** Where a builder gets its buffer and gives it back (the producer's pool; plain allocation by default). */
export interface BatchBufferSource {
  /** A buffer of at least `size` bytes whose contents do not matter. */
  allocate(size: number): Uint8Array;
  /** The buffer is no longer read by anyone: it may be handed out again. */
  release(buffer: Uint8Array): void;
  /** The size the source reuses, if any: growth stops there while the records fit, so the buffer can be reused. */
  readonly capacity?: number;
  /**
   * A batch's records (`sectionBytes` past its header) are held from now as its `compressedBytes` compressed
   * batch: called just before the section's buffer is released, so a source that bounds what is held counts
   * the compressed bytes when it decides whether to keep that buffer.
   */
  compressed?(sectionBytes: number, compressedBytes: number): void;
}

const unpooled: BatchBufferSource = {
  allocate: (size) => Buffer.allocUnsafeSlow(size),
  release: () => undefined,
};

export interface RecordBatchBuilderOptions {
  /**
   * Capacity to start with (default: what the first record needs); the buffer doubles when a record does not
   * fit. It may exceed the source's capacity: a batch expected to grow past it then starts there.
   */
  initialCapacity?: number;
  buffers?: BatchBufferSource;
}

/** The body size (after the length varint) of a record at offset delta 0, timestamp delta 0, or -1 if unknown. */
export type AloneBodySize = number;

/** Bytes the offset delta 0 and timestamp delta 0 take in a record's body (one varint byte each). */
const ZERO_DELTAS_SIZE = 2;

export class RecordBatchBuilder {
  private buffer: Uint8Array | null = null;
  private end = RECORD_BATCH_OVERHEAD;
  private count = 0;
  private readonly initialCapacity: number;
  private readonly buffers: BatchBufferSource;
  private baseTimestamp = 0n;
  private baseNumber = 0;
  private baseExact = false;
  // The max timestamp is tracked by delta: a variable holding 1.7e12 ms is boxed on every update.
  private maxDelta = 0;
  private maxTimestamp = 0n;
  private maxIsBig = false;
  // The last measure(): what appendMeasured() writes with.
  private measuredRecord: RecordInput | null = null;
  private measuredBody = 0;
  private measuredDelta = 0;
  private measuredBig = 0n;
  // The last timestamp whose delta was worked out, and that delta: records stamped by the producer share
  // one timestamp per millisecond, so converting and range-checking it once serves them all (per record it
  // was 2.4 % of the event loop, 1M x 100 B at 6 partitions).
  private deltaOf: bigint | undefined = undefined;
  private deltaNumber = 0;
  private deltaBig = 0n;
  private finished = false;
  /** The finished batch's bytes, while the builder has them. */
  private bytes: Uint8Array | null = null;
  /** A compression reads the buffer: release() waits for it to end. */
  private compressing = false;
  /** Released, or its records counted out of the source's accounting: a compression ending tells nothing. */
  private countedOut = false;
  private compressedLength = 0;

  constructor(options: RecordBatchBuilderOptions = {}) {
    this.initialCapacity = options.initialCapacity ?? 0;
    this.buffers = options.buffers ?? unpooled;
  }

  /** Records appended. */
  get recordCount(): number {
    return this.count;
  }

  /** Uncompressed size of the batch so far: header + records. */
  get sizeInBytes(): number {
    return this.end;
  }

  /**
   * The compressed batch's length once its records are held only compressed (told to the buffer source),
   * else 0: what the records count for in memory from then on, also after release().
   */
  get compressedSize(): number {
    return this.compressedLength;
  }

  /** The first record's timestamp (every delta is relative to it); 0n while empty. */
  get firstTimestamp(): bigint {
    return this.baseTimestamp;
  }

  /**
   * The record's exact encoded size (length prefix included) if it were appended next. `alone`, when known,
   * is its body size as the only record of a batch (recordBodySize at deltas 0): only the delta varints then
   * change, so key, value and headers are not sized again (and not validated: the caller did). The result is
   * kept for appendMeasured().
   */
  measure(record: RecordInput, alone: AloneBodySize = -1): number {
    const offsetDelta = this.count;
    const timestamp = record.timestamp;
    let delta = 0;
    let big = 0n;
    if (offsetDelta === 0) {
      checkTimestamp(timestamp, 0);
    } else if (timestamp === this.deltaOf) {
      delta = this.deltaNumber;
      big = this.deltaBig;
    } else if (timestamp !== this.baseTimestamp) {
      if (typeof timestamp !== 'bigint') checkTimestamp(timestamp, offsetDelta);
      delta = this.baseExact ? timestampDeltaNumber(timestamp, this.baseNumber) : BIGINT_DELTA;
      if (delta === BIGINT_DELTA) {
        checkTimestamp(timestamp, offsetDelta);
        big = timestampDeltaBigint(timestamp, this.baseTimestamp);
      }
      this.deltaOf = timestamp;
      this.deltaNumber = delta;
      this.deltaBig = big;
    }
    let body: number;
    if (alone >= 0) {
      body =
        alone -
        ZERO_DELTAS_SIZE +
        varintSize(offsetDelta) +
        (delta === BIGINT_DELTA ? varlongSize(big) : varlongSizeNumber(delta));
    } else {
      body =
        delta === BIGINT_DELTA
          ? recordBodySizeBigint(record, offsetDelta, big, offsetDelta)
          : recordBodySize(record, offsetDelta, delta, offsetDelta);
    }
    this.measuredRecord = record;
    this.measuredBody = body;
    this.measuredDelta = delta;
    this.measuredBig = big;
    return varintSize(body) + body;
  }

  /** Appends the record last measured (with nothing appended since); returns its exact encoded size. */
  appendMeasured(record: RecordInput): number {
    if (this.finished) throw new RecordBatchEncodeError('the batch was finished: no record can be appended');
    if (record !== this.measuredRecord) {
      throw new RecordBatchEncodeError('appendMeasured() takes the record measure() was last called with');
    }
    this.measuredRecord = null;
    const body = this.measuredBody;
    const size = varintSize(body) + body;
    if (this.end + size > INT32_MAX) {
      throw new RecordBatchEncodeError(
        `the records would take more than a batch can hold (2 GiB): ${this.end} bytes and ${size} more`,
      );
    }
    const buffer = this.room(size);
    const delta = this.measuredDelta;
    const timestamp = record.timestamp;
    const offsetDelta = this.count;
    this.end = writeRecord(buffer, this.end, record, offsetDelta, delta, this.measuredBig, body);
    if (offsetDelta === 0) {
      this.baseTimestamp = timestamp;
      this.baseExact = isExactNumber(timestamp);
      this.baseNumber = int64ToNumber(timestamp);
      this.maxTimestamp = timestamp;
      this.maxDelta = 0;
      this.maxIsBig = !this.baseExact;
    } else if (delta === BIGINT_DELTA) {
      if (timestamp > this.maxTimestamp) {
        this.maxTimestamp = timestamp;
        this.maxIsBig = true;
      }
    } else if (this.maxIsBig ? timestamp > this.maxTimestamp : delta > this.maxDelta) {
      this.maxDelta = delta;
      this.maxTimestamp = timestamp;
      this.maxIsBig = false;
    }
    this.count = offsetDelta + 1;
    return size;
  }

  /**
   * Forgets the record last measured without appending it (it went to another batch): a builder kept until
   * its batch is acknowledged would otherwise keep that record's key and value alive.
   */
  forgetMeasured(): void {
    this.measuredRecord = null;
  }

  /** Writes the record into the batch now; returns its exact encoded size. */
  append(record: RecordInput, alone: AloneBodySize = -1): number {
    this.measure(record, alone);
    return this.appendMeasured(record);
  }

  /** A buffer with `size` more bytes of room at the write position: grown by doubling, copied once. */
  private room(size: number): Uint8Array {
    const needed = this.end + size;
    const current = this.buffer;
    if (current !== null && needed <= current.length) return current;
    let capacity = Math.max(needed, current === null ? this.initialCapacity : current.length * 2);
    const reused = this.buffers.capacity;
    // Only doubling stops at the reused size: a start above it is the caller's hint of the size it will reach.
    if (current !== null && reused !== undefined && needed <= reused && capacity > reused) capacity = reused;
    const grown = this.buffers.allocate(Math.min(capacity, INT32_MAX));
    if (current !== null) {
      grown.set(current.subarray(RECORD_BATCH_OVERHEAD, this.end), RECORD_BATCH_OVERHEAD);
      // Nothing but this builder ever saw it: no request can hold it.
      this.buffers.release(current);
    }
    this.buffer = grown;
    return grown;
  }

  /**
   * The batch's bytes without compression: header and CRC written in place, a view of the builder's buffer
   * (no copy), which stays the builder's until release().
   */
  finishUncompressed(options: RecordBatchOptions): Uint8Array {
    const codec = codecOf(options);
    if (codec !== 'none') {
      throw new RecordBatchEncodeError(`finishUncompressed() writes no ${codec} batch: use finish()`);
    }
    const fields = headerFields(options, codec);
    const buffer = this.nonEmpty();
    const bytes = buffer.subarray(0, this.end);
    finishBatch(bytes, fields, this.count, this.baseTimestamp, this.maxTimestamp);
    this.finished = true;
    this.measuredRecord = null;
    this.bytes = bytes;
    return bytes;
  }

  /**
   * The batch's bytes. Without compression as finishUncompressed(); with a codec, a new buffer holding the
   * header and the compressed records (compressed as encodeRecordBatch does: worker, libuv or inline), after
   * which the uncompressed buffer goes back to its source.
   */
  async finish(options: RecordBatchOptions, encodeOptions: EncodeOptions = {}): Promise<Uint8Array> {
    const codec = codecOf(options);
    if (codec === 'none') return this.finishUncompressed(options);
    const fields = headerFields(options, codec);
    const buffer = this.nonEmpty();
    this.finished = true;
    this.measuredRecord = null;
    const timestamps = { baseTimestamp: this.baseTimestamp, maxTimestamp: this.maxTimestamp };
    // A view that starts past the header never owns its whole ArrayBuffer, so a worker gets a copy and the
    // section is still here whatever happens to the worker.
    const section = buffer.subarray(RECORD_BATCH_OVERHEAD, this.end);
    const compress = (with_: EncodeOptions) =>
      compressSection(codec, options.compressionLevel, section, fields, this.count, timestamps, with_);
    this.compressing = true;
    let bytes: Uint8Array | undefined;
    try {
      bytes = (await compress(encodeOptions)) ?? (await compress({}))!;
    } finally {
      this.compressing = false;
      // Settled while compressing: its records are counted out already.
      if (bytes !== undefined && !this.countedOut) {
        this.compressedLength = bytes.length;
        this.buffers.compressed?.(this.end - RECORD_BATCH_OVERHEAD, bytes.length);
      }
      this.releaseBuffer();
    }
    this.bytes = bytes;
    return bytes;
  }

  /**
   * The records appended (the rare paths that rebuild a batch: cancelling a record, splitting one the broker
   * found too large), read back from the bytes: the section so far, or the finished batch, compressed or not.
   */
  records(): DecodedRecord[] {
    if (this.count === 0) return [];
    if (this.bytes !== null) return decodeRecordBatchesSync(this.bytes)[0]!.records;
    if (this.finished) {
      throw new RecordBatchEncodeError('the batch was released: its records are gone');
    }
    const bytes = this.nonEmpty().subarray(0, this.end);
    // The header region is rewritten by finish(), so filling it in to decode is harmless.
    finishBatch(bytes, headerFields({}, 'none'), this.count, this.baseTimestamp, this.maxTimestamp);
    return decodeRecordBatchesSync(bytes)[0]!.records;
  }

  /**
   * Gives the buffer back to its source: call it only once nothing reads the batch's bytes any more (no
   * request holds them, none is being written). Idempotent; the builder takes no records after it.
   */
  release(): void {
    this.finished = true;
    this.countedOut = true;
    this.measuredRecord = null;
    this.bytes = null;
    // A compression running now reads the buffer: finish() gives it back when it is done.
    if (!this.compressing) this.releaseBuffer();
  }

  /**
   * The batch settled while a request may still read its buffer (so no release() yet): a compression still
   * running must not tell the source its records are held compressed, as they are counted out already.
   */
  countOut(): void {
    this.countedOut = true;
  }

  private releaseBuffer(): void {
    const buffer = this.buffer;
    if (buffer === null) return;
    this.buffer = null;
    this.buffers.release(buffer);
  }

  private nonEmpty(): Uint8Array {
    if (this.count === 0 || this.buffer === null) {
      throw new RecordBatchEncodeError(
        this.count === 0
          ? 'a record batch needs at least one record (nothing was appended)'
          : 'the batch was released: its bytes are gone',
      );
    }
    return this.buffer;
  }
}

/** Bytes of `record` alone in a batch after its length varint (what `measure`'s `alone` takes). */
export function aloneBodySize(record: RecordInput): AloneBodySize {
  return recordBodySize(record, 0, 0, 0);
}
