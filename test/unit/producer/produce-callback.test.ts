import { afterEach, describe, expect, it } from 'vitest';
import {
  ClientClosedError,
  InvalidRecordError,
  ProduceError,
  type RecordMetadata,
  UndeliveredRecordsError,
} from '../../../src/index.js';
import { cleanup, producerFor, startCluster } from './harness.js';

// produce(record, callback?) is send() without a promise per record: the callback gets exactly what the
// promise would have settled with. Without a callback, failures are reported by the next flush()/close().

afterEach(cleanup);

type Result = { error: Error | null; metadata: RecordMetadata | null };

function collector(): { results: Result[]; callback: (e: Error | null, m: RecordMetadata | null) => void } {
  const results: Result[] = [];
  return { results, callback: (error, metadata) => results.push({ error, metadata }) };
}

describe('produce()', () => {
  it('calls back once per record with its partition and offset, in order', async () => {
    const cluster = await startCluster({ topics: { t: 2 } });
    const producer = producerFor(cluster);
    const { results, callback } = collector();
    const room: boolean[] = [];
    for (let i = 0; i < 10; i++) {
      room.push(producer.produce({ topic: 't', partition: i % 2, value: `v${i}` }, callback));
    }
    // The topic's metadata is not known yet, so produce() says "wait" (false), yet accepts every record.
    expect(room).toEqual(Array(10).fill(false));
    await producer.waitForRoom();
    expect(producer.produce({ topic: 't', partition: 0, value: 'v10' }, callback)).toBe(true);
    await producer.flush();
    expect(results).toHaveLength(11);
    expect(results.every((r) => r.error === null)).toBe(true);
    expect(results.filter((r) => r.metadata!.partition === 0).map((r) => r.metadata!.offset)).toEqual([
      0n,
      1n,
      2n,
      3n,
      4n,
      5n,
    ]);
    expect(cluster.values('t', 1)).toEqual(['v1', 'v3', 'v5', 'v7', 'v9']);
  });

  it('reports a bad record to its callback, never from inside produce() itself', async () => {
    const cluster = await startCluster({ topics: { t: 1 } });
    const producer = producerFor(cluster);
    const { results, callback } = collector();
    producer.produce({ topic: 'bad topic!', value: 'x' }, callback);
    expect(results).toHaveLength(0);
    await producer.flush();
    expect(results).toHaveLength(1);
    expect(results[0]!.error).toBeInstanceOf(InvalidRecordError);
    expect(results[0]!.metadata).toBeNull();
  });

  it("reports a custom partitioner's failure to the callback, never from inside produce() itself", async () => {
    const cluster = await startCluster({ topics: { t: 2 } });
    const producer = producerFor(cluster, {
      partitioner: () => {
        throw new Error('no partition for this record');
      },
    });
    // Metadata first, so the record reaches the partitioner inside produce().
    await producer.send({ topic: 't', partition: 0, value: 'warm-up' });
    const { results, callback } = collector();
    producer.produce({ topic: 't', value: 'x' }, callback);
    expect(results).toHaveLength(0);
    await producer.flush();
    expect(results).toHaveLength(1);
    expect(results[0]!.error?.message).toContain('no partition for this record');
    expect(results[0]!.metadata).toBeNull();
  });

  it('reports a broker refusal to the callback as send() would reject', async () => {
    const cluster = await startCluster({ topics: { t: 1 } });
    cluster.onProduce({ topic: 't', partition: 0 }, { error: 'INVALID_RECORD' });
    const producer = producerFor(cluster);
    const { results, callback } = collector();
    producer.produce({ topic: 't', value: 'x' }, callback);
    await producer.flush();
    expect(results[0]!.error).toBeInstanceOf(ProduceError);
    expect((results[0]!.error as ProduceError).errorName).toBe('INVALID_RECORD');
  });

  it('fire-and-forget: failures are counted and reported once by the next flush()', async () => {
    const cluster = await startCluster({ topics: { t: 1 } });
    cluster.onProduce({ topic: 't', partition: 0 }, { error: 'INVALID_RECORD' });
    const producer = producerFor(cluster);
    producer.produce({ topic: 't', partition: 0, value: 'a' });
    producer.produce({ topic: 't', partition: 0, value: 'b' });
    producer.produce({ topic: 'bad topic!', value: 'c' });
    const error = await producer.flush().then(
      () => null,
      (e: unknown) => e,
    );
    expect(error).toBeInstanceOf(UndeliveredRecordsError);
    expect((error as UndeliveredRecordsError).count).toBe(3);
    expect((error as UndeliveredRecordsError).message).toContain('Pass a callback to produce()');
    // Reported once: what follows is delivered and flush() resolves.
    producer.produce({ topic: 't', partition: 0, value: 'd' });
    await producer.flush();
    expect(cluster.values('t', 0)).toEqual(['d']);
  });

  it('fire-and-forget: close() rejects, after closing, when records failed unreported', async () => {
    const cluster = await startCluster({ topics: { t: 1 } });
    cluster.onProduce({ topic: 't', partition: 0 }, { error: 'INVALID_RECORD' });
    const producer = producerFor(cluster);
    producer.produce({ topic: 't', partition: 0, value: 'a' });
    const closed = producer.close();
    await expect(closed).rejects.toBeInstanceOf(UndeliveredRecordsError);
    // close() is idempotent: calling it again gives the same outcome.
    expect(producer.close()).toBe(closed);
    await closed.catch(() => undefined);
  });

  it('after close(), the callback gets a ClientClosedError', async () => {
    const cluster = await startCluster({ topics: { t: 1 } });
    const producer = producerFor(cluster);
    await producer.close();
    const { results, callback } = collector();
    producer.produce({ topic: 't', value: 'x' }, callback);
    await Promise.resolve();
    expect(results).toHaveLength(1);
    expect(results[0]!.error).toBeInstanceOf(ClientClosedError);
  });
});
