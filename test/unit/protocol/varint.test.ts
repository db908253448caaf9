import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  readUvarint,
  readVarint,
  readVarlong,
  uvarintSize,
  varintSize,
  varlongSize,
  varlongSizeNumber,
  writeUvarint,
  writeVarint,
  writeVarlong,
  writeVarlongNumber,
} from '../../../src/protocol/varint.js';

const hex = (b: Uint8Array) => Buffer.from(b).toString('hex');

function encodeVarint(v: number): Uint8Array {
  const buf = new Uint8Array(varintSize(v));
  expect(writeVarint(buf, 0, v)).toBe(buf.length);
  return buf;
}

describe('varint (Kafka ByteUtilsTest vectors)', () => {
  it.each([
    [0, '00'],
    [-1, '01'],
    [1, '02'],
    [63, '7e'],
    [-64, '7f'],
    [64, '8001'],
    [-65, '8101'],
    [8191, 'fe7f'],
    [-8192, 'ff7f'],
    [8192, '808001'],
    [-8193, '818001'],
    [1048575, 'feff7f'],
    [-1048576, 'ffff7f'],
    [1048576, '80808001'],
    [-1048577, '81808001'],
    [134217727, 'feffff7f'],
    [-134217728, 'ffffff7f'],
    [134217728, '8080808001'],
    [-134217729, '8180808001'],
    [2147483647, 'feffffff0f'],
    [-2147483648, 'ffffffff0f'],
  ])('zigzag varint %i -> %s', (value, bytes) => {
    const buf = encodeVarint(value);
    expect(hex(buf)).toBe(bytes);
    const out = { value: 0 };
    expect(readVarint(buf, 0, buf.length, out)).toBe(buf.length);
    expect(out.value).toBe(value);
  });

  it.each([
    [0n, '00'],
    [-1n, '01'],
    [1n, '02'],
    [2147483647n, 'feffffff0f'],
    [-2147483648n, 'ffffffff0f'],
    [4294967295n, 'feffffff1f'],
    [9223372036854775807n, 'feffffffffffffffff01'],
    [-9223372036854775808n, 'ffffffffffffffffff01'],
  ])('zigzag varlong %s -> %s', (value, bytes) => {
    const buf = new Uint8Array(varlongSize(value));
    expect(writeVarlong(buf, 0, value)).toBe(buf.length);
    expect(hex(buf)).toBe(bytes);
    const out = { value: 0n };
    expect(readVarlong(buf, 0, buf.length, out)).toBe(buf.length);
    expect(out.value).toBe(value);
  });

  it('number and bigint varlong forms agree over the safe-integer range', () => {
    fc.assert(
      fc.property(fc.maxSafeInteger(), (n) => {
        const a = new Uint8Array(varlongSizeNumber(n));
        writeVarlongNumber(a, 0, n);
        const b = new Uint8Array(varlongSize(BigInt(n)));
        writeVarlong(b, 0, BigInt(n));
        expect(hex(a)).toBe(hex(b));
      }),
    );
  });

  it('unsigned varints round trip across uint32', () => {
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 0xffffffff }), (n) => {
        const buf = new Uint8Array(uvarintSize(n));
        expect(writeUvarint(buf, 0, n)).toBe(buf.length);
        const out = { value: 0 };
        expect(readUvarint(buf, 0, buf.length, out)).toBe(buf.length);
        expect(out.value).toBe(n);
      }),
    );
  });

  it('rejects truncated and over-long input instead of reading past the end', () => {
    const out = { value: 0 };
    expect(readUvarint(Uint8Array.of(0x80, 0x80), 0, 2, out)).toBe(-1);
    expect(readUvarint(Uint8Array.of(0xff, 0xff, 0xff, 0xff, 0xff, 0x01), 0, 6, out)).toBe(-1);
    expect(readVarlong(new Uint8Array(11).fill(0xff), 0, 11, { value: 0n })).toBe(-1);
    expect(readUvarint(Uint8Array.of(0x02), 0, 0, out)).toBe(-1);
  });
});
