import { afterEach, describe, expect, it } from 'vitest';
import { AuthorizationError, TopicNotAvailableError } from '../../../src/index.js';
import { cleanup, producerFor, since, startCluster } from './harness.js';

// Topic metadata: send() waits up to maxBlockMs for a topic to exist, refreshing at the retry backoff;
// errors that waiting cannot fix end the wait at once; metadataMaxAgeMs keeps the view fresh.

afterEach(cleanup);

const isMetadata = (r: { api: string }) => r.api === 'Metadata';
const asksFor =
  (topic: string) => (r: { api: string; metadata?: { topics: Array<{ name: string | null }> | null } }) =>
    r.api === 'Metadata' && (r.metadata?.topics ?? []).some((t) => t.name === topic);

describe('topic metadata', () => {
  it('fails a missing topic after maxBlockMs when auto-creation is off, with the documented message', async () => {
    const cluster = await startCluster({ autoCreateTopics: true });
    const producer = producerFor(cluster, {
      allowAutoCreateTopics: false,
      maxBlockMs: 800,
      retryBackoffMs: 100,
    });

    const start = performance.now();
    const error = await producer.send({ topic: 'missing', value: 'x' }).then(
      () => undefined,
      (e: unknown) => e,
    );
    const elapsed = since(start);

    expect(error).toBeInstanceOf(TopicNotAvailableError);
    const topicError = error as TopicNotAvailableError;
    expect(topicError.topic).toBe('missing');
    expect(topicError.message).toMatch(
      /^Topic 'missing' is not present in the cluster's metadata after waiting maxBlockMs\. Last error: UNKNOWN_TOPIC_OR_PARTITION/,
    );
    expect(topicError.message).toContain('Create the topic');
    expect(elapsed).toBeGreaterThanOrEqual(750);
    expect(elapsed).toBeLessThan(2_000);
    // It asked without auto-creation (the cluster would have created it otherwise), about every 100 ms.
    const asked = cluster.requests.filter(asksFor('missing'));
    expect(asked.every((r) => r.metadata!.allowAutoTopicCreation === false)).toBe(true);
    expect(asked.length).toBeGreaterThanOrEqual(3);
    expect(asked.length).toBeLessThanOrEqual(Math.ceil(elapsed / 100) + 2);
  });

  it('uses a topic that appears after a few refreshes', async () => {
    const cluster = await startCluster();
    const producer = producerFor(cluster, { allowAutoCreateTopics: false, retryBackoffMs: 20 });
    void cluster.waitForRequests(asksFor('late'), 3).then(() => cluster.createTopic('late', 2));

    const result = await producer.send({ topic: 'late', partition: 1, value: 'x' });

    expect(result).toMatchObject({ partition: 1, offset: 0n });
    expect(cluster.values('late', 1)).toEqual(['x']);
    // Created as the third request came in, so that one found it.
    expect(cluster.requests.filter(asksFor('late')).length).toBeGreaterThanOrEqual(3);
  });

  it('lets the broker create a missing topic when both sides allow it', async () => {
    const cluster = await startCluster({ autoCreateTopics: true, autoCreatePartitions: 3 });
    const producer = producerFor(cluster);

    const result = await producer.send({ topic: 'fresh', key: 'k', value: 'x' });

    expect(result.offset).toBe(0n);
    expect(cluster.values('fresh', result.partition)).toEqual(['x']);
    expect(cluster.requests.filter(asksFor('fresh'))[0]!.metadata!.allowAutoTopicCreation).toBe(true);
  });

  it('fails at once for a topic the client may not access', async () => {
    const cluster = await startCluster({ topics: { secret: 1 } });
    cluster.setTopicMetadataError('secret', 'TOPIC_AUTHORIZATION_FAILED');
    const producer = producerFor(cluster, { maxBlockMs: 10_000 });

    const start = performance.now();
    const error = await producer.send({ topic: 'secret', value: 'x' }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(AuthorizationError);
    expect((error as Error).message).toMatch(
      /^TOPIC_AUTHORIZATION_FAILED \(29\) from Metadata for topic "secret": .*grant DESCRIBE on topic 'secret'/,
    );
    expect(since(start)).toBeLessThan(2_000);
    expect(cluster.requests.filter(asksFor('secret'))).toHaveLength(1);
  });

  it('refreshes metadata every metadataMaxAgeMs, also while idle, and sends to the leader it learns', async () => {
    const cluster = await startCluster({
      topics: { t: { partitions: 1, leaders: [0] } },
      leaderHints: false,
    });
    const producer = producerFor(cluster, { metadataMaxAgeMs: 300 });
    await producer.send({ topic: 't', partition: 0, value: 'a' });
    const seen = cluster.requests.filter(isMetadata).length;

    // Nothing is sent and nothing fails: only the age of the metadata can make the producer look again.
    cluster.moveLeader('t', 0, 1);
    const start = performance.now();
    await cluster.waitForRequests(isMetadata, seen + 2);
    const twoRefreshes = since(start);

    expect(twoRefreshes).toBeGreaterThanOrEqual(400);
    expect(twoRefreshes).toBeLessThan(2_000);
    await producer.send({ topic: 't', partition: 0, value: 'b' });
    // Straight to the new leader: the old one never saw 'b'.
    expect(cluster.produced('t', 0).map((p) => [p.nodeId, p.result?.errorName])).toEqual([
      [0, 'NONE'],
      [1, 'NONE'],
    ]);
  });
});
