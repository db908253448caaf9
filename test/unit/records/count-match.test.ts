import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { countMatch } from '../../../src/records/compression/bytes.js';

/** The definition: equal bytes from a and m on, a stopping before limit. */
function reference(b: Uint8Array, a: number, m: number, limit: number): number {
  let n = 0;
  while (a + n < limit && b[a + n] === b[m + n]) n++;
  return n;
}

function count(b: Uint8Array, a: number, m: number, limit: number): number {
  return countMatch(new DataView(b.buffer, b.byteOffset, b.byteLength), b, a, m, limit);
}

/** Two copies of `word` (8 bytes, little-endian float64 bits) back to back, then one more byte. */
function twoWords(first: number[], second: number[]): Uint8Array {
  return Uint8Array.from([...first, ...second, 0xaa]);
}

describe('countMatch (8 bytes a step, compared as float64)', () => {
  it('does not take +0 and -0 as equal bytes', () => {
    const plusZero = [0, 0, 0, 0, 0, 0, 0, 0];
    const minusZero = [0, 0, 0, 0, 0, 0, 0, 0x80];
    expect(count(twoWords(plusZero, minusZero), 8, 0, 17)).toBe(7);
    expect(count(twoWords(minusZero, plusZero), 8, 0, 17)).toBe(7);
    expect(count(twoWords(plusZero, plusZero), 8, 0, 16)).toBe(8);
  });

  it('counts equal NaN bit patterns as a match and different NaN payloads as a mismatch', () => {
    const nan = [1, 0, 0, 0, 0, 0, 0xf8, 0x7f];
    const otherNan = [2, 0, 0, 0, 0, 0, 0xf8, 0x7f];
    expect(count(twoWords(nan, nan), 8, 0, 16)).toBe(8);
    expect(count(twoWords(nan, otherNan), 8, 0, 17)).toBe(0);
    expect(count(twoWords(otherNan, nan), 8, 0, 17)).toBe(0);
  });

  it('agrees with a byte-by-byte count on periodic data with zeros, NaNs and a mismatch anywhere', () => {
    const byte = fc.constantFrom(0, 0x80, 0x7f, 0xf8, 0xff, 1, 2);
    fc.assert(
      fc.property(
        fc.array(byte, { minLength: 1, maxLength: 24 }),
        fc.integer({ min: 0, max: 200 }),
        fc.integer({ min: 0, max: 255 }),
        fc.integer({ min: 0, max: 20 }),
        (period, flipAt, flipTo, shortenBy) => {
          const length = 240;
          const b = new Uint8Array(length);
          for (let i = 0; i < length; i++) b[i] = period[i % period.length]!;
          const a = period.length;
          b[Math.min(length - 1, a + flipAt)] = flipTo;
          const limit = length - shortenBy;
          expect(count(b, a, 0, limit)).toBe(reference(b, a, 0, limit));
        },
      ),
      { numRuns: 2000 },
    );
  });
});
