// A user's script, run by testing-start-kafka.test.ts in a Node process of its own: imports the built package
// by name (as an installed kafka-wire would be), starts one broker, produces a record, prints where, waits for
// the test to read it back with Kafka's consumer, then stops. Node must stay alive until stop() is done.
import { createInterface } from 'node:readline';
import { Producer } from 'kafka-wire';
import { startKafka } from 'kafka-wire/testing';

const [version, cacheDir, topic] = process.argv.slice(2);
const kafka = await startKafka({ version, cacheDir });
const producer = new Producer({ bootstrapServers: kafka.bootstrapServers });
const sent = await producer.send({ topic, key: 'k', value: 'v', headers: { h: 'x' } });
await producer.close();
const { bootstrapServers, brokers, dir } = kafka;
console.log(
  JSON.stringify({ bootstrapServers, brokers, dir, version: kafka.version, offset: String(sent.offset) }),
);
const lines = createInterface({ input: process.stdin });
for await (const line of lines) if (line === 'stop') break;
await kafka.stop();
console.log('stopped');
