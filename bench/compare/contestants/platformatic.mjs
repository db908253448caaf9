// bench/compare contestant: @platformatic/kafka 2.12.1. It requires Node >= 22.22, so the orchestrator runs
// it with the Node 24 binary from bench/node24.mjs.
//
// Like kafkajs, @platformatic/kafka has no linger and no byte-sized batching in producer.send(): each call
// becomes one Produce request per leader with one RecordBatch per partition (keyless records are spread
// round-robin per message). Its producer.asStream({ batchSize, batchTime }) does batch by count and time, but
// keeps only one send() in flight, so the best honest throughput comes from send() with large arrays and
// several calls in flight, the connection allowing as many requests in flight (maxInflights). CHUNK x
// IN_FLIGHT were tuned on 1M x 100 B, 6 partitions, acks=all, 3 interleaved rounds on a busy 2-core machine:
// 5000 x 10 had the best median (433k records/s; 5000 x 5 418k, 5000 x 2 354k, 500 x 2 351k, 10000 x 5 348k,
// 1000 x 5 and 1000 x 10 295k), at the price of latency (p50 ~100 ms vs 2 ms for 500 x 2, whose CPU per record
// was ~15 % lower but whose throughput varied most). BENCH_PLATFORMATIC_CHUNK and
// BENCH_PLATFORMATIC_IN_FLIGHT override them for retuning. --batch-size and --linger are ignored (no
// equivalent for send()). A record's latency is that of the send() call that carried it.
//
// Codecs are the client's own: gzip (node:zlib), snappy and lz4 (@platformatic/wasm-utils, WASM), zstd
// (node:zlib, built into Node >= 22.15; level 3, zlib's default).
//
// With --transaction-records N: an idempotent producer with a transactionalId (the client then keeps one
// request in flight), per transaction `beginTransaction()`, the transaction's `send()` with arrays of up to
// CHUNK records awaited one after the other, `commit()`.
import { ProduceAcks, Producer } from '@platformatic/kafka';
import { contestantArgs, Meter, payload, runTransactions, sendInChunks, tlsOptions } from '../common.mjs';

const IN_FLIGHT = Number(process.env.BENCH_PLATFORMATIC_IN_FLIGHT ?? 10);
const CODECS = ['none', 'gzip', 'snappy', 'lz4', 'zstd'];

const args = contestantArgs();
if (!CODECS.includes(args.compression))
  throw new Error(`platformatic contestant: unknown --compression ${args.compression}`);

// A call's records for one partition travel as one batch, which the broker refuses above max.message.bytes
// (1 MiB): 5,000 records of 1 KiB on one partition would be 5 MB, so the chunk is capped near 900 KB.
const CHUNK = Number(process.env.BENCH_PLATFORMATIC_CHUNK ?? Math.min(5000, Math.floor(900_000 / args.size)));
const acks = args.acks === 'all' ? ProduceAcks.ALL : ProduceAcks.LEADER;
const value = payload(args.size, args.pattern);
const options = {
  clientId: 'bench-compare-platformatic',
  bootstrapBrokers: args.bootstrap.split(','),
  // Stated explicitly: without idempotence the client's default acks is 1 (leader only), not all.
  acks,
  compression: args.compression,
  idempotent: false,
  maxInflights: IN_FLIGHT,
  autocreateTopics: false,
  ...(args.sslCa ? { tls: tlsOptions(args) } : {}),
};
const meter = new Meter(args.records);
if (args.transactionRecords > 0) await transactional();

async function transactional() {
  const producer = new Producer({
    ...options,
    acks: ProduceAcks.ALL,
    idempotent: true,
    transactionalId: `bench-compare-platformatic-${args.topic}`,
  });
  await producer.metadata({ topics: [args.topic] });
  await producer.connectToBrokers();
  let transaction = null;
  await runTransactions(meter, {
    records: args.records,
    perTransaction: args.transactionRecords,
    async fill(count) {
      transaction = await producer.beginTransaction();
      for (let at = 0; at < count; at += CHUNK) {
        const chunk = Math.min(CHUNK, count - at);
        const messages = new Array(chunk);
        for (let i = 0; i < chunk; i++) messages[i] = { topic: args.topic, value };
        const sentAt = meter.now();
        meter.sent(chunk);
        await transaction.send({ messages }).then(
          () => meter.acked(chunk, sentAt),
          (error) => meter.acked(chunk, sentAt, error),
        );
      }
    },
    commit: () => transaction.commit(),
  });
  meter.finish({
    client: '@platformatic/kafka 2.12.1',
    settings: {
      transactionalId: 'bench-compare-platformatic-<topic>',
      idempotent: true,
      maxInflights: '1 (forced by idempotent)',
      'send() messages per call': CHUNK,
      'records per transaction': args.transactionRecords,
    },
  });
  await producer.close();
  process.exit(0);
}

const producer = new Producer(options);
// Fetch the topic's metadata and connect to its leaders before the clock starts (send() would do it lazily).
await producer.metadata({ topics: [args.topic] });
await producer.connectToBrokers();

await sendInChunks(meter, {
  records: args.records,
  chunk: CHUNK,
  inFlight: IN_FLIGHT,
  message: { topic: args.topic, value },
  send(messages, settle) {
    // Partition-level error codes make the callback fail (ResponseError), so success means all were written.
    producer.send({ messages }, (error) => settle(error ?? undefined));
  },
});
meter.finish({
  client: '@platformatic/kafka 2.12.1',
  settings: {
    'send() messages per call': CHUNK,
    'send() calls in flight': IN_FLIGHT,
    acks,
    compression: args.compression === 'zstd' ? 'zstd (node:zlib, level 3)' : args.compression,
    idempotent: 'false (default; true would force maxInflights 1)',
    maxInflights: IN_FLIGHT,
    tls: args.sslCa !== null,
    partitioner: 'default (keyless: round-robin per message)',
    'batch.size / linger.ms': 'ignored: send() has neither (one batch per partition per send() call)',
  },
});
await producer.close();
process.exit(0);
