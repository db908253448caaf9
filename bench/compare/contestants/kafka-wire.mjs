// bench/compare contestant: kafka-wire, the way its README tells a user to go fast: produce() with a callback
// (no promise per record) and `await waitForRoom()` whenever produce() says the buffer is full.
// Settings: batchSize/lingerMs from the orchestrator (the same batch.size/linger.ms Java and librdkafka get),
// everything else the defaults, so idempotence is on with acks=all and off with acks=1, exactly as in Java.
import { Producer } from '../../../dist/index.js';
import { contestantArgs, Meter, payload, tlsOptions } from '../common.mjs';

const args = contestantArgs();
const value = new Uint8Array(payload(args.size, args.pattern));
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
});
const meter = new Meter(args.records);
const record = { topic: args.topic, value };

meter.start();
for (let i = 0; i < args.records; i++) {
  // One closure per record carries its send time, as Java's ProducerPerformance does with a callback object.
  const sentAt = meter.now();
  const accepted = producer.produce(record, (error) => meter.acked(1, sentAt, error));
  meter.sent(1);
  if (!accepted) await producer.waitForRoom();
}
await producer.flush().catch(() => {
  // Each record's callback already counted its own failure.
});
meter.finish({
  settings: {
    ...settings,
    enableIdempotence: args.acks === 'all',
    bufferMemory: 33554432,
    tls: args.sslCa !== null,
  },
});
await producer.close();
