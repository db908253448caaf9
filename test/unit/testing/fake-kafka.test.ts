// kafka-wire/testing's FakeKafka as a user meets it: started with a broker count and topics, produced to by a
// real client over TCP, asserted on through records(), closed without leaving handles behind.

import { afterEach, describe, expect, it } from 'vitest';
import { Producer } from '../../../src/index.js';
import { FakeKafka } from '../../../src/testing/index.js';

const open: Array<{ close(): Promise<unknown> }> = [];
afterEach(async () => {
  for (const handle of open.splice(0).reverse()) await handle.close();
});

async function start(options: Parameters<typeof FakeKafka.start>[0]): Promise<FakeKafka> {
  const cluster = await FakeKafka.start(options);
  open.push(cluster);
  return cluster;
}

function producer(cluster: FakeKafka, options: Partial<ConstructorParameters<typeof Producer>[0]> = {}) {
  const p = new Producer({ bootstrapServers: cluster.bootstrapServers, lingerMs: 0, ...options });
  open.push(p);
  return p;
}

describe('FakeKafka', () => {
  it('starts the brokers asked for and lists them all in bootstrapServers', async () => {
    const cluster = await start({ brokers: 3, topics: { orders: 6 } });
    expect(cluster.nodeIds()).toEqual([0, 1, 2]);
    expect(cluster.bootstrapServers).toMatch(/^127\.0\.0\.1:\d+,127\.0\.0\.1:\d+,127\.0\.0\.1:\d+$/);
    expect(cluster.bootstrapServers.split(',')).toEqual(
      cluster.nodeIds().map((id) => `127.0.0.1:${cluster.portOf(id)}`),
    );
  });

  it('stores what a producer sent, decoded, with offsets per partition and the batch stamp', async () => {
    const cluster = await start({ brokers: 3, topics: { orders: 6 } });
    const p = producer(cluster, { compressionType: 'gzip' });
    const sent = await Promise.all([
      p.send({
        topic: 'orders',
        partition: 2,
        key: 'k1',
        value: 'v1',
        headers: { h: 'x' },
        timestamp: 1_700_000_000_000,
      }),
      p.send({ topic: 'orders', partition: 2, key: null, value: 'v2', timestamp: 1_700_000_000_001 }),
      p.send({ topic: 'orders', partition: 5, key: 'k3', value: null }),
    ]);
    expect(sent.map((m) => [m.partition, m.offset])).toEqual([
      [2, 0n],
      [2, 1n],
      [5, 0n],
    ]);
    const [first, second] = cluster.records('orders', 2);
    expect(Buffer.from(first!.key!).toString()).toBe('k1');
    expect(Buffer.from(first!.value!).toString()).toBe('v1');
    expect(first!.headers.map((h) => [h.key, Buffer.from(h.value!).toString()])).toEqual([['h', 'x']]);
    expect(first!.timestamp).toBe(1_700_000_000_000n);
    expect(first!.compression).toBe('gzip');
    expect(first!.producerId).toBeGreaterThanOrEqual(0n);
    expect([first!.sequence, second!.sequence]).toEqual([0, 1]);
    expect(second!.key).toBeNull();
    expect(second!.offset).toBe(1n);
    // Without a partition: every partition of the topic, partition by partition.
    expect(cluster.records('orders').map((r) => [r.partition, r.offset])).toEqual([
      [2, 0n],
      [2, 1n],
      [5, 0n],
    ]);
    expect(cluster.records('orders', 5)[0]!.value).toBeNull();
  });
});
