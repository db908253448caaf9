// CRC-32C (Castagnoli, reflected polynomial 0x82F63B78), the checksum of RecordBatch v2.
//
// crc-32's crc32c is a pure-JS slicing-by-16 table implementation. Measured on the project machine
// (Node 20.20, 2 vCPU x86-64, bench notes in bench/README.md): 2,430 MB/s on 150 KB (a 1,000-record batch),
// 2,190 MB/s on 1 KiB; our own slicing-by-16 over one Int32Array table reached 2,200 MB/s, so we use
// the package. Native (@node-rs/crc32, ~7,500 MB/s) would need a platform binary for a cost that is
// ~6% of encoding a batch.
// A CommonJS module whose exports Node cannot detect statically: take its module.exports as default.
import crc32cImpl from 'crc-32/crc32c.js';

/** CRC-32C of bytes [start, end) of `bytes`, as an unsigned 32-bit number. */
export function crc32c(bytes: Uint8Array, start = 0, end = bytes.length): number {
  const view = start === 0 && end === bytes.length ? bytes : bytes.subarray(start, end);
  return crc32cImpl.buf(view) >>> 0;
}
