import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  consumeAll,
  createTopic,
  describeCluster,
  describeTopic,
  eventually,
  fetchMetadata,
  type KafkaCluster,
  kafkaVersion,
  processClusterDir,
  produceWithJava,
  startCluster,
} from '../harness/index.js';

// The fault-test toolkit itself: a 3-node KRaft cluster of its own (free ports, .kafka/faults-<pid>), and
// brokers killed, paused, resumed and restarted one at a time while the cluster is watched noticing.

describe('a 3-broker cluster with one broker at a time failing', () => {
  let cluster: KafkaCluster;
  let bootstrap: string;

  beforeAll(async () => {
    cluster = await startCluster({
      brokers: 3,
      basePort: 'auto',
      dir: await processClusterDir('faults'),
      version: kafkaVersion(),
    });
    bootstrap = cluster.bootstrapServers;
  });

  afterAll(async () => {
    await cluster?.destroy();
  });

  async function registered(viaNode: number): Promise<number[]> {
    const m = await fetchMetadata(`127.0.0.1:${cluster.node(viaNode).port}`, { topics: [] });
    return m.brokers.map((b) => b.nodeId).sort();
  }

  async function leaders(topic: string): Promise<Map<number, number>> {
    const m = await cluster.metadata([topic]);
    return new Map(m.topics[0]!.partitions.map((p) => [p.partitionIndex, p.leaderId]));
  }

  it('has all three brokers in the cluster metadata, as every broker and the Java Admin client see it', async () => {
    expect(cluster.brokerIds).toEqual([1, 2, 3]);
    for (const id of [1, 2, 3]) expect(await registered(id)).toEqual([1, 2, 3]);
    const described = await describeCluster(bootstrap);
    expect(described.brokers.map((b) => [b.id, b.port])).toEqual(cluster.nodes.map((n) => [n.id, n.port]));
    expect(described.clusterId).toBe(cluster.clusterId);
  });

  it('sees a killed broker leave, moves its leadership away, and takes it back after a restart', async () => {
    const topic = 'faults-stop';
    const created = await createTopic({ bootstrap, topic, partitions: 3, replicationFactor: 3 });
    expect(created.partitions.every((p) => p.replicas.length === 3)).toBe(true);
    await produceWithJava({
      bootstrap,
      topic,
      records: [0, 1, 2].map((p) => ({ partition: p, value: `before-${p}` })),
    });

    await cluster.stopBroker(2);
    expect(cluster.node(2).pid).toBeNull();
    await cluster.waitForBrokers([1, 3]);
    expect(await registered(1)).toEqual([1, 3]);
    await eventually(async () => {
      expect([...(await leaders(topic)).values()]).not.toContain(2);
    });
    const without2 = await describeTopic(topic, bootstrap);
    expect(without2.partitions.every((p) => p.leader !== 2 && !p.isr.includes(2))).toBe(true);

    await cluster.startBroker(2);
    for (const id of [1, 2, 3]) expect(await registered(id)).toEqual([1, 2, 3]);
    // Broker 2 catches up and rejoins every ISR; the data written before its death is intact on all three.
    await eventually(async () => {
      const d = await describeTopic(topic, bootstrap);
      expect(d.partitions.every((p) => p.isr.length === 3)).toBe(true);
    });
    const read = await consumeAll({ bootstrap, topic, count: 3 });
    expect(read.map((r) => r.value?.toString()).sort()).toEqual(['before-0', 'before-1', 'before-2']);
  });

  it('sees a paused (SIGSTOP) broker leave and a resumed (SIGCONT) one come back', async () => {
    cluster.pauseBroker(3);
    expect(cluster.node(3).paused).toBe(true);
    await cluster.waitForBrokers([1, 2]);
    expect(await registered(2)).toEqual([1, 2]);

    cluster.resumeBroker(3);
    await cluster.waitForBrokers([1, 2, 3]);
    expect(await registered(3)).toEqual([1, 2, 3]);
  });

  it('restarts a broker in one call and the cluster keeps serving reads and writes', async () => {
    const pidBefore = cluster.node(1).pid;
    await cluster.restartBroker(1);
    expect(cluster.node(1).pid).not.toBe(pidBefore);
    expect(cluster.runningIds()).toEqual([1, 2, 3]);

    const topic = 'faults-restart';
    await createTopic({ bootstrap, topic, partitions: 3, replicationFactor: 3 });
    const landed = await produceWithJava({
      bootstrap,
      topic,
      records: [{ key: 'k', value: 'after restart' }],
    });
    const read = await consumeAll({ bootstrap, topic, count: 1 });
    expect(read[0]).toMatchObject({ partition: landed[0]!.partition, offset: 0n });
    expect(read[0]!.value?.toString()).toBe('after restart');
  });
});
