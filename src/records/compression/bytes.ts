// Byte helpers shared by the pure-TS LZ4 and Snappy codecs, whose hot loops both read little-endian words,
// copy literal runs and count how far a match runs.

/** Literal runs shorter than this are copied with a loop: dst.set(src.subarray(…)) allocates a view
 *  (a Buffer's subarray costs ~50-100 ns) and calls into C++, which only pays off for longer runs. */
export const SHORT_COPY = 128;

/** The little-endian int32 at b[i]. */
export function read32(b: Uint8Array, i: number): number {
  return b[i]! | (b[i + 1]! << 8) | (b[i + 2]! << 16) | (b[i + 3]! << 24);
}

/** Copies src[s, s+n) to dst[d]: 4 bytes at a time through DataViews for short runs (TurboFan inlines them). */
export function copyBytes(
  dst: Uint8Array,
  dv: DataView,
  d: number,
  src: Uint8Array,
  sv: DataView,
  s: number,
  n: number,
): void {
  if (n < SHORT_COPY) {
    const stop = d + n;
    while (stop - d >= 4) {
      dv.setInt32(d, sv.getInt32(s, true), true);
      d += 4;
      s += 4;
    }
    while (d < stop) dst[d++] = src[s++]!;
  } else {
    dst.set(src.subarray(s, s + n), d);
  }
}

/** Bytes that match from a and m onwards in the data behind `v`, stopping at `limit` (exclusive) for a. */
export function countMatch(v: DataView, b: Uint8Array, a: number, m: number, limit: number): number {
  const start = a;
  // 8 bytes a step: two float64 loads are equal exactly when their bits are, except +0 / -0 (equal, bits
  // differ) and NaN (never equal). So a zero stops this loop and the 4-byte loop below settles the rest.
  while (a < limit - 7) {
    const word = v.getFloat64(a, true);
    if (word !== v.getFloat64(m, true) || word === 0) break;
    a += 8;
    m += 8;
  }
  while (a < limit - 3 && v.getInt32(a, true) === v.getInt32(m, true)) {
    a += 4;
    m += 4;
  }
  while (a < limit && b[a] === b[m]) {
    a++;
    m++;
  }
  return a - start;
}
