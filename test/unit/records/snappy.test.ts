import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  CompressionError,
  snappyCompressRaw,
  snappyCompressXerial,
  snappyDecompress,
} from '../../../src/records/index.js';

const LIMIT = 64 * 1024 * 1024;
const hex = (b: Uint8Array) => Buffer.from(b).toString('hex');

function text(length: number): Uint8Array {
  const out = Buffer.alloc(length);
  for (let i = 0, n = 0; i < length; n++) i += out.write(`{"n":${n},"k":"key-${n % 50}"},`, i);
  return out;
}

describe('snappy with xerial framing, as snappy-java SnappyOutputStream writes it', () => {
  it('header: 82 53 4E 41 50 50 59 00, version 1, compatible version 1 (int32 BE)', () => {
    const framed = snappyCompressXerial(text(100));
    expect(hex(framed.subarray(0, 16))).toBe('82534e41505059000000000100000001');
  });

  it('chunks: [int32 BE length][raw block] per 32 KiB of input, each block a standalone raw snappy block', () => {
    const data = text(80_000);
    const framed = Buffer.from(snappyCompressXerial(data));
    const chunks: number[] = [];
    let pos = 16;
    while (pos < framed.length) {
      const size = framed.readInt32BE(pos);
      const block = framed.subarray(pos + 4, pos + 4 + size);
      chunks.push(snappyDecompress(block, LIMIT).length); // no magic: read as one raw block
      pos += 4 + size;
    }
    expect(pos).toBe(framed.length);
    expect(chunks).toEqual([32768, 32768, 80_000 - 65536]);
    expect(Buffer.compare(snappyDecompress(framed, LIMIT), data)).toBe(0);
  });

  it('reads a raw block without framing (snappy-java accepts it, so brokers do)', () => {
    const data = text(5000);
    const raw = snappyCompressRaw(data);
    expect(raw[0]).toBe(0x88); // uvarint 5000 = 88 27
    expect(raw[1]).toBe(0x27);
    expect(Buffer.compare(snappyDecompress(raw, LIMIT), data)).toBe(0);
  });

  it('decodes the format description examples: literal, copy with 1- and 2-byte offsets, overlapping copy', () => {
    // "abcdabcdabcdab": literal "abcd" then copy-1 (offset 4, length 10), an overlapping copy.
    const block = Uint8Array.of(14, 3 << 2, 0x61, 0x62, 0x63, 0x64, 1 | ((10 - 4) << 2), 4);
    expect(Buffer.from(snappyDecompress(block, LIMIT)).toString()).toBe('abcdabcdabcdab');
    // Same with a copy-2 element (tag 2, length 10, offset 4 little-endian).
    const block2 = Uint8Array.of(14, 3 << 2, 0x61, 0x62, 0x63, 0x64, 2 | ((10 - 1) << 2), 4, 0);
    expect(Buffer.from(snappyDecompress(block2, LIMIT)).toString()).toBe('abcdabcdabcdab');
  });

  it('round-trips arbitrary data, framed and raw', () => {
    fc.assert(
      fc.property(
        fc.oneof(
          fc.uint8Array({ maxLength: 2000 }),
          fc.array(fc.constantFrom(0, 7, 120), { maxLength: 100_000 }).map((a) => Uint8Array.from(a)),
        ),
        (data) => {
          expect(Buffer.compare(snappyDecompress(snappyCompressXerial(data), LIMIT), data)).toBe(0);
          expect(Buffer.compare(snappyDecompress(snappyCompressRaw(data), LIMIT), data)).toBe(0);
        },
      ),
      { numRuns: 200 },
    );
  });

  it('rejects damaged data with a typed error and never allocates from a bogus length', () => {
    const framed = Buffer.from(snappyCompressXerial(text(3000)));
    expect(() => snappyDecompress(framed.subarray(0, framed.length - 1), LIMIT)).toThrow(CompressionError);
    // A raw block claiming 4 GiB of output from 6 bytes.
    expect(() => snappyDecompress(Uint8Array.of(0xff, 0xff, 0xff, 0xff, 0x0f, 0), LIMIT)).toThrow(
      /impossible/,
    );
    // Copy offset before the start of the output.
    expect(() => snappyDecompress(Uint8Array.of(8, 0, 0x61, 1 | (0 << 2), 9), LIMIT)).toThrow(/offset/);
    // Declared length larger than what the elements produce.
    expect(() => snappyDecompress(Uint8Array.of(5, 0, 0x61), LIMIT)).toThrow(/declares/);
    // Over the caller's limit.
    expect(() => snappyDecompress(snappyCompressXerial(new Uint8Array(100_000)), 50_000)).toThrow(/limit/);
  });
});
