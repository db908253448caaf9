import { afterEach, describe, expect, it } from 'vitest';
import { cleanup, gate, offsetsOf, producerFor, sendAll, startCluster } from './harness.js';

// Leadership moves. From Produce v10 a broker that is no longer the leader names the new one (KIP-951
// CurrentLeader + NodeEndpoints) and the producer goes there directly; without that hint it refreshes
// metadata, once for all the partitions that failed together.

afterEach(cleanup);

describe('leader changes', () => {
  it('follows a KIP-951 CurrentLeader hint to the new leader without a Metadata request', async () => {
    const cluster = await startCluster({ topics: { t: { partitions: 1, leaders: [0] } } });
    const producer = producerFor(cluster);
    expect((await producer.send({ topic: 't', partition: 0, value: 'before' })).offset).toBe(0n);
    const metadataBefore = cluster.requestsFor('Metadata').length;

    cluster.moveLeader('t', 0, 1);
    const results = await Promise.all(sendAll(producer, 't', 0, ['a', 'b']));

    expect(offsetsOf(results)).toEqual([1n, 2n]);
    expect(cluster.requestsFor('Metadata')).toHaveLength(metadataBefore);
    const attempts = cluster.produced('t', 0).slice(1);
    expect(attempts.map((p) => [p.nodeId, p.result?.errorName])).toEqual([
      [0, 'NOT_LEADER_OR_FOLLOWER'],
      [1, 'NONE'],
    ]);
    expect(cluster.values('t', 0)).toEqual(['before', 'a', 'b']);
  });

  it('reaches a new leader it only knows from the hint’s NodeEndpoints', async () => {
    const cluster = await startCluster({ nodeIds: [0, 1], topics: { t: { partitions: 1, leaders: [0] } } });
    const producer = producerFor(cluster);
    await producer.send({ topic: 't', partition: 0, value: 'before' });
    const metadataBefore = cluster.requestsFor('Metadata').length;

    // Broker 2 joins after the producer's last metadata and takes over the partition.
    await cluster.addBroker(2);
    cluster.moveLeader('t', 0, 2);
    const result = await producer.send({ topic: 't', partition: 0, value: 'a' });

    expect(result.offset).toBe(1n);
    expect(cluster.requestsFor('Metadata')).toHaveLength(metadataBefore);
    expect(cluster.produced('t', 0).map((p) => p.nodeId)).toEqual([0, 0, 2]);
  });

  it('ignores a hint older than the leader epoch it knows, and asks for metadata instead', async () => {
    const cluster = await startCluster({ topics: { t: { partitions: 1, leaders: [0] } } });
    // Leadership went 0 -> 1 -> 0: the producer will learn leader 0 at epoch 2.
    cluster.moveLeader('t', 0, 1);
    cluster.moveLeader('t', 0, 0);
    const producer = producerFor(cluster);
    await producer.send({ topic: 't', partition: 0, value: 'before' });
    const metadataBefore = cluster.requestsFor('Metadata').length;
    // A broker still behind (epoch 1) points at node 1.
    const stale = cluster.onProduce(
      { topic: 't', partition: 0 },
      { error: 'NOT_LEADER_OR_FOLLOWER', currentLeader: { leaderId: 1, leaderEpoch: 1 } },
    );

    const result = await producer.send({ topic: 't', partition: 0, value: 'a' });

    expect(result.offset).toBe(1n);
    expect(stale.hits).toBe(1);
    expect(cluster.produced('t', 0).map((p) => p.nodeId)).toEqual([0, 0, 0]);
    // The refresh is asked for when the stale hint is ignored; it may land after the retry succeeded.
    await cluster.waitForRequests((r) => r.api === 'Metadata', metadataBefore + 1);
  });

  it.each([
    ['the broker sends no hint', { leaderHints: false }],
    ['Produce v9 has no hint field', { maxProduceVersion: 9 }],
  ])(
    'without a hint (%s), many partitions failing at once share one metadata refresh',
    async (_, options) => {
      const partitions = 12;
      const leaders = Array.from({ length: partitions }, (_, i) => i % 3);
      const cluster = await startCluster({ ...options, topics: { t: { partitions, leaders } } });
      const producer = producerFor(cluster);
      const all = Array.from({ length: partitions }, (_, i) => i);
      await Promise.all(all.map((partition) => producer.send({ topic: 't', partition, value: 'before' })));
      const metadataBefore = cluster.requestsFor('Metadata').length;
      const producesBefore = cluster.requestsFor('Produce').length;

      // Every partition moves to the next broker: all three leaders answer NOT_LEADER_OR_FOLLOWER at once. The
      // refresh the first refusal starts is held until the producer has handled every refusal (each partition's
      // retry reached the cluster, which it sends only after handling the refusal), so however the refusals
      // interleave under load, all of them meet that one refresh in flight.
      const refreshHeld = gate();
      cluster.onRequest({ api: 'Metadata' }, { until: refreshHeld.promise });
      for (const p of all) cluster.moveLeader('t', p, (leaders[p]! + 1) % 3);
      const sends = all.map((partition) => producer.send({ topic: 't', partition, value: 'after' }));
      await Promise.all(
        all.map((p) =>
          cluster.waitForRequests(
            (r) =>
              r.api === 'Produce' && r.produce!.partitions.some((x) => x.topic === 't' && x.partition === p),
            3,
          ),
        ),
      );
      expect(cluster.requestsFor('Metadata').length - metadataBefore).toBe(1);
      refreshHeld.open();
      const results = await Promise.all(sends);

      expect(results.map((r) => r.offset)).toEqual(all.map(() => 1n));
      for (const p of all) expect(cluster.values('t', p)).toEqual(['before', 'after']);
      // Each partition: refused by its old leader until the refresh landed, then accepted by the new one.
      // (A retry on its way to an old leader when the refresh lands is refused once more and may ask for one
      // more refresh: that one is not the failures' shared refresh, so it is not counted above.)
      for (const p of all) {
        const attempts = cluster.produced('t', p).slice(1);
        expect(attempts.at(-1)).toMatchObject({
          nodeId: (leaders[p]! + 1) % 3,
          result: { errorName: 'NONE' },
        });
        for (const refused of attempts.slice(0, -1)) {
          expect(refused).toMatchObject({
            nodeId: leaders[p],
            result: { errorName: 'NOT_LEADER_OR_FOLLOWER' },
          });
        }
      }
      // The failures arrived together: one request per old leader.
      const failed = cluster.requestsFor('Produce').slice(producesBefore, producesBefore + 3);
      expect(failed.map((r) => r.nodeId).sort()).toEqual([0, 1, 2]);
      expect(failed.every((r) => r.produce!.partitions.length === partitions / 3)).toBe(true);
    },
  );

  it('sends to a partition once metadata gives it a leader again', async () => {
    const cluster = await startCluster({ topics: { t: { partitions: 2, leaders: [-1, 1] } } });
    const producer = producerFor(cluster);

    const waiting = producer.send({ topic: 't', partition: 0, value: 'a' });
    expect((await producer.send({ topic: 't', partition: 1, value: 'b' })).offset).toBe(0n);
    // Let the producer look a few times and find no leader, then elect one.
    const seen = cluster.requestsFor('Metadata').length;
    await cluster.waitForRequests((r) => r.api === 'Metadata', seen + 2);
    cluster.moveLeader('t', 0, 2);

    expect((await waiting).offset).toBe(0n);
    expect(cluster.produced('t', 0).map((p) => p.nodeId)).toEqual([2]);
  });
});
