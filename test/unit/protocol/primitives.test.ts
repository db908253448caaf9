// Reader/Writer primitives and Kafka UUID strings.

import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  isUuidString,
  KafkaDecodeError,
  Reader,
  uuidToBytes,
  uuidToString,
  uvarintSize,
  varintSize,
  varlongSize,
  Writer,
  ZERO_UUID,
} from '../../../src/protocol/index.js';

const hex = (b: Uint8Array) => Buffer.from(b).toString('hex');

describe('Kafka UUID strings (vectors from Kafka 4.4.0 Uuid.toString)', () => {
  it.each([
    ['00000000000000000000000000000000', 'AAAAAAAAAAAAAAAAAAAAAA'],
    ['00000000000000000000000000000001', 'AAAAAAAAAAAAAAAAAAAAAQ'],
    ['ffffffffffffffffffffffffffffffff', '_____________________w'],
    ['0123456789abcdeffedcba9876543210', 'ASNFZ4mrze_-3LqYdlQyEA'],
    ['80000000000000007fffffffffffffff', 'gAAAAAAAAAB__________w'],
  ])('%s <-> %s', (bytes, text) => {
    expect(uuidToString(Buffer.from(bytes, 'hex'))).toBe(text);
    expect(hex(uuidToBytes(text))).toBe(bytes);
    expect(isUuidString(text)).toBe(true);
  });

  it('zero uuid constant', () => {
    expect(ZERO_UUID).toBe('AAAAAAAAAAAAAAAAAAAAAA');
  });

  it('round trips any 16 bytes, and agrees with base64url', () => {
    fc.assert(
      fc.property(fc.uint8Array({ minLength: 16, maxLength: 16 }), (bytes) => {
        const text = uuidToString(bytes);
        expect(text).toBe(Buffer.from(bytes).toString('base64url'));
        expect(hex(uuidToBytes(text))).toBe(hex(bytes));
      }),
    );
  });

  it('rejects non-canonical strings', () => {
    for (const bad of [
      '',
      'AAAAAAAAAAAAAAAAAAAAA',
      'AAAAAAAAAAAAAAAAAAAAAAA',
      'AAAAAAAAAAAAAAAAAAAAAB',
      'AAAAAAAAAAAAAAAAAAAA+A',
      'AAAAAAAAAAAAAAAAAAAAA=',
    ]) {
      expect(isUuidString(bad)).toBe(false);
      expect(() => uuidToBytes(bad)).toThrow(TypeError);
    }
    expect(isUuidString(42)).toBe(false);
  });
});

describe('Writer and Reader', () => {
  it('fixed-width integers are big-endian and round trip at their limits', () => {
    const w = Writer.allocate(1 + 2 + 2 + 4 + 4 + 8 + 8 + 1);
    w.int8(-128);
    w.int16(-2);
    w.uint16(0xfffe);
    w.int32(0x7fffffff);
    w.uint32(0xfffffffe);
    w.int64(-(2n ** 63n));
    w.float64(1.5);
    w.bool(true);
    expect(w.pos).toBe(w.buf.length);
    expect(hex(w.buf)).toBe('80fffefffe7ffffffffffffffe80000000000000003ff800000000000001');
    const r = new Reader(w.buf);
    expect([
      r.int8(),
      r.int16(),
      r.uint16(),
      r.int32(),
      r.uint32(),
      r.int64(),
      r.float64(),
      r.bool(),
    ]).toEqual([-128, -2, 0xfffe, 0x7fffffff, 0xfffffffe, -(2n ** 63n), 1.5, true]);
    expect(r.remaining).toBe(0);
  });

  it('any non-zero byte reads as true, as in Java', () => {
    expect(new Reader(Uint8Array.of(2)).bool()).toBe(true);
    expect(new Reader(Uint8Array.of(0)).bool()).toBe(false);
  });

  it('varints through the shared varint module', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 0, max: 0xffffffff }),
        fc.integer({ min: -0x80000000, max: 0x7fffffff }),
        fc.bigInt({ min: -(2n ** 63n), max: 2n ** 63n - 1n }),
        (u, s, l) => {
          const w = Writer.allocate(uvarintSize(u) + varintSize(s) + varlongSize(l));
          w.uvarint(u);
          w.varint(s);
          w.varlong(l);
          expect(w.pos).toBe(w.buf.length);
          const r = new Reader(w.buf);
          expect([r.uvarint(), r.varint(), r.varlong()]).toEqual([u, s, l]);
        },
      ),
    );
    // Kafka ByteUtilsTest.testUnsignedVarintSerde vectors.
    const w = Writer.allocate(1 + 2 + 5 + 5);
    w.uvarint(0);
    w.uvarint(8192);
    w.uvarint(0x7fffffff);
    w.uvarint(0x80000000);
    expect(hex(w.buf.subarray(0, w.pos))).toBe('008040ffffffff078080808008');
  });

  it('UTF-8 text and raw bytes', () => {
    fc.assert(
      fc.property(fc.string({ unit: 'grapheme' }), fc.uint8Array(), (text, bytes) => {
        const length = Buffer.byteLength(text);
        const w = Writer.allocate(length + bytes.length + 16);
        w.utf8(text, length);
        w.bytes(bytes);
        w.uuid('ASNFZ4mrze_-3LqYdlQyEA');
        const r = new Reader(w.buf);
        expect(r.utf8(length)).toBe(text);
        expect(hex(r.bytes(bytes.length))).toBe(hex(bytes));
        expect(r.uuid()).toBe('ASNFZ4mrze_-3LqYdlQyEA');
      }),
    );
  });

  it('decoded bytes are views into the input, not copies', () => {
    const input = Uint8Array.of(1, 2, 3, 4);
    const view = new Reader(input).bytes(3);
    input[0] = 9;
    expect(view[0]).toBe(9);
  });

  it('a plain Uint8Array at an offset inside a larger ArrayBuffer', () => {
    const backing = new Uint8Array(16).fill(0xee);
    const inner = backing.subarray(5, 11);
    const w = new Writer(inner);
    w.int16(0x0102);
    w.int32(-1);
    expect(hex(backing)).toBe('eeeeeeeeee0102ffffffffeeeeeeeeee');
    const r = new Reader(inner);
    expect(r.int16()).toBe(0x0102);
    expect(r.int32()).toBe(-1);
  });

  it('every read past the end throws one KafkaDecodeError at the right offset, and never moves', () => {
    const reads: [string, (r: Reader) => unknown, number][] = [
      ['int8', (r) => r.int8(), 1],
      ['int16', (r) => r.int16(), 2],
      ['uint16', (r) => r.uint16(), 2],
      ['int32', (r) => r.int32(), 4],
      ['uint32', (r) => r.uint32(), 4],
      ['int64', (r) => r.int64(), 8],
      ['float64', (r) => r.float64(), 8],
      ['uuid', (r) => r.uuid(), 16],
      ['utf8(5)', (r) => r.utf8(5), 5],
      ['bytes(5)', (r) => r.bytes(5), 5],
      ['skip(5)', (r) => r.skip(5), 5],
    ];
    for (const [name, read, width] of reads) {
      // A reader over [3, 3 + width - 1) of a larger buffer: one byte short, with more bytes beyond `end`.
      const r = new Reader(new Uint8Array(64), undefined, 3, 3 + width - 1);
      let error: unknown;
      try {
        read(r);
      } catch (e) {
        error = e;
      }
      expect(error, name).toBeInstanceOf(KafkaDecodeError);
      expect((error as KafkaDecodeError).offset, name).toBe(3);
      expect(r.pos, name).toBe(3);
    }
    const r = new Reader(Uint8Array.of(0x80, 0x80));
    expect(() => r.uvarint()).toThrow(/unsigned varint is truncated/);
    expect(() => new Reader(Uint8Array.of(0xff, 0xff, 0xff, 0xff, 0x7f)).uvarint()).toThrow(
      /longer than 5 bytes/,
    );
  });

  it('checkCount rejects counts the remaining bytes cannot hold', () => {
    const r = new Reader(new Uint8Array(10));
    expect(() => r.checkCount(3, 4, 0)).toThrow(/count 3 needs at least 12 bytes but only 10 remain/);
    expect(() => r.checkCount(10, 1, 0)).not.toThrow();
    // Zero-size elements still count as one byte, so a count cannot exceed the bytes left.
    expect(() => r.checkCount(11, 0, 0)).toThrow(KafkaDecodeError);
  });
});
