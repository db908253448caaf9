import { afterAll, describe, expect, it } from 'vitest';
import { metricValue, murmur2, Producer, type ProducerOptions } from '../../src/index.js';
import type { CompressionType } from '../../src/producer/config.js';
import { consumeAll, createTopic, kafkaBootstrap, produceWithJava, uniqueTopic } from '../harness/index.js';

// The producer against a real broker; everything is read back with Kafka's own Java consumer and compared
// field by field, so a symmetric bug in our encoder and decoder cannot hide.

const producers: Producer[] = [];
function producer(options: Partial<ProducerOptions> = {}): Producer {
  const p = new Producer({ bootstrapServers: kafkaBootstrap(), lingerMs: 5, ...options });
  producers.push(p);
  return p;
}
afterAll(async () => {
  await Promise.all(producers.map((p) => p.close({ timeoutMs: 10_000 })));
});

const bytes = (s: string) => Buffer.from(s, 'utf8');
const hex = (b: Uint8Array | null) => (b === null ? null : Buffer.from(b).toString('hex'));

interface Case {
  key: string | Uint8Array | null;
  value: string | Uint8Array | null;
  headers?: Array<{ key: string; value: Uint8Array | string | null }>;
  timestamp?: number;
}

const cases: Case[] = [
  { key: null, value: 'no key' },
  { key: '', value: 'empty key' },
  { key: Uint8Array.of(0, 255, 128, 7), value: Uint8Array.of(1, 2, 3) },
  { key: 'string key ü 🚚', value: 'value' },
  { key: 'null value', value: null },
  { key: 'empty value', value: '' },
  {
    key: 'headers',
    value: 'v',
    headers: [
      { key: 'a', value: 'x' },
      { key: 'nullable', value: null },
      { key: 'a', value: 'repeated key' },
      { key: 'empty', value: new Uint8Array(0) },
    ],
  },
  { key: 'old timestamp', value: 'v', timestamp: 1_000 },
  { key: 'newer timestamp', value: 'v', timestamp: Date.now() - 60_000 },
];

function expectSame(consumed: Awaited<ReturnType<typeof consumeAll>>, sent: Case[], acks: number) {
  expect(consumed).toHaveLength(sent.length);
  const byKeyValue = (c: { key: Uint8Array | null; value: Uint8Array | null }) =>
    `${hex(c.key)}|${hex(c.value)}`;
  const toBytes = (v: string | Uint8Array | null) => (typeof v === 'string' ? bytes(v) : v);
  const expected = sent.map((c) => ({
    key: hex(toBytes(c.key)),
    value: hex(toBytes(c.value)),
    headers: (c.headers ?? []).map((h) => ({ key: h.key, value: hex(toBytes(h.value)) })),
    timestamp: c.timestamp,
  }));
  const got = consumed.map((r) => ({
    key: hex(r.key),
    value: hex(r.value),
    headers: r.headers.map((h) => ({ key: h.key, value: hex(h.value) })),
    timestamp: Number(r.timestamp),
    type: r.timestampType,
  }));
  const sortKey = (x: { key: string | null; value: string | null }) =>
    byKeyValue({
      key: x.key === null ? null : Buffer.from(x.key, 'hex'),
      value: x.value === null ? null : Buffer.from(x.value, 'hex'),
    });
  expected.sort((a, b) => sortKey(a).localeCompare(sortKey(b)));
  got.sort((a, b) => sortKey(a).localeCompare(sortKey(b)));
  got.forEach((g, i) => {
    const e = expected[i]!;
    expect({ key: g.key, value: g.value, headers: g.headers }).toEqual({
      key: e.key,
      value: e.value,
      headers: e.headers,
    });
    expect(g.type).toBe('CREATE_TIME');
    if (e.timestamp !== undefined) expect(g.timestamp).toBe(e.timestamp);
    else expect(Math.abs(g.timestamp - Date.now())).toBeLessThan(120_000);
  });
  void acks;
}

describe('Producer against a real broker', () => {
  const codecs: CompressionType[] = ['none', 'gzip', 'snappy', 'lz4', 'zstd'];
  for (const compressionType of codecs) {
    for (const acks of [0, 1, -1] as const) {
      it(`writes every kind of record with ${compressionType}, acks=${acks}, read back field by field by Java`, async () => {
        const topic = uniqueTopic(`p-${compressionType}-${acks}`);
        await createTopic({ topic, partitions: 3 });
        const p = producer({ compressionType, acks });
        const results = await Promise.all(cases.map((c) => p.send({ topic, ...c })));
        for (const r of results) {
          expect(r.topic).toBe(topic);
          expect(r.partition).toBeGreaterThanOrEqual(0);
          if (acks === 0) expect(r.offset).toBe(-1n);
          else expect(r.offset).toBeGreaterThanOrEqual(0n);
        }
        const consumed = await consumeAll({ topic, count: cases.length });
        expectSame(consumed, cases, acks);
        if (acks !== 0) {
          // Every acknowledged offset is where Java finds the record.
          const at = new Map(consumed.map((r) => [`${r.partition}/${r.offset}`, hex(r.value)]));
          results.forEach((r, i) => {
            const v = cases[i]!.value;
            expect(at.get(`${r.partition}/${r.offset}`)).toBe(hex(typeof v === 'string' ? bytes(v) : v));
          });
        }
      });
    }
  }

  it('puts keyed records on the same partitions as the Java producer (12 partitions)', async () => {
    const topic = uniqueTopic('parity');
    await createTopic({ topic, partitions: 12 });
    const keys = Array.from({ length: 300 }, (_, i) => `truck-${i}-${'x'.repeat(i % 7)}`);
    const java = await produceWithJava({ topic, records: keys.map((key) => ({ key, value: 'java' })) });
    const p = producer();
    const ours = await Promise.all(keys.map((key) => p.send({ topic, key, value: 'kafka-wire' })));
    expect(ours.map((r) => r.partition)).toEqual(java.map((r) => r.partition));
    // And both agree with the hash the Java client documents.
    expect(murmur2(bytes('21'))).toBe(-973932308);
  });

  it('spreads keyless records in sticky batches and keeps keyed order within a partition', async () => {
    const topic = uniqueTopic('sticky');
    await createTopic({ topic, partitions: 4 });
    const p = producer({ batchSize: 2048, lingerMs: 20 });
    const sends = Array.from({ length: 400 }, (_, i) => p.send({ topic, value: `v${i}`.padEnd(100, '.') }));
    const results = await Promise.all(sends);
    const used = new Set(results.map((r) => r.partition));
    expect(used.size).toBeGreaterThan(1);
    // Records of one partition were written in send() order.
    const byPartition = new Map<number, bigint[]>();
    for (const r of results)
      byPartition.set(r.partition, [...(byPartition.get(r.partition) ?? []), r.offset]);
    for (const offsets of byPartition.values())
      expect(offsets).toEqual([...offsets].sort((a, b) => (a < b ? -1 : 1)));
  });

  it('without idempotence grows the batch waiting behind the one in flight, and keeps a topic with a lower max.message.bytes working', async () => {
    // acks=1: one batch per partition at the broker. A synchronous loop appends 64 KiB per turn of the event
    // loop, so while the first 16 KiB batch is at the broker the next one takes more than batchSize. With
    // idempotence (acks=all) batches stay within batchSize, as Java's.
    const produceAll = async (p: Producer, topic: string, count: number) => {
      const failures: Error[] = [];
      for (let i = 0; i < count; i++) {
        const value = `${i}`.padStart(8, '0').padEnd(100, '.');
        const accepted = p.produce({ topic, value }, (error) => {
          if (error !== null) failures.push(error);
        });
        if (!accepted) await p.waitForRoom();
      }
      await p.flush();
      expect(failures).toEqual([]);
    };
    const inOrder = async (topic: string, count: number) => {
      const consumed = await consumeAll({ topic, count });
      expect(consumed.map((r) => Number(r.value!.toString('utf8', 0, 8)))).toEqual(
        Array.from({ length: count }, (_, i) => i),
      );
      expect(consumed.map((r) => r.offset)).toEqual(Array.from({ length: count }, (_, i) => BigInt(i)));
    };

    for (const acks of [1, 'all'] as const) {
      const grown = uniqueTopic(`grown-${acks}`);
      await createTopic({ topic: grown, partitions: 1 });
      const p = producer({ acks, batchSize: 16_384 });
      await produceAll(p, grown, 20_000);
      const batchSizeMax = metricValue(p.metrics(), 'batch-size-max')!;
      if (acks === 1) {
        expect(batchSizeMax).toBeGreaterThan(16_384);
        expect(batchSizeMax).toBeLessThanOrEqual(8 * 16_384);
      } else {
        expect(batchSizeMax).toBeLessThanOrEqual(16_384);
      }
      await inOrder(grown, 20_000);
    }

    // A topic that takes batches of at most 20,000 bytes: the first grown batch is refused, split and resent;
    // after it the topic's batches stay within batchSize.
    const small = uniqueTopic('grown-refused');
    await createTopic({ topic: small, partitions: 1, configs: { 'max.message.bytes': '20000' } });
    const q = producer({ acks: 1, batchSize: 16_384 });
    await produceAll(q, small, 5_000);
    const splits = metricValue(q.metrics(), 'batch-split-total')!;
    expect(splits).toBeGreaterThanOrEqual(1);
    expect(metricValue(q.metrics(), 'record-error-total')).toBe(0);
    await inOrder(small, 5_000);
    // Batches after the split stay within batchSize: more records, and no further split.
    await produceAll(q, small, 5_000);
    expect(metricValue(q.metrics(), 'batch-split-total')).toBe(splits);
  });

  it('creates a topic on first send when the broker auto-creates topics', async () => {
    const topic = uniqueTopic('auto');
    const p = producer();
    const r = await p.send({ topic, key: 'k', value: 'created on the fly' });
    expect(r.offset).toBe(0n);
    const consumed = await consumeAll({ topic, count: 1 });
    expect(consumed[0]!.value?.toString()).toBe('created on the fly');
  });

  it('reports the broker timestamp for LogAppendTime topics', async () => {
    const topic = uniqueTopic('logappend');
    await createTopic({ topic, partitions: 1, configs: { 'message.timestamp.type': 'LogAppendTime' } });
    const p = producer();
    const before = BigInt(Date.now());
    const r = await p.send({ topic, value: 'v', timestamp: 1_000 });
    expect(r.timestamp).toBeGreaterThanOrEqual(before - 1000n);
    const [consumed] = await consumeAll({ topic, count: 1 });
    expect(consumed!.timestampType).toBe('LOG_APPEND_TIME');
    expect(consumed!.timestamp).toBe(r.timestamp);
  });

  it('starts with a dead address first in the bootstrap list', async () => {
    const topic = uniqueTopic('deadboot');
    await createTopic({ topic, partitions: 1 });
    const p = producer({ bootstrapServers: `127.0.0.1:1,${kafkaBootstrap()}` });
    const r = await p.send({ topic, value: 'still delivered' });
    expect(r.offset).toBe(0n);
  });

  it('rejects bad records on their own promise and loses nothing else', async () => {
    const topic = uniqueTopic('bad');
    await createTopic({ topic, partitions: 2 });
    const p = producer({ maxRequestSize: 10_000 });
    const good = p.send({ topic, value: 'good' });
    await expect(p.send({ topic: 'bad topic!', value: 'x' })).rejects.toThrow(/not a valid Kafka topic name/);
    await expect(p.send({ topic, value: 'x', partition: 7 })).rejects.toThrow(/Partition 7 does not exist/);
    await expect(p.send({ topic, value: new Uint8Array(20_000) })).rejects.toThrow(/maxRequestSize/);
    await expect(p.send({ topic, value: { not: 'bytes' } as never })).rejects.toThrow(/Serialize it first/);
    await expect(p.send({ topic, value: 'x', headers: [{ key: 1 as never, value: 'v' }] })).rejects.toThrow(
      /header/,
    );
    const after = p.send({ topic, value: 'also good' });
    await expect(good).resolves.toMatchObject({ topic });
    await expect(after).resolves.toMatchObject({ topic });
    expect(await consumeAll({ topic, count: 2 })).toHaveLength(2);
  });

  it('fails clearly for a missing topic when auto-creation is off, after maxBlockMs', async () => {
    const p = producer({ allowAutoCreateTopics: false, maxBlockMs: 1500 });
    const started = Date.now();
    await expect(p.send({ topic: uniqueTopic('missing'), value: 'x' })).rejects.toThrow(
      /not present in the cluster's metadata after waiting maxBlockMs/,
    );
    expect(Date.now() - started).toBeGreaterThanOrEqual(1400);
  });

  it('flush sends lingering records and close delivers what was accepted', async () => {
    const topic = uniqueTopic('close');
    await createTopic({ topic, partitions: 1 });
    const p = new Producer({ bootstrapServers: kafkaBootstrap(), lingerMs: 60_000 });
    const first = p.send({ topic, value: 'flushed' });
    await p.flush();
    await expect(first).resolves.toMatchObject({ offset: 0n });
    const second = p.send({ topic, value: 'delivered by close' });
    await p.close();
    await expect(second).resolves.toMatchObject({ offset: 1n });
    await expect(p.send({ topic, value: 'too late' })).rejects.toThrow(/closed/);
  });
});
