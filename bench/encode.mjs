// RecordBatch v2 encoding throughput: kafka-wire against kafkajs 2.2.4 and @platformatic/kafka 2.12.1.
//
//   npm run bench:encode            (builds, then runs every contestant, each in its own process)
//   node bench/encode.mjs --records 200000 --rounds 3     (after npm run build: a quicker pass)
//
// Workload: 1,000,000 records (16-byte key, 100-byte value, one header "trace-id" with a 16-byte value,
// CreateTime timestamps 1 ms apart) encoded as 1,000 batches of 1,000 records, no compression. The
// batches cycle through 100,000 distinct records (--distinct), about what a producer holds in memory
// (Java's buffer.memory, 32 MiB, is ~200,000 such records): holding all 1,000,000 made every major GC
// walk a 480 MB heap, and on Node 24, whose V8 answers external-memory growth (every contestant
// allocates its output buffers) with full mark-compacts, that GC time, not encoding, set the result.
// Every contestant gets its records in its own native shape, built before timing; the clock runs from the first
// record of the first batch to the last byte of the last batch. One warm-up round, then --rounds timed
// rounds (fewer for a contestant still running after --max-seconds); we print the median and best round. Each contestant runs in a fresh process because a process
// that ever detached an ArrayBuffer (WASM memory growth; @platformatic/kafka's import does it) runs
// typed-array loops 12-30 % slower for the rest of its life. @platformatic/kafka 2.x needs Node >= 22.22:
// it runs on Node 24 (fetched into .cache by bench/node24.mjs); ours and kafkajs run on this Node, and ours
// is also run on Node 24 so the comparison with platformatic is like for like.
//
// All contestants are configured to write the same bytes (producerId -1, producerEpoch 0, baseSequence 0,
// partitionLeaderEpoch 0, which are kafkajs's and platformatic's fixed values), and the SHA-256 of every
// contestant's output is compared, so a contestant that skipped work would show.
import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { createRequire } from 'node:module';
import os from 'node:os';
import { fileURLToPath } from 'node:url';
import { node24 } from './node24.mjs';

const self = fileURLToPath(import.meta.url);
const args = process.argv.slice(2);
const option = (name, fallback) => {
  const i = args.indexOf(`--${name}`);
  return i >= 0 ? args[i + 1] : fallback;
};
const RECORDS = Number(option('records', 1_000_000));
/** Distinct records held in memory; the batches cycle through them until RECORDS have been encoded. */
const DISTINCT = Math.min(RECORDS, Number(option('distinct', 100_000)));
const BATCH = Number(option('batch', 1000));
const ROUNDS = Number(option('rounds', 5));
/** Slow contestants stop adding timed rounds after this long (at least one timed round always runs). */
const MAX_SECONDS = Number(option('max-seconds', 20));
const BASE_TS = 1_700_000_000_000;

/** Deterministic pseudo-random bytes, so every contestant encodes the same records. */
function makeData() {
  const size = DISTINCT * (16 + 100 + 16);
  const pool = Buffer.allocUnsafe(size);
  let x = 0x2545f491;
  for (let i = 0; i < size; i += 4) {
    x ^= x << 13;
    x ^= x >>> 17;
    x ^= x << 5;
    pool.writeInt32LE(x | 0, i);
  }
  const rows = [];
  for (let i = 0, p = 0; i < DISTINCT; i++, p += 132) {
    rows.push({
      key: pool.subarray(p, p + 16),
      value: pool.subarray(p + 16, p + 116),
      header: pool.subarray(p + 116, p + 132),
      ts: BASE_TS + i,
    });
  }
  return rows;
}

function batchesOf(items) {
  const out = [];
  for (let i = 0; i < items.length; i += BATCH) out.push(items.slice(i, i + BATCH));
  return out;
}

function oursShape(rows) {
  return rows.map((r) => ({
    key: r.key,
    value: r.value,
    headers: [{ key: 'trace-id', value: r.header }],
    timestamp: BigInt(r.ts),
  }));
}

// --- contestants: prepare(rows) -> batches of native records; encode(batch) -> bytes (or a Promise) ----

const contestants = {
  async 'kafka-wire'() {
    const { encodeRecordBatch } = await import('../dist/records/index.js');
    return {
      prepare: oursShape,
      encode: (records) =>
        encodeRecordBatch({ partitionLeaderEpoch: 0, producerEpoch: 0, baseSequence: 0, records }),
      bytes: (out) => out,
    };
  },

  async kafkajs() {
    const require = createRequire(import.meta.url);
    const { RecordBatch } = require('kafkajs/src/protocol/recordBatch/v0');
    const Record = require('kafkajs/src/protocol/recordBatch/record/v0');
    const Long = require('kafkajs/src/utils/long');
    const producerId = Long.fromValue(-1);
    return {
      prepare: (rows) =>
        rows.map((r) => ({ key: r.key, value: r.value, headers: { 'trace-id': r.header }, timestamp: r.ts })),
      // What kafkajs's Produce v3 request encoder (partitionsEncoder) does for one partition.
      encode: async (messages) => {
        const timestamps = messages.map((m) => m.timestamp).sort();
        const firstTimestamp = timestamps[0];
        const maxTimestamp = timestamps[timestamps.length - 1];
        const records = messages.map((message, i) =>
          Record({ ...message, offsetDelta: i, timestampDelta: message.timestamp - firstTimestamp }),
        );
        return RecordBatch({
          compression: 0,
          records,
          firstTimestamp,
          maxTimestamp,
          producerId,
          producerEpoch: 0,
          firstSequence: 0,
          transactional: false,
          lastOffsetDelta: records.length - 1,
        });
      },
      bytes: (encoder) => encoder.buffer,
    };
  },

  async '@platformatic/kafka'() {
    const { createRecordsBatch } = await import('@platformatic/kafka');
    const headerKey = Buffer.from('trace-id');
    return {
      prepare: (rows) =>
        rows.map((r) => ({
          topic: 'bench',
          partition: 0,
          key: r.key,
          value: r.value,
          headers: new Map([[headerKey, r.header]]),
          timestamp: BigInt(r.ts),
        })),
      // Its producer hands the returned Writer's chunk list to the socket; we time that and join the
      // chunks only for the checksum, outside the clock (in its favour).
      encode: (messages) =>
        createRecordsBatch(messages, { producerId: -1n, producerEpoch: 0, partitionLeaderEpoch: 0 }),
      bytes: (writer) => writer.buffer,
    };
  },
};

async function runContestant(name) {
  const contestant = await contestants[name]();
  const distinct = batchesOf(contestant.prepare(makeData()));
  const batches = Array.from({ length: Math.ceil(RECORDS / BATCH) }, (_, i) => distinct[i % distinct.length]);
  const hash = createHash('sha256');
  for (const batch of batches.slice(0, 5)) hash.update(contestant.bytes(await contestant.encode(batch)));
  const digest = hash.digest('hex').slice(0, 16);
  const rates = [];
  let bytes = 0;
  const began = process.hrtime.bigint();
  for (let round = 0; round <= ROUNDS; round++) {
    if (round > 1 && Number(process.hrtime.bigint() - began) / 1e9 > MAX_SECONDS) break;
    bytes = 0;
    const start = process.hrtime.bigint();
    let encoded = 0;
    for (let b = 0; b < batches.length; b++) {
      const out = await contestant.encode(batches[b]);
      bytes += out.length ?? out.size?.() ?? 0;
      encoded += batches[b].length;
    }
    const seconds = Number(process.hrtime.bigint() - start) / 1e9;
    if (round > 0) rates.push(encoded / seconds);
  }
  rates.sort((a, b) => a - b);
  const median = rates[Math.floor(rates.length / 2)];
  console.log(
    // bytes is reported so the encoded output is consumed and the work cannot be optimised away.
    JSON.stringify({
      name,
      node: process.version,
      median,
      best: rates[rates.length - 1],
      rates,
      digest,
      bytes,
    }),
  );
}

function machine() {
  const cpus = os.cpus();
  return `${cpus[0]?.model ?? 'unknown CPU'} x ${cpus.length}, ${(os.totalmem() / 2 ** 30).toFixed(0)} GiB, ${os.type()} ${os.release()}, load average ${os
    .loadavg()
    .map((l) => l.toFixed(2))
    .join(' ')}`;
}

async function orchestrate() {
  const n24 = node24();
  const plan = [
    ['kafka-wire', process.execPath],
    ['kafkajs', process.execPath],
    ['kafka-wire', n24],
    ['@platformatic/kafka', n24],
  ];
  console.log(
    `RecordBatch v2 encode: ${RECORDS.toLocaleString('en')} records (16 B key, 100 B value, one header), batches of ${BATCH}, no compression, ${ROUNDS} timed rounds after 1 warm-up`,
  );
  console.log(`machine: ${machine()}`);
  const results = [];
  for (const [name, node] of plan) {
    const out = execFileSync(
      node,
      [
        '--max-old-space-size=8192',
        self,
        '--run',
        name,
        '--records',
        String(RECORDS),
        '--batch',
        String(BATCH),
        '--rounds',
        String(ROUNDS),
        '--distinct',
        String(DISTINCT),
        '--max-seconds',
        String(MAX_SECONDS),
      ],
      {
        encoding: 'utf8',
        stdio: ['ignore', 'pipe', 'inherit'],
      },
    );
    results.push(JSON.parse(out.trim().split('\n').pop()));
  }
  const ours20 = results[0];
  const ours24 = results[3];
  const rows = results.map((r) => {
    const ours = r.node === ours24.node && r.name !== 'kafka-wire' ? ours24 : ours20;
    return {
      contestant: r.name,
      node: r.node,
      'median rec/s': Math.round(r.median).toLocaleString('en'),
      'best rec/s': Math.round(r.best).toLocaleString('en'),
      'ours / this (median, same Node)': r.name.startsWith('kafka-wire')
        ? ''
        : `${(ours.median / r.median).toFixed(1)}x`,
      'output sha256': r.digest,
    };
  });
  console.table(rows);
  const digests = new Set(results.map((r) => r.digest));
  console.log(
    digests.size === 1
      ? 'all contestants wrote identical bytes'
      : 'WARNING: contestants wrote different bytes',
  );
  console.log(
    `machine load average after: ${os
      .loadavg()
      .map((l) => l.toFixed(2))
      .join(' ')}`,
  );
}

if (args[0] === '--run') await runContestant(args[1]);
else await orchestrate();
