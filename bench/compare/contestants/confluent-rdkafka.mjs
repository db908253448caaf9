// bench/compare contestant: @confluentinc/kafka-javascript 1.10.1 through its node-rdkafka-style API
// (librdkafka 2.15 under N-API; installed outside the project by bench/compare/confluent.sh), the API its
// documentation calls the more performant one: `produce()` per record (no promise), delivery reports as
// events polled on librdkafka's background thread (`setPollInBackground(true)`, which it recommends for
// high-throughput producers), and on QUEUE_FULL (its back-pressure) a wait for the next delivery report.
// batch.size / linger.ms as every client gets them, idempotence on with acks=all as Java's default. Each
// record's send time travels as its opaque, so latency is per record as for kafka-wire and Java.
import { createRequire } from 'node:module';
import { contestantArgs, Meter, payload } from '../common.mjs';

const require = createRequire(new URL('../../../.cache/bench-node_modules/', import.meta.url));
const Kafka = require('@confluentinc/kafka-javascript');

const args = contestantArgs();
if (args.sslCa) {
  // Reported as n/a in --tls tables rather than failing the run.
  process.stdout.write(
    `RESULT ${JSON.stringify({ unsupported: 'TLS is not wired up for this contestant yet' })}\n`,
  );
  process.exit(0);
}
if (args.transactionRecords > 0) throw new Error('confluent-rdkafka contestant: no transactional mode');
const value = payload(args.size, args.pattern);
const config = {
  'bootstrap.servers': args.bootstrap,
  'batch.size': args.batchSize,
  'linger.ms': args.lingerMs,
  'compression.codec': args.compression,
  acks: args.acks === 'all' ? -1 : 1,
  'enable.idempotence': args.acks === 'all',
  dr_cb: true,
};
const producer = new Kafka.Producer(config);
await new Promise((resolve, reject) => {
  producer.once('ready', resolve);
  producer.once('connection.failure', reject);
  producer.connect({ topic: args.topic, allTopics: false });
});
producer.setPollInBackground(true);

const meter = new Meter(args.records);
let wake = null;
producer.on('delivery-report', (error, report) => {
  meter.acked(1, report.opaque, error ?? undefined);
  if (wake) {
    const resolve = wake;
    wake = null;
    resolve();
  }
});
const QUEUE_FULL = Kafka.CODES.ERRORS.ERR__QUEUE_FULL;

meter.start();
for (let i = 0; i < args.records; i++) {
  const sentAt = meter.now();
  for (;;) {
    try {
      producer.produce(args.topic, null, value, null, null, sentAt);
      break;
    } catch (error) {
      if (error.code !== QUEUE_FULL) throw error;
      await new Promise((resolve) => {
        wake = resolve;
      });
    }
  }
  meter.sent(1);
}
await new Promise((resolve, reject) =>
  producer.flush(60_000, (error) => (error ? reject(error) : resolve())),
);
while (meter.ackedCount < args.records) await new Promise((resolve) => setImmediate(resolve));
meter.finish({
  client: '@confluentinc/kafka-javascript 1.10.1, produce API',
  settings: { ...config, 'bootstrap.servers': undefined, poll: 'setPollInBackground(true)' },
});
await new Promise((resolve) => producer.disconnect(resolve));
process.exit(0);
