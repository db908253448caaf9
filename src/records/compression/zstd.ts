// zstd, fastest first: the zstd-napi addon (libzstd compiled for this machine: an optional dependency,
// prebuilt where npm can fetch its binaries, built from its bundled sources otherwise, skipped if neither
// works), then Node's own zlib bindings where they exist (Node >= 22.15 / 23.8), then a WASM compressor
// (@bokuweb/zstd-wasm, libzstd compiled to WASM, MIT) and a pure-JS decompressor (fzstd, MIT).
//
// Measured (bench/codecs.mjs, 1,000-record section, level 3, MB/s compress / decompress): zlib on Node 24
// 467 / 1,205; on Node 20 zstd-wasm 253 and fzstd 302; zstd-napi ~800 on 200 KB of JSON. In the producer
// (bench/README.md "Native zstd"), zstd-napi on the event loop against zstd-wasm in a worker on Node 20 and
// against zlib on libuv's thread pool on Node 24: less CPU per record, more records/s and ~50-190 MiB less
// peak RSS on both. zstd-wasm's own decompressor is faster than fzstd (~600) but
// sizes its output from the frame header, or 1 MiB when the header has no content size (Java's
// streaming zstd frames have none), so larger batches would fail. The fallbacks are loaded only when a
// zstd batch is first seen, because instantiating the WASM takes ~35 ms and growing WASM memory detaches
// an ArrayBuffer, which makes every typed-array loop in the process 12-30 % slower from then on.
// zstd-wasm starts with 16 MiB of memory, enough for level 3 on 4 MiB inputs; high levels (19+) grow it.
//
// fzstd allocates its window from the frame header, so frames are checked first (zstdFrameBound) against
// the caller's output limit: a tiny bogus frame cannot make us allocate gigabytes. Decompression stays with
// zlib or fzstd (the producer only compresses; decoding is for tests and tools).
import { createRequire } from 'node:module';
import { debuglog, promisify } from 'node:util';
import { lazyBuiltin } from '../../lazy-builtin.js';
import { CompressionCodecUnavailableError, CompressionError } from '../errors.js';
import { OutputScratch } from './scratch.js';

export const ZSTD_DEFAULT_LEVEL = 3;
export const ZSTD_MIN_LEVEL = -131072;
export const ZSTD_MAX_LEVEL = 22;

interface ZlibWithZstd {
  zstdCompressSync(data: Uint8Array, options: object): Buffer;
  zstdDecompressSync(data: Uint8Array, options: object): Buffer;
  zstdCompress(
    data: Uint8Array,
    options: object,
    callback: (error: Error | null, result: Buffer) => void,
  ): void;
  zstdDecompress(
    data: Uint8Array,
    options: object,
    callback: (error: Error | null, result: Buffer) => void,
  ): void;
  constants: { ZSTD_c_compressionLevel: number };
}

const zlib = lazyBuiltin<Partial<ZlibWithZstd>>('node:zlib');

/** node:zlib where it has zstd built in (Node >= 22.15 / 23.8), else undefined. */
function nodeZstd(): ZlibWithZstd | undefined {
  const module = zlib();
  return typeof module.zstdCompressSync === 'function' ? (module as ZlibWithZstd) : undefined;
}

/** True when this Node has zstd built into node:zlib (no fallback needed). */
export function hasNativeZstd(): boolean {
  return nodeZstd() !== undefined;
}

/**
 * What kafka-wire uses of zstd-napi: its documented low-level binding (`zstd-napi/binding`), which compresses
 * into a buffer the caller provides, so frames go into one reused scratch like lz4's.
 */
interface ZstdNapiBinding {
  CCtx: new () => { compress(dst: Uint8Array, src: Uint8Array, level: number): number };
  compressBound(size: number): number;
}

interface ZstdWasm {
  init(): Promise<void>;
  compress(data: Uint8Array, level?: number): Uint8Array;
}

interface Fzstd {
  decompress(data: Uint8Array): Uint8Array;
}

const require = createRequire(import.meta.url);
let wasm: ZstdWasm | undefined;
let wasmLoading: Promise<ZstdWasm> | undefined;
let fzstd: Fzstd | undefined;
/** zstd-napi's compression context once loaded (one per thread, reused); null when it could not be loaded. */
let napiContext: InstanceType<ZstdNapiBinding['CCtx']> | null | undefined;
let napi: ZstdNapiBinding | undefined;
// Frames are written into a reused scratch and copied out at their size, as lz4's are.
const napiScratch = new OutputScratch();

/**
 * True when the zstd-napi addon loads here (tried on first call, synchronously: a few ms, and only for a
 * producer or batch that uses zstd). Without it, zstd falls back to zlib or WASM; Kafka decodes any of
 * their frames the same.
 */
export function hasNapiZstd(): boolean {
  if (napiContext === undefined) {
    try {
      napi = require('zstd-napi/binding') as ZstdNapiBinding;
      napiContext = new napi.CCtx();
    } catch (error) {
      napiContext = null;
      // Falling back is nothing to fix (no binary for this platform, a runtime that cannot load Node-API,
      // `--omit=optional`), so the reason is said only through NODE_DEBUG=kafka-wire. The first line is it.
      const fallback = hasNativeZstd() ? "Node's zlib" : 'WASM in a worker';
      debuglog('kafka-wire')(
        'zstd compresses with %s: zstd-napi could not be loaded: %s',
        fallback,
        String(error).split('\n', 1)[0],
      );
    }
  }
  return napiContext !== null;
}

/**
 * Whether zstd at `level` compresses synchronously on the calling thread: with zstd-napi at the default
 * level or faster (it keeps up with lz4's fast compressor, so a hop to another thread would cost more than
 * it saves), and at any level when zlib has no zstd (a producer's worker has taken slow levels by then).
 */
export function zstdCompressesInline(level: number | undefined): boolean {
  return zstdFastOnLoop(level) || (!hasNativeZstd() && hasNapiZstd());
}

/** zstd-napi at the default level or faster: cheaper on the event loop than a hop to another thread. */
export function zstdFastOnLoop(level: number | undefined): boolean {
  return hasNapiZstd() && (level === undefined || level <= ZSTD_DEFAULT_LEVEL);
}

/**
 * Compresses with zstd-napi into the reused scratch: the view is valid until the next zstd compression on
 * this thread (copy it to keep it). Call hasNapiZstd() first.
 */
export function zstdCompressTransient(data: Uint8Array, level: number): Uint8Array {
  const out = napiScratch.take(napi!.compressBound(data.length));
  let length: number;
  try {
    length = napiContext!.compress(out, data, level);
  } catch (error) {
    throw new CompressionError('zstd', error instanceof Error ? error.message : String(error), -1, error);
  }
  return out.subarray(0, length);
}

function compressNapi(data: Uint8Array, level: number): Uint8Array {
  return Buffer.from(zstdCompressTransient(data, level));
}

function loadWasm(): Promise<ZstdWasm> {
  wasmLoading ??= (async () => {
    let module: ZstdWasm;
    try {
      module = require('@bokuweb/zstd-wasm') as ZstdWasm;
      await module.init();
    } catch (error) {
      wasmLoading = undefined;
      throw new CompressionCodecUnavailableError(
        'zstd',
        'zstd needs Node >= 22.15 (built-in zlib zstd) or the @bokuweb/zstd-wasm package, which could ' +
          'not be loaded; reinstall kafka-wire or upgrade Node.',
        error,
      );
    }
    wasm = module;
    return module;
  })();
  return wasmLoading;
}

function loadFzstd(): Fzstd {
  if (fzstd === undefined) {
    try {
      fzstd = require('fzstd') as Fzstd;
    } catch (error) {
      throw new CompressionCodecUnavailableError(
        'zstd',
        'zstd decompression needs Node >= 22.15 or the fzstd package, which could not be loaded; ' +
          'reinstall kafka-wire or upgrade Node.',
        error,
      );
    }
  }
  return fzstd;
}

/** Makes the synchronous zstd functions usable on runtimes without built-in zstd. */
export async function loadZstd(): Promise<void> {
  if (!hasNativeZstd() && !hasNapiZstd()) {
    await loadWasm();
    loadFzstd();
  }
}

/** Whether zstdCompressSync works right now without loadZstd(). */
export function zstdReadySync(): boolean {
  return hasNativeZstd() || wasm !== undefined || hasNapiZstd();
}

function nodeOptions(node: ZlibWithZstd, level: number): object {
  return { params: { [node.constants.ZSTD_c_compressionLevel]: level } };
}

export function zstdCompressSync(data: Uint8Array, level: number): Uint8Array {
  if (hasNapiZstd()) return compressNapi(data, level);
  const node = nodeZstd();
  if (node !== undefined) return node.zstdCompressSync(data, nodeOptions(node, level));
  if (wasm === undefined) {
    throw new CompressionCodecUnavailableError(
      'zstd',
      'zstd on this Node (< 22.15) uses a WASM build that loads asynchronously: use the async API ' +
        '(encodeRecordBatch) or await loadCompressionCodec("zstd") before the sync one.',
    );
  }
  return compressWasm(wasm, data, level);
}

function compressWasm(module: ZstdWasm, data: Uint8Array, level: number): Uint8Array {
  try {
    return module.compress(data, level);
  } catch (error) {
    throw new CompressionError('zstd', error instanceof Error ? error.message : String(error), -1, error);
  }
}

/** Off the event loop where it can be (zlib on libuv's thread pool) unless zstdCompressesInline(level). */
export async function zstdCompress(data: Uint8Array, level: number): Promise<Uint8Array> {
  if (zstdCompressesInline(level)) return compressNapi(data, level);
  const node = nodeZstd();
  if (node !== undefined) return promisify(node.zstdCompress.bind(node))(data, nodeOptions(node, level));
  return zstdCompressFallback(data, level);
}

/** The Node < 22.15 compressor (WASM), usable on any runtime (tests run it on every Node). */
export async function zstdCompressFallback(data: Uint8Array, level: number): Promise<Uint8Array> {
  return compressWasm(await loadWasm(), data, level);
}

export function zstdDecompressSync(data: Uint8Array, maxOutputLength: number): Uint8Array {
  const node = nodeZstd();
  if (node !== undefined) {
    try {
      return node.zstdDecompressSync(data, { maxOutputLength });
    } catch (error) {
      throw new CompressionError('zstd', error instanceof Error ? error.message : String(error), -1, error);
    }
  }
  return zstdDecompressFallback(data, maxOutputLength);
}

/** The Node < 22.15 decompressor (pure JS, frames checked against the limit first). */
export function zstdDecompressFallback(data: Uint8Array, maxOutputLength: number): Uint8Array {
  const bound = zstdFrameBound(data);
  if (bound > maxOutputLength) {
    throw new CompressionError(
      'zstd',
      `frames may decompress to ${bound} bytes, over the limit of ${maxOutputLength}`,
      0,
    );
  }
  const decoder = loadFzstd();
  try {
    return decoder.decompress(data);
  } catch (error) {
    throw new CompressionError('zstd', error instanceof Error ? error.message : String(error), -1, error);
  }
}

export async function zstdDecompress(data: Uint8Array, maxOutputLength: number): Promise<Uint8Array> {
  const node = nodeZstd();
  if (node !== undefined) {
    try {
      return await promisify(node.zstdDecompress.bind(node))(data, { maxOutputLength });
    } catch (error) {
      throw new CompressionError('zstd', error instanceof Error ? error.message : String(error), -1, error);
    }
  }
  return zstdDecompressSync(data, maxOutputLength);
}

const ZSTD_MAGIC = 0xfd2fb528;
const BLOCK_MAX = 128 * 1024;

function fail(message: string, position: number): never {
  throw new CompressionError('zstd', message, position);
}

/**
 * Walks the frames of `src` (RFC 8878) without decoding them and returns an upper bound of the
 * decompressed size, also bounding the window a decoder would allocate. Throws on malformed structure.
 */
export function zstdFrameBound(src: Uint8Array): number {
  const n = src.length;
  let s = 0;
  let bound = 0;
  if (n === 0) fail('no zstd frame', 0);
  while (s < n) {
    if (n - s < 4) fail('frame magic cut off', s);
    const magic = (src[s]! | (src[s + 1]! << 8) | (src[s + 2]! << 16) | (src[s + 3]! << 24)) >>> 0;
    if ((magic & 0xfffffff0) === 0x184d2a50) {
      // Skippable frame: magic + uint32 LE size + that many bytes of user data.
      if (n - s < 8) fail('skippable frame header cut off', s);
      const size = (src[s + 4]! | (src[s + 5]! << 8) | (src[s + 6]! << 16) | (src[s + 7]! << 24)) >>> 0;
      if (size > n - s - 8) fail('skippable frame runs past the end', s);
      s += 8 + size;
      continue;
    }
    if (magic !== ZSTD_MAGIC) fail('missing zstd frame magic 28 B5 2F FD', s);
    s += 4;
    if (s >= n) fail('frame header cut off', s);
    const fhd = src[s++]!;
    const fcsFlag = fhd >>> 6;
    const singleSegment = (fhd >>> 5) & 1;
    const checksum = (fhd >>> 2) & 1;
    const dictIdFlag = fhd & 3;
    if ((fhd & 0x08) !== 0) fail('reserved bit set in the frame header', s - 1);
    let window = 0;
    if (!singleSegment) {
      if (s >= n) fail('frame header cut off', s);
      const wd = src[s++]!;
      const base = 2 ** (10 + (wd >>> 3));
      window = base + (base / 8) * (wd & 7);
    }
    s += [0, 1, 2, 4][dictIdFlag]!;
    const fcsSize = [singleSegment ? 1 : 0, 2, 4, 8][fcsFlag]!;
    if (n - s < fcsSize) fail('frame header cut off', s);
    let contentSize = -1;
    if (fcsSize > 0) {
      contentSize = 0;
      for (let i = fcsSize - 1; i >= 0; i--) contentSize = contentSize * 256 + src[s + i]!;
      if (fcsSize === 2) contentSize += 256;
    }
    s += fcsSize;
    if (singleSegment) window = contentSize;
    const blockMax = Math.min(window, BLOCK_MAX);
    let frameBound = 0;
    for (;;) {
      if (n - s < 3) fail('block header cut off', s);
      const header = src[s]! | (src[s + 1]! << 8) | (src[s + 2]! << 16);
      s += 3;
      const last = header & 1;
      const type = (header >>> 1) & 3;
      const size = header >>> 3;
      if (type === 3) fail('reserved block type', s - 3);
      if (type === 1) {
        // RLE: one byte repeated `size` times.
        if (s >= n) fail('RLE block cut off', s);
        s += 1;
        frameBound += size;
      } else {
        if (size > n - s) fail('block runs past the end of the data', s - 3);
        s += size;
        frameBound += type === 0 ? size : blockMax;
      }
      if (last) break;
    }
    if (checksum) {
      if (n - s < 4) fail('content checksum cut off', s);
      s += 4;
    }
    bound += Math.max(frameBound, window, contentSize);
  }
  return bound;
}
