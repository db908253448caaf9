import { afterEach, describe, expect, it, vi } from 'vitest';
import type { ProducerInterceptor, RecordMetadata } from '../../../src/index.js';
import { ProducerBatch, type Settlement } from '../../../src/producer/producer-batch.js';
import { cleanup, producerFor, startCluster } from './harness.js';

// How a batch's records learn their outcome: every record's RecordMetadata exact (topic, partition, its own
// offset, its own timestamp or the broker's append time), for promises and callbacks alike.

afterEach(cleanup);

type Heard = { error: Error | null; metadata: RecordMetadata | null };

/** A batch with `timestamps.length` records, half settled by a callback, half by a promise's resolve/reject. */
function batchOf(timestamps: bigint[]): { batch: ProducerBatch; heard: Heard[] } {
  const batch = new ProducerBatch('orders', 4, 0, 60_000);
  const heard: Heard[] = [];
  timestamps.forEach((timestamp, i) => {
    const settlement: Settlement =
      i % 2 === 0
        ? (error, metadata) => {
            heard[i] = { error, metadata };
          }
        : {
            resolve: (metadata) => {
              heard[i] = { error: null, metadata };
            },
            reject: (error) => {
              heard[i] = { error, metadata: null };
            },
          };
    batch.add(settlement, timestamp);
  });
  return { batch, heard };
}

const TIMES = [1_700_000_000_000n, 1_700_000_000_000n, 1_700_000_000_007n, 5n, 1_700_000_000_009n];

describe('ProducerBatch.complete', () => {
  it('gives each record its own offset (base + index) and its own CreateTime timestamp', () => {
    const { batch, heard } = batchOf(TIMES);
    batch.complete(1234n, -1n);
    expect(heard).toEqual(
      TIMES.map((timestamp, i) => ({
        error: null,
        metadata: { topic: 'orders', partition: 4, offset: 1234n + BigInt(i), timestamp },
      })),
    );
  });

  it('keeps every timestamp through runs of equal ones, and through taking a record out', () => {
    const times = [1n, 1n, 1n, 2n, 2n, 1n, 9n, 9n];
    const { batch, heard } = batchOf(times);
    expect(batch.timestamps()).toEqual(times);
    // A run's first record, a run's last, and a run of one.
    for (const index of [3, 3, 3]) {
      batch.removeAt(index);
      times.splice(index, 1);
      expect(batch.timestamps()).toEqual(times);
    }
    expect(batch.recordCount).toBe(5);
    batch.complete(0n, -1n);
    expect(heard.filter((h) => h !== undefined).map((h) => h.metadata!.timestamp)).toEqual(times);
  });

  it("gives every record the broker's append time on a LogAppendTime topic", () => {
    const { batch, heard } = batchOf(TIMES);
    batch.complete(0n, 1_800_000_000_123n);
    expect(heard.map((h) => h.metadata)).toEqual(
      TIMES.map((_, i) => ({
        topic: 'orders',
        partition: 4,
        offset: BigInt(i),
        timestamp: 1_800_000_000_123n,
      })),
    );
  });

  it('gives -1n as every offset with acks=0 (no answer to read one from)', () => {
    const { batch, heard } = batchOf(TIMES);
    batch.complete(-1n, -1n);
    expect(heard.map((h) => h.metadata!.offset)).toEqual(TIMES.map(() => -1n));
    expect(heard.map((h) => h.metadata!.timestamp)).toEqual(TIMES);
  });

  it('counts offsets exactly past 2^53, where doubles no longer can', () => {
    const base = 2n ** 53n - 2n;
    const { batch, heard } = batchOf(TIMES);
    batch.complete(base, -1n);
    expect(heard.map((h) => h.metadata!.offset)).toEqual(TIMES.map((_, i) => base + BigInt(i)));
    const top = 2n ** 63n - 6n;
    const last = batchOf(TIMES);
    last.batch.complete(top, -1n);
    expect(last.heard.map((h) => h.metadata!.offset)).toEqual(TIMES.map((_, i) => top + BigInt(i)));
  });

  it('hands out metadata that is a plain object: spread, keys and JSON-able fields are the four', () => {
    const { batch, heard } = batchOf([7n]);
    batch.complete(3n, -1n);
    const metadata = heard[0]!.metadata!;
    expect(Object.keys(metadata)).toEqual(['topic', 'partition', 'offset', 'timestamp']);
    expect({ ...metadata }).toStrictEqual({ topic: 'orders', partition: 4, offset: 3n, timestamp: 7n });
    expect(Object.getPrototypeOf(metadata)).toBe(Object.prototype);
  });

  it('settles the rest of the batch when a callback throws, and rethrows it on its own', () => {
    const batch = new ProducerBatch('orders', 0, 0, 60_000);
    const offsets: bigint[] = [];
    const boom = new Error('callback bug');
    // The rethrow is scheduled with process.nextTick; caught here so it does not fail the test run.
    const scheduled: Array<() => void> = [];
    const nextTick = vi.spyOn(process, 'nextTick').mockImplementation((fn) => {
      scheduled.push(fn as () => void);
    });
    batch.add(() => {
      throw boom;
    }, 1n);
    batch.add((_error, metadata) => offsets.push(metadata!.offset), 2n);
    batch.complete(10n, -1n);
    nextTick.mockRestore();
    expect(offsets).toEqual([11n]);
    expect(scheduled).toHaveLength(1);
    expect(scheduled[0]!).toThrow(boom);
  });

  it.each([
    ['complete', (batch: ProducerBatch) => batch.complete(0n, -1n)],
    ['fail', (batch: ProducerBatch) => batch.fail(new Error('refused'))],
    ['failEach', (batch: ProducerBatch) => batch.failEach((i) => new Error(`refused ${i}`))],
  ])('lets go of its records once %s told them, still counting them, and tells none twice', (_, tell) => {
    const { batch, heard } = batchOf(TIMES);
    tell(batch);
    expect(heard).toHaveLength(TIMES.length);
    // Nothing refers to the callbacks or promises any more: a finished batch the old generation still holds
    // must not keep them alive.
    expect(batch.settlements).toHaveLength(0);
    expect(batch.recordCount).toBe(TIMES.length);
    const told = heard.slice();
    batch.fail(new Error('late'));
    expect(heard).toEqual(told);
  });

  it('tells each record its own error when the broker named the ones it refused', () => {
    const { batch, heard } = batchOf([1n, 2n, 3n]);
    batch.failEach((i) => new Error(`record ${i}`));
    expect(heard.map((h) => [h.error?.message, h.metadata])).toEqual([
      ['record 0', null],
      ['record 1', null],
      ['record 2', null],
    ]);
  });
});

describe('RecordMetadata through the producer', () => {
  it('send(), produce(), sendBatch() and onAcknowledgement see the same exact metadata per record', async () => {
    const cluster = await startCluster({ topics: { meta: 1 } });
    const acknowledged: RecordMetadata[] = [];
    const interceptor: ProducerInterceptor = {
      onAcknowledgement: (metadata) => {
        if (metadata !== undefined) acknowledged.push(metadata);
      },
    };
    const producer = producerFor(cluster, { interceptors: [interceptor] });
    const record = (i: number) => ({
      topic: 'meta',
      partition: 0,
      value: `v${i}`,
      timestamp: 1_700_000_000_000 + i,
    });
    const sent = await Promise.all([0, 1, 2].map((i) => producer.send(record(i))));
    const produced = await new Promise<RecordMetadata[]>((resolve, reject) => {
      const got: RecordMetadata[] = [];
      for (const i of [3, 4, 5]) {
        producer.produce(record(i), (error, metadata) => {
          if (error !== null) reject(error);
          else if (got.push(metadata!) === 3) resolve(got);
        });
      }
    });
    const batched = await producer.sendBatch([6, 7, 8].map(record));
    const all = [...sent, ...produced, ...batched];
    const expected = all.map((_, i) => ({
      topic: 'meta',
      partition: 0,
      offset: BigInt(i),
      timestamp: BigInt(1_700_000_000_000 + i),
    }));
    expect(all).toStrictEqual(expected);
    expect(acknowledged).toStrictEqual(expected);
  });
});
