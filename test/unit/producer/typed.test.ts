import { afterEach, describe, expect, it } from 'vitest';
import {
  integerSerializer,
  jsonSerializer,
  Producer,
  SerializationError,
  type Serializer,
  stringSerializer,
} from '../../../src/index.js';
import { cleanup, FAST, startCluster } from './harness.js';

afterEach(cleanup);

describe('typed producer with serializers', () => {
  it('serializes keys and values with the given serializers, and serializer headers travel', async () => {
    const cluster = await startCluster({ topics: { t: 1 } });
    const tagging: Serializer<{ n: number }> = {
      serialize(data, context) {
        context.headers.push({ key: 'content-type', value: new TextEncoder().encode('application/json') });
        return jsonSerializer<{ n: number }>().serialize(data, context);
      },
    };
    const producer = new Producer({
      bootstrapServers: cluster.bootstrapServers,
      ...FAST,
      keySerializer: integerSerializer,
      valueSerializer: tagging,
    });
    try {
      await producer.send({ topic: 't', key: 258, value: { n: 1 } });
      // @ts-expect-error a string is not what the key serializer takes
      const wrong = producer.send({ topic: 't', key: 'nope', value: { n: 2 } });
      await expect(wrong).rejects.toBeInstanceOf(SerializationError);
      const [stored] = cluster.records('t', 0);
      expect(Array.from(stored!.key!)).toEqual([0, 0, 1, 2]);
      expect(Buffer.from(stored!.value!).toString()).toBe('{"n":1}');
      expect(stored!.headers.map((h) => [h.key, Buffer.from(h.value!).toString()])).toEqual([
        ['content-type', 'application/json'],
      ]);
    } finally {
      await producer.close();
    }
  });

  it('keeps send() order when an asynchronous serializer is slow for one record', async () => {
    const cluster = await startCluster({ topics: { t: 1 } });
    // The first value takes a while (like a schema registry lookup); later ones are instant.
    let first = true;
    const slowOnce: Serializer<string> = {
      serialize(data, context) {
        if (!first) return stringSerializer.serialize(data, context);
        first = false;
        return new Promise((resolve) => setTimeout(() => resolve(new TextEncoder().encode(data)), 50));
      },
    };
    const producer = new Producer({
      bootstrapServers: cluster.bootstrapServers,
      ...FAST,
      valueSerializer: slowOnce,
    });
    try {
      const sends = ['a', 'b', 'c', 'd'].map((value) => producer.send({ topic: 't', partition: 0, value }));
      await Promise.all(sends);
      expect(cluster.values('t', 0)).toEqual(['a', 'b', 'c', 'd']);
    } finally {
      await producer.close();
    }
  });

  it('refuses a serializer without serialize()', () => {
    expect(() => new Producer({ bootstrapServers: 'x:1', keySerializer: {} as never })).toThrow(
      /keySerializer/,
    );
  });
});
