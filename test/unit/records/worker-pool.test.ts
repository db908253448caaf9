import { existsSync, readFileSync } from 'node:fs';
import zlib from 'node:zlib';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { offloadsCompression } from '../../../src/records/compression/worker-pool.js';
import { hasNapiZstd } from '../../../src/records/compression/zstd.js';
import {
  type CompressionType,
  CompressionWorkerError,
  CompressionWorkerPool,
  compressesOnEventLoop,
  compressSync,
  decodeRecordBatches,
  encodeRecordBatch,
  loadCompressionCodec,
  type RecordBatchInput,
  type RecordInput,
} from '../../../src/records/index.js';
import { inputOf } from './reencode.js';

// The pool runs the built worker (dist/): vitest runs our TypeScript sources, a worker thread cannot.
// `npm run build` comes before the unit tests.
const WORKER_URL = new URL('../../../dist/records/compression/worker.js', import.meta.url);
// A worker that dies at once, like a thread that crashed (out of memory, a bug in a codec).
const DYING_WORKER_URL = new URL('./dying-worker.mjs', import.meta.url);
// The built worker, except that it dies in the middle of a job at level -999.
const CRASH_ON_LEVEL_WORKER_URL = new URL('./crash-on-level-worker.mjs', import.meta.url);

const hex = (b: Uint8Array) => Buffer.from(b.buffer, b.byteOffset, b.byteLength).toString('hex');
const utf8 = (s: string) => new TextEncoder().encode(s);

/** `count` records of JSON-ish text that differ from each other (compressible, but not trivially). */
function records(count: number, valueSize = 100): RecordInput[] {
  let seed = 12345;
  const next = () => {
    seed = (seed * 1103515245 + 12345) % 2 ** 31;
    return seed;
  };
  return Array.from({ length: count }, (_, i) => {
    let text = `{"id":${next()},"event":"${['click', 'view', 'buy'][i % 3]}","tags":"`;
    while (text.length < valueSize) text += `${next().toString(36)} `;
    return {
      key: i % 4 === 0 ? null : utf8(`key-${i}`),
      value: utf8(text.slice(0, valueSize)),
      headers: i % 7 === 0 ? [{ key: 'trace', value: utf8(String(next())) }] : [],
      timestamp: 1_700_000_000_000n + BigInt(i),
    };
  });
}

const batch = (compression: CompressionType, recs: RecordInput[]): RecordBatchInput => ({
  compression,
  producerId: 4242n,
  producerEpoch: 3,
  baseSequence: 77,
  records: recs,
});

const pools: CompressionWorkerPool[] = [];
function pool(options: ConstructorParameters<typeof CompressionWorkerPool>[0] = {}) {
  const p = new CompressionWorkerPool({ workerUrl: WORKER_URL, ...options });
  pools.push(p);
  return p;
}
afterEach(async () => {
  await Promise.all(pools.splice(0).map((p) => p.close()));
});

describe('CompressionWorkerPool', () => {
  it('has a built worker to run (npm run build before the unit tests)', () => {
    expect(existsSync(WORKER_URL)).toBe(true);
  });

  const codecs: CompressionType[] = ['lz4', 'snappy', 'zstd', 'gzip'];
  it.each(codecs)('%s: batches compressed in a worker are byte-identical to in-loop ones', async (codec) => {
    const workers = pool({ minBytes: 0 });
    for (const [count, size] of [
      [1, 10],
      [50, 100],
      [3000, 100],
      [300, 1024],
    ] as const) {
      const input = batch(codec, records(count, size));
      const inLoop = await encodeRecordBatch(input);
      const offloaded = await encodeRecordBatch(input, { compressionPool: workers });
      expect(hex(offloaded), `${count} x ${size} B`).toBe(hex(inLoop));
    }
    // gzip (and native zstd) already run on libuv's thread pool: encodeRecordBatch keeps them there.
    expect(workers.threadCount).toBe(compressesOnEventLoop(codec) ? 1 : 0);
  });

  it('re-encodes Java-written lz4 batches through a worker byte for byte', async () => {
    const workers = pool({ minBytes: 0 });
    for (const name of ['headers-lz4', 'thousand-lz4']) {
      const java = readFileSync(new URL(`../../../fixtures/records/${name}.bin`, import.meta.url));
      const ours: Uint8Array[] = [];
      for (const b of await decodeRecordBatches(java)) {
        ours.push(await encodeRecordBatch(inputOf(b), { compressionPool: workers }));
      }
      expect(hex(Buffer.concat(ours)), name).toBe(hex(java));
    }
  });

  it('compress() returns the codec output after the requested headroom, and many jobs can be out at once', async () => {
    await loadCompressionCodec('zstd');
    const workers = pool({ threads: 2 });
    const sections = Array.from({ length: 20 }, (_, i) => utf8(`section ${i} `.repeat(5000 + i)));
    const expected = sections.map((s) => hex(compressSync('zstd', s, 5)));
    const results = await Promise.all(
      sections.map((s) => workers.compress('zstd', Uint8Array.from(s), 5, 61)),
    );
    expect(results.map((r) => hex(r.subarray(61)))).toEqual(expected);
    expect(workers.threadCount).toBe(2);
  });

  /** `size` bytes of text at `offset` of a larger buffer: a view that does not own its ArrayBuffer. */
  function sectionView(size: number, seed: number, offset = 61): Uint8Array {
    const host = new Uint8Array(offset + size + 1000);
    const text = utf8(`section ${seed} ${'x'.repeat(seed % 13)} `.repeat(Math.ceil(size / 12)));
    host.set(text.subarray(0, size), offset);
    return host.subarray(offset, offset + size);
  }
  const sizes = [70_000, 300_000, 1_200_000, 200_000, 3_000_000, 90_000, 3_000_000, 10_000, 700_000];

  it.each(['zstd', 'snappy'] as const)(
    '%s: views of larger buffers, many at once and one by one over growing and shrinking sizes, give the codec bytes and stay intact',
    async (codec) => {
      await loadCompressionCodec(codec);
      const workers = pool({ threads: 2 });
      const sections = sizes.map((size, i) => sectionView(size, i));
      const before = sections.map(hex);
      const expected = sections.map((s) => hex(compressSync(codec, s, undefined)));
      for (let round = 0; round < 3; round++) {
        const atOnce = await Promise.all(sections.map((s) => workers.compress(codec, s, undefined, 61)));
        expect(atOnce.map((r) => hex(r.subarray(61)))).toEqual(expected);
        for (const [i, s] of sections.entries()) {
          expect(hex((await workers.compress(codec, s, undefined, 61)).subarray(61)), `${sizes[i]} B`).toBe(
            expected[i],
          );
        }
      }
      expect(sections.map(hex)).toEqual(before);
      expect(workers.spareBytes).toBeGreaterThan(0);
      expect(workers.spareBytes).toBeLessThanOrEqual(32 * 1024 * 1024);
    },
    // 54 jobs of up to 3 MB: ~0.3 s on Node, ~4 s on Deno (its worker hop takes ~80-100 ms per such job
    // there), which the parallel files of a full run pushed past vitest's default 5 s.
    30_000,
  );

  it('lends a spare buffer to one job at a time and takes it back for the next job', async () => {
    await loadCompressionCodec('zstd');
    const workers = pool();
    const section = sectionView(300_000, 1);
    const expected = hex(compressSync('zstd', section, undefined));
    await workers.compress('zstd', section, undefined);
    const spare = workers.spareBytes;
    expect(spare).toBe(512 * 1024); // 300,000 B rounded up to a power of two
    // In sequence the same spare serves every job: the pool holds no more after ten.
    for (let i = 0; i < 10; i++) await workers.compress('zstd', section, undefined);
    expect(workers.spareBytes).toBe(spare);
    // While a job holds the spare it is not the pool's: a second job at once gets a buffer of its own.
    const first = workers.compress('zstd', section, undefined);
    expect(workers.spareBytes).toBe(0);
    const second = workers.compress('zstd', sectionView(300_000, 1), undefined);
    expect(workers.spareBytes).toBe(0);
    expect([hex(await first), hex(await second)]).toEqual([expected, expected]);
    expect(workers.spareBytes).toBe(2 * spare);
    await workers.close();
    expect(workers.spareBytes).toBe(0);
  });

  it('drops its spares once no job has been out for spareIdleMs', async () => {
    const workers = pool({ spareIdleMs: 20 });
    const section = sectionView(300_000, 3);
    await workers.compress('snappy', section, undefined);
    expect(workers.spareBytes).toBe(512 * 1024);
    await vi.waitFor(() => expect(workers.spareBytes).toBe(0));
    // Spares come back with the next jobs.
    expect(hex(await workers.compress('snappy', section, undefined))).toBe(
      hex(compressSync('snappy', section, undefined)),
    );
    expect(workers.spareBytes).toBe(512 * 1024);
  });

  it('a worker that dies mid-job fails that job (retriable); the spare it held is never used again', async () => {
    const workers = pool({ workerUrl: CRASH_ON_LEVEL_WORKER_URL });
    const section = sectionView(300_000, 2);
    const before = hex(section);
    const expected = hex(compressSync('snappy', section, undefined));
    expect(hex(await workers.compress('snappy', section, undefined))).toBe(expected);
    expect(workers.spareBytes).toBe(512 * 1024);
    const error = await workers.compress('snappy', section, -999).then(
      () => null,
      (e: unknown) => e,
    );
    expect(error).toBeInstanceOf(CompressionWorkerError);
    expect((error as CompressionWorkerError).retriable).toBe(true);
    expect(workers.threadCount).toBe(0);
    // The dead worker's spare is gone with it, the caller's section untouched; a new worker and buffer follow.
    expect(workers.spareBytes).toBe(0);
    expect(hex(section)).toBe(before);
    expect(hex(await workers.compress('snappy', section, undefined))).toBe(expected);
    expect(workers.spareBytes).toBe(512 * 1024);
    expect(workers.threadCount).toBe(1);
  });

  it('keeps sections below minBytes on the event loop: no worker is started for them', async () => {
    const workers = pool({ minBytes: 64 * 1024 });
    const small = batch('lz4', records(100)); // ~11 KiB of records
    const large = batch('lz4', records(2000)); // ~220 KiB
    expect(workers.accepts(11 * 1024)).toBe(false);
    expect(workers.accepts(64 * 1024)).toBe(true);
    expect(hex(await encodeRecordBatch(small, { compressionPool: workers }))).toBe(
      hex(await encodeRecordBatch(small)),
    );
    expect(workers.threadCount).toBe(0);
    expect(hex(await encodeRecordBatch(large, { compressionPool: workers }))).toBe(
      hex(await encodeRecordBatch(large)),
    );
    expect(workers.threadCount).toBe(1);
  });

  it('close() terminates the workers; later batches are compressed on the loop', async () => {
    const workers = pool({ minBytes: 0, threads: 2 });
    const input = batch('snappy', records(500));
    const expected = hex(await encodeRecordBatch(input));
    await Promise.all([
      encodeRecordBatch(input, { compressionPool: workers }),
      encodeRecordBatch(input, { compressionPool: workers }),
    ]);
    expect(workers.threadCount).toBe(2);
    await workers.close();
    expect(workers.threadCount).toBe(0);
    expect(workers.accepts(1 << 20)).toBe(false);
    await expect(workers.compress('lz4', utf8('x'), undefined)).rejects.toBeInstanceOf(
      CompressionWorkerError,
    );
    expect(hex(await encodeRecordBatch(input, { compressionPool: workers }))).toBe(expected);
  });

  it('close() while jobs are out: they fail with a retriable error, batches fall back to the loop', async () => {
    const workers = pool({ minBytes: 0 });
    const section = utf8('abc'.repeat(200_000));
    const job = workers.compress('lz4', section, undefined).then(
      () => null,
      (e: unknown) => e,
    );
    const input = batch('lz4', records(3000));
    const encoding = encodeRecordBatch(input, { compressionPool: workers });
    await workers.close();
    const error = await job;
    // The job may have finished before close() got to it; if not, it must say what happened.
    if (error !== null) {
      expect(error).toBeInstanceOf(CompressionWorkerError);
      expect((error as CompressionWorkerError).retriable).toBe(true);
    }
    expect(hex(await encoding)).toBe(hex(await encodeRecordBatch(input)));
  });

  it('a worker that dies fails only its jobs (retriable) and encoding falls back to the loop', async () => {
    const dying = new CompressionWorkerPool({ workerUrl: DYING_WORKER_URL, minBytes: 0 });
    pools.push(dying);
    const error = await dying.compress('lz4', utf8('data'), undefined).then(
      () => null,
      (e: unknown) => e,
    );
    expect(error).toBeInstanceOf(CompressionWorkerError);
    expect((error as CompressionWorkerError).retriable).toBe(true);
    expect((error as Error).message).toMatch(/died/);
    expect(dying.threadCount).toBe(0);

    const input = batch('lz4', records(1000));
    expect(hex(await encodeRecordBatch(input, { compressionPool: dying }))).toBe(
      hex(await encodeRecordBatch(input)),
    );
    // Three deaths (one above, one in encodeRecordBatch, one more): the pool stops starting workers.
    await dying.compress('snappy', utf8('data'), undefined).catch(() => undefined);
    expect(dying.accepts(1 << 20)).toBe(false);
    expect(hex(await encodeRecordBatch(input, { compressionPool: dying }))).toBe(
      hex(await encodeRecordBatch(input)),
    );
    expect(dying.threadCount).toBe(0);
  });

  it('refuses a bad level before handing anything to a worker', async () => {
    const workers = pool({ minBytes: 0 });
    const input = { ...batch('zstd', records(10)), compressionLevel: 99 };
    await expect(encodeRecordBatch(input, { compressionPool: workers })).rejects.toThrow(
      /compressionLevel must be/,
    );
    expect(workers.threadCount).toBe(0);
  });

  it('knows which codecs compress on the event loop here', () => {
    expect(compressesOnEventLoop('lz4')).toBe(true);
    expect(compressesOnEventLoop('snappy')).toBe(true);
    expect(compressesOnEventLoop('gzip')).toBe(false);
    expect(compressesOnEventLoop('none')).toBe(false);
    // zstd-napi compresses synchronously; without it, zstd is on the loop only where zlib has none (WASM).
    const nativeZstd = 'zstdCompress' in zlib;
    expect(compressesOnEventLoop('zstd')).toBe(hasNapiZstd() || !nativeZstd);
  });

  it("a producer hands a worker every codec that would hold the loop, but not lz4's fast default level", () => {
    expect(offloadsCompression('lz4', undefined)).toBe(false);
    expect(offloadsCompression('lz4', 9)).toBe(false);
    expect(offloadsCompression('lz4', 1)).toBe(true);
    expect(offloadsCompression('lz4', 17)).toBe(true);
    expect(offloadsCompression('snappy', undefined)).toBe(true);
    expect(offloadsCompression('gzip', 6)).toBe(false);
    expect(offloadsCompression('none', undefined)).toBe(false);
    // zstd-napi at the default level and below stays on the loop like lz4's fast level; higher levels go.
    const zlibZstd = 'zstdCompress' in zlib;
    expect(offloadsCompression('zstd', 3)).toBe(!hasNapiZstd() && !zlibZstd);
    expect(offloadsCompression('zstd', undefined)).toBe(!hasNapiZstd() && !zlibZstd);
    expect(offloadsCompression('zstd', -5)).toBe(!hasNapiZstd() && !zlibZstd);
    expect(offloadsCompression('zstd', 19)).toBe(hasNapiZstd() || !zlibZstd);
  });

  it('rejects bad options with a message that says what is allowed', () => {
    expect(() => new CompressionWorkerPool({ threads: 0 })).toThrow(/threads must be an integer/);
    expect(() => new CompressionWorkerPool({ minBytes: -1 })).toThrow(/minBytes must be/);
    expect(() => new CompressionWorkerPool({ spareIdleMs: -1 })).toThrow(/spareIdleMs must be/);
  });
});
