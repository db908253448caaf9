// One place that maps a RecordBatch codec to its implementation, its attribute id and its level rules.
// Levels and defaults follow the Java client (GzipCompression, Lz4Compression, ZstdCompression).
import { CompressionError, RecordBatchEncodeError } from '../errors.js';
import type { CompressionType } from '../types.js';
import {
  GZIP_DEFAULT_LEVEL,
  GZIP_MAX_LEVEL,
  GZIP_MIN_LEVEL,
  gzipCompress,
  gzipCompressSync,
  gzipDecompress,
  gzipDecompressSync,
} from './gzip.js';
import {
  LZ4_DEFAULT_LEVEL,
  LZ4_MAX_LEVEL,
  LZ4_MIN_LEVEL,
  lz4CompressFrame,
  lz4CompressFrameTransient,
  lz4DecompressFrame,
} from './lz4.js';
import { snappyCompressXerial, snappyDecompress } from './snappy.js';
import {
  hasNapiZstd,
  loadZstd,
  ZSTD_DEFAULT_LEVEL,
  ZSTD_MAX_LEVEL,
  ZSTD_MIN_LEVEL,
  zstdCompress,
  zstdCompressSync,
  zstdCompressTransient,
  zstdDecompress,
  zstdDecompressSync,
  zstdReadySync,
} from './zstd.js';

/** Attribute bits 0-2 of each codec. */
export const CODEC_IDS: Readonly<Record<CompressionType, number>> = {
  none: 0,
  gzip: 1,
  snappy: 2,
  lz4: 3,
  zstd: 4,
};

const CODECS_BY_ID: readonly CompressionType[] = ['none', 'gzip', 'snappy', 'lz4', 'zstd'];

export function codecFromId(id: number): CompressionType | undefined {
  return CODECS_BY_ID[id];
}

/** Default decompression limit: large enough for any real batch, small enough to stop a bomb. */
export const DEFAULT_MAX_DECOMPRESSED_BYTES = 256 * 1024 * 1024;

/** Checks `level` for `codec` and returns the level to use (the codec default when undefined). */
export function resolveLevel(codec: CompressionType, level: number | undefined): number {
  switch (codec) {
    case 'gzip':
      if (level === undefined) return GZIP_DEFAULT_LEVEL;
      if (
        Number.isInteger(level) &&
        (level === GZIP_DEFAULT_LEVEL || (level >= GZIP_MIN_LEVEL && level <= GZIP_MAX_LEVEL))
      )
        return level;
      throw new RecordBatchEncodeError(
        `gzip compressionLevel must be 1-9 or -1 (zlib's default), got ${level}`,
      );
    case 'lz4':
      if (level === undefined) return LZ4_DEFAULT_LEVEL;
      if (Number.isInteger(level) && level >= LZ4_MIN_LEVEL && level <= LZ4_MAX_LEVEL) return level;
      throw new RecordBatchEncodeError(`lz4 compressionLevel must be 1-17 (default 9), got ${level}`);
    case 'zstd':
      if (level === undefined) return ZSTD_DEFAULT_LEVEL;
      if (Number.isInteger(level) && level >= ZSTD_MIN_LEVEL && level <= ZSTD_MAX_LEVEL) return level;
      throw new RecordBatchEncodeError(
        `zstd compressionLevel must be ${ZSTD_MIN_LEVEL}-22 (default 3), got ${level}`,
      );
    case 'none':
    case 'snappy':
      return 0;
    default:
      throw new RecordBatchEncodeError(
        `unknown compression ${JSON.stringify(codec)}: use 'none', 'gzip', 'snappy', 'lz4' or 'zstd'`,
      );
  }
}

/**
 * Compresses a record section synchronously. The result may share memory with a larger buffer; copy it
 * if you keep it. zstd on Node < 22.15 needs `await loadCompressionCodec('zstd')` first.
 */
export function compressSync(codec: CompressionType, data: Uint8Array, level?: number): Uint8Array {
  const resolved = resolveLevel(codec, level);
  switch (codec) {
    case 'none':
      return data;
    case 'gzip':
      return gzipCompressSync(data, resolved);
    case 'snappy':
      return snappyCompressXerial(data);
    case 'lz4':
      return lz4CompressFrame(data, resolved);
    case 'zstd':
      return zstdCompressSync(data, resolved);
  }
}

/**
 * compressSync for a caller that copies the result at once (into a batch, or a worker's answer): lz4 and
 * zstd-napi then write into a scratch they reuse, so the view is valid only until the next compression on this thread.
 */
export function compressSyncTransient(codec: CompressionType, data: Uint8Array, level?: number): Uint8Array {
  if (codec === 'lz4') return lz4CompressFrameTransient(data, resolveLevel(codec, level));
  if (codec === 'zstd' && hasNapiZstd()) return zstdCompressTransient(data, resolveLevel(codec, level));
  return compressSync(codec, data, level);
}

/** Compresses a record section; gzip and (Node >= 22.15) zstd run on the libuv thread pool. */
export async function compress(
  codec: CompressionType,
  data: Uint8Array,
  level?: number,
): Promise<Uint8Array> {
  const resolved = resolveLevel(codec, level);
  switch (codec) {
    case 'gzip':
      return gzipCompress(data, resolved);
    case 'zstd':
      return zstdCompress(data, resolved);
    default:
      return compressSync(codec, data, resolved);
  }
}

export function decompressSync(
  codec: CompressionType,
  data: Uint8Array,
  maxOutputLength = DEFAULT_MAX_DECOMPRESSED_BYTES,
): Uint8Array {
  switch (codec) {
    case 'none':
      return data;
    case 'gzip':
      return gzipDecompressSync(data, maxOutputLength);
    case 'snappy':
      return snappyDecompress(data, maxOutputLength);
    case 'lz4':
      return lz4DecompressFrame(data, maxOutputLength);
    case 'zstd':
      return zstdDecompressSync(data, maxOutputLength);
    default:
      throw new CompressionError(String(codec), 'unknown codec');
  }
}

export async function decompress(
  codec: CompressionType,
  data: Uint8Array,
  maxOutputLength = DEFAULT_MAX_DECOMPRESSED_BYTES,
): Promise<Uint8Array> {
  switch (codec) {
    case 'gzip':
      return gzipDecompress(data, maxOutputLength);
    case 'zstd':
      return zstdDecompress(data, maxOutputLength);
    default:
      return decompressSync(codec, data, maxOutputLength);
  }
}

/** Loads whatever `codec` needs on this runtime so that the sync functions work (only zstd on Node
 *  < 22.15 needs this; the others are always ready). */
export async function loadCompressionCodec(codec: CompressionType): Promise<void> {
  resolveLevel(codec, undefined);
  if (codec === 'zstd') await loadZstd();
}

/** Whether compressSync(codec, …) works right now. */
export function isCompressionCodecReady(codec: CompressionType): boolean {
  return codec !== 'zstd' || zstdReadySync();
}
