import { describe, expect, it } from 'vitest';
import { consumeAll, createTopic, describeTopic, produceWithJava, uniqueTopic } from '../harness/index.js';

// The harness's witnesses checked against each other: records written by Kafka's Java producer must come
// back from the independent reader (Kafka's Java consumer) with every field intact, including the
// null-versus-empty distinctions our producer will have to get right.

const binary = Buffer.from([0x00, 0xff, 0x80, 0x7f, 0x0a, 0x09, 0x3a]);

describe('Java producer -> independent Java reader', () => {
  it('reads back every field: keys, values, headers, nulls, empties, partitions, timestamps', async () => {
    const topic = uniqueTopic('harness-roundtrip');
    const created = await createTopic({ topic, partitions: 3, replicationFactor: 1 });
    expect(created.partitions).toHaveLength(3);
    expect(created.partitions.every((p) => p.leader !== null)).toBe(true);

    const records = [
      { key: 'k1', value: 'v1', partition: 0, timestamp: 1_700_000_000_000 },
      { key: null, value: null, partition: 0, timestamp: 1_700_000_000_001 }, // a tombstone without key
      { key: 'tombstone', value: null, partition: 1, timestamp: 1_700_000_000_002 },
      { key: '', value: '', partition: 1, timestamp: 1_700_000_000_003 }, // empty is not null
      { key: binary, value: binary, partition: 2, timestamp: 1_700_000_000_004 },
      {
        key: 'with-headers',
        value: 'ünïcødé ✓',
        partition: 2,
        timestamp: 1_700_000_000_005,
        headers: [
          { key: 'null-value', value: null },
          { key: 'empty-value', value: '' },
          { key: 'dup', value: 'first' },
          { key: 'dup', value: binary },
          { key: 'ключ', value: 'x' },
        ],
      },
      { key: 'producer-clock', value: 'now', partition: 1 },
    ];
    const before = Date.now();
    const landed = await produceWithJava({ topic, records, config: { acks: 'all', 'linger.ms': '0' } });
    expect(landed).toHaveLength(records.length);

    const read = await consumeAll({ topic, count: records.length });
    expect(read).toHaveLength(records.length);
    // The reader returns partition by partition, offsets ascending; match each record to where it landed.
    for (const [i, sent] of records.entries()) {
      const where = landed[i]!;
      expect(where.partition).toBe(sent.partition);
      const got = read.find((r) => r.partition === where.partition && r.offset === where.offset);
      expect(got, `record ${i} at ${where.partition}/${where.offset}`).toBeDefined();
      expect(got!.topic).toBe(topic);
      expect(got!.timestampType).toBe('CREATE_TIME');
      expect(got!.timestamp).toBe(where.timestamp);
      if (sent.timestamp !== undefined) expect(got!.timestamp).toBe(BigInt(sent.timestamp));
      else expect(Number(got!.timestamp)).toBeGreaterThanOrEqual(before - 1000);
      expect(got!.key).toEqual(sent.key === null ? null : Buffer.from(sent.key));
      expect(got!.value).toEqual(sent.value === null ? null : Buffer.from(sent.value));
      expect(got!.headers).toEqual(
        (sent.headers ?? []).map((h) => ({
          key: h.key,
          value: h.value === null ? null : Buffer.from(h.value),
        })),
      );
      expect(got!.leaderEpoch).toBe(0);
    }
    // Offsets per partition are dense from 0 (nothing else wrote to this topic).
    for (const partition of [0, 1, 2]) {
      const offsets = read.filter((r) => r.partition === partition).map((r) => r.offset);
      expect(offsets).toEqual(offsets.map((_, i) => BigInt(i)));
    }
  });

  it('reports the broker clock for LogAppendTime topics, and reads one partition or an empty topic', async () => {
    const topic = uniqueTopic('harness-logappend');
    await createTopic({ topic, partitions: 2, configs: { 'message.timestamp.type': 'LogAppendTime' } });
    expect(await consumeAll({ topic })).toEqual([]);

    const landed = await produceWithJava({
      topic,
      records: [
        { key: 'a', value: '1', partition: 1, timestamp: 42 },
        { key: 'b', value: '2', partition: 0, timestamp: 43 },
      ],
    });
    const read = await consumeAll({ topic, partition: 1 });
    expect(read).toHaveLength(1);
    expect(read[0]).toMatchObject({ partition: 1, offset: 0n, timestampType: 'LOG_APPEND_TIME' });
    // The broker replaced our timestamp 42 with its own, and told the producer which one it used.
    expect(read[0]!.timestamp).toBe(landed[0]!.timestamp);
    expect(read[0]!.timestamp).not.toBe(42n);

    const description = await describeTopic(topic);
    expect(description.topic).toBe(topic);
    expect(description.partitions.map((p) => p.partition)).toEqual([0, 1]);
  });

  it('fails with a clear error when the topic does not exist or the expected records never come', async () => {
    await expect(consumeAll({ topic: uniqueTopic('harness-missing'), timeoutMs: 1500 })).rejects.toThrow(
      /does not exist/,
    );
    const topic = uniqueTopic('harness-short');
    await createTopic({ topic });
    await produceWithJava({ topic, records: [{ value: 'only one' }] });
    await expect(consumeAll({ topic, count: 2, timeoutMs: 5000 })).rejects.toThrow(
      /timed out .* read 1 records/,
    );
  });
});
