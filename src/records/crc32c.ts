// CRC-32C (Castagnoli, reflected polynomial 0x82F63B78), the checksum of RecordBatch v2.
//
// Native when it can be: @node-rs/crc32 (optional dependency, MIT, prebuilt N-API binaries using the CPU's
// CRC32 instructions) is loaded once at startup (crc32c-native.ts) and takes ranges of NATIVE_MIN_BYTES or
// more. Below that its call (a subarray view plus the N-API crossing) costs more than the JavaScript loop
// saves. Measured on the project machine (Node 20.20, 2 vCPU AMD EPYC, shared, medians of 5), native vs
// JavaScript per call: 64 B 0.6-0.7x, 256 B ~1.0x, 512 B 1.3x, 1 KiB 1.6-2.2x, 16 KiB 2.7-3.2x, 256 KiB and
// 1 MiB 3.0-3.4x. A CRC over a whole batch (16 KiB - 1 MiB) is what the producer computes, so that is where
// it pays. End to end (2026-12-06, Node 20, load 4-17): the batch encoder (1M records in batches of 1,000)
// ran 3.31M -> 4.09M records/s (medians of 4 alternating runs, after faster in all 4); in CPU profiles of
// produce() (1M x 100 B, 256 KiB batches, 14 alternating rounds) the CRC fell from 12.9-13.7 % of the main
// thread (the largest function) to 4.3-5.7 % and main-thread busy time by 11 %, while the process's CPU per
// 1M records moved 0.685 -> 0.66 s (medians), within the run-to-run noise of this machine.
//
// JavaScript otherwise (no prebuilt binary for the platform, a runtime that cannot load N-API): slicing-by-16
// over 16 lookup tables, reading the input as little-endian 32-bit words: 2,860 MB/s on 150 KB and 16 KiB
// buffers, against 2,490 MB/s for crc-32's crc32c (the same slicing-by-16 but one byte load per table
// lookup) and ~520 MB/s for a byte-wise table (what kafkajs uses). On a big-endian CPU the word trick does
// not apply and a byte-wise slicing-by-16 runs instead. Both give the same numbers as the native one.

import { nativeCrc32c } from './crc32c-native.js';

/** Ranges at least this long go to the native CRC-32C when it is loaded. */
export const NATIVE_MIN_BYTES = 512;

const POLY = 0x82f63b78;

function makeTables(): Int32Array[] {
  const t0 = new Int32Array(256);
  for (let n = 0; n < 256; n++) {
    let c = n;
    for (let k = 0; k < 8; k++) c = c & 1 ? (c >>> 1) ^ POLY : c >>> 1;
    t0[n] = c;
  }
  const tables = [t0];
  for (let t = 1; t < 16; t++) {
    const previous = tables[t - 1]!;
    const table = new Int32Array(256);
    for (let n = 0; n < 256; n++) table[n] = (previous[n]! >>> 8) ^ t0[previous[n]! & 0xff]!;
    tables.push(table);
  }
  return tables;
}

// Separate arrays (not one 4 KiB table with offsets): measured faster, the loads need no index math.
const [T0, T1, T2, T3, T4, T5, T6, T7, T8, T9, T10, T11, T12, T13, T14, T15] = makeTables() as [
  Int32Array,
  Int32Array,
  Int32Array,
  Int32Array,
  Int32Array,
  Int32Array,
  Int32Array,
  Int32Array,
  Int32Array,
  Int32Array,
  Int32Array,
  Int32Array,
  Int32Array,
  Int32Array,
  Int32Array,
  Int32Array,
];

const LITTLE_ENDIAN = new Uint8Array(new Uint16Array([1]).buffer)[0] === 1;

/** CRC-32C of bytes [start, end) of `bytes`, as an unsigned 32-bit number. */
export function crc32c(bytes: Uint8Array, start = 0, end = bytes.length): number {
  if (nativeCrc32c !== undefined && end - start >= NATIVE_MIN_BYTES) {
    return nativeCrc32c(bytes.subarray(start, end)) >>> 0;
  }
  return crc32cJs(bytes, start, end);
}

/** The JavaScript CRC-32C alone, whatever is loaded. */
export function crc32cJs(bytes: Uint8Array, start = 0, end = bytes.length): number {
  return LITTLE_ENDIAN ? crc32cWords(bytes, start, end) : crc32cBytes(bytes, start, end);
}

/** Aligns to 4 bytes, then consumes 16 bytes per step as four little-endian words. */
export function crc32cWords(bytes: Uint8Array, start: number, end: number): number {
  let c = -1;
  let i = start;
  while (i < end && ((bytes.byteOffset + i) & 3) !== 0) c = T0[(c ^ bytes[i++]!) & 0xff]! ^ (c >>> 8);
  const words = ((end - i) >>> 4) << 2;
  if (words > 0) {
    const w = new Int32Array(bytes.buffer, bytes.byteOffset + i, words);
    for (let k = 0; k < words; k += 4) {
      const a = w[k]! ^ c;
      const b = w[k + 1]!;
      const d = w[k + 2]!;
      const e = w[k + 3]!;
      c =
        T15[a & 0xff]! ^
        T14[(a >>> 8) & 0xff]! ^
        T13[(a >>> 16) & 0xff]! ^
        T12[a >>> 24]! ^
        T11[b & 0xff]! ^
        T10[(b >>> 8) & 0xff]! ^
        T9[(b >>> 16) & 0xff]! ^
        T8[b >>> 24]! ^
        T7[d & 0xff]! ^
        T6[(d >>> 8) & 0xff]! ^
        T5[(d >>> 16) & 0xff]! ^
        T4[d >>> 24]! ^
        T3[e & 0xff]! ^
        T2[(e >>> 8) & 0xff]! ^
        T1[(e >>> 16) & 0xff]! ^
        T0[e >>> 24]!;
    }
    i += words * 4;
  }
  while (i < end) c = T0[(c ^ bytes[i++]!) & 0xff]! ^ (c >>> 8);
  return ~c >>> 0;
}

/** Byte-order independent slicing-by-16. */
export function crc32cBytes(bytes: Uint8Array, start: number, end: number): number {
  let c = -1;
  let i = start;
  for (const stop = end - 15; i < stop; i += 16) {
    c =
      T15[(bytes[i]! ^ c) & 0xff]! ^
      T14[(bytes[i + 1]! ^ (c >>> 8)) & 0xff]! ^
      T13[(bytes[i + 2]! ^ (c >>> 16)) & 0xff]! ^
      T12[bytes[i + 3]! ^ (c >>> 24)]! ^
      T11[bytes[i + 4]!]! ^
      T10[bytes[i + 5]!]! ^
      T9[bytes[i + 6]!]! ^
      T8[bytes[i + 7]!]! ^
      T7[bytes[i + 8]!]! ^
      T6[bytes[i + 9]!]! ^
      T5[bytes[i + 10]!]! ^
      T4[bytes[i + 11]!]! ^
      T3[bytes[i + 12]!]! ^
      T2[bytes[i + 13]!]! ^
      T1[bytes[i + 14]!]! ^
      T0[bytes[i + 15]!]!;
  }
  while (i < end) c = T0[(c ^ bytes[i++]!) & 0xff]! ^ (c >>> 8);
  return ~c >>> 0;
}
