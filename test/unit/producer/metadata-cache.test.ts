import { describe, expect, it } from 'vitest';
import { MetadataCache, type MetadataSnapshot } from '../../../src/producer/metadata.js';

// MetadataCache.topic() remembers its last answer (every record asks, nearly always for the same topic); every
// change to the topics must reach the next call, also for the name asked just before.

function snapshot(leaderId: number, leaderEpoch: number): MetadataSnapshot {
  return {
    brokers: [1, 2].map((nodeId) => ({ nodeId, host: '127.0.0.1', port: 9000 + nodeId, rack: null })),
    topics: [
      { errorCode: 0, name: 't', partitions: [{ errorCode: 0, partitionIndex: 0, leaderId, leaderEpoch }] },
      {
        errorCode: 0,
        name: 'u',
        partitions: [{ errorCode: 0, partitionIndex: 0, leaderId: 1, leaderEpoch: 0 }],
      },
    ],
  };
}

describe('MetadataCache.topic()', () => {
  it('answers with what the last refresh or leader hint set, also for the name asked just before', async () => {
    let next = snapshot(1, 0);
    const cache = new MetadataCache({
      fetch: async () => next,
      allowAutoCreateTopics: false,
      metadataMaxAgeMs: 300_000,
      retryBackoffMs: 10,
      retryBackoffMaxMs: 100,
    });
    expect(cache.topic('t')).toBeUndefined();
    await cache.waitForTopic('t', Date.now() + 5_000);
    expect(cache.topic('t')?.partitions[0]?.leaderId).toBe(1);
    expect(cache.topic('t')?.partitions[0]?.leaderId).toBe(1);
    expect(cache.topic('u')?.topic).toBe('u');
    expect(cache.topic('missing')).toBeUndefined();

    next = snapshot(2, 1);
    expect(cache.topic('t')?.partitions[0]?.leaderId).toBe(1);
    await cache.refresh();
    expect(cache.topic('t')?.partitions[0]?.leaderId).toBe(2);

    expect(cache.applyLeaderHint('t', 0, 1, 2)).toBe(true);
    expect(cache.topic('t')?.partitions[0]).toEqual({ partition: 0, leaderId: 1, leaderEpoch: 2 });
  });
});
