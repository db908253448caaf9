// Encoding RecordBatch v2: exact sizes first, one allocation, records written in place, CRC last.
// No per-record garbage either: bench/README.md lists what that took.
//
// Two ways in:
//   encodeRecordBatch / encodeRecordBatchSync  a whole batch from an array of records (the producer
//                                              encodes each drained batch this way);
//   stampProducerState                         write producerId/epoch/baseSequence into an encoded batch
//                                              and recompute the CRC (Java stamps at drain time, and a
//                                              retry after an epoch bump stamps again).

import { INT32_MAX, INT32_MIN, INT64_MAX, INT64_MIN, MAX_PRODUCER_EPOCH } from '../protocol/int-limits.js';
import { varintSize } from '../protocol/varint.js';
import {
  CODEC_IDS,
  compress,
  compressSyncTransient,
  isCompressionCodecReady,
  loadCompressionCodec,
  resolveLevel,
} from './compression/index.js';
import { type CompressionWorkerPool, compressesOnEventLoop } from './compression/worker-pool.js';
import { zstdCompressesInline } from './compression/zstd.js';
import { crc32c } from './crc32c.js';
import { RecordBatchEncodeError } from './errors.js';
import {
  ATTRIBUTES_OFFSET,
  BASE_OFFSET_OFFSET,
  BASE_SEQUENCE_OFFSET,
  BASE_TIMESTAMP_OFFSET,
  BATCH_LENGTH_OFFSET,
  CRC_OFFSET,
  LAST_OFFSET_DELTA_OFFSET,
  LOG_OVERHEAD,
  MAGIC_OFFSET,
  MAGIC_V2,
  MAX_TIMESTAMP_OFFSET,
  NO_PARTITION_LEADER_EPOCH,
  NO_PRODUCER_EPOCH,
  NO_PRODUCER_ID,
  NO_SEQUENCE,
  PARTITION_LEADER_EPOCH_OFFSET,
  PRODUCER_EPOCH_OFFSET,
  PRODUCER_ID_OFFSET,
  RECORD_BATCH_OVERHEAD,
  RECORDS_COUNT_OFFSET,
  TIMESTAMP_TYPE_MASK,
  TRANSACTIONAL_FLAG_MASK,
} from './layout.js';
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
import type { CompressionType, RecordBatchInput, RecordInput, TimestampType } from './types.js';

/** Everything about a batch except its records. */
export type RecordBatchOptions = Omit<RecordBatchInput, 'records'>;

export interface ProducerState {
  producerId: bigint;
  producerEpoch: number;
  baseSequence: number;
}

// --- validation of batch-level fields ------------------------------------------------------------------

function checkInt(value: number, min: number, max: number, name: string): number {
  if (!Number.isInteger(value) || value < min || value > max) {
    throw new RecordBatchEncodeError(`${name} must be an integer in [${min}, ${max}], got ${value}`);
  }
  return value;
}

function checkInt64(value: bigint, name: string): bigint {
  if (typeof value !== 'bigint' || value < INT64_MIN || value > INT64_MAX) {
    throw new RecordBatchEncodeError(`${name} must be a bigint in the int64 range, got ${String(value)}`);
  }
  return value;
}

function checkProducerState(state: ProducerState): void {
  checkInt64(state.producerId, 'producerId');
  checkInt(state.producerEpoch, -1, MAX_PRODUCER_EPOCH, 'producerEpoch');
  checkInt(state.baseSequence, -1, INT32_MAX, 'baseSequence');
}

/** A batch's header fields, checked (shared with batch-builder.ts). */
export interface HeaderFields {
  baseOffset: bigint;
  partitionLeaderEpoch: number;
  attributes: number;
  producerId: bigint;
  producerEpoch: number;
  baseSequence: number;
}

export function headerFields(options: RecordBatchOptions, codec: CompressionType): HeaderFields {
  const timestampType: TimestampType = options.timestampType ?? 'create';
  if (timestampType !== 'create' && timestampType !== 'log-append') {
    throw new RecordBatchEncodeError(
      `timestampType must be 'create' or 'log-append', got ${String(timestampType)}`,
    );
  }
  const state: ProducerState = {
    producerId: options.producerId ?? NO_PRODUCER_ID,
    producerEpoch: options.producerEpoch ?? NO_PRODUCER_EPOCH,
    baseSequence: options.baseSequence ?? NO_SEQUENCE,
  };
  checkProducerState(state);
  return {
    baseOffset: checkInt64(options.baseOffset ?? 0n, 'baseOffset'),
    partitionLeaderEpoch: checkInt(
      options.partitionLeaderEpoch ?? NO_PARTITION_LEADER_EPOCH,
      INT32_MIN,
      INT32_MAX,
      'partitionLeaderEpoch',
    ),
    attributes:
      CODEC_IDS[codec] |
      (timestampType === 'log-append' ? TIMESTAMP_TYPE_MASK : 0) |
      (options.transactional === true ? TRANSACTIONAL_FLAG_MASK : 0),
    ...state,
  };
}

/** Writes the 61-byte header into buf[0, 61) and the CRC over [21, end). `buf` is the whole batch. */
export function finishBatch(
  buf: Uint8Array,
  fields: HeaderFields,
  count: number,
  baseTimestamp: bigint,
  maxTimestamp: bigint,
): void {
  const view = new DataView(buf.buffer, buf.byteOffset, buf.byteLength);
  view.setBigInt64(BASE_OFFSET_OFFSET, fields.baseOffset);
  view.setInt32(BATCH_LENGTH_OFFSET, buf.length - LOG_OVERHEAD);
  view.setInt32(PARTITION_LEADER_EPOCH_OFFSET, fields.partitionLeaderEpoch);
  buf[MAGIC_OFFSET] = MAGIC_V2;
  view.setInt16(ATTRIBUTES_OFFSET, fields.attributes);
  view.setInt32(LAST_OFFSET_DELTA_OFFSET, count - 1);
  view.setBigInt64(BASE_TIMESTAMP_OFFSET, baseTimestamp);
  view.setBigInt64(MAX_TIMESTAMP_OFFSET, maxTimestamp);
  view.setBigInt64(PRODUCER_ID_OFFSET, fields.producerId);
  view.setInt16(PRODUCER_EPOCH_OFFSET, fields.producerEpoch);
  view.setInt32(BASE_SEQUENCE_OFFSET, fields.baseSequence);
  view.setInt32(RECORDS_COUNT_OFFSET, count);
  view.setUint32(CRC_OFFSET, crc32c(buf, ATTRIBUTES_OFFSET, buf.length));
}

// --- the record section ---------------------------------------------------------------------------
// Two passes: the first computes every record's exact size (kept in scratch arrays shared by all calls,
// as encoding is synchronous), so the batch is allocated once at its exact size; the second writes the
// records straight into it. Measured against one pass into a reused scratch followed by a memcpy into the
// exact-size batch: the same speed within noise (bench/README.md), so the design that never copies a
// section and never over-allocates wins. Compressed batches write their section into a reused scratch
// of the exact size, which the codec then reads.

let scratchSizes = new Int32Array(1024);
let scratchDeltas = new Float64Array(1024);
let scratchSection: Uint8Array = Buffer.allocUnsafe(256 * 1024);
/** Scratch sections larger than this are not kept between calls. */
const MAX_RETAINED_SCRATCH = 4 * 1024 * 1024;

interface Plan {
  /** Exact size of the encoded records. */
  size: number;
  baseTimestamp: bigint;
  maxTimestamp: bigint;
  /** Deltas that need bigint, by record index (timestamps beyond ±2^53 ms: never for real clocks). */
  bigDeltas: bigint[] | undefined;
}

function planRecords(records: RecordInput[]): Plan {
  if (!Array.isArray(records) || records.length === 0) {
    throw new RecordBatchEncodeError(
      'a record batch needs at least one record (records must be a non-empty array)',
    );
  }
  const count = records.length;
  if (count > scratchSizes.length) {
    scratchSizes = new Int32Array(Math.max(count, scratchSizes.length * 2));
    scratchDeltas = new Float64Array(scratchSizes.length);
  }
  const sizes = scratchSizes;
  const deltas = scratchDeltas;
  const baseTimestamp = records[0]!.timestamp;
  checkTimestamp(baseTimestamp, 0);
  const baseExact = isExactNumber(baseTimestamp);
  const baseNumber = int64ToNumber(baseTimestamp);
  // The max is tracked by delta, not by absolute time: a loop variable holding 1.7e12 ms gets boxed
  // into a fresh HeapNumber on every update, a small delta does not. Records on the bigint path
  // compare as bigints.
  let maxDelta = 0;
  let maxIndex = 0;
  let maxIsBig = false;
  let bigDeltas: bigint[] | undefined;
  let size = 0;
  for (let i = 0; i < count; i++) {
    const record = records[i]!;
    const timestamp = record.timestamp;
    if (typeof timestamp !== 'bigint') checkTimestamp(timestamp, i);
    const delta = baseExact ? timestampDeltaNumber(timestamp, baseNumber) : BIGINT_DELTA;
    let body: number;
    if (delta === BIGINT_DELTA) {
      checkTimestamp(timestamp, i);
      const big = timestampDeltaBigint(timestamp, baseTimestamp);
      bigDeltas ??= [];
      bigDeltas[i] = big;
      body = recordBodySizeBigint(record, i, big, i);
      if (timestamp > records[maxIndex]!.timestamp) {
        maxIndex = i;
        maxIsBig = true;
      }
    } else {
      body = recordBodySize(record, i, delta, i);
      if (maxIsBig ? timestamp > records[maxIndex]!.timestamp : delta > maxDelta) {
        maxDelta = delta;
        maxIndex = i;
        maxIsBig = false;
      }
    }
    sizes[i] = body;
    deltas[i] = delta;
    size += varintSize(body) + body;
  }
  if (size > INT32_MAX - RECORD_BATCH_OVERHEAD) {
    throw new RecordBatchEncodeError(`the records take ${size} bytes, more than a batch can hold (2 GiB)`);
  }
  return { size, baseTimestamp, maxTimestamp: records[maxIndex]!.timestamp, bigDeltas };
}

/** Writes the records planned by the last planRecords call into buf from p; returns the end. */
function writeRecords(buf: Uint8Array, p: number, records: RecordInput[], plan: Plan): number {
  const sizes = scratchSizes;
  const deltas = scratchDeltas;
  const big = plan.bigDeltas;
  for (let i = 0, count = records.length; i < count; i++) {
    p = writeRecord(buf, p, records[i]!, i, deltas[i]!, big === undefined ? 0n : (big[i] ?? 0n), sizes[i]!);
  }
  return p;
}

/** Writes the planned records into the shared scratch (for a codec to read) and returns that view. */
function writeRecordsToScratch(records: RecordInput[], plan: Plan): Uint8Array {
  let section = scratchSection;
  if (section.length < plan.size) {
    section = Buffer.allocUnsafe(Math.max(plan.size, section.length * 2));
    if (section.length <= MAX_RETAINED_SCRATCH) scratchSection = section;
  }
  writeRecords(section, 0, records, plan);
  return section.subarray(0, plan.size);
}

// --- whole batches -------------------------------------------------------------------------------------

export function codecOf(batch: RecordBatchOptions): CompressionType {
  const codec = batch.compression ?? 'none';
  resolveLevel(codec, batch.compressionLevel); // validates both
  return codec;
}

/** Header + compressed `records` in one exactly sized buffer. */
function assemble(
  records: Uint8Array,
  fields: HeaderFields,
  count: number,
  timestamps: { baseTimestamp: bigint; maxTimestamp: bigint },
): Uint8Array {
  if (records.length > INT32_MAX - RECORD_BATCH_OVERHEAD) {
    throw new RecordBatchEncodeError('the compressed records are larger than a batch can hold (2 GiB)');
  }
  const out = Buffer.allocUnsafe(RECORD_BATCH_OVERHEAD + records.length);
  out.set(records, RECORD_BATCH_OVERHEAD);
  finishBatch(out, fields, count, timestamps.baseTimestamp, timestamps.maxTimestamp);
  return out;
}

/**
 * Encodes one batch synchronously. zstd on Node < 22.15 needs `await loadCompressionCodec('zstd')` first
 * (or use encodeRecordBatch).
 */
export function encodeRecordBatchSync(batch: RecordBatchInput): Uint8Array {
  const codec = codecOf(batch);
  const fields = headerFields(batch, codec);
  const records = batch.records;
  const plan = planRecords(records);
  if (codec === 'none') {
    const out = Buffer.allocUnsafe(RECORD_BATCH_OVERHEAD + plan.size);
    writeRecords(out, RECORD_BATCH_OVERHEAD, records, plan);
    finishBatch(out, fields, records.length, plan.baseTimestamp, plan.maxTimestamp);
    return out;
  }
  const section = writeRecordsToScratch(records, plan);
  return assemble(
    compressSyncTransient(codec, section, batch.compressionLevel),
    fields,
    records.length,
    plan,
  );
}

export interface EncodeOptions {
  /**
   * Worker threads for the codecs that would otherwise compress on the event loop (lz4, snappy, and
   * zstd on Node < 22.15). Sections of at least `pool.minBytes` go to a worker; smaller ones, and every
   * section while the pool is closed or unhealthy, are compressed on the loop. The bytes are the same
   * either way.
   */
  compressionPool?: CompressionWorkerPool;
}

/**
 * Encodes one batch. Compression runs off the event loop where the runtime allows it (gzip, and zstd on
 * Node >= 22.15, use libuv's thread pool; lz4, snappy and WASM zstd use `options.compressionPool` when
 * given and the section is large enough); otherwise lz4 and snappy run inline.
 */
export async function encodeRecordBatch(
  batch: RecordBatchInput,
  options: EncodeOptions = {},
): Promise<Uint8Array> {
  const codec = codecOf(batch);
  if (codec === 'none') return encodeRecordBatchSync(batch);
  const fields = headerFields(batch, codec);
  const records = batch.records;
  const plan = planRecords(records);
  const pool = options.compressionPool;
  const toWorker = pool !== undefined && compressesOnEventLoop(codec) && pool.accepts(plan.size);
  // The section must outlive this call (a worker or libuv's thread pool reads it later), so not the shared
  // scratch; for a worker, its own buffer, whole, so that it is transferred rather than copied.
  const section =
    toWorker || !compressesInline(codec, batch.compressionLevel, options)
      ? toWorker
        ? Buffer.allocUnsafeSlow(plan.size)
        : Buffer.allocUnsafe(plan.size)
      : null;
  if (section === null) {
    return assemble(
      compressSyncTransient(codec, writeRecordsToScratch(records, plan), batch.compressionLevel),
      fields,
      records.length,
      plan,
    );
  }
  writeRecords(section, 0, records, plan);
  const out = await compressSection(
    codec,
    batch.compressionLevel,
    section,
    fields,
    records.length,
    plan,
    options,
  );
  // The worker died or the pool closed after the section was handed over: encode again, on the loop.
  return out ?? encodeRecordBatch(batch);
}

/** True when `codec` compresses on the event loop right now (no await needed before compressSync). */
function compressesInline(
  codec: CompressionType,
  level: number | undefined,
  options: EncodeOptions,
): boolean {
  if (codec === 'snappy' || codec === 'lz4') return true;
  if (codec === 'zstd' && zstdCompressesInline(level)) return true;
  return (
    options.compressionPool !== undefined && compressesOnEventLoop(codec) && isCompressionCodecReady(codec)
  );
}

/**
 * Compresses a record section into a new header + compressed buffer and finishes that batch: large sections
 * of the codecs that would run on the event loop go to `options.compressionPool`'s worker (the section is
 * transferred when it owns its whole ArrayBuffer, copied otherwise); gzip and native zstd run on libuv's
 * thread pool; lz4, snappy and small sections inline. The section must stay unchanged until this resolves.
 * Resolves with null only when a worker failed after the section was transferred (it is gone).
 */
export async function compressSection(
  codec: Exclude<CompressionType, 'none'>,
  level: number | undefined,
  section: Uint8Array,
  fields: HeaderFields,
  count: number,
  timestamps: { baseTimestamp: bigint; maxTimestamp: bigint },
  options: EncodeOptions,
): Promise<Uint8Array | null> {
  const pool = options.compressionPool;
  if (pool !== undefined && compressesOnEventLoop(codec) && pool.accepts(section.length)) {
    try {
      const out = await pool.compress(codec, section, level, RECORD_BATCH_OVERHEAD);
      if (out.length > INT32_MAX) {
        throw new RecordBatchEncodeError('the compressed records are larger than a batch can hold (2 GiB)');
      }
      const bytes = Buffer.from(out.buffer, out.byteOffset, out.length);
      finishBatch(bytes, fields, count, timestamps.baseTimestamp, timestamps.maxTimestamp);
      return bytes;
    } catch (error) {
      if (error instanceof RecordBatchEncodeError) throw error;
      // The worker died or the pool closed (or the codec failed, which the loop reports properly).
      if (section.buffer.byteLength === 0) return null;
    }
  }
  if (compressesInline(codec, level, options)) {
    return assemble(compressSyncTransient(codec, section, level), fields, count, timestamps);
  }
  if (!isCompressionCodecReady(codec)) await loadCompressionCodec(codec);
  return assemble(await compress(codec, section, level), fields, count, timestamps);
}

// --- re-stamping -----------------------------------------------------------------------------------

/**
 * Writes producerId, producerEpoch and baseSequence into the encoded batch that starts at `offset` of
 * `bytes` and recomputes its CRC (the fields are inside the checksummed range). Works for compressed
 * batches too: the header is never compressed. Returns the new CRC.
 */
export function stampProducerState(bytes: Uint8Array, state: ProducerState, offset = 0): number {
  checkProducerState(state);
  if (offset < 0 || bytes.length - offset < RECORD_BATCH_OVERHEAD) {
    throw new RecordBatchEncodeError(
      `no record batch header at offset ${offset} (only ${bytes.length - offset} bytes)`,
    );
  }
  const view = new DataView(bytes.buffer, bytes.byteOffset + offset, bytes.length - offset);
  const size = view.getInt32(BATCH_LENGTH_OFFSET) + LOG_OVERHEAD;
  if (
    view.getInt8(MAGIC_OFFSET) !== MAGIC_V2 ||
    size < RECORD_BATCH_OVERHEAD ||
    size > bytes.length - offset
  ) {
    throw new RecordBatchEncodeError(`the bytes at offset ${offset} are not a complete RecordBatch v2`);
  }
  view.setBigInt64(PRODUCER_ID_OFFSET, state.producerId);
  view.setInt16(PRODUCER_EPOCH_OFFSET, state.producerEpoch);
  view.setInt32(BASE_SEQUENCE_OFFSET, state.baseSequence);
  const crc = crc32c(bytes, offset + ATTRIBUTES_OFFSET, offset + size);
  view.setUint32(CRC_OFFSET, crc);
  return crc;
}
