// Variable-length integers as Kafka writes them, shared by the protocol layer (unsigned varints in
// compact/flexible fields and tagged sections) and the record layer (zigzag varints and varlongs inside
// RecordBatch v2 records).
//
// Sizes are computed without encoding so that callers can pre-size one buffer and write into it once.
// Writers take (buf, offset, value) and return the offset after the written bytes; readers never look
// past `end` and return -1 as the new offset when the input is truncated or the varint is too long, so
// that the caller (the Reader) can turn that into a single typed error with context.

/** Bytes an unsigned 32-bit varint takes (1..5). `value` is treated as uint32. */
export function uvarintSize(value: number): number {
  value >>>= 0;
  if (value < 0x80) return 1;
  if (value < 0x4000) return 2;
  if (value < 0x200000) return 3;
  if (value < 0x10000000) return 4;
  return 5;
}

/** Writes `value` (as uint32) as an unsigned varint, 7 bits per byte, least significant group first. */
export function writeUvarint(buf: Uint8Array, offset: number, value: number): number {
  value >>>= 0;
  while (value >= 0x80) {
    buf[offset++] = (value & 0x7f) | 0x80;
    value >>>= 7;
  }
  buf[offset++] = value;
  return offset;
}

/** Zigzag maps signed to unsigned so that small magnitudes stay short: 0→0, -1→1, 1→2, -2→3. */
export function zigzag32(value: number): number {
  return ((value << 1) ^ (value >> 31)) >>> 0;
}

export function unzigzag32(value: number): number {
  return (value >>> 1) ^ -(value & 1);
}

/** Bytes a zigzag (signed) 32-bit varint takes. */
export function varintSize(value: number): number {
  return uvarintSize(zigzag32(value));
}

export function writeVarint(buf: Uint8Array, offset: number, value: number): number {
  return writeUvarint(buf, offset, zigzag32(value));
}

// --- 64-bit (varlong) ---------------------------------------------------------------------------------
// Record timestamp deltas are varlongs. They almost always fit in a JS safe integer, so the number forms
// below avoid bigint on the hot path; the bigint forms cover the full int64 range.

const TWO_POW_32 = 0x1_0000_0000;
const ZIGZAG_EXACT = 2 ** 52;

/** Bytes a zigzag varlong takes, for a safe integer. */
export function varlongSizeNumber(value: number): number {
  // zigzag(v) = 2v for v >= 0, -2v - 1 for v < 0; exact in doubles while |v| <= 2^52, bigint beyond.
  if (value > ZIGZAG_EXACT || value < -ZIGZAG_EXACT) return varlongSize(BigInt(value));
  const z = value >= 0 ? value * 2 : -value * 2 - 1;
  if (z < TWO_POW_32) return uvarintSize(z);
  let size = 5;
  let rest = Math.floor(z / 2 ** 35);
  while (rest > 0) {
    size++;
    rest = Math.floor(rest / 128);
  }
  return size;
}

/** Writes a safe-integer value as a zigzag varlong. */
export function writeVarlongNumber(buf: Uint8Array, offset: number, value: number): number {
  if (value > ZIGZAG_EXACT || value < -ZIGZAG_EXACT) return writeVarlong(buf, offset, BigInt(value));
  let z = value >= 0 ? value * 2 : -value * 2 - 1;
  if (z < TWO_POW_32) return writeUvarint(buf, offset, z);
  while (z >= 0x80) {
    buf[offset++] = (z % 0x80) | 0x80;
    z = Math.floor(z / 0x80);
  }
  buf[offset++] = z;
  return offset;
}

const MASK_64 = (1n << 64n) - 1n;

function zigzag64(value: bigint): bigint {
  return ((value << 1n) ^ (value >> 63n)) & MASK_64;
}

/** Bytes a zigzag varlong takes (1..10), full int64 range. */
export function varlongSize(value: bigint): number {
  let z = zigzag64(value);
  let size = 1;
  while (z >= 0x80n) {
    size++;
    z >>= 7n;
  }
  return size;
}

export function writeVarlong(buf: Uint8Array, offset: number, value: bigint): number {
  let z = zigzag64(value);
  while (z >= 0x80n) {
    buf[offset++] = Number(z & 0x7fn) | 0x80;
    z >>= 7n;
  }
  buf[offset++] = Number(z);
  return offset;
}

// --- readers ------------------------------------------------------------------------------------------
// Each returns the decoded value through `out` and the new offset, or -1 when the input ends too early or
// the varint runs longer than its type allows (corrupt input). No allocation per call.

export interface VarintResult {
  value: number;
}

export interface VarlongResult {
  value: bigint;
}

/** Reads an unsigned varint of at most 5 bytes (uint32). */
export function readUvarint(buf: Uint8Array, offset: number, end: number, out: VarintResult): number {
  let result = 0;
  for (let shift = 0; shift < 35; shift += 7) {
    if (offset >= end) return -1;
    const byte = buf[offset++]!;
    // The fifth byte may carry only the top 4 bits of a uint32.
    if (shift === 28 && byte > 0x0f) return -1;
    result |= (byte & 0x7f) << shift;
    if (byte < 0x80) {
      out.value = result >>> 0;
      return offset;
    }
  }
  return -1;
}

/** Reads a zigzag varint (int32). */
export function readVarint(buf: Uint8Array, offset: number, end: number, out: VarintResult): number {
  const next = readUvarint(buf, offset, end, out);
  if (next >= 0) out.value = unzigzag32(out.value);
  return next;
}

/** Reads a zigzag varlong (int64) of at most 10 bytes. */
export function readVarlong(buf: Uint8Array, offset: number, end: number, out: VarlongResult): number {
  // Fast path: up to 4 bytes fits in 28 bits, no bigint needed.
  let small = 0;
  for (let i = 0; i < 4; i++) {
    if (offset + i >= end) return -1;
    const byte = buf[offset + i]!;
    small |= (byte & 0x7f) << (7 * i);
    if (byte < 0x80) {
      out.value = BigInt((small >>> 1) ^ -(small & 1));
      return offset + i + 1;
    }
  }
  let z = 0n;
  for (let shift = 0n; shift < 70n; shift += 7n) {
    if (offset >= end) return -1;
    const byte = buf[offset++]!;
    if (shift === 63n && byte > 0x01) return -1;
    z |= BigInt(byte & 0x7f) << shift;
    if (byte < 0x80) {
      out.value = BigInt.asIntN(64, (z >> 1n) ^ -(z & 1n));
      return offset;
    }
  }
  return -1;
}
