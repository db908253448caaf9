// gzip through node:zlib: a standard gzip member, as java.util.zip.GZIPOutputStream writes it. The
// async forms run on libuv's thread pool, off the event loop.
//
// Measured (bench/codecs.mjs, numbers in bench/README.md): on a 1,000-record section node:zlib compresses
// 91 MB/s at the default level (6) and 239 MB/s at level 1, and inflates ~1,100 MB/s; the pure-JS fflate
// measured 55 MB/s with a worse ratio on JSON. zlib is built in: nothing to install, and its async form keeps
// the slow deflate off the event loop. It is loaded by the first gzip batch.
import { promisify } from 'node:util';
import type { ZlibOptions } from 'node:zlib';
import { lazyBuiltin } from '../../lazy-builtin.js';
import { CompressionError } from '../errors.js';

export const GZIP_DEFAULT_LEVEL = -1;
export const GZIP_MIN_LEVEL = 1;
export const GZIP_MAX_LEVEL = 9;

const zlib = lazyBuiltin<typeof import('node:zlib')>('node:zlib');

function options(level: number): ZlibOptions {
  return { level: level === GZIP_DEFAULT_LEVEL ? zlib().constants.Z_DEFAULT_COMPRESSION : level };
}

export function gzipCompressSync(data: Uint8Array, level: number): Uint8Array {
  return zlib().gzipSync(data, options(level));
}

export function gzipCompress(data: Uint8Array, level: number): Promise<Uint8Array> {
  return promisify(zlib().gzip)(data, options(level));
}

function wrap(error: unknown): CompressionError {
  const message = error instanceof Error ? error.message : String(error);
  return new CompressionError('gzip', message, -1, error);
}

export function gzipDecompressSync(data: Uint8Array, maxOutputLength: number): Uint8Array {
  try {
    return zlib().gunzipSync(data, { maxOutputLength });
  } catch (error) {
    throw wrap(error);
  }
}

export async function gzipDecompress(data: Uint8Array, maxOutputLength: number): Promise<Uint8Array> {
  try {
    return await promisify(zlib().gunzip)(data, { maxOutputLength });
  } catch (error) {
    throw wrap(error);
  }
}
