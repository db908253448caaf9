// bench/compare contestant: @confluentinc/kafka-javascript 1.10.1 through its KafkaJS-compatible API
// (librdkafka 2.15 under N-API; installed outside the project by bench/compare/confluent.sh).
//
// Its send() hands every message to librdkafka, which batches across calls by linger.ms and batch.size (unlike
// kafkajs), and resolves once all of the call's messages are delivered. Its documentation's advice for
// throughput is many send() calls without awaiting each; so: arrays of CHUNK messages, IN_FLIGHT calls at once
// (BENCH_CONFLUENT_CHUNK / BENCH_CONFLUENT_IN_FLIGHT override them), below librdkafka's 100,000-message queue.
// batch.size / linger.ms as every client gets them, acks and compression in the kafkaJS block (per-send ones
// are refused), idempotence on with acks=all as Java's default. A record's latency is its send() call's.
// With --transaction-records N: transactionalId set, per transaction `transaction()`, the records in arrays of
// CHUNK sent at once, `commit()`.
import { createRequire } from 'node:module';
import { contestantArgs, Meter, payload, runTransactions, sendInChunks } from '../common.mjs';

const require = createRequire(new URL('../../../.cache/bench-node_modules/', import.meta.url));
const { KafkaJS } = require('@confluentinc/kafka-javascript');
const { Kafka, CompressionTypes, logLevel } = KafkaJS;

const CHUNK = Number(process.env.BENCH_CONFLUENT_CHUNK ?? 1000);
const IN_FLIGHT = Number(process.env.BENCH_CONFLUENT_IN_FLIGHT ?? 20);
const CODECS = {
  none: CompressionTypes.None,
  gzip: CompressionTypes.GZIP,
  snappy: CompressionTypes.Snappy,
  lz4: CompressionTypes.LZ4,
  zstd: CompressionTypes.ZSTD,
};

const args = contestantArgs();
if (args.sslCa) {
  // Reported as n/a in --tls tables rather than failing the run.
  process.stdout.write(
    `RESULT ${JSON.stringify({ unsupported: 'TLS is not wired up for this contestant yet' })}\n`,
  );
  process.exit(0);
}
const transactional = args.transactionRecords > 0;
const value = payload(args.size, args.pattern);
const kafka = new Kafka({ kafkaJS: { brokers: args.bootstrap.split(','), logLevel: logLevel.WARN } });
const idempotent = args.acks === 'all';
const producer = kafka.producer({
  'batch.size': args.batchSize,
  'linger.ms': args.lingerMs,
  kafkaJS: {
    acks: args.acks === 'all' ? -1 : 1,
    compression: CODECS[args.compression],
    idempotent,
    ...(transactional ? { transactionalId: `bench-compare-confluent-${args.topic}` } : {}),
  },
});
await producer.connect();
const meter = new Meter(args.records);

const messagesOf = (count) => {
  const messages = new Array(count);
  for (let i = 0; i < count; i++) messages[i] = { value };
  return messages;
};
if (transactional) {
  let pending = null;
  await runTransactions(meter, {
    records: args.records,
    perTransaction: args.transactionRecords,
    async fill(count) {
      await producer.transaction();
      const sends = [];
      for (let at = 0; at < count; at += CHUNK) {
        const chunk = Math.min(CHUNK, count - at);
        const sentAt = meter.now();
        meter.sent(chunk);
        sends.push(
          producer.send({ topic: args.topic, messages: messagesOf(chunk) }).then(
            () => meter.acked(chunk, sentAt),
            (error) => meter.acked(chunk, sentAt, error),
          ),
        );
      }
      // librdkafka's commit flushes; the sends settle before it returns, so waiting here costs nothing extra.
      pending = Promise.all(sends);
    },
    async commit() {
      await producer.commit();
      await pending;
    },
  });
} else {
  await sendInChunks(meter, {
    records: args.records,
    chunk: CHUNK,
    inFlight: IN_FLIGHT,
    message: { value },
    send(messages, settle) {
      producer.send({ topic: args.topic, messages }).then(() => settle(), settle);
    },
  });
}
meter.finish({
  client: '@confluentinc/kafka-javascript 1.10.1, KafkaJS API',
  settings: {
    'batch.size': args.batchSize,
    'linger.ms': args.lingerMs,
    acks: args.acks,
    compression: args.compression,
    idempotent,
    ...(transactional
      ? {
          transactionalId: 'bench-compare-confluent-<topic>',
          'records per transaction': args.transactionRecords,
        }
      : { 'send() messages per call': CHUNK, 'send() calls in flight': IN_FLIGHT }),
  },
});
await producer.disconnect();
process.exit(0);
