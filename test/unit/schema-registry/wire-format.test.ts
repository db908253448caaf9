// Confluent's wire format: magic byte 0, int32 big-endian schema id, for Protobuf the message-index list (zigzag
// varints, [0] as a single 0), then the payload. Expected bytes are spelled out from the format's definition.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { decodeFrame, encodeFrame } from '../../../src/schema-registry/index.js';
import { SerializationError } from '../../../src/serializers/index.js';

const hex = (b: Uint8Array) => Buffer.from(b).toString('hex');
const payload = Uint8Array.of(0xaa, 0xbb);

describe('encodeFrame', () => {
  it('puts magic byte and big-endian id before the payload', () => {
    expect(hex(encodeFrame(1, payload))).toBe('0000000001aabb');
    expect(hex(encodeFrame(0x01020304, payload))).toBe('0001020304aabb');
    expect(hex(encodeFrame(2147483647, new Uint8Array(0)))).toBe('007fffffff');
  });

  it.each([
    [[0], '00'],
    [[1], '0202'],
    [[0, 0], '040000'],
    [[2, 1], '040402'],
    [[63], '027e'],
    [[64], '028001'],
    [[0, 1, 2], '06000204'],
  ])('writes message indexes %j as %s', (indexes, expected) => {
    expect(hex(encodeFrame(7, payload, indexes))).toBe(`0000000007${expected}aabb`);
  });
});

describe('decodeFrame', () => {
  it('reads back what encodeFrame wrote, for any id, indexes and payload (property)', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 0, max: 2147483647 }),
        fc.array(fc.integer({ min: 0, max: 100000 }), { minLength: 1, maxLength: 6 }),
        fc.uint8Array({ maxLength: 64 }),
        (id, indexes, bytes) => {
          const frame = decodeFrame(encodeFrame(id, bytes, indexes), { protobuf: true });
          expect(frame.schemaId).toBe(id);
          expect(frame.messageIndexes).toEqual(indexes);
          expect(hex(frame.payload)).toBe(hex(bytes));
          const plain = decodeFrame(encodeFrame(id, bytes));
          expect(plain.schemaId).toBe(id);
          expect(plain.messageIndexes).toBeUndefined();
          expect(hex(plain.payload)).toBe(hex(bytes));
        },
      ),
    );
  });

  it('refuses bytes that are not in the format, saying why', () => {
    expect(() => decodeFrame(new Uint8Array(0))).toThrow(
      new SerializationError('These bytes are not in the schema registry wire format: they are empty.'),
    );
    expect(() => decodeFrame(Buffer.from('{"a":1}'))).toThrow(
      /it starts with magic byte 0 and a 4-byte schema id, got 7 byte\(s\) starting with 123/,
    );
    expect(() => decodeFrame(Uint8Array.of(0, 0, 0))).toThrow(/got 3 byte\(s\)/);
    expect(() => decodeFrame(Uint8Array.of(0, 0, 0, 0, 9, 0x04, 0x02), { protobuf: true })).toThrow(
      /message-index list after schema id 9 is truncated/,
    );
    expect(() => decodeFrame(Uint8Array.of(0, 0, 0, 0, 9, 0x01), { protobuf: true })).toThrow(/negative/);
  });
});
