// Decoding concatenated RecordBatch v2 data, e.g. the records of a fetch response or a log segment.
//
// Rules (after Java's ByteBufferLogInputStream and DefaultRecordBatch):
//   - fewer than 12 bytes left, or a batch whose declared length runs past the end: a partial trailing
//     batch, as brokers send when a fetch hits its size limit. Decoding stops there without an error.
//   - a complete batch that is malformed (length below the v2 minimum, magic other than 2, CRC mismatch,
//     unknown codec, records that do not add up) is an error: RecordBatchDecodeError (CRC:
//     RecordBatchCrcMismatchError) with the byte offset.
// Every length read from the input is checked against the bytes actually there before it is used, and
// counts are checked against the smallest size their items can take, so bogus lengths never drive an
// allocation. Keys, values and header values are views (subarray) of the input or of the decompressed
// records, not copies: copy them if the input buffer will be reused.
import { INT32_MAX } from '../protocol/int-limits.js';
import { readVarint, readVarlong, type VarintResult, type VarlongResult } from '../protocol/varint.js';
import {
  codecFromId,
  DEFAULT_MAX_DECOMPRESSED_BYTES,
  decompress,
  decompressSync,
} from './compression/index.js';
import { crc32c } from './crc32c.js';
import { CompressionError, RecordBatchCrcMismatchError, RecordBatchDecodeError } from './errors.js';
import {
  ATTRIBUTES_OFFSET,
  BASE_OFFSET_OFFSET,
  BASE_SEQUENCE_OFFSET,
  BASE_TIMESTAMP_OFFSET,
  BATCH_LENGTH_OFFSET,
  COMPRESSION_CODEC_MASK,
  CONTROL_FLAG_MASK,
  CRC_OFFSET,
  LAST_OFFSET_DELTA_OFFSET,
  LOG_OVERHEAD,
  MAGIC_OFFSET,
  MAGIC_V2,
  MAX_TIMESTAMP_OFFSET,
  MIN_BATCH_LENGTH,
  MIN_RECORD_SIZE,
  PARTITION_LEADER_EPOCH_OFFSET,
  PRODUCER_EPOCH_OFFSET,
  PRODUCER_ID_OFFSET,
  RECORD_BATCH_OVERHEAD,
  RECORDS_COUNT_OFFSET,
  TIMESTAMP_TYPE_MASK,
  TRANSACTIONAL_FLAG_MASK,
} from './layout.js';
import type {
  CompressionType,
  DecodedRecord,
  DecodedRecordBatch,
  DecodeOptions,
  RecordHeader,
} from './types.js';

/** The header of one complete batch, plus where its records are. */
interface BatchHeader {
  batch: DecodedRecordBatch;
  start: number;
  recordsStart: number;
  end: number;
  count: number;
}

/** Sequence numbers wrap from Int32 max to 0 (Java's DefaultRecordBatch.incrementSequence). */
export function incrementSequence(sequence: number, increment: number): number {
  if (sequence > INT32_MAX - increment) return increment - (INT32_MAX - sequence) - 1;
  return sequence + increment;
}

/**
 * Reads the header of the batch at `pos`. Returns undefined for an incomplete trailing batch; throws for
 * a complete batch that is malformed.
 */
function readBatchHeader(bytes: Uint8Array, view: DataView, pos: number): BatchHeader | undefined {
  const remaining = bytes.length - pos;
  if (remaining < LOG_OVERHEAD) return undefined;
  const batchLength = view.getInt32(pos + BATCH_LENGTH_OFFSET);
  if (batchLength < MIN_BATCH_LENGTH) {
    throw new RecordBatchDecodeError(
      `batchLength ${batchLength} is below the minimum ${MIN_BATCH_LENGTH} of a v2 batch`,
      pos + BATCH_LENGTH_OFFSET,
      pos,
    );
  }
  const size = batchLength + LOG_OVERHEAD;
  if (size > remaining) return undefined;
  const magic = view.getInt8(pos + MAGIC_OFFSET);
  if (magic !== MAGIC_V2) {
    throw new RecordBatchDecodeError(
      `magic ${magic} is not supported (only RecordBatch v2, magic 2, written since Kafka 0.11)`,
      pos + MAGIC_OFFSET,
      pos,
    );
  }
  const end = pos + size;
  const storedCrc = view.getUint32(pos + CRC_OFFSET);
  const actualCrc = crc32c(bytes, pos + ATTRIBUTES_OFFSET, end);
  if (storedCrc !== actualCrc)
    throw new RecordBatchCrcMismatchError(pos + CRC_OFFSET, pos, storedCrc, actualCrc);

  const attributes = view.getInt16(pos + ATTRIBUTES_OFFSET);
  const compression = codecFromId(attributes & COMPRESSION_CODEC_MASK);
  if (compression === undefined) {
    throw new RecordBatchDecodeError(
      `unknown compression codec id ${attributes & COMPRESSION_CODEC_MASK}`,
      pos + ATTRIBUTES_OFFSET,
      pos,
    );
  }
  const count = view.getInt32(pos + RECORDS_COUNT_OFFSET);
  if (count < 0) {
    throw new RecordBatchDecodeError(`negative record count ${count}`, pos + RECORDS_COUNT_OFFSET, pos);
  }
  const lastOffsetDelta = view.getInt32(pos + LAST_OFFSET_DELTA_OFFSET);
  const baseSequence = view.getInt32(pos + BASE_SEQUENCE_OFFSET);
  return {
    start: pos,
    recordsStart: pos + RECORD_BATCH_OVERHEAD,
    end,
    count,
    batch: {
      baseOffset: view.getBigInt64(pos + BASE_OFFSET_OFFSET),
      partitionLeaderEpoch: view.getInt32(pos + PARTITION_LEADER_EPOCH_OFFSET),
      compression,
      timestampType: (attributes & TIMESTAMP_TYPE_MASK) !== 0 ? 'log-append' : 'create',
      producerId: view.getBigInt64(pos + PRODUCER_ID_OFFSET),
      producerEpoch: view.getInt16(pos + PRODUCER_EPOCH_OFFSET),
      baseSequence,
      lastSequence: baseSequence < 0 ? -1 : incrementSequence(baseSequence, lastOffsetDelta),
      transactional: (attributes & TRANSACTIONAL_FLAG_MASK) !== 0,
      isControlBatch: (attributes & CONTROL_FLAG_MASK) !== 0,
      crc: storedCrc,
      attributes,
      lastOffsetDelta,
      baseTimestamp: view.getBigInt64(pos + BASE_TIMESTAMP_OFFSET),
      maxTimestamp: view.getBigInt64(pos + MAX_TIMESTAMP_OFFSET),
      sizeInBytes: size,
      records: [],
    },
  };
}

// Reused by every call: decoding is synchronous between these reads.
const intOut: VarintResult = { value: 0 };
const longOut: VarlongResult = { value: 0n };
const textDecoder = new TextDecoder();

function decodeUtf8(bytes: Uint8Array, start: number, end: number): string {
  if (end - start <= 32) {
    let s = '';
    for (let i = start; i < end; i++) {
      const c = bytes[i]!;
      if (c >= 0x80) return textDecoder.decode(bytes.subarray(start, end));
      s += String.fromCharCode(c);
    }
    return s;
  }
  return textDecoder.decode(bytes.subarray(start, end));
}

/** Thrown inside record parsing; converted to a RecordBatchDecodeError with positions by the caller. */
class RecordsError extends Error {
  constructor(
    message: string,
    readonly position: number,
  ) {
    super(message);
  }
}

function varint(buf: Uint8Array, p: number, end: number, what: string): number {
  const next = readVarint(buf, p, end, intOut);
  if (next < 0) throw new RecordsError(`${what}: varint cut off or longer than 5 bytes`, p);
  return next;
}

/** Reads a length-prefixed byte field at intOut-position p; returns [bytes, next]. */
function bytesField(
  buf: Uint8Array,
  p: number,
  end: number,
  what: string,
  out: { bytes: Uint8Array | null },
): number {
  const start = p;
  p = varint(buf, p, end, `${what} length`);
  const length = intOut.value;
  if (length === -1) {
    out.bytes = null;
    return p;
  }
  if (length < -1) throw new RecordsError(`${what} length ${length} is negative`, start);
  if (length > end - p)
    throw new RecordsError(`${what} length ${length} runs past the end of the record`, start);
  // A plain Uint8Array view whatever the input's class (Buffer or not), so results look the same.
  out.bytes = new Uint8Array(buf.buffer, buf.byteOffset + p, length);
  return p + length;
}

const field: { bytes: Uint8Array | null } = { bytes: null };

/** Parses `count` records from buf[p, end), which must be consumed exactly. */
function parseRecords(
  buf: Uint8Array,
  p: number,
  end: number,
  count: number,
  batch: DecodedRecordBatch,
): DecodedRecord[] {
  if (count > (end - p) / MIN_RECORD_SIZE) {
    throw new RecordsError(`record count ${count} cannot fit in ${end - p} bytes of records`, p);
  }
  const records: DecodedRecord[] = new Array(count);
  const baseOffset = batch.baseOffset;
  const baseTimestamp = batch.baseTimestamp;
  // With LogAppendTime every record reads as the time the broker appended the batch (its maxTimestamp),
  // whatever the record carries, as Java's DefaultRecordBatch reports it.
  const logAppendTime = batch.timestampType === 'log-append' ? batch.maxTimestamp : undefined;
  for (let i = 0; i < count; i++) {
    const recordStart = p;
    p = varint(buf, p, end, `record ${i} length`);
    const length = intOut.value;
    if (length < MIN_RECORD_SIZE - 1 || length > end - p) {
      throw new RecordsError(`record ${i} length ${length} is impossible here`, recordStart);
    }
    const recordEnd = p + length;
    p++; // attributes: unused by magic 2
    const deltaStart = p;
    p = readVarlong(buf, p, recordEnd, longOut);
    if (p < 0) throw new RecordsError(`record ${i} timestampDelta: varlong cut off or too long`, deltaStart);
    const timestamp = logAppendTime ?? BigInt.asIntN(64, baseTimestamp + longOut.value);
    p = varint(buf, p, recordEnd, `record ${i} offsetDelta`);
    const offset = baseOffset + BigInt(intOut.value);
    p = bytesField(buf, p, recordEnd, `record ${i} key`, field);
    const key = field.bytes;
    p = bytesField(buf, p, recordEnd, `record ${i} value`, field);
    const value = field.bytes;
    const countStart = p;
    p = varint(buf, p, recordEnd, `record ${i} header count`);
    const headerCount = intOut.value;
    // A header takes at least 2 bytes (empty key, null value).
    if (headerCount < 0 || headerCount > (recordEnd - p) / 2) {
      throw new RecordsError(`record ${i} header count ${headerCount} is impossible here`, countStart);
    }
    const headers: RecordHeader[] = new Array(headerCount);
    for (let h = 0; h < headerCount; h++) {
      const keyStart = p;
      p = varint(buf, p, recordEnd, `record ${i} header ${h} key length`);
      const keyLength = intOut.value;
      if (keyLength < 0 || keyLength > recordEnd - p) {
        throw new RecordsError(
          `record ${i} header ${h} key length ${keyLength} is impossible here`,
          keyStart,
        );
      }
      const headerKey = decodeUtf8(buf, p, p + keyLength);
      p += keyLength;
      p = bytesField(buf, p, recordEnd, `record ${i} header ${h} value`, field);
      headers[h] = { key: headerKey, value: field.bytes };
    }
    if (p !== recordEnd) {
      throw new RecordsError(
        `record ${i} declares ${length} bytes but its fields end ${recordEnd - p} bytes earlier`,
        recordStart,
      );
    }
    records[i] = { key, value, headers, timestamp, offset };
  }
  if (p !== end) throw new RecordsError(`${end - p} bytes left after the declared ${count} records`, p);
  return records;
}

function recordsError(error: unknown, header: BatchHeader, compressed: boolean): never {
  if (error instanceof RecordsError) {
    // Uncompressed records are parsed in place, so their positions are already positions in the input.
    const where = compressed ? header.recordsStart : error.position;
    const detail = compressed ? ` (byte ${error.position} of the decompressed records)` : '';
    throw new RecordBatchDecodeError(`${error.message}${detail}`, where, header.start, error);
  }
  if (error instanceof CompressionError) {
    throw new RecordBatchDecodeError(
      `${header.batch.compression} records could not be decompressed: ${error.message}`,
      header.recordsStart,
      header.start,
      error,
    );
  }
  throw error;
}

function checkCompressedCount(header: BatchHeader, maxBytes: number): void {
  if (header.count > maxBytes / MIN_RECORD_SIZE) {
    throw new RecordBatchDecodeError(
      `record count ${header.count} exceeds what the decompression limit of ${maxBytes} bytes can hold`,
      header.start + RECORDS_COUNT_OFFSET,
      header.start,
    );
  }
}

function finishBatch(header: BatchHeader, records: Uint8Array, compressed: boolean): DecodedRecordBatch {
  try {
    const start = compressed ? 0 : header.recordsStart;
    const end = compressed ? records.length : header.end;
    header.batch.records = parseRecords(records, start, end, header.count, header.batch);
  } catch (error) {
    recordsError(error, header, compressed);
  }
  return header.batch;
}

function viewOf(bytes: Uint8Array): DataView {
  if (!(bytes instanceof Uint8Array)) {
    throw new TypeError('decodeRecordBatches expects a Uint8Array (or Buffer)');
  }
  return new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
}

/** Decodes every complete batch in `bytes` synchronously (zstd on Node < 22.15 included: its
 *  decompressor is pure JS). */
export function decodeRecordBatchesSync(
  bytes: Uint8Array,
  options: DecodeOptions = {},
): DecodedRecordBatch[] {
  const view = viewOf(bytes);
  const maxBytes = options.maxDecompressedBytes ?? DEFAULT_MAX_DECOMPRESSED_BYTES;
  const batches: DecodedRecordBatch[] = [];
  for (let pos = 0; ; ) {
    const header = readBatchHeader(bytes, view, pos);
    if (header === undefined) return batches;
    const codec: CompressionType = header.batch.compression;
    if (codec === 'none') {
      batches.push(finishBatch(header, bytes, false));
    } else {
      checkCompressedCount(header, maxBytes);
      let records: Uint8Array;
      try {
        records = decompressSync(codec, bytes.subarray(header.recordsStart, header.end), maxBytes);
      } catch (error) {
        recordsError(error, header, true);
      }
      batches.push(finishBatch(header, records, true));
    }
    pos = header.end;
  }
}

/** Decodes every complete batch in `bytes`; gzip (and zstd on Node >= 22.15) inflate off the event loop. */
export async function decodeRecordBatches(
  bytes: Uint8Array,
  options: DecodeOptions = {},
): Promise<DecodedRecordBatch[]> {
  const view = viewOf(bytes);
  const maxBytes = options.maxDecompressedBytes ?? DEFAULT_MAX_DECOMPRESSED_BYTES;
  const batches: DecodedRecordBatch[] = [];
  for (let pos = 0; ; ) {
    const header = readBatchHeader(bytes, view, pos);
    if (header === undefined) return batches;
    const codec: CompressionType = header.batch.compression;
    if (codec === 'none') {
      batches.push(finishBatch(header, bytes, false));
    } else {
      checkCompressedCount(header, maxBytes);
      let records: Uint8Array;
      try {
        records = await decompress(codec, bytes.subarray(header.recordsStart, header.end), maxBytes);
      } catch (error) {
        recordsError(error, header, true);
      }
      batches.push(finishBatch(header, records, true));
    }
    pos = header.end;
  }
}
