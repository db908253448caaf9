import { createRequire } from 'node:module';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { crc32cBytes, crc32cWords } from '../../../src/records/crc32c.js';
import { crc32c, xxhash32 } from '../../../src/records/index.js';

// An independent implementation to compare against: SheetJS crc-32's crc32c.
const reference = createRequire(import.meta.url)('crc-32/crc32c.js') as { buf(data: Uint8Array): number };

const ascii = (s: string) => new TextEncoder().encode(s);

describe('CRC-32C', () => {
  it('matches Kafka Crc32CTest: "Some String" = 608512271', () => {
    expect(crc32c(ascii('Some String'))).toBe(608512271);
  });

  it('matches the CRC-32C check value: "123456789" = 0xE3069283', () => {
    expect(crc32c(ascii('123456789'))).toBe(0xe3069283);
  });

  it('word-wise and byte-wise paths agree with crc-32 at every alignment and length', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 600 }), fc.nat(7), (data, shift) => {
        const padded = new Uint8Array(data.length + 8);
        padded.set(data, shift);
        const view = padded.subarray(shift, shift + data.length);
        const expected = reference.buf(data) >>> 0;
        expect(crc32cWords(view, 0, view.length)).toBe(expected);
        expect(crc32cBytes(view, 0, view.length)).toBe(expected);
        expect(crc32c(view)).toBe(expected);
      }),
      { numRuns: 500 },
    );
  });

  it('is unsigned and honours start/end', () => {
    const bytes = ascii('xx123456789yy');
    expect(crc32c(bytes, 2, 11)).toBe(0xe3069283);
    expect(crc32c(new Uint8Array(0))).toBe(0);
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 300 }), fc.nat(300), fc.nat(300), (data, a, b) => {
        const start = Math.min(a, data.length);
        const end = Math.max(start, Math.min(b, data.length));
        const crc = crc32c(data, start, end);
        expect(crc).toBeGreaterThanOrEqual(0);
        expect(crc).toBe(crc32c(data.slice(start, end)));
      }),
    );
  });
});

describe('xxHash32 (LZ4 frame checksums)', () => {
  // Reference values from the xxHash project (xxhsum).
  it.each([
    ['', 0x02cc5d05],
    ['a', 0x550d7456],
    ['abc', 0x32d153ff],
    ['Nobody inspects the spammish repetition', 0xe2293b2f],
  ])('xxh32(%j, seed 0) = %i', (text, expected) => {
    const bytes = ascii(text);
    expect(xxhash32(bytes, 0, bytes.length, 0)).toBe(expected);
  });

  it('gives the frame header checksum Kafka expects for FLG 0x60 BD 0x40: 0x82', () => {
    expect((xxhash32(Uint8Array.of(0x60, 0x40), 0, 2, 0) >>> 8) & 0xff).toBe(0x82);
  });
});
