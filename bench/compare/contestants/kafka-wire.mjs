// bench/compare contestant: kafka-wire, the way its README tells a user to go fast: produce() with a callback
// (no promise per record) and `await waitForRoom()` whenever produce() says the buffer is full.
// Settings: batchSize/lingerMs from the orchestrator (the same batch.size/linger.ms Java and librdkafka get),
// everything else the defaults, so idempotence is on with acks=all and off with acks=1, exactly as in Java.
// With --transaction-records N: the same loop inside beginTransaction() / commitTransaction() (a
// transactionalId, so idempotence and acks=all). With --defaults: what most users write instead, `send()` per
// keyed record and one `Promise.all`, with every option at its default; with --defaults --send-batch, the same
// records as one array through `sendBatch()`.
import { existsSync } from 'node:fs';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { contestantArgs, keyStrings, Meter, payload, runTransactions, tlsOptions } from '../common.mjs';

// BENCH_KAFKA_WIRE_DIST: another build's dist/ (the orchestrator's --ref), else this checkout's. The file the
// package's main export loads (dist/bundle/), as a user's import does; builds older than the bundle have only
// tsc's dist/index.js.
const dist = process.env.BENCH_KAFKA_WIRE_DIST ?? fileURLToPath(new URL('../../../dist', import.meta.url));
const entry = existsSync(`${dist}/bundle/index.js`) ? `${dist}/bundle/index.js` : `${dist}/index.js`;
const { Producer } = await import(pathToFileURL(entry).href);
const args = contestantArgs();
const value = new Uint8Array(payload(args.size, args.pattern));
const meter = new Meter(args.records);

if (args.defaults) {
  const producer = new Producer({ bootstrapServers: args.bootstrap, ssl: tlsOptions(args) ?? false });
  const keys = keyStrings(args.keys);
  if (args.sendBatch) {
    // The same records as one array and one promise: its latency is the whole batch's, as one await sees it.
    const sentAt = meter.start();
    const records = Array.from({ length: args.records }, (_, i) => ({
      topic: args.topic,
      key: keys[i % keys.length],
      value,
    }));
    meter.sent(args.records);
    await producer.sendBatch(records).then(
      () => meter.acked(args.records, sentAt),
      (error) => {
        const failed = error.failedCount ?? args.records;
        meter.acked(args.records - failed, sentAt);
        meter.acked(failed, sentAt, error);
      },
    );
    meter.finish({ settings: { options: 'defaults, one sendBatch() of every record' } });
  } else {
    const sends = new Array(args.records);
    meter.start();
    for (let i = 0; i < args.records; i++) {
      // The .then() per record only feeds the latency histogram; what a user writes is the bare send().
      const sentAt = meter.now();
      sends[i] = producer.send({ topic: args.topic, key: keys[i % keys.length], value }).then(
        () => meter.acked(1, sentAt),
        (error) => meter.acked(1, sentAt, error),
      );
    }
    meter.sent(args.records);
    await Promise.all(sends);
    const { batchSize, lingerMs } = producer.config;
    meter.finish({
      settings: { options: `defaults (batchSize ${batchSize}, lingerMs ${lingerMs}, acks all, idempotent)` },
    });
  }
  await producer.close();
} else {
  const transactional = args.transactionRecords > 0;
  const settings = {
    acks: args.acks,
    compressionType: args.compression,
    batchSize: args.batchSize,
    lingerMs: args.lingerMs,
  };
  const producer = new Producer({
    bootstrapServers: args.bootstrap,
    acks: args.acks === 'all' ? 'all' : Number(args.acks),
    compressionType: args.compression,
    batchSize: args.batchSize,
    lingerMs: args.lingerMs,
    ssl: tlsOptions(args) ?? false,
    ...(transactional ? { transactionalId: `bench-compare-kafka-wire-${args.topic}` } : {}),
  });
  const record = { topic: args.topic, value };
  /** Hands `count` records to the producer, yielding when it asks to. */
  const produce = async (count) => {
    for (let i = 0; i < count; i++) {
      // One closure per record carries its send time, as Java's ProducerPerformance does with a callback object.
      const sentAt = meter.now();
      const accepted = producer.produce(record, (error) => meter.acked(1, sentAt, error));
      meter.sent(1);
      if (!accepted) await producer.waitForRoom();
    }
  };
  if (transactional) {
    await producer.initTransactions();
    await runTransactions(meter, {
      records: args.records,
      perTransaction: args.transactionRecords,
      fill: (count) => {
        producer.beginTransaction();
        return produce(count);
      },
      commit: () => producer.commitTransaction(),
    });
  } else {
    meter.start();
    await produce(args.records);
    await producer.flush().catch(() => {
      // Each record's callback already counted its own failure.
    });
  }
  meter.finish({
    settings: {
      ...settings,
      enableIdempotence: args.acks === 'all',
      bufferMemory: 33554432,
      tls: args.sslCa !== null,
      ...(transactional
        ? { transactionalId: 'bench-compare-kafka-wire-<topic>', perTransaction: args.transactionRecords }
        : {}),
    },
  });
  await producer.close();
}
