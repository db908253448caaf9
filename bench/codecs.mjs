// Codec throughput: the compression kafka-wire uses for each RecordBatch codec, on record sections like
// the producer compresses, plus whole-batch encoding with each codec.
//
//   npm run bench:encode           (runs this after bench/encode.mjs)
//   node bench/codecs.mjs          (after npm run build)
//   CODEC_ALTS_DIR=/tmp/codec-alts node bench/codecs.mjs
//        also measures the packages we chose not to use, installed OUTSIDE this repository with
//        `npm i lz4js@0.2.0 lz4-napi snappy snappyjs fzstd@0.1.1 @bokuweb/zstd-wasm@0.0.27` in that folder
//
// Inputs: the uncompressed record section of a 1,000-record batch (~150 KB) and of a 100-record batch
// (~15 KB, Java's default batch.size is 16 KiB), records with a 16-byte key "user-000000NNNNN", a JSON
// value of ~100 bytes (an event with ids, a URL and a timestamp) and a "trace-id" header with 16 random
// bytes. MB/s = 10^6 bytes of UNCOMPRESSED data per second, best of 5 one-second trials after warm-up;
// each implementation runs in its own process, because WASM memory growth (zstd-wasm) detaches an
// ArrayBuffer and slows every typed-array loop in that process afterwards. Every round trip is checked.
import { execFileSync } from 'node:child_process';
import { createRequire } from 'node:module';
import os from 'node:os';
import { fileURLToPath } from 'node:url';
import { node24 } from './node24.mjs';

const self = fileURLToPath(import.meta.url);
const args = process.argv.slice(2);
const TRIAL_SECONDS = Number(process.env.CODEC_TRIAL_SECONDS ?? 1);

function records(count) {
  let x = 0x9e3779b9;
  const rand = () => {
    x ^= x << 13;
    x ^= x >>> 17;
    x ^= x << 5;
    return x >>> 0;
  };
  const types = ['page_view', 'add_to_cart', 'checkout', 'search', 'login'];
  return Array.from({ length: count }, (_, i) => {
    const user = rand() % 100_000;
    const header = Buffer.allocUnsafe(16);
    for (let j = 0; j < 16; j += 4) header.writeUInt32LE(rand(), j);
    const value = JSON.stringify({
      id: 1_000_000 + i,
      type: types[rand() % types.length],
      user,
      url: `/products/${rand() % 5000}`,
      ts: 1_700_000_000_000 + i * 3,
      ok: rand() % 10 !== 0,
    });
    return {
      key: Buffer.from(`user-${String(user).padStart(11, '0')}`),
      value: Buffer.from(value),
      headers: [{ key: 'trace-id', value: header }],
      timestamp: BigInt(1_700_000_000_000 + i * 3),
    };
  });
}

async function inputs() {
  const { encodeRecordBatchSync, RECORD_BATCH_OVERHEAD } = await import('../dist/records/index.js');
  const section = (n) => encodeRecordBatchSync({ records: records(n) }).subarray(RECORD_BATCH_OVERHEAD);
  return { '1000 records': section(1000), '100 records': section(100) };
}

// Each implementation: { compress(data) -> bytes, decompress(bytes, originalLength) -> bytes }, loaded
// only in the process that measures it.
async function implementation(name) {
  const records = await import('../dist/records/index.js');
  const ours = (codec, level) => ({
    compress: (d) => records.compressSync(codec, d, level),
    decompress: (c) => records.decompressSync(codec, c),
    prepare: () => records.loadCompressionCodec(codec),
  });
  const alts = process.env.CODEC_ALTS_DIR;
  const alt = (pkg) => createRequire(`${alts}/package.json`)(pkg);
  switch (name) {
    case 'gzip -1 (node:zlib)':
      return ours('gzip', -1);
    case 'gzip 1 (node:zlib)':
      return ours('gzip', 1);
    case 'snappy (ours, xerial)':
      return ours('snappy');
    case 'lz4 9 (ours, frame)':
      return ours('lz4', 9);
    case 'lz4 1 (ours, frame)':
      return ours('lz4', 1);
    case 'lz4 17 (ours, frame)':
      return ours('lz4', 17);
    case 'zstd 3 (zlib or wasm+fzstd)':
      return ours('zstd', 3);
    case 'alt snappyjs (raw block)': {
      const s = alt('snappyjs');
      return { compress: (d) => s.compress(d), decompress: (c) => s.uncompress(c) };
    }
    case 'alt snappy napi (raw block)': {
      const s = alt('snappy');
      return {
        compress: (d) => s.compressSync(d, { copyOutputData: true }),
        decompress: (c) => s.uncompressSync(c, { copyOutputData: true }),
      };
    }
    case 'alt lz4js (linked blocks: Kafka rejects)': {
      const l = alt('lz4js');
      return { compress: (d) => l.compress(d), decompress: (c) => l.decompress(c) };
    }
    case 'alt lz4-napi (frame)': {
      const l = alt('lz4-napi');
      return { compress: (d) => l.compressFrameSync(d), decompress: (c) => l.decompressFrameSync(c) };
    }
    case 'alt zstd-wasm 3 (compress) + its decompress': {
      const z = alt('@bokuweb/zstd-wasm');
      return {
        prepare: () => z.init(),
        compress: (d) => z.compress(d, 3),
        decompress: (c) => z.decompress(c),
      };
    }
    default:
      throw new Error(`unknown implementation ${name}`);
  }
}

function rate(fn, bytes) {
  const trials = [];
  for (let t = 0; t < 6; t++) {
    let n = 0;
    const start = process.hrtime.bigint();
    let elapsed = 0;
    do {
      fn();
      n++;
      elapsed = Number(process.hrtime.bigint() - start) / 1e9;
    } while (elapsed < TRIAL_SECONDS / (t === 0 ? 4 : 1));
    if (t > 0) trials.push((bytes * n) / elapsed / 1e6);
  }
  return Math.max(...trials);
}

async function measureImplementation(name) {
  const impl = await implementation(name);
  await impl.prepare?.();
  const out = {};
  for (const [label, data] of Object.entries(await inputs())) {
    const compressed = impl.compress(data);
    const back = impl.decompress(compressed, data.length);
    if (Buffer.compare(Buffer.from(back), Buffer.from(data)) !== 0)
      throw new Error(`${name}: round trip failed`);
    out[label] = {
      ratio: data.length / compressed.length,
      compress: rate(() => impl.compress(data), data.length),
      decompress: rate(() => impl.decompress(compressed, data.length), data.length),
    };
  }
  console.log(JSON.stringify({ name, node: process.version, out }));
}

/** Whole batches: encodeRecordBatch (the async API the producer uses) per codec, records/s. */
async function measureBatches(codec) {
  const { encodeRecordBatch, decodeRecordBatches } = await import('../dist/records/index.js');
  const batch = records(1000);
  const encoded = await encodeRecordBatch({ compression: codec, records: batch });
  const [decoded] = await decodeRecordBatches(encoded);
  if (decoded.records.length !== 1000) throw new Error(`${codec}: batch round trip failed`);
  const trials = [];
  for (let t = 0; t < 6; t++) {
    let n = 0;
    const start = process.hrtime.bigint();
    let elapsed = 0;
    do {
      await encodeRecordBatch({ compression: codec, records: batch });
      n++;
      elapsed = Number(process.hrtime.bigint() - start) / 1e9;
    } while (elapsed < TRIAL_SECONDS);
    if (t > 0) trials.push((n * 1000) / elapsed);
  }
  console.log(
    JSON.stringify({
      codec,
      node: process.version,
      recordsPerSecond: Math.max(...trials),
      bytes: encoded.length,
    }),
  );
}

const OURS = [
  'gzip -1 (node:zlib)',
  'gzip 1 (node:zlib)',
  'snappy (ours, xerial)',
  'lz4 9 (ours, frame)',
  'lz4 1 (ours, frame)',
  'lz4 17 (ours, frame)',
  'zstd 3 (zlib or wasm+fzstd)',
];
const ALTS = [
  'alt snappyjs (raw block)',
  'alt snappy napi (raw block)',
  'alt lz4js (linked blocks: Kafka rejects)',
  'alt lz4-napi (frame)',
  'alt zstd-wasm 3 (compress) + its decompress',
];

function run(node, args) {
  const out = execFileSync(node, [self, ...args], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'inherit'] });
  return JSON.parse(out.trim().split('\n').pop());
}

async function orchestrate() {
  const cpus = os.cpus();
  console.log(`codec throughput, MB/s of uncompressed data (best of 5 trials of ${TRIAL_SECONDS}s)`);
  console.log(
    `machine: ${cpus[0]?.model ?? '?'} x ${cpus.length}, ${os.type()} ${os.release()}, load average ${os
      .loadavg()
      .map((l) => l.toFixed(2))
      .join(' ')}`,
  );
  const n24 = node24();
  const plan = OURS.map((name) => [name, process.execPath]);
  plan.push(['zstd 3 (zlib or wasm+fzstd)', n24]);
  if (process.env.CODEC_ALTS_DIR) for (const name of ALTS) plan.push([name, process.execPath]);
  const rows = [];
  for (const [name, node] of plan) {
    const r = run(node, ['--impl', name]);
    for (const [input, m] of Object.entries(r.out)) {
      rows.push({
        implementation: name,
        node: r.node,
        input,
        ratio: m.ratio.toFixed(2),
        'compress MB/s': Math.round(m.compress),
        'decompress MB/s': Math.round(m.decompress),
      });
    }
  }
  console.table(rows);
  console.log('encodeRecordBatch, 1,000 records per batch (the records above), records/s:');
  const batches = [];
  for (const codec of ['none', 'gzip', 'snappy', 'lz4', 'zstd']) {
    for (const node of codec === 'zstd' ? [process.execPath, n24] : [process.execPath]) {
      const r = run(node, ['--batch', codec]);
      batches.push({
        codec,
        node: r.node,
        'records/s': Math.round(r.recordsPerSecond).toLocaleString('en'),
        'batch bytes': r.bytes,
      });
    }
  }
  console.table(batches);
}

if (args[0] === '--impl') await measureImplementation(args[1]);
else if (args[0] === '--batch') await measureBatches(args[1]);
else await orchestrate();
