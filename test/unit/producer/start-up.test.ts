import { afterEach, describe, expect, it } from 'vitest';
import { ClientClosedError } from '../../../src/index.js';
import { keptWarnings } from '../../fake/logger.js';
import { cleanup, gate, producerFor, startCluster, within } from './harness.js';

// A new producer's first records wait for the topic's metadata, a producer id (idempotence) and a connection to
// the partition's leader. Those round trips overlap, as Java's sender thread overlaps them, instead of each
// starting when the one before it ended: the first records' latency is most of a short run's p99.

afterEach(cleanup);

describe('producer start-up', () => {
  it('asks for its producer id while the topic metadata is on its way', async () => {
    const cluster = await startCluster({ topics: { t: 1 } });
    const metadata = gate();
    cluster.onRequest({ api: 'Metadata', times: Infinity }, { until: metadata.promise });
    const producer = producerFor(cluster);
    const sent = producer.send({ topic: 't', value: 'first' });
    const held = (api: string) =>
      within(
        cluster.waitForRequests((r) => r.api === api),
        3_000,
        `${api} while Metadata is held`,
      );
    await Promise.all([held('Metadata'), held('InitProducerId')]);
    metadata.open();
    await sent;
    expect(cluster.values('t', 0)).toEqual(['first']);
  });

  it("opens the produce connection to a partition's leader while the producer id is on its way", async () => {
    const cluster = await startCluster({ nodeIds: [0, 1], topics: { t: { partitions: 1, leaders: [1] } } });
    const producerId = gate();
    cluster.onRequest({ api: 'InitProducerId', times: Infinity }, { until: producerId.promise });
    // Bootstrapped from broker 0 alone: Metadata and InitProducerId go there, so broker 1, the leader, sees only
    // the connection the producer opens for its Produce requests.
    const [first] = cluster.bootstrapServers.split(',');
    const producer = producerFor(cluster, { bootstrapServers: first! });
    const sent = producer.send({ topic: 't', value: 'first' });
    await within(
      cluster.waitForRequests((r) => r.api === 'InitProducerId'),
      3_000,
      'InitProducerId',
    );
    const [handshake] = await within(
      cluster.waitForRequests((r) => r.api === 'ApiVersions' && r.nodeId === 1),
      3_000,
      'a connection to the leader while InitProducerId is held',
    );
    expect(cluster.requestsFor('InitProducerId', 0)).toHaveLength(1);
    expect(cluster.requestsFor('Produce')).toHaveLength(0);
    producerId.open();
    await sent;
    const produce = cluster.requestsFor('Produce');
    expect(produce).toHaveLength(1);
    expect(produce[0]!.connection).toBe(handshake!.connection);
    expect(cluster.values('t', 0)).toEqual(['first']);
  });

  it('closed while its producer id is on its way, logs no failure: the record alone hears it was not sent', async () => {
    const cluster = await startCluster({ topics: { t: 1 } });
    cluster.onRequest({ api: 'InitProducerId', times: Infinity }, 'no-response');
    const { logger, kept } = keptWarnings();
    const producer = producerFor(cluster, { logger });
    const sent = producer.send({ topic: 't', value: 'never' });
    await within(
      cluster.waitForRequests((r) => r.api === 'InitProducerId'),
      3_000,
      'InitProducerId',
    );
    await producer.close({ timeoutMs: 0 });
    await expect(sent).rejects.toBeInstanceOf(ClientClosedError);
    expect(kept).toEqual([]);
  });
});
