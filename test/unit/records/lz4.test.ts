import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  lz4CompressFrame,
  lz4CompressFrameTransient,
  lz4DecompressFrame,
} from '../../../src/records/compression/lz4.js';
import { CompressionError, xxhash32 } from '../../../src/records/index.js';

const LIMIT = 64 * 1024 * 1024;
const hex = (b: Uint8Array) => Buffer.from(b).toString('hex');

/** Compressible test data: repeated words with some noise. */
function text(length: number, seed = 1): Uint8Array {
  const words = ['kafka', 'record', 'batch', 'producer', 'partition', 'offset', '{"id":', '}', ' '];
  const out = new Uint8Array(length);
  let x = seed;
  for (let i = 0; i < length; ) {
    x = (Math.imul(x, 1103515245) + 12345) >>> 0;
    const w = new TextEncoder().encode(words[x % words.length]!);
    for (let j = 0; j < w.length && i < length; j++) out[i++] = w[j]!;
  }
  return out;
}

function withHeaderChecksum(frame: Uint8Array): Uint8Array {
  frame[6] = (xxhash32(frame, 4, 6, 0) >>> 8) & 0xff;
  return frame;
}

describe('LZ4 frame as Kafka writes it', () => {
  it('header: magic 04 22 4D 18, FLG 0x60 (version 01, independent blocks, no checksums, no size), BD 0x40, HC 0x82', () => {
    const frame = lz4CompressFrame(text(1000));
    expect(hex(frame.subarray(0, 7))).toBe('04224d18604082');
    const flg = frame[4]!;
    expect(flg >>> 6).toBe(1); // version 01
    expect(flg & 0x20).toBe(0x20); // block independence: Kafka rejects linked blocks
    expect(flg & 0x10).toBe(0); // no block checksum
    expect(flg & 0x08).toBe(0); // no content size
    expect(flg & 0x04).toBe(0); // no content checksum
    expect(frame[5]).toBe(0x40); // 64 KiB blocks
    // The correct checksum: xxHash32 over FLG and BD only (not the magic, as the old broken one did).
    expect(frame[6]).toBe((xxhash32(frame, 4, 6, 0) >>> 8) & 0xff);
    expect(hex(frame.subarray(frame.length - 4))).toBe('00000000'); // end mark
  });

  it('an empty input is a header and an end mark', () => {
    expect(hex(lz4CompressFrame(new Uint8Array(0)))).toBe('04224d1860408200000000');
  });

  it('splits input into 64 KiB blocks and stores incompressible blocks raw (high bit set)', () => {
    const random = new Uint8Array(70_000);
    let x = 7;
    for (let i = 0; i < random.length; i++) {
      x = (Math.imul(x, 1664525) + 1013904223) >>> 0;
      random[i] = x >>> 24;
    }
    const frame = Buffer.from(lz4CompressFrame(random));
    expect(frame.readUInt32LE(7)).toBe((0x80000000 | 65536) >>> 0);
    expect(frame.readUInt32LE(7 + 4 + 65536)).toBe((0x80000000 | (70_000 - 65536)) >>> 0);
    expect(frame.length).toBe(7 + 4 + 65536 + 4 + (70_000 - 65536) + 4);
    expect(hex(lz4DecompressFrame(frame, LIMIT))).toBe(hex(random));
  });

  it('compresses compressible data, with every level 1-17', () => {
    const data = text(200_000);
    const sizes: number[] = [];
    for (let level = 1; level <= 17; level++) {
      const frame = lz4CompressFrame(data, level);
      expect(hex(frame.subarray(0, 7))).toBe('04224d18604082');
      expect(Buffer.compare(lz4DecompressFrame(frame, LIMIT), data)).toBe(0);
      sizes.push(frame.length);
    }
    expect(Math.max(...sizes)).toBeLessThan(data.length / 2);
    // Deeper search never does worse than the default fast compressor at the top levels.
    expect(sizes[16]!).toBeLessThanOrEqual(sizes[8]!);
  });

  it('frames written into the reused scratch equal owned ones, and an owned frame outlives later compressions', () => {
    const random = new Uint8Array(300_000);
    let x = 11;
    for (let i = 0; i < random.length; i++) {
      x = (Math.imul(x, 1664525) + 1013904223) >>> 0;
      random[i] = i % 3 === 0 ? 97 : x >>> 24; // partly compressible: some blocks raw, some not
    }
    // Growing and shrinking inputs, so the scratch is outgrown, reused for less, and holds leftovers.
    const inputs = [text(1_000), random, text(3_000_000), random.subarray(5, 70_000), text(200_000)];
    const owned = inputs.map((data) => lz4CompressFrame(data));
    const copies = owned.map(hex);
    for (const [i, data] of inputs.entries()) {
      expect(hex(lz4CompressFrameTransient(data)), `input ${i}`).toBe(copies[i]);
      expect(hex(lz4CompressFrameTransient(data, 3)), `input ${i} level 3`).toBe(
        hex(lz4CompressFrame(data, 3)),
      );
      expect(Buffer.compare(lz4DecompressFrame(owned[i]!, LIMIT), data), `input ${i}`).toBe(0);
    }
    expect(owned.map(hex)).toEqual(copies);
  });

  it('round-trips arbitrary data at any level', () => {
    fc.assert(
      fc.property(
        fc.oneof(
          fc.uint8Array({ maxLength: 3000 }),
          fc.array(fc.constantFrom(0, 1, 2, 97, 98), { maxLength: 140_000 }).map((a) => Uint8Array.from(a)),
        ),
        fc.integer({ min: 1, max: 17 }),
        (data, level) => {
          expect(Buffer.compare(lz4DecompressFrame(lz4CompressFrame(data, level), LIMIT), data)).toBe(0);
        },
      ),
      { numRuns: 200 },
    );
  });
});

describe('LZ4 frame reading follows Kafka rules', () => {
  const good = () => new Uint8Array(lz4CompressFrame(text(5000)));

  it.each([
    ['linked (dependent) blocks, FLG 0x40 as lz4js writes', 4, 0x40],
    ['version 00', 4, 0x20],
    ['a reserved FLG bit', 4, 0x62],
    ['a dictionary id', 4, 0x61],
    ['a reserved BD bit', 5, 0x41],
    ['block size id 3', 5, 0x30],
  ])('rejects %s', (_, index, byte) => {
    const frame = good();
    frame[index] = byte;
    withHeaderChecksum(frame);
    expect(() => lz4DecompressFrame(frame, LIMIT)).toThrow(CompressionError);
  });

  it('rejects a wrong header checksum, including the broken magic-0 one (hash over the magic too)', () => {
    const frame = good();
    frame[6] = (xxhash32(frame, 0, 6, 0) >>> 8) & 0xff;
    expect(() => lz4DecompressFrame(frame, LIMIT)).toThrow(/header checksum/);
  });

  it('accepts block checksums when flagged (and checks them) and skips a content size', () => {
    const data = text(3000);
    const plain = Buffer.from(lz4CompressFrame(data));
    const block = plain.subarray(7, plain.length - 4);
    const size = block.readUInt32LE(0) & 0x7fffffff;
    const payload = block.subarray(4, 4 + size);
    const checksum = Buffer.alloc(4);
    checksum.writeUInt32LE(xxhash32(payload, 0, payload.length, 0));
    const contentSize = Buffer.alloc(8);
    contentSize.writeBigUInt64LE(BigInt(data.length));
    const header = Buffer.from([0x04, 0x22, 0x4d, 0x18, 0x60 | 0x10 | 0x08 | 0x04, 0x40]);
    const descriptor = Buffer.concat([header, contentSize]);
    const hc = (xxhash32(descriptor, 4, descriptor.length, 0) >>> 8) & 0xff;
    const frame = Buffer.concat([
      descriptor,
      Buffer.from([hc]),
      block.subarray(0, 4 + size),
      checksum,
      Buffer.alloc(4),
      Buffer.alloc(4),
    ]);
    expect(Buffer.compare(lz4DecompressFrame(frame, LIMIT), data)).toBe(0);
    frame[frame.length - 12]! ^= 1; // damage the block checksum
    expect(() => lz4DecompressFrame(frame, LIMIT)).toThrow(/block checksum/);
  });

  it('rejects bad blocks instead of reading or writing out of range', () => {
    const frame = good();
    expect(() => lz4DecompressFrame(frame.subarray(0, frame.length - 4), LIMIT)).toThrow(/end mark/);
    const oversized = new Uint8Array(frame);
    new DataView(oversized.buffer).setUint32(7, 65537, true);
    expect(() => lz4DecompressFrame(oversized, LIMIT)).toThrow(/exceeds the frame's maximum/);
    // A match offset pointing before the block start.
    const badOffset = Buffer.from([
      0x04, 0x22, 0x4d, 0x18, 0x60, 0x40, 0x82, 6, 0, 0, 0, 0x10, 0x61, 0x05, 0x00, 0x00, 0x00, 0, 0, 0, 0,
    ]);
    expect(() => lz4DecompressFrame(badOffset, LIMIT)).toThrow(/offset/);
  });

  it('enforces the output limit', () => {
    const data = new Uint8Array(300_000);
    expect(() => lz4DecompressFrame(lz4CompressFrame(data), 100_000)).toThrow(CompressionError);
    expect(lz4DecompressFrame(lz4CompressFrame(data), 300_000).length).toBe(300_000);
  });
});
