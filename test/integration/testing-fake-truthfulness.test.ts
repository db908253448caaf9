// The fake cluster (kafka-wire/testing) is only useful if it stores what a real broker would. Here real
// clients that share no code with it produce to it, Kafka's own Java producer (idempotent, acks=all, lz4), kcat
// (librdkafka; the kcat package) and kafkajs, and the fake must hold exactly what they sent, with the producer
// id and per-record sequence numbers an idempotent producer writes. (kcat is left uncompressed: librdkafka
// compresses only for brokers whose ApiVersions list FindCoordinator v0, which the fake does not.) Then one kafka-wire scenario runs against the real broker and against the
// fake, and both must report and hold the same records at the same offsets.
import { execFile } from 'node:child_process';
import { CompressionTypes, Kafka, logLevel } from 'kafkajs';
import { afterEach, describe, expect, it } from 'vitest';
import { Producer } from '../../src/index.js';
import { FakeKafka, type StoredRecord } from '../../src/testing/index.js';
import { consumeAll, createTopic, kafkaBootstrap, produceWithJava, uniqueTopic } from '../harness/index.js';

const text = (bytes: Uint8Array | null) => (bytes === null ? null : Buffer.from(bytes).toString('utf8'));

/** What a consumer sees of a record; the same shape for the fake's and Kafka's consumer's. */
function seen(r: {
  partition: number;
  offset: bigint;
  key: Uint8Array | null;
  value: Uint8Array | null;
  headers: { key: string; value: Uint8Array | null }[];
  timestamp: bigint;
}) {
  return {
    partition: r.partition,
    offset: r.offset,
    key: text(r.key),
    value: text(r.value),
    headers: r.headers.map((h) => [h.key, text(h.value)]),
    timestamp: r.timestamp,
  };
}

/** Idempotent stamps: one producer id and epoch, and sequence numbers 0, 1, 2... in offset order per partition. */
function expectIdempotentStamps(records: StoredRecord[], producerId: bigint): void {
  const byPartition = new Map<number, StoredRecord[]>();
  for (const r of records) byPartition.set(r.partition, [...(byPartition.get(r.partition) ?? []), r]);
  for (const [, list] of byPartition) {
    expect(list.map((r) => r.sequence)).toEqual(list.map((_, i) => i));
    expect(list.map((r) => r.offset)).toEqual(list.map((_, i) => BigInt(i)));
  }
  expect(new Set(records.map((r) => r.producerId))).toEqual(new Set([producerId]));
  expect(new Set(records.map((r) => r.producerEpoch))).toEqual(new Set([0]));
}

let cluster: FakeKafka | undefined;
afterEach(async () => {
  await cluster?.close();
  cluster = undefined;
});

describe('FakeKafka stores what real clients sent', () => {
  it("Kafka's Java producer (idempotent, acks=all, lz4): every field, offsets and sequence numbers", async () => {
    cluster = await FakeKafka.start({ brokers: 3, topics: { orders: 2 }, firstProducerId: 7000n });
    const base = 1_700_000_000_000;
    const records = Array.from({ length: 24 }, (_, i) => ({
      partition: i % 2,
      timestamp: base + i,
      key: i % 5 === 0 ? null : `key-${i}`,
      value: i % 7 === 3 ? null : `value-${i}-${'x'.repeat(i * 10)}`,
      headers: [
        { key: 'n', value: String(i) },
        { key: 'n', value: 'again' }, // repeated header keys are kept, in order
        { key: 'none', value: null },
      ],
    }));
    const landed = await produceWithJava({
      bootstrap: cluster.bootstrapServers,
      topic: 'orders',
      records,
      config: { 'enable.idempotence': 'true', acks: 'all', 'compression.type': 'lz4', 'linger.ms': '20' },
    });
    const stored = cluster.records('orders');
    expect(stored).toHaveLength(records.length);
    // Java reported each record where the fake stored it.
    const byLanding = landed.map((l, i) => ({ ...l, sent: records[i]! }));
    for (const { partition, offset, timestamp, sent } of byLanding) {
      const record = stored.find((r) => r.partition === partition && r.offset === offset)!;
      expect(seen(record)).toEqual({
        partition: sent.partition,
        offset,
        key: sent.key,
        value: sent.value,
        headers: sent.headers.map((h) => [h.key, h.value]),
        timestamp: BigInt(sent.timestamp),
      });
      expect(timestamp).toBe(BigInt(sent.timestamp));
    }
    expect(new Set(stored.map((r) => r.compression))).toEqual(new Set(['lz4']));
    expect(stored.every((r) => !r.transactional)).toBe(true);
    expectIdempotentStamps(stored, 7000n);
  });

  it('kcat (librdkafka, idempotent): keys, values, headers, producer timestamps, and kcat reads them back', async () => {
    cluster = await FakeKafka.start({ brokers: 1, topics: { lines: 1 }, firstProducerId: 9000n });
    const lines = Array.from({ length: 10 }, (_, i) => `k${i}\tv${i}${i === 4 ? ' with spaces' : ''}`);
    const before = BigInt(Date.now());
    await new Promise<void>((resolve, reject) => {
      const child = execFile(
        'kcat',
        [
          '-P',
          ...['-b', cluster!.bootstrapServers, '-t', 'lines', '-p', '0', '-K', '\t'],
          ...['-H', 'source=kcat', '-H', 'empty='],
          ...['-X', 'enable.idempotence=true', '-X', 'linger.ms=5'],
        ],
        { timeout: 60_000 },
        (error, _stdout, stderr) =>
          error
            ? reject(new Error(`kcat failed (is the kcat package installed?): ${error.message}\n${stderr}`))
            : resolve(),
      );
      child.stdin!.end(`${lines.join('\n')}\n`);
    });
    const after = BigInt(Date.now());
    // And kcat's consumer reads back what it wrote (the fake serves Fetch from the stored batches).
    const consumed = await new Promise<string>((resolve, reject) =>
      execFile(
        'kcat',
        [
          '-C',
          ...['-b', cluster!.bootstrapServers, '-t', 'lines', '-p', '0'],
          ...['-o', '0', '-e', '-f', '%k\\t%s\\n'],
        ],
        { timeout: 60_000 },
        (error, stdout, stderr) => (error ? reject(new Error(`kcat -C failed: ${stderr}`)) : resolve(stdout)),
      ),
    );
    expect(consumed.trimEnd().split('\n')).toEqual(lines);
    const stored = cluster.records('lines', 0);
    expect(stored.map((r) => [text(r.key), text(r.value)])).toEqual(lines.map((l) => l.split('\t')));
    for (const r of stored) {
      expect(r.headers.map((h) => [h.key, text(h.value)])).toEqual([
        ['source', 'kcat'],
        ['empty', ''],
      ]);
      expect(r.timestamp >= before && r.timestamp <= after).toBe(true);
    }
    expectIdempotentStamps(stored, 9000n);
  });

  it('kafkajs (idempotent, gzip): every field, and the offsets it reports', async () => {
    cluster = await FakeKafka.start({ brokers: 3, topics: { events: 3 }, firstProducerId: 11000n });
    const kafka = new Kafka({ brokers: cluster.bootstrapServers.split(','), logLevel: logLevel.NOTHING });
    const producer = kafka.producer({ idempotent: true, maxInFlightRequests: 1 });
    await producer.connect();
    const messages = Array.from({ length: 15 }, (_, i) => ({
      partition: i % 3,
      key: i === 0 ? null : `k${i}`,
      value: `kafkajs ${i}`,
      headers: { trace: `t-${i}`, bin: Buffer.from([0, 255, i]) },
      timestamp: String(1_650_000_000_000 + i),
    }));
    try {
      const metadata = await producer.send({ topic: 'events', compression: CompressionTypes.GZIP, messages });
      const reported = metadata.map((m) => [m.partition, m.baseOffset]).sort();
      expect(reported).toEqual([
        [0, '0'],
        [1, '0'],
        [2, '0'],
      ]);
    } finally {
      await producer.disconnect();
    }
    const stored = cluster.records('events');
    expect(stored).toHaveLength(messages.length);
    for (let p = 0; p < 3; p++) {
      const sent = messages.filter((m) => m.partition === p);
      const got = cluster.records('events', p);
      expect(got.map(seen)).toEqual(
        sent.map((m, i) => ({
          partition: p,
          offset: BigInt(i),
          key: m.key,
          value: m.value,
          headers: [
            ['trace', m.headers.trace],
            ['bin', m.headers.bin.toString('utf8')],
          ],
          timestamp: BigInt(m.timestamp),
        })),
      );
      expect(got.map((r) => Buffer.from(r.headers[1]!.value!))).toEqual(sent.map((m) => m.headers.bin));
    }
    expect(new Set(stored.map((r) => r.compression))).toEqual(new Set(['gzip']));
    expectIdempotentStamps(stored, 11000n);
  });
});

describe('one kafka-wire scenario, real broker and fake', () => {
  /** Keyed records (murmur2 partitioning), pinned partitions, null keys and values, headers, set timestamps. */
  function scenario(topic: string) {
    return Array.from({ length: 40 }, (_, i) => ({
      topic,
      ...(i % 4 === 3 ? { partition: i % 3, key: null } : { key: `customer-${i % 9}` }),
      value: i % 11 === 10 ? null : JSON.stringify({ i, note: 'n'.repeat(i) }),
      headers: { seq: String(i), ...(i % 2 ? { odd: 'yes' } : {}) },
      timestamp: 1_600_000_000_000 + i * 1000,
    }));
  }

  async function run(bootstrapServers: string, topic: string) {
    const producer = new Producer({ bootstrapServers, compressionType: 'lz4', lingerMs: 10 });
    try {
      const results = await Promise.all(scenario(topic).map((r) => producer.send(r)));
      return results.map((r) => ({ partition: r.partition, offset: r.offset }));
    } finally {
      await producer.close();
    }
  }

  it('reports the same partitions and offsets and holds the same records', async () => {
    const topic = uniqueTopic('parity');
    await createTopic({ topic, partitions: 3, replicationFactor: 1 });
    const onReal = await run(kafkaBootstrap(), topic);
    cluster = await FakeKafka.start({ brokers: 3, topics: { [topic]: 3 } });
    const onFake = await run(cluster.bootstrapServers, topic);
    expect(onFake).toEqual(onReal);

    // Kafka's consumer hands partitions over in the order their fetches returned.
    const byPosition = (a: { partition: number; offset: bigint }, b: { partition: number; offset: bigint }) =>
      a.partition - b.partition || Number(a.offset - b.offset);
    const real = (await consumeAll({ topic, count: onReal.length })).sort(byPosition);
    const fake = cluster.records(topic);
    expect(fake.map(seen)).toEqual(real.map(seen));
    expect(new Set(real.map((r) => r.partition))).toEqual(new Set([0, 1, 2]));
  });
});
