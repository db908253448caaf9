import { afterAll, describe, expect, it } from 'vitest';
import { murmur2, Producer, SendBatchError } from '../../src/index.js';
import { consumeAll, createTopic, kafkaBootstrap, uniqueTopic } from '../harness/index.js';

// sendBatch() against a real broker, read back with Kafka's own Java consumer: every record is where its
// metadata says, on the partition Java's partitioner picks, in input order per partition; a bad record in
// the middle fails alone.

const producers: Producer[] = [];
afterAll(async () => {
  await Promise.all(producers.map((p) => p.close({ timeoutMs: 10_000 })));
});

describe('sendBatch() against Kafka', () => {
  it('writes every record where its metadata says; the bad one in the middle fails alone', async () => {
    const topic = uniqueTopic('send-batch');
    await createTopic({ topic, partitions: 6 });
    const producer = new Producer({ bootstrapServers: kafkaBootstrap() });
    producers.push(producer);
    const count = 5_000;
    const records = Array.from({ length: count }, (_, i) => ({
      topic,
      key: `key-${i % 100}`,
      value: `${i}:`.padEnd(100, 'x'),
    }));
    const bad = 2_500;
    const sent = [...records.slice(0, bad), { topic, partition: 6, value: 'no such partition' }];
    sent.push(...records.slice(bad));

    const error = await producer.sendBatch(sent).then(
      () => {
        throw new Error('expected a SendBatchError');
      },
      (e: unknown) => e as SendBatchError,
    );
    expect(error).toBeInstanceOf(SendBatchError);
    expect(error.failedCount).toBe(1);
    expect(error.topics).toEqual([topic]);
    expect(error.errors[bad]?.message).toContain('Partition 6 does not exist');
    expect(error.results[bad]).toBeUndefined();
    const results = error.results.filter((r) => r !== undefined);
    expect(results).toHaveLength(count);

    const consumed = await consumeAll({ topic, count });
    expect(consumed).toHaveLength(count);
    const at = new Map(consumed.map((r) => [`${r.partition}/${r.offset}`, r]));
    const lastOffset = new Map<number, bigint>();
    results.forEach((metadata, i) => {
      const record = records[i]!;
      const read = at.get(`${metadata.partition}/${metadata.offset}`);
      expect(read?.key?.toString('utf8')).toBe(record.key);
      expect(read?.value?.toString('utf8')).toBe(record.value);
      // Java's partitioner for keyed records.
      expect(metadata.partition).toBe((murmur2(Buffer.from(record.key)) & 0x7fffffff) % 6);
      // Input order within each partition.
      expect(metadata.offset).toBeGreaterThan(lastOffset.get(metadata.partition) ?? -1n);
      lastOffset.set(metadata.partition, metadata.offset);
    });
  });
});
