// Snappy in pure TypeScript: the raw block format (format_description.txt in google/snappy) and the xerial
// framing that snappy-java's SnappyOutputStream, and therefore the Java producer, writes:
//
//   82 53 4E 41 50 50 59 00   magic ("\x82SNAPPY\0")
//   00 00 00 01               version 1            (int32 big-endian)
//   00 00 00 01               compatible version 1 (int32 big-endian)
//   then for every 32 KiB of input:
//   [int32 BE compressed length][raw snappy block]
//
// snappy-java's SnappyInputStream treats input without the magic as ONE raw block, so brokers and Java
// consumers accept both; we write the framing (what Java writes) and read both.
//
// Why our own code (bench/codecs.mjs, numbers in bench/README.md; 1,000-record section, MB/s compress /
// decompress): ours 740 / 643, snappyjs 410 / 787 (and it does not frame), the napi `snappy` package
// 1,344 / 987 but it is a native binary that would still need a pure fallback, and its sync calls in
// tight loops retain their output buffers unless told to copy. Compression is what a producer does.
import { CompressionError } from '../errors.js';
import { copyBytes, countMatch, read32, SHORT_COPY } from './bytes.js';

const XERIAL_MAGIC = [0x82, 0x53, 0x4e, 0x41, 0x50, 0x50, 0x59, 0x00];
const XERIAL_HEADER_SIZE = 16;
/** snappy-java's default SnappyOutputStream block size. */
const XERIAL_CHUNK_SIZE = 32 * 1024;
/** Snappy compresses in independent fragments of this size (kBlockSize in the reference code). */
const FRAGMENT_SIZE = 64 * 1024;
const INPUT_MARGIN = 15;
const MAX_HASH_LOG = 14;
const hashTable = new Uint16Array(1 << MAX_HASH_LOG);

/** Worst-case size of a raw block for `length` input bytes (MaxCompressedLength in the reference). */
export function snappyMaxCompressedLength(length: number): number {
  return 32 + length + Math.floor(length / 6);
}

function writeUvarint32(dst: Uint8Array, d: number, value: number): number {
  while (value >= 0x80) {
    dst[d++] = (value & 0x7f) | 0x80;
    value >>>= 7;
  }
  dst[d++] = value;
  return d;
}

function emitLiteral(dst: Uint8Array, d: number, src: Uint8Array, s: number, length: number): number {
  const n = length - 1;
  if (n < 60) {
    dst[d++] = n << 2;
  } else if (n < 0x100) {
    dst[d++] = 60 << 2;
    dst[d++] = n;
  } else if (n < 0x10000) {
    dst[d++] = 61 << 2;
    dst[d++] = n & 0xff;
    dst[d++] = n >>> 8;
  } else if (n < 0x1000000) {
    dst[d++] = 62 << 2;
    dst[d++] = n & 0xff;
    dst[d++] = (n >>> 8) & 0xff;
    dst[d++] = n >>> 16;
  } else {
    dst[d++] = 63 << 2;
    dst[d++] = n & 0xff;
    dst[d++] = (n >>> 8) & 0xff;
    dst[d++] = (n >>> 16) & 0xff;
    dst[d++] = n >>> 24;
  }
  // A byte loop here measured faster than 4-byte DataView copies (literal runs are short).
  if (length < SHORT_COPY) {
    for (let i = 0; i < length; i++) dst[d + i] = src[s + i]!;
    return d + length;
  }
  dst.set(src.subarray(s, s + length), d);
  return d + length;
}

function emitCopyUpTo64(dst: Uint8Array, d: number, offset: number, length: number): number {
  if (length < 12 && offset < 2048) {
    dst[d++] = 1 | ((length - 4) << 2) | ((offset >>> 8) << 5);
    dst[d++] = offset & 0xff;
  } else {
    dst[d++] = 2 | ((length - 1) << 2);
    dst[d++] = offset & 0xff;
    dst[d++] = offset >>> 8;
  }
  return d;
}

function emitCopy(dst: Uint8Array, d: number, offset: number, length: number): number {
  // Long matches go out as 64-byte copies; keeping the rest >= 4 needs a 60-byte one when 65..67 remain.
  while (length >= 68) {
    d = emitCopyUpTo64(dst, d, offset, 64);
    length -= 64;
  }
  if (length > 64) {
    d = emitCopyUpTo64(dst, d, offset, 60);
    length -= 60;
  }
  return emitCopyUpTo64(dst, d, offset, length);
}

/** Compresses one fragment src[start, end) (<= 64 KiB) with the reference algorithm: hash 4-byte
 *  sequences, skip faster through data that does not match, emit literals and copies. */
function compressFragment(src: Uint8Array, start: number, end: number, dst: Uint8Array, d: number): number {
  const length = end - start;
  let hashLog = 8;
  while (hashLog < MAX_HASH_LOG && 1 << hashLog < length) hashLog++;
  const shift = 32 - hashLog;
  const table = hashTable;
  table.fill(0, 0, 1 << hashLog);
  // 4-byte loads through a DataView: one inlined load instead of four byte loads and shifts.
  const sv = new DataView(src.buffer, src.byteOffset, src.byteLength);
  let nextEmit = start;
  if (length >= INPUT_MARGIN) {
    const ipLimit = end - INPUT_MARGIN;
    let ip = start + 1;
    let nextHash = Math.imul(sv.getInt32(ip, true), 0x1e35a7bd) >>> shift;
    outer: for (;;) {
      let skip = 32;
      let nextIp = ip;
      let candidate = 0;
      do {
        ip = nextIp;
        const hash = nextHash;
        const bytesBetweenLookups = skip >>> 5;
        skip += bytesBetweenLookups;
        nextIp = ip + bytesBetweenLookups;
        if (nextIp > ipLimit) break outer;
        nextHash = Math.imul(sv.getInt32(nextIp, true), 0x1e35a7bd) >>> shift;
        candidate = start + table[hash]!;
        table[hash] = ip - start;
      } while (sv.getInt32(ip, true) !== sv.getInt32(candidate, true));

      d = emitLiteral(dst, d, src, nextEmit, ip - nextEmit);
      // Emit copies for as long as the position right after a copy matches again.
      let candidateSeq: number;
      do {
        const base = ip;
        const matched = 4 + countMatch(sv, src, ip + 4, candidate + 4, end);
        ip += matched;
        d = emitCopy(dst, d, base - candidate, matched);
        nextEmit = ip;
        if (ip >= ipLimit) break outer;
        table[Math.imul(sv.getInt32(ip - 1, true), 0x1e35a7bd) >>> shift] = ip - 1 - start;
        const curHash = Math.imul(sv.getInt32(ip, true), 0x1e35a7bd) >>> shift;
        candidate = start + table[curHash]!;
        table[curHash] = ip - start;
        candidateSeq = sv.getInt32(candidate, true);
      } while (sv.getInt32(ip, true) === candidateSeq);
      ip++;
      nextHash = Math.imul(sv.getInt32(ip, true), 0x1e35a7bd) >>> shift;
    }
  }
  if (nextEmit < end) d = emitLiteral(dst, d, src, nextEmit, end - nextEmit);
  return d;
}

/** Compresses src[start, end) into one raw snappy block at dst[d]; returns the position after it.
 *  dst needs snappyMaxCompressedLength(end - start) bytes free. */
export function snappyCompressBlockInto(
  src: Uint8Array,
  start: number,
  end: number,
  dst: Uint8Array,
  d: number,
): number {
  d = writeUvarint32(dst, d, end - start);
  for (let s = start; s < end; s += FRAGMENT_SIZE) {
    d = compressFragment(src, s, Math.min(end, s + FRAGMENT_SIZE), dst, d);
  }
  return d;
}

/** Compresses `data` as snappy-java's SnappyOutputStream frames it (xerial framing, 32 KiB chunks). */
export function snappyCompressXerial(data: Uint8Array): Uint8Array {
  const length = data.length;
  const chunks = Math.ceil(length / XERIAL_CHUNK_SIZE);
  const out = Buffer.allocUnsafe(
    XERIAL_HEADER_SIZE + chunks * (4 + snappyMaxCompressedLength(XERIAL_CHUNK_SIZE)),
  );
  for (let i = 0; i < 8; i++) out[i] = XERIAL_MAGIC[i]!;
  out.writeInt32BE(1, 8);
  out.writeInt32BE(1, 12);
  let d = XERIAL_HEADER_SIZE;
  for (let s = 0; s < length; s += XERIAL_CHUNK_SIZE) {
    const end = Math.min(length, s + XERIAL_CHUNK_SIZE);
    const blockEnd = snappyCompressBlockInto(data, s, end, out, d + 4);
    out.writeInt32BE(blockEnd - d - 4, d);
    d = blockEnd;
  }
  return out.subarray(0, d);
}

/** Compresses `data` as one raw snappy block. */
export function snappyCompressRaw(data: Uint8Array): Uint8Array {
  const out = Buffer.allocUnsafe(snappyMaxCompressedLength(data.length) + 5);
  return out.subarray(0, snappyCompressBlockInto(data, 0, data.length, out, 0));
}

function fail(message: string, position: number): never {
  throw new CompressionError('snappy', message, position);
}

/** Reads a raw block's uncompressed length varint. Returns [length, position after it]. */
function readBlockLength(src: Uint8Array, s: number, end: number): [number, number] {
  let result = 0;
  for (let shift = 0; shift < 35; shift += 7) {
    if (s >= end) fail('block ends inside its length', s);
    const b = src[s++]!;
    if (shift === 28 && b > 0x0f) fail('block length does not fit 32 bits', s - 1);
    result += (b & 0x7f) * 2 ** shift;
    if (b < 0x80) return [result, s];
  }
  return fail('block length varint too long', s);
}

/** Upper bound of the output of `n` compressed bytes: a 3-byte copy element yields at most 64 bytes. */
function maxExpansion(n: number): number {
  return Math.floor((n * 64) / 3);
}

/** Decodes the raw block src[s, end) into dst at d, which has exactly `length` bytes reserved. */
function decompressBlockInto(
  src: Uint8Array,
  s: number,
  end: number,
  dst: Uint8Array,
  d: number,
  length: number,
): void {
  const start = d;
  const view = new DataView(dst.buffer, dst.byteOffset, dst.byteLength);
  const srcView = new DataView(src.buffer, src.byteOffset, src.byteLength);
  const dEnd = d + length;
  while (s < end) {
    const tag = src[s++]!;
    const kind = tag & 3;
    if (kind === 0) {
      let n = tag >>> 2;
      if (n >= 60) {
        const extra = n - 59;
        if (end - s < extra) fail('block ends inside a literal length', s);
        n = src[s]!;
        if (extra > 1) n |= src[s + 1]! << 8;
        if (extra > 2) n |= src[s + 2]! << 16;
        if (extra > 3) n = (n | (src[s + 3]! << 24)) >>> 0;
        s += extra;
      }
      n += 1;
      if (n > end - s) fail('literal runs past the end of the block', s);
      if (n > dEnd - d) fail('literal overflows the declared length', s);
      copyBytes(dst, view, d, src, srcView, s, n);
      s += n;
      d += n;
      continue;
    }
    let n: number;
    let offset: number;
    if (kind === 1) {
      if (s >= end) fail('block ends inside a copy', s);
      n = ((tag >>> 2) & 7) + 4;
      offset = ((tag >>> 5) << 8) | src[s++]!;
    } else if (kind === 2) {
      if (end - s < 2) fail('block ends inside a copy', s);
      n = (tag >>> 2) + 1;
      offset = src[s]! | (src[s + 1]! << 8);
      s += 2;
    } else {
      if (end - s < 4) fail('block ends inside a copy', s);
      n = (tag >>> 2) + 1;
      offset = read32(src, s) >>> 0;
      s += 4;
    }
    if (offset === 0 || offset > d - start) fail(`copy offset ${offset} points before the start`, s);
    if (n > dEnd - d) fail('copy overflows the declared length', s);
    let m = d - offset;
    const stop = d + n;
    // Four bytes at a time through a DataView (TurboFan inlines its accesses) while the source stays 4
    // bytes behind; then bytes. Overlapping copies (offset < 4) repeat the last bytes, byte by byte.
    if (offset >= 4) {
      while (stop - d >= 4) {
        view.setInt32(d, view.getInt32(m, true), true);
        d += 4;
        m += 4;
      }
    }
    while (d < stop) dst[d++] = dst[m++]!;
  }
  if (d !== dEnd) fail(`block decodes to ${d - start} bytes but declares ${length}`, s);
}

/** Decodes one raw block. */
export function snappyDecompressRaw(src: Uint8Array, maxOutputLength: number): Uint8Array {
  const [length, s] = readBlockLength(src, 0, src.length);
  if (length > maxExpansion(src.length - s))
    fail(`declared length ${length} is impossible for this input`, 0);
  if (length > maxOutputLength) fail(`declared length ${length} exceeds the limit of ${maxOutputLength}`, 0);
  const out = Buffer.allocUnsafe(length);
  decompressBlockInto(src, s, src.length, out, 0, length);
  return out;
}

export function hasXerialMagic(src: Uint8Array): boolean {
  if (src.length < XERIAL_HEADER_SIZE) return false;
  for (let i = 0; i < 8; i++) if (src[i] !== XERIAL_MAGIC[i]) return false;
  return true;
}

/** Decodes snappy as the Java client reads it: xerial-framed chunks when the magic is present,
 *  otherwise one raw block. */
export function snappyDecompress(src: Uint8Array, maxOutputLength: number): Uint8Array {
  if (!hasXerialMagic(src)) return snappyDecompressRaw(src, maxOutputLength);
  const n = src.length;
  // First pass: validate the chunk structure and sum the declared lengths, so the output is allocated
  // once and only after every length is known to be plausible.
  let total = 0;
  let chunks = 0;
  for (let s = XERIAL_HEADER_SIZE; s < n; ) {
    if (n - s < 4) fail('chunk length cut off', s);
    const size = ((src[s]! << 24) | (src[s + 1]! << 16) | (src[s + 2]! << 8) | src[s + 3]!) >>> 0;
    s += 4;
    if (size > n - s) fail(`chunk of ${size} bytes runs past the end of the data`, s - 4);
    const [length, after] = readBlockLength(src, s, s + size);
    if (length > maxExpansion(s + size - after))
      fail(`declared length ${length} is impossible for this chunk`, s);
    total += length;
    if (total > maxOutputLength) fail(`decompressed data exceeds the limit of ${maxOutputLength} bytes`, s);
    s += size;
    chunks++;
  }
  const out = Buffer.allocUnsafe(total);
  let d = 0;
  for (let s = XERIAL_HEADER_SIZE, i = 0; i < chunks; i++) {
    const size = ((src[s]! << 24) | (src[s + 1]! << 16) | (src[s + 2]! << 8) | src[s + 3]!) >>> 0;
    s += 4;
    const [length, after] = readBlockLength(src, s, s + size);
    decompressBlockInto(src, after, s + size, out, d, length);
    d += length;
    s += size;
  }
  return out;
}
