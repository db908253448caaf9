// The runtime side of the smoke test: runs on Node, Bun or Deno, produces `count` records (records.mjs) to
// `topic` with kafka-wire's built dist/, one producer per codec, and prints one JSON line saying where each
// record landed. Usage: <runtime> test/smoke/produce.mjs BOOTSTRAP TOPIC COUNT
import { Producer } from '../../dist/bundle/index.js';
import { CODECS, smokeRecord } from './records.mjs';

const [bootstrap, topic, countText] = process.argv.slice(2);
const count = Number(countText);
if (!bootstrap || !topic || !Number.isInteger(count) || count < 1) {
  console.error('usage: produce.mjs BOOTSTRAP TOPIC COUNT');
  process.exit(2);
}

const producers = Object.fromEntries(
  CODECS.map((codec) => [
    codec,
    new Producer({ bootstrapServers: bootstrap, compressionType: codec, clientId: `smoke-${codec}` }),
  ]),
);
try {
  const acks = await Promise.all(
    Array.from({ length: count }, (_, i) => {
      const { codec, record } = smokeRecord(i);
      return producers[codec].send({ topic, ...record });
    }),
  );
  console.log(
    JSON.stringify({
      runtime: runtimeName(),
      acks: acks.map((a) => ({
        partition: a.partition,
        offset: String(a.offset),
        timestamp: String(a.timestamp),
      })),
    }),
  );
} finally {
  await Promise.all(Object.values(producers).map((p) => p.close({ timeoutMs: 10_000 })));
}

function runtimeName() {
  if (globalThis.Bun) return `Bun ${globalThis.Bun.version}`;
  if (globalThis.Deno) return `Deno ${globalThis.Deno.version.deno}`;
  return `Node ${process.versions.node}`;
}
