import fc from 'fast-check';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { AuthenticationError, BrokerProtocolError } from '../../../src/net/errors.js';
import { FrameDecoder } from '../../../src/net/frame-decoder.js';

/** Size-prefixes each body and joins them into one stream. */
function stream(bodies: Uint8Array[]): Uint8Array {
  const out = Buffer.alloc(bodies.reduce((n, b) => n + 4 + b.length, 0));
  let at = 0;
  for (const body of bodies) {
    out.writeInt32BE(body.length, at);
    out.set(body, at + 4);
    at += 4 + body.length;
  }
  return out;
}

function collect(maxFrameBytes?: number) {
  const frames: Uint8Array[] = [];
  const decoder = new FrameDecoder((frame) => frames.push(frame), maxFrameBytes);
  return { frames, decoder };
}

const hex = (bytes: Uint8Array) => Buffer.from(bytes).toString('hex');

const bodies = [
  Uint8Array.of(1, 2, 3, 4, 5, 6, 7),
  new Uint8Array(0),
  Uint8Array.of(9),
  Uint8Array.from({ length: 300 }, (_, i) => i & 0xff),
  Uint8Array.of(0xff, 0xfe, 0xfd, 0xfc),
];
const wire = stream(bodies);

afterEach(() => {
  vi.restoreAllMocks();
});

describe('FrameDecoder', () => {
  it('decodes many frames from one chunk as views of that chunk (no copy)', () => {
    const { frames, decoder } = collect();
    decoder.push(wire);
    expect(frames.map(hex)).toEqual(bodies.map(hex));
    for (const frame of frames) expect(frame.buffer).toBe(wire.buffer);
    expect(decoder.bufferedBytes).toBe(0);
  });

  it('reassembles frames split into two chunks at every byte boundary', () => {
    for (let split = 0; split <= wire.length; split++) {
      const { frames, decoder } = collect();
      decoder.push(wire.subarray(0, split));
      decoder.push(wire.subarray(split));
      expect(frames.map(hex), `split at ${split}`).toEqual(bodies.map(hex));
      expect(decoder.bufferedBytes).toBe(0);
    }
  });

  it('reassembles frames split into three chunks at every pair of boundaries', () => {
    const small = stream(bodies.slice(0, 3).concat([Uint8Array.of(5, 6, 7, 8, 9)]));
    const expected = bodies
      .slice(0, 3)
      .concat([Uint8Array.of(5, 6, 7, 8, 9)])
      .map(hex);
    for (let a = 0; a <= small.length; a++) {
      for (let b = a; b <= small.length; b++) {
        const { frames, decoder } = collect();
        decoder.push(small.subarray(0, a));
        decoder.push(small.subarray(a, b));
        decoder.push(small.subarray(b));
        expect(frames.map(hex), `splits at ${a}, ${b}`).toEqual(expected);
      }
    }
  });

  it('reassembles a stream fed one byte at a time', () => {
    const { frames, decoder } = collect();
    for (let i = 0; i < wire.length; i++) decoder.push(wire.subarray(i, i + 1));
    expect(frames.map(hex)).toEqual(bodies.map(hex));
  });

  it('reassembles any frames under any chunking (property)', () => {
    fc.assert(
      fc.property(
        fc.array(fc.uint8Array({ maxLength: 200 }), { maxLength: 12 }),
        fc.array(fc.nat(), { maxLength: 20 }),
        (someBodies, cuts) => {
          const bytes = stream(someBodies);
          const points = [...new Set(cuts.map((c) => c % (bytes.length + 1)))].sort((x, y) => x - y);
          const { frames, decoder } = collect();
          let from = 0;
          for (const point of [...points, bytes.length]) {
            decoder.push(bytes.subarray(from, point));
            from = point;
          }
          expect(frames.map(hex)).toEqual(someBodies.map(hex));
          expect(decoder.bufferedBytes).toBe(0);
        },
      ),
    );
  });

  it('copies a straddling frame once into a buffer of exactly its size', () => {
    const body = Uint8Array.from({ length: 1000 }, (_, i) => (i * 7) & 0xff);
    const bytes = stream([body]);
    const { frames, decoder } = collect();
    const allocUnsafe = vi.spyOn(Buffer, 'allocUnsafe');
    for (let at = 0; at < bytes.length; at += 100) decoder.push(bytes.subarray(at, at + 100));
    expect(allocUnsafe.mock.calls).toEqual([[1000]]);
    expect(hex(frames[0]!)).toBe(hex(body));
  });

  it('rejects a 2 GiB frame size without allocating it', () => {
    const allocUnsafe = vi.spyOn(Buffer, 'allocUnsafe');
    const { frames, decoder } = collect();
    expect(() => decoder.push(Uint8Array.of(0x7f, 0xff, 0xff, 0xff, 1, 2, 3))).toThrow(BrokerProtocolError);
    expect(allocUnsafe).not.toHaveBeenCalled();
    expect(frames).toEqual([]);
    expect(decoder.bufferedBytes).toBe(0);
  });

  it('rejects a negative size, also when its header straddles chunks', () => {
    const { decoder } = collect();
    decoder.push(Uint8Array.of(0, 0, 0, 1, 42)); // one valid one-byte frame
    decoder.push(Uint8Array.of(0xff, 0xff));
    expect(() => decoder.push(Uint8Array.of(0xff, 0xfe))).toThrow(/frame size of -2 bytes/);
  });

  it('stops after an error: later chunks are ignored', () => {
    const { frames, decoder } = collect(16);
    expect(() => decoder.push(Uint8Array.of(0, 0, 0, 17))).toThrow(BrokerProtocolError);
    decoder.push(Uint8Array.of(0, 0, 0, 1, 5));
    expect(frames).toEqual([]);
  });

  it('names TLS when the size is really a TLS alert record: a setting to change, not retriable', () => {
    const { decoder } = collect();
    // A TLS 1.2 alert record: content type 21, version 3.3, length 2.
    let error: unknown;
    try {
      decoder.push(Uint8Array.of(0x15, 0x03, 0x03, 0x00, 0x02, 0x02, 0x46));
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(AuthenticationError);
    expect((error as Error).message).toMatch(
      /answered with a TLS record: it is a TLS listener \(SSL or SASL_SSL\).*Enable the ssl option/,
    );
  });

  it('delivers nothing more once the consumer stops it from inside onFrame', () => {
    const frames: Uint8Array[] = [];
    const decoder: FrameDecoder = new FrameDecoder((frame) => {
      frames.push(frame);
      decoder.stop();
    });
    decoder.push(wire);
    expect(frames.length).toBe(1);
  });
});
