// Sizing and writing single records of a RecordBatch v2 (layout in layout.ts). Sizes are exact, so a
// batch is allocated once and "batch full" decisions are exact.
//
// Hot-path choices, measured with bench/encode.mjs: timestamps are bigint in the API but deltas are
// computed as doubles (exact while they stay below 2^53; a bigint path covers the rest); keys and values
// are copied with TypedArray.prototype.set, which beat a byte loop even for 16 bytes (12.8 vs 16.1 ns;
// 18 vs 87 ns for 100 bytes); header keys get an ASCII fast path and fall back to Buffer's UTF-8 writer.
import { INT64_MAX, INT64_MIN } from '../protocol/int-limits.js';
import {
  varintSize,
  varlongSize,
  varlongSizeNumber,
  writeVarint,
  writeVarlong,
  writeVarlongNumber,
} from '../protocol/varint.js';
import { RecordBatchEncodeError } from './errors.js';
import type { RecordHeader, RecordInput } from './types.js';

const EXACT_LIMIT = 2 ** 53;

// Number(bigint) allocates a HeapNumber for every value outside the small-integer range (every epoch-ms
// timestamp) and costs ~12 ns; storing the bigint into a BigInt64Array slot and reading the two 32-bit
// halves back costs ~5 ns and allocates nothing. Values outside int64 wrap in the slot, so callers check
// the int64 range separately.
const int64Slot = new BigInt64Array(1);
const int64Halves = new Int32Array(int64Slot.buffer);
const LITTLE_ENDIAN = new Uint8Array(new Uint16Array([1]).buffer)[0] === 1;
const HIGH = LITTLE_ENDIAN ? 1 : 0;
const LOW = 1 - HIGH;

/** The int64 `value` as a double (exact while |value| < 2^53), without allocating. */
export function int64ToNumber(value: bigint): number {
  int64Slot[0] = value;
  return int64Halves[HIGH]! * 4294967296 + (int64Halves[LOW]! >>> 0);
}

export function isInt64(value: bigint): boolean {
  return value >= INT64_MIN && value <= INT64_MAX;
}

/** Returned by timestampDeltaNumber when the delta needs bigint. An integer, not NaN: testing for it is
 *  a plain comparison (Number.isNaN showed up boxing doubles in allocation profiles). */
export const BIGINT_DELTA = EXACT_LIMIT;

/**
 * timestamp - baseTimestamp as a double, or BIGINT_DELTA when it cannot be represented exactly (the
 * callers then take the bigint path). Like Java, the delta wraps at 64 bits.
 */
export function timestampDeltaNumber(timestamp: bigint, baseNumber: number): number {
  if (!isInt64(timestamp)) return BIGINT_DELTA;
  const t = int64ToNumber(timestamp);
  const delta = t - baseNumber;
  // Both operands exact and |delta| < 2^53 means the subtraction was exact too.
  return t < EXACT_LIMIT && t > -EXACT_LIMIT && delta < EXACT_LIMIT && delta > -EXACT_LIMIT
    ? delta
    : BIGINT_DELTA;
}

export function timestampDeltaBigint(timestamp: bigint, baseTimestamp: bigint): bigint {
  return BigInt.asIntN(64, timestamp - baseTimestamp);
}

export function checkTimestamp(timestamp: unknown, index: number): asserts timestamp is bigint {
  if (typeof timestamp !== 'bigint' || timestamp < INT64_MIN || timestamp > INT64_MAX) {
    throw new RecordBatchEncodeError(
      `record ${index}: timestamp must be a bigint in the int64 range (milliseconds since the epoch), ` +
        `got ${typeof timestamp === 'bigint' ? timestamp : typeof timestamp}`,
    );
  }
}

/** Bytes of `s` in UTF-8. ASCII needs no second pass. */
export function utf8Length(s: string): number {
  const n = s.length;
  for (let i = 0; i < n; i++) {
    if (s.charCodeAt(i) >= 0x80) return Buffer.byteLength(s, 'utf8');
  }
  return n;
}

// Header keys repeat from record to record (usually the very same string), so the last key's UTF-8
// length is remembered instead of being scanned twice per record.
let lastHeaderKey = '';
let lastHeaderKeyLength = 0;

function headerKeyLength(key: string): number {
  if (key !== lastHeaderKey) {
    lastHeaderKeyLength = utf8Length(key);
    lastHeaderKey = key;
  }
  return lastHeaderKeyLength;
}

function writeUtf8(buf: Uint8Array, p: number, s: string, byteLength: number): number {
  const n = s.length;
  if (byteLength === n) {
    for (let i = 0; i < n; i++) buf[p + i] = s.charCodeAt(i);
  } else {
    Buffer.from(buf.buffer, buf.byteOffset, buf.byteLength).write(s, p, byteLength, 'utf8');
  }
  return p + byteLength;
}

function copyBytes(buf: Uint8Array, p: number, src: Uint8Array): number {
  buf.set(src, p);
  return p + src.length;
}

/** `field` names the field for the error message: 'key', 'value' or a header number. The message is
 *  only built when thrown (an eager template string per header was most of the encoder's garbage). */
function bytesFieldSize(bytes: Uint8Array | null, field: 'key' | 'value' | number, index: number): number {
  if (bytes === null) return 1;
  if (!(bytes instanceof Uint8Array)) {
    const what = typeof field === 'number' ? `header ${field} value` : field;
    throw new RecordBatchEncodeError(
      `record ${index}: ${what} must be a Uint8Array (or Buffer) or null, got ${typeof bytes}`,
    );
  }
  const n = bytes.length;
  return varintSize(n) + n;
}

function headersSize(headers: RecordHeader[] | undefined, index: number): number {
  if (headers === undefined) return 1;
  if (!Array.isArray(headers)) {
    throw new RecordBatchEncodeError(`record ${index}: headers must be an array of { key, value }`);
  }
  const count = headers.length;
  let size = varintSize(count);
  for (let h = 0; h < count; h++) {
    const header = headers[h]!;
    const key = header.key;
    if (typeof key !== 'string') {
      throw new RecordBatchEncodeError(
        `record ${index}: header ${h} key must be a string (Kafka header keys are never null)`,
      );
    }
    const keyLength = headerKeyLength(key);
    size += varintSize(keyLength) + keyLength + bytesFieldSize(header.value, h, index);
  }
  return size;
}

/** Bytes of a record after its length varint, for a timestamp delta given as a double. */
export function recordBodySize(
  record: RecordInput,
  offsetDelta: number,
  timestampDelta: number,
  index: number,
): number {
  return (
    1 + // attributes
    varlongSizeNumber(timestampDelta) +
    varintSize(offsetDelta) +
    bytesFieldSize(record.key, 'key', index) +
    bytesFieldSize(record.value, 'value', index) +
    headersSize(record.headers, index)
  );
}

/** Same as recordBodySize for a delta that needs bigint. */
export function recordBodySizeBigint(
  record: RecordInput,
  offsetDelta: number,
  timestampDelta: bigint,
  index: number,
): number {
  return recordBodySize(record, offsetDelta, 0, index) - 1 + varlongSize(timestampDelta);
}

/**
 * Exact encoded size of `record` (including its length prefix) as record number `offsetDelta` of a batch,
 * where `timestampDelta` = record.timestamp - the batch's baseTimestamp (the first record's timestamp;
 * 0 for the first record). A batch's uncompressed size is RECORD_BATCH_OVERHEAD plus the recordSize of
 * each of its records, so the producer can tell exactly when a batch is full.
 */
export function recordSize(
  record: RecordInput,
  offsetDelta: number,
  timestampDelta: bigint | number,
): number {
  let body: number;
  if (typeof timestampDelta === 'number') {
    if (!Number.isSafeInteger(timestampDelta)) {
      throw new RecordBatchEncodeError(
        `timestampDelta must be a whole number of milliseconds, got ${timestampDelta}`,
      );
    }
    body = recordBodySize(record, offsetDelta, timestampDelta, offsetDelta);
  } else {
    const delta = BigInt.asIntN(64, timestampDelta);
    body = isExactNumber(delta)
      ? recordBodySize(record, offsetDelta, int64ToNumber(delta), offsetDelta)
      : recordBodySizeBigint(record, offsetDelta, delta, offsetDelta);
  }
  return varintSize(body) + body;
}

export function isExactNumber(value: bigint): boolean {
  if (!isInt64(value)) return false;
  const n = int64ToNumber(value);
  return n < EXACT_LIMIT && n > -EXACT_LIMIT;
}

function writeBytesField(buf: Uint8Array, p: number, bytes: Uint8Array | null): number {
  if (bytes === null) {
    buf[p] = 1; // zigzag(-1)
    return p + 1;
  }
  p = writeVarint(buf, p, bytes.length);
  return copyBytes(buf, p, bytes);
}

/**
 * Writes a record whose body size was computed by recordBodySize(…) with the same arguments. Exactly one
 * of `timestampDelta` (BIGINT_DELTA when unused) and `timestampDeltaBig` is used. Returns the new offset.
 */
export function writeRecord(
  buf: Uint8Array,
  p: number,
  record: RecordInput,
  offsetDelta: number,
  timestampDelta: number,
  timestampDeltaBig: bigint,
  bodySize: number,
): number {
  p = writeVarint(buf, p, bodySize);
  buf[p++] = 0; // attributes
  p =
    timestampDelta === BIGINT_DELTA
      ? writeVarlong(buf, p, timestampDeltaBig)
      : writeVarlongNumber(buf, p, timestampDelta);
  p = writeVarint(buf, p, offsetDelta);
  p = writeBytesField(buf, p, record.key);
  p = writeBytesField(buf, p, record.value);
  const headers = record.headers;
  if (headers === undefined) {
    buf[p++] = 0;
    return p;
  }
  const count = headers.length;
  p = writeVarint(buf, p, count);
  for (let h = 0; h < count; h++) {
    const header = headers[h]!;
    const key = header.key;
    const keyLength = headerKeyLength(key);
    p = writeVarint(buf, p, keyLength);
    p = writeUtf8(buf, p, key, keyLength);
    p = writeBytesField(buf, p, header.value);
  }
  return p;
}
