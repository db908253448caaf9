import { afterEach, describe, expect, it } from 'vitest';
import {
  InvalidRecordError,
  ProduceError,
  ProducerConfigError,
  type ProducerInterceptor,
  type ProducerRecord,
  type RecordMetadata,
  type ResolvedProducerConfig,
} from '../../../src/index.js';
import { keptWarnings } from '../../fake/logger.js';
import { cleanup, producerFor, startCluster } from './harness.js';

// The interceptors option (Java's interceptor.classes): onSend sees each record before serialization and may
// replace it, onAcknowledgement sees each outcome before the caller, and a throwing interceptor is skipped
// with a warning without costing the record.

afterEach(cleanup);

const text = (bytes: Uint8Array | null) => (bytes === null ? null : Buffer.from(bytes).toString());

type Ack = {
  metadata: RecordMetadata | undefined;
  error: Error | undefined;
  record: ProducerRecord<unknown, unknown>;
};

function recorder(): { acks: Ack[]; interceptor: ProducerInterceptor<unknown, unknown> } {
  const acks: Ack[] = [];
  return {
    acks,
    interceptor: { onAcknowledgement: (metadata, error, record) => acks.push({ metadata, error, record }) },
  };
}

describe('interceptors', () => {
  it('chain onSend in order: the second sees the first one’s record, the broker gets the last one’s', async () => {
    const cluster = await startCluster({ topics: { t: 1 } });
    const seenBySecond: unknown[] = [];
    const first: ProducerInterceptor<unknown, unknown> = {
      onSend: (record) => ({
        ...record,
        value: `${String(record.value)}!`,
        headers: [{ key: 'a', value: '1' }],
      }),
    };
    const second: ProducerInterceptor<unknown, unknown> = {
      onSend: (record) => {
        seenBySecond.push(record.value);
        return {
          ...record,
          headers: [...(record.headers as Array<{ key: string; value: string }>), { key: 'b', value: '2' }],
        };
      },
    };
    const producer = producerFor(cluster, { interceptors: [first, second] });
    await producer.send({ topic: 't', value: 'hello' });
    expect(seenBySecond).toEqual(['hello!']);
    const [stored] = cluster.records('t', 0);
    expect(text(stored!.value)).toBe('hello!');
    expect(stored!.headers.map((h) => [h.key, text(h.value)])).toEqual([
      ['a', '1'],
      ['b', '2'],
    ]);
  });

  it('onAcknowledgement gets the metadata and the intercepted record before the caller hears', async () => {
    const cluster = await startCluster({ topics: { t: { partitions: 1, firstOffset: 70n } } });
    const order: string[] = [];
    const { acks, interceptor } = recorder();
    const stamp: ProducerInterceptor<unknown, unknown> = {
      onSend: (record) => ({ ...record, headers: { id: 'x' } }),
      onAcknowledgement: () => order.push('interceptor'),
    };
    const producer = producerFor(cluster, { interceptors: [stamp, interceptor] });
    const metadata = await producer.send({ topic: 't', value: 'v' }).then((m) => {
      order.push('caller');
      return m;
    });
    expect(order).toEqual(['interceptor', 'caller']);
    expect(acks).toHaveLength(1);
    expect(acks[0]!.error).toBeUndefined();
    expect(acks[0]!.metadata).toEqual(metadata);
    expect(acks[0]!.metadata!.offset).toBe(70n);
    expect(acks[0]!.record.headers).toEqual({ id: 'x' });
  });

  it('onAcknowledgement gets the error of a refused record (bad input and a broker error) and no metadata', async () => {
    const cluster = await startCluster({ topics: { t: 1 } });
    cluster.onProduce({ topic: 't' }, { error: 'INVALID_RECORD' });
    const { acks, interceptor } = recorder();
    const producer = producerFor(cluster, { interceptors: [interceptor] });
    await expect(producer.send({ topic: 'bad topic!', value: 'v' })).rejects.toBeInstanceOf(
      InvalidRecordError,
    );
    await expect(producer.send({ topic: 't', value: 'v' })).rejects.toBeInstanceOf(ProduceError);
    expect(acks.map((a) => [a.metadata, a.error?.name, a.record.topic])).toEqual([
      [undefined, 'InvalidRecordError', 'bad topic!'],
      [undefined, 'ProduceError', 't'],
    ]);
  });

  it('runs for produce() with and without a callback', async () => {
    const cluster = await startCluster({ topics: { t: 1 } });
    const { acks, interceptor } = recorder();
    const producer = producerFor(cluster, { interceptors: [interceptor] });
    const called: Array<bigint | undefined> = [];
    producer.produce({ topic: 't', value: 'a' }, (_, metadata) => called.push(metadata?.offset));
    producer.produce({ topic: 't', value: 'b' });
    await producer.flush();
    expect(called).toEqual([0n]);
    expect(acks.map((a) => a.metadata?.offset)).toEqual([0n, 1n]);
  });

  it('a throwing onSend or onAcknowledgement is skipped with a logged warning; the record and the caller are unaffected', async () => {
    const cluster = await startCluster({ topics: { t: 1 } });
    const { acks, interceptor } = recorder();
    class Broken implements ProducerInterceptor<unknown, unknown> {
      onSend(): ProducerRecord<unknown, unknown> {
        throw new Error('onSend broke');
      }
      onAcknowledgement(): void {
        throw new Error('onAcknowledgement broke');
      }
    }
    const forgetful = { onSend: () => undefined } as unknown as ProducerInterceptor<unknown, unknown>;
    const { logger, kept: warned } = keptWarnings();
    const producer = producerFor(cluster, { logger, interceptors: [new Broken(), forgetful, interceptor] });
    const metadata = await producer.send({ topic: 't', value: 'kept' });
    expect(metadata.offset).toBe(0n);
    expect(text(cluster.records('t', 0)[0]!.value)).toBe('kept');
    expect(acks).toHaveLength(1);
    expect(
      warned.map((w) => [w.fields.interceptor, w.fields.method, (w.fields.err as Error).message]),
    ).toEqual([
      ['Broken', 'onSend', 'onSend broke'],
      ['Object', 'onSend', 'onSend returned no record'],
      ['Broken', 'onAcknowledgement', 'onAcknowledgement broke'],
    ]);
    expect(warned[0]!.message).toBe(
      'Interceptor Broken.onSend threw (Error: onSend broke); it was skipped and the record went on. Fix the interceptor.',
    );
  });

  it('configure gets the resolved configuration at construction; close runs once the producer closed', async () => {
    const cluster = await startCluster({ topics: { t: 1 } });
    const events: string[] = [];
    let configured: ResolvedProducerConfig | undefined;
    const producer = producerFor(cluster, {
      clientId: 'billing',
      interceptors: [
        {
          configure: (config) => {
            configured = config;
            events.push('configure');
          },
          onAcknowledgement: () => events.push('ack'),
          close: () => events.push('close'),
        },
      ],
    });
    expect(configured?.clientId).toBe('billing');
    await producer.send({ topic: 't', value: 'v' });
    await producer.close();
    await producer.close();
    expect(events).toEqual(['configure', 'ack', 'close']);
  });

  it('sees records a closed producer refuses, as Java does', async () => {
    const cluster = await startCluster({ topics: { t: 1 } });
    const { acks, interceptor } = recorder();
    const producer = producerFor(cluster, { interceptors: [interceptor] });
    await producer.close();
    await expect(producer.send({ topic: 't', value: 'late' })).rejects.toThrow(/closed/);
    expect(acks.map((a) => a.error?.name)).toEqual(['ClientClosedError']);
  });

  it('refuses an option that is not a list of interceptor objects, naming the entry', async () => {
    const cluster = await startCluster({ topics: { t: 1 } });
    const bad = [{ onSend: 'yes' }] as unknown as ProducerInterceptor<unknown, unknown>[];
    expect(() => producerFor(cluster, { interceptors: bad })).toThrow(ProducerConfigError);
    expect(() => producerFor(cluster, { interceptors: bad })).toThrow(
      "Invalid producer option 'interceptors': entry 0's onSend is string; expected a function.",
    );
    const nulls = [null] as unknown as ProducerInterceptor<unknown, unknown>[];
    expect(() => producerFor(cluster, { interceptors: nulls })).toThrow(/entry 0 is null/);
  });
});
