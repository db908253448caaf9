// bench/compare contestant: kafkajs 2.2.4 on Node 20.
//
// kafkajs has no linger and no byte-sized batching: every producer.send() becomes one Produce request per
// leader with one RecordBatch per partition, and nothing is batched across send() calls. Its best honest
// throughput therefore comes from handing it large arrays of messages and keeping several send() calls in
// flight (its default maxInFlightRequests is unlimited when not idempotent). CHUNK x IN_FLIGHT were tuned on
// 1M x 100 B, 6 partitions, acks=all, 3 interleaved rounds on a busy 2-core machine: 500 x 2 had the best
// median (153k records/s, vs 149k for 2000 x 4, 138k for 1000 x 10 and 5000 x 2, 124k for 5000 x 5), the
// least CPU per record (~5.3 s per million; bigger arrays cost more) and by far the lowest latency (p50 5 ms
// vs 50-160 ms). BENCH_KAFKAJS_CHUNK and
// BENCH_KAFKAJS_IN_FLIGHT override them for retuning. --batch-size and --linger have no kafkajs equivalent and
// are ignored. A record's latency is that of the send() call that carried it.
//
// kafkajs ships only gzip. lz4 and zstd are registered the way kafkajs documents (CompressionCodecs), with
// packages that install without compiling anything: lz4-napi (prebuilt binary; its frame writer sets the
// block-independence flag Kafka requires) and @bokuweb/zstd-wasm (libzstd in WASM, level 3 like Java's default;
// Node 20 has no zlib zstd). snappy has no codec installed here, so it is reported unsupported.
//
// With --transaction-records N: a producer with a transactionalId (which kafkajs makes idempotent, with one
// request in flight), then per transaction `producer.transaction()`, `send()` of arrays of CHUNK awaited one
// after the other (one in flight is all kafkajs allows there), `commit()`. With --defaults (the idiomatic
// workload): default options, the keyed records in arrays of 1,000, every send() started at once and awaited
// with one Promise.all.
import { createRequire } from 'node:module';
import kafkajs from 'kafkajs';
import {
  contestantArgs,
  keyStrings,
  Meter,
  payload,
  runTransactions,
  sendInChunks,
  tlsOptions,
} from '../common.mjs';

const { Kafka, CompressionTypes, CompressionCodecs, Partitioners, logLevel } = kafkajs;
const require = createRequire(import.meta.url);

const CHUNK = Number(process.env.BENCH_KAFKAJS_CHUNK ?? 500);
const IN_FLIGHT = Number(process.env.BENCH_KAFKAJS_IN_FLIGHT ?? 2);
const ZSTD_LEVEL = 3;

const args = contestantArgs();

function unsupported(why) {
  process.stdout.write(`RESULT ${JSON.stringify({ unsupported: why })}\n`);
  process.exit(0);
}

/** The kafkajs compression type for --compression, registering a codec where kafkajs has none. */
async function compressionType(name) {
  switch (name) {
    case 'none':
      return CompressionTypes.None;
    case 'gzip':
      return CompressionTypes.GZIP;
    case 'lz4': {
      const lz4 = require('lz4-napi');
      CompressionCodecs[CompressionTypes.LZ4] = () => ({
        compress: (encoder) => lz4.compressFrame(encoder.buffer),
        decompress: (buffer) => lz4.decompressFrame(buffer),
      });
      return CompressionTypes.LZ4;
    }
    case 'zstd': {
      const zstd = require('@bokuweb/zstd-wasm');
      await zstd.init();
      CompressionCodecs[CompressionTypes.ZSTD] = () => ({
        compress: async (encoder) => Buffer.from(zstd.compress(encoder.buffer, ZSTD_LEVEL)),
        decompress: async (buffer) => Buffer.from(zstd.decompress(buffer)),
      });
      return CompressionTypes.ZSTD;
    }
    case 'snappy':
      return unsupported(
        'kafkajs 2.2.4 ships no snappy codec and none is installed here (kafkajs-snappy is not a dependency)',
      );
    default:
      throw new Error(`kafkajs contestant: unknown --compression ${name}`);
  }
}

const compression = await compressionType(args.compression);
const acks = args.acks === 'all' ? -1 : 1;
const value = payload(args.size, args.pattern);

// kafkajs logs through console (stdout); stdout must carry only the result line.
const logCreator =
  () =>
  ({ level, log }) => {
    if (level <= logLevel.WARN) process.stderr.write(`kafkajs: ${log.message}\n`);
  };
const kafka = new Kafka({
  clientId: 'bench-compare-kafkajs',
  brokers: args.bootstrap.split(','),
  ...(args.sslCa ? { ssl: tlsOptions(args) } : {}),
  logLevel: logLevel.WARN,
  logCreator,
});
const meter = new Meter(args.records);
if (args.defaults) await idiomatic();
else if (args.transactionRecords > 0) await transactional();

/** The keyed records in arrays of 1,000, every send() at once, default options. */
async function idiomatic() {
  const ARRAY = 1000;
  const producer = kafka.producer({ createPartitioner: Partitioners.DefaultPartitioner });
  await producer.connect();
  await producer.send({ topic: args.topic, messages: [] });
  const keys = keyStrings(args.keys);
  const sends = [];
  meter.start();
  for (let at = 0; at < args.records; at += ARRAY) {
    const count = Math.min(ARRAY, args.records - at);
    const messages = new Array(count);
    for (let i = 0; i < count; i++) messages[i] = { key: keys[(at + i) % keys.length], value };
    const sentAt = meter.now();
    meter.sent(count);
    sends.push(
      producer.send({ topic: args.topic, messages }).then(
        () => meter.acked(count, sentAt),
        (error) => meter.acked(count, sentAt, error),
      ),
    );
  }
  await Promise.all(sends);
  meter.finish({
    client: 'kafkajs 2.2.4',
    settings: {
      options: 'defaults (acks -1, not idempotent)',
      'messages per send()': ARRAY,
      'send() calls': sends.length,
    },
  });
  await producer.disconnect();
  process.exit(0);
}

/** Transactions of --transaction-records records, sent in arrays of CHUNK. */
async function transactional() {
  const producer = kafka.producer({
    createPartitioner: Partitioners.DefaultPartitioner,
    transactionalId: `bench-compare-kafkajs-${args.topic}`,
    idempotent: true,
    maxInFlightRequests: 1,
    allowAutoTopicCreation: false,
  });
  await producer.connect();
  let transaction = null;
  await runTransactions(meter, {
    records: args.records,
    perTransaction: args.transactionRecords,
    async fill(count) {
      transaction = await producer.transaction();
      for (let at = 0; at < count; at += CHUNK) {
        const chunk = Math.min(CHUNK, count - at);
        const messages = new Array(chunk);
        for (let i = 0; i < chunk; i++) messages[i] = { value };
        const sentAt = meter.now();
        meter.sent(chunk);
        await transaction.send({ topic: args.topic, acks: -1, compression, messages }).then(
          () => meter.acked(chunk, sentAt),
          (error) => meter.acked(chunk, sentAt, error),
        );
      }
    },
    commit: () => transaction.commit(),
  });
  meter.finish({
    client: 'kafkajs 2.2.4',
    settings: {
      transactionalId: 'bench-compare-kafkajs-<topic>',
      idempotent: true,
      maxInFlightRequests: 1,
      'send() messages per call': CHUNK,
      'records per transaction': args.transactionRecords,
    },
  });
  await producer.disconnect();
  process.exit(0);
}

const producerConfig = {
  createPartitioner: Partitioners.DefaultPartitioner,
  idempotent: false,
  allowAutoTopicCreation: false,
};
const producer = kafka.producer(producerConfig);
await producer.connect();
// An empty send fetches the topic's metadata and connects to its leaders without writing a record, so the
// clock does not include the client's start-up.
await producer.send({ topic: args.topic, acks, messages: [] });

await sendInChunks(meter, {
  records: args.records,
  chunk: CHUNK,
  inFlight: IN_FLIGHT,
  message: { value },
  send(messages, settle) {
    producer.send({ topic: args.topic, acks, compression, messages }).then((metadata) => {
      const failed = metadata.find((partition) => partition.errorCode !== 0);
      settle(failed ? new Error(`partition ${failed.partition} error code ${failed.errorCode}`) : undefined);
    }, settle);
  },
});
meter.finish({
  client: 'kafkajs 2.2.4',
  settings: {
    'send() messages per call': CHUNK,
    'send() calls in flight': IN_FLIGHT,
    acks,
    compression: args.compression === 'zstd' ? `zstd level ${ZSTD_LEVEL}` : args.compression,
    codec:
      args.compression === 'lz4'
        ? 'lz4-napi 2.10.0 (compressFrame)'
        : args.compression === 'zstd'
          ? '@bokuweb/zstd-wasm 0.0.27'
          : args.compression === 'gzip'
            ? 'node:zlib (kafkajs built-in)'
            : null,
    idempotent: 'false (kafkajs default; true would force maxInFlightRequests 1)',
    tls: args.sslCa !== null,
    maxInFlightRequests: 'unlimited (kafkajs default)',
    partitioner: 'DefaultPartitioner (keyless: round-robin per message)',
    'batch.size / linger.ms': 'ignored: kafkajs has neither (one batch per partition per send() call)',
  },
});
await producer.disconnect();
process.exit(0);
