import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  hasNapiZstd,
  hasNativeZstd,
  zstdCompressesInline,
  zstdCompressFallback,
  zstdDecompressFallback,
  zstdFrameBound,
} from '../../../src/records/compression/zstd.js';
import {
  CompressionError,
  compress,
  compressSync,
  decompress,
  decompressSync,
  encodeRecordBatch,
  isCompressionCodecReady,
  loadCompressionCodec,
  RecordBatchEncodeError,
} from '../../../src/records/index.js';

const LIMIT = 64 * 1024 * 1024;

function text(length: number): Uint8Array {
  const out = Buffer.alloc(length);
  for (let i = 0, n = 0; i < length; n++) i += out.write(`{"n":${n},"k":"key-${n % 50}"},`, i);
  return out;
}

describe('gzip', () => {
  it('writes a standard gzip member (1f 8b, deflate) at levels -1 and 1-9, sync and on the thread pool', async () => {
    const data = text(50_000);
    for (const level of [undefined, -1, 1, 5, 9]) {
      const sync = compressSync('gzip', data, level);
      const async = await compress('gzip', data, level);
      for (const out of [sync, async]) {
        expect([out[0], out[1], out[2]]).toEqual([0x1f, 0x8b, 8]);
        expect(Buffer.compare(decompressSync('gzip', out, LIMIT), data)).toBe(0);
        expect(Buffer.compare(await decompress('gzip', out, LIMIT), data)).toBe(0);
      }
    }
    expect(compressSync('gzip', data, 9).length).toBeLessThan(compressSync('gzip', data, 1).length);
  });

  it.each([0, 10, -2, 1.5])('rejects level %d like Java (1-9 or -1)', (level) => {
    expect(() => compressSync('gzip', text(10), level)).toThrow(RecordBatchEncodeError);
  });

  it('rejects damaged data and output over the limit with a typed error', async () => {
    const out = Buffer.from(compressSync('gzip', text(10_000)));
    out[20]! ^= 0xff;
    expect(() => decompressSync('gzip', out, LIMIT)).toThrow(CompressionError);
    await expect(decompress('gzip', out, LIMIT)).rejects.toThrow(CompressionError);
    expect(() => decompressSync('gzip', compressSync('gzip', new Uint8Array(100_000)), 1000)).toThrow(
      CompressionError,
    );
  });
});

describe('zstd', () => {
  it(`works on this Node (${process.version}, built-in zstd: ${hasNativeZstd()}) at levels -5, 1, 3, 19`, async () => {
    await loadCompressionCodec('zstd');
    expect(isCompressionCodecReady('zstd')).toBe(true);
    const data = text(100_000);
    for (const level of [undefined, -5, 1, 3, 19]) {
      for (const out of [compressSync('zstd', data, level), await compress('zstd', data, level)]) {
        expect(Buffer.from(out.subarray(0, 4)).toString('hex')).toBe('28b52ffd');
        expect(Buffer.compare(decompressSync('zstd', out, LIMIT), data)).toBe(0);
        expect(Buffer.compare(await decompress('zstd', out, LIMIT), data)).toBe(0);
      }
    }
  });

  it('the Node 20 fallback (WASM compressor, fzstd decompressor) interoperates with whatever this Node has', async () => {
    const data = text(300_000);
    const fromFallback = await zstdCompressFallback(data, 3);
    expect(Buffer.compare(zstdDecompressFallback(fromFallback, LIMIT), data)).toBe(0);
    expect(Buffer.compare(decompressSync('zstd', fromFallback, LIMIT), data)).toBe(0);
    const fromDefault = await compress('zstd', data, 3);
    expect(Buffer.compare(zstdDecompressFallback(fromDefault, LIMIT), data)).toBe(0);
  });

  it('uses the zstd-napi addon where it loads (npm builds the optional dependency on this machine)', async () => {
    // Bun and Deno load Node-API addons on their own terms; on Node a missing addon means the optional
    // dependency did not build (npm skips it silently), and every zstd producer falls back to WASM or zlib.
    const onNode = process.versions.bun === undefined && !('Deno' in globalThis);
    if (onNode) expect(hasNapiZstd()).toBe(true);
    if (!hasNapiZstd()) return;
    expect(zstdCompressesInline(undefined)).toBe(true);
    expect(zstdCompressesInline(3)).toBe(true);
    expect(zstdCompressesInline(-7)).toBe(true);
    // Slow levels leave the event loop where zlib can take them (libuv's thread pool).
    expect(zstdCompressesInline(19)).toBe(!hasNativeZstd());
    const data = text(300_000);
    for (const level of [-5, 1, 3, 9]) {
      const out = compressSync('zstd', data, level);
      expect([...out.subarray(0, 4)]).toEqual([0x28, 0xb5, 0x2f, 0xfd]);
      // Decoded by the other implementations: fzstd (pure JS) and, where it exists, zlib.
      expect(Buffer.compare(zstdDecompressFallback(out, LIMIT), data)).toBe(0);
      expect(Buffer.compare(decompressSync('zstd', out, LIMIT), data)).toBe(0);
    }
    // One compressor per level, reused: the same input gives the same frame again, levels do not leak.
    expect(Buffer.compare(compressSync('zstd', data, 1), compressSync('zstd', data, 1))).toBe(0);
    expect(compressSync('zstd', data, 9).length).toBeLessThan(compressSync('zstd', data, -5).length);
    expect(Buffer.compare(await compress('zstd', data, 3), compressSync('zstd', data, 3))).toBe(0);
  });

  it('zstdFrameBound bounds the output before fzstd allocates anything', async () => {
    const data = text(200_000);
    const frame = await zstdCompressFallback(data, 3);
    expect(zstdFrameBound(frame)).toBeGreaterThanOrEqual(data.length);
    expect(() => zstdDecompressFallback(frame, 100_000)).toThrow(/limit/);
    // A frame header claiming a 1 TiB single-segment content size with nothing behind it.
    const bogus = Uint8Array.of(0x28, 0xb5, 0x2f, 0xfd, 0xe0, 0, 0, 0, 0, 0, 1, 0, 0, 1, 0, 0);
    expect(() => zstdDecompressFallback(bogus, LIMIT)).toThrow(CompressionError);
    expect(() => zstdDecompressFallback(Uint8Array.of(1, 2, 3, 4, 5), LIMIT)).toThrow(/magic/);
    fc.assert(
      fc.property(fc.nat(frame.length - 1), (cut) => {
        expect(() => zstdDecompressFallback(frame.subarray(0, cut), LIMIT)).toThrow(CompressionError);
      }),
      { numRuns: 50 },
    );
  });

  it.each([23, -131073, 2.5])('rejects level %d like Java (-131072..22)', async (level) => {
    await expect(
      encodeRecordBatch({
        compression: 'zstd',
        compressionLevel: level,
        records: [{ key: null, value: null, timestamp: 0n }],
      }),
    ).rejects.toThrow(RecordBatchEncodeError);
  });
});
