import { afterEach, describe, expect, it } from 'vitest';
import {
  AbortError,
  InvalidRecordError,
  ProduceError,
  type ProducerRecord,
  type RecordMetadata,
  SendBatchError,
  TransactionAbortableError,
} from '../../../src/index.js';
import { cleanup, gate, offsetsOf, producerFor, startCluster } from './harness.js';

// sendBatch(records): what send() does for each record in order, settled through one promise; a partial
// failure rejects with a SendBatchError that keeps every record's outcome by index.

afterEach(cleanup);

function padded(i: number, length = 100): string {
  return `${i}:`.padEnd(length, 'x');
}

async function rejection(promise: Promise<unknown>): Promise<Error> {
  return promise.then(
    () => {
      throw new Error('expected a rejection');
    },
    (error: unknown) => error as Error,
  );
}

describe('sendBatch()', () => {
  it('resolves with each record metadata at its input index, partitioned and ordered as send() does', async () => {
    const cluster = await startCluster({ topics: { batch: 3, single: 3 } });
    const producer = producerFor(cluster);
    const keys = Array.from({ length: 30 }, (_, i) => `key-${i % 7}`);
    const results = await producer.sendBatch(
      keys.map((key, i) => ({ topic: 'batch', key, value: padded(i) })),
    );
    const single = await Promise.all(
      keys.map((key, i) => producer.send({ topic: 'single', key, value: padded(i) })),
    );

    expect(results).toHaveLength(30);
    expect(results.map((r) => r.partition)).toEqual(single.map((r) => r.partition));
    for (let p = 0; p < 3; p++) {
      const mine = results.flatMap((r, i) => (r.partition === p ? [i] : []));
      // Each partition holds its records in input order, at the offsets their metadata names.
      expect(cluster.values('batch', p)).toEqual(mine.map((i) => padded(i)));
      expect(mine.map((i) => results[i]!.offset)).toEqual(mine.map((_, n) => BigInt(n)));
    }
    expect(results.every((r) => r.topic === 'batch')).toBe(true);
  });

  it('takes any iterable, and resolves with [] for none', async () => {
    const cluster = await startCluster({ topics: { t: 1 } });
    const producer = producerFor(cluster);
    expect(await producer.sendBatch([])).toEqual([]);
    function* records(): Generator<ProducerRecord> {
      for (let i = 0; i < 3; i++) yield { topic: 't', value: padded(i) };
    }
    expect(offsetsOf(await producer.sendBatch(records()))).toEqual([0n, 1n, 2n]);
  });

  it('an iterable that throws sends nothing and says why', async () => {
    const cluster = await startCluster({ topics: { t: 1 } });
    const producer = producerFor(cluster);
    function* records(): Generator<ProducerRecord> {
      yield { topic: 't', value: 'first' };
      throw new Error('the source broke');
    }
    const error = await rejection(producer.sendBatch(records()));
    expect(error).toBeInstanceOf(InvalidRecordError);
    expect(error.message).toContain('the source broke');
    expect(error.message).toContain('Nothing was sent');
    await producer.flush();
    expect(cluster.values('t', 0)).toEqual([]);
  });

  it('a partition whose broker refuses fails only its records: SendBatchError holds every outcome by index', async () => {
    const cluster = await startCluster({ brokers: 2, topics: { t: 2 } });
    const producer = producerFor(cluster);
    expect(cluster.leaderOf('t', 1).leaderId).not.toBe(cluster.leaderOf('t', 0).leaderId);
    cluster.control('Produce', () => ({ error: 'INVALID_RECORD' }), {
      nodeId: cluster.leaderOf('t', 1).leaderId,
      times: Infinity,
    });
    const records = Array.from({ length: 6 }, (_, i) => ({ topic: 't', partition: i % 2, value: padded(i) }));
    const error = await rejection(producer.sendBatch(records));

    expect(error).toBeInstanceOf(SendBatchError);
    const batch = error as SendBatchError;
    expect(batch.failedCount).toBe(3);
    expect(batch.topics).toEqual(['t']);
    expect(batch.message).toMatch(/^3 of 6 record\(s\) of sendBatch\(\) could not be delivered \(topic t\)/);
    expect(batch.message).toContain('INVALID_RECORD');
    expect(batch.results.map((r) => r?.offset)).toEqual([0n, undefined, 1n, undefined, 2n, undefined]);
    expect(batch.results.map((r) => r?.partition)).toEqual([0, undefined, 0, undefined, 0, undefined]);
    const failed = batch.errors.map((e) => (e instanceof ProduceError ? e.partition : e));
    expect(failed).toEqual([undefined, 1, undefined, 1, undefined, 1]);
    expect(batch.cause).toBe(batch.errors[1]);
    expect(batch.retriable).toBe(false);
    expect(cluster.values('t', 0)).toEqual([padded(0), padded(2), padded(4)]);
  });

  it('a bad record in the middle fails alone; the records around it are delivered in order', async () => {
    const cluster = await startCluster({ topics: { t: 1, u: 1 } });
    const producer = producerFor(cluster);
    const records = [
      { topic: 't', value: 'a' },
      { topic: 'u', value: 'b' },
      { topic: 'u', value: { not: 'bytes' } as unknown as string },
      { topic: 't', value: 'd' },
    ];
    const error = (await rejection(producer.sendBatch(records))) as SendBatchError;
    expect(error).toBeInstanceOf(SendBatchError);
    expect(error.failedCount).toBe(1);
    expect(error.topics).toEqual(['u']);
    expect(error.message).toMatch(/^1 of 4 record\(s\) .* \(topic u\)/);
    expect(error.errors[2]).toBeInstanceOf(InvalidRecordError);
    expect(error.cause).toBe(error.errors[2]);
    expect(error.errors.filter((e) => e !== undefined)).toHaveLength(1);
    expect(error.results.map((r) => r && `${r.topic}@${r.offset}`)).toEqual(['t@0', 'u@0', undefined, 't@1']);
    expect(cluster.values('t', 0)).toEqual(['a', 'd']);
    expect(cluster.values('u', 0)).toEqual(['b']);
  });

  it('an AbortSignal takes back the records that have not left, as for send()', async () => {
    const cluster = await startCluster({ topics: { t: 1 } });
    const producer = producerFor(cluster, { lingerMs: 60_000, deliveryTimeoutMs: 120_000 });
    await Promise.all([producer.send({ topic: 't', partition: 0, value: 'warm-up' }), producer.flush()]);
    const controller = new AbortController();
    const sent = producer.sendBatch(
      Array.from({ length: 5 }, (_, i) => ({ topic: 't', value: padded(i) })),
      { signal: controller.signal },
    );
    expect(producer.bufferedBytes).toBe(5 * 109);
    const reason = new Error('user gave up');
    controller.abort(reason);
    expect(producer.bufferedBytes).toBe(0);

    const error = (await rejection(sent)) as SendBatchError;
    expect(error).toBeInstanceOf(SendBatchError);
    expect(error.failedCount).toBe(5);
    expect(error.results).toEqual([undefined, undefined, undefined, undefined, undefined]);
    for (const e of error.errors) {
      expect(e).toBeInstanceOf(AbortError);
      expect(e!.cause).toBe(reason);
    }
    const already = (await rejection(
      producer.sendBatch([{ topic: 't', value: 'late' }], { signal: controller.signal }),
    )) as SendBatchError;
    expect(already.errors[0]).toBeInstanceOf(AbortError);
    await producer.flush();
    expect(cluster.values('t', 0)).toEqual(['warm-up']);
  });

  it('records that find no room in bufferMemory wait, in order, and go once room frees', async () => {
    const cluster = await startCluster({ topics: { t: 1 } });
    const producer = producerFor(cluster, { bufferMemory: 1000, batchSize: 300 });
    await producer.send({ topic: 't', partition: 0, value: 'warm-up' });
    const held = gate();
    cluster.onRequest({ api: 'Produce', times: Infinity }, { until: held.promise });

    let settled = false;
    const sent = producer.sendBatch(
      Array.from({ length: 20 }, (_, i) => ({ topic: 't', partition: 0, value: padded(i) })),
    );
    void sent.finally(() => {
      settled = true;
    });
    // 1000 bytes hold 9 records of 109 bytes: the other 11 wait for room.
    expect(producer.bufferedBytes).toBe(9 * 109);
    let roomAgain = false;
    const room = producer.waitForRoom().then(() => {
      roomAgain = true;
    });
    await cluster.waitForRequests((r) => r.api === 'Produce', 2);
    expect(roomAgain).toBe(false);
    expect(settled).toBe(false);

    held.open();
    const results: RecordMetadata[] = await sent;
    await room;
    expect(offsetsOf(results)).toEqual(Array.from({ length: 20 }, (_, i) => BigInt(i + 1)));
    expect(cluster.values('t', 0).slice(1)).toEqual(Array.from({ length: 20 }, (_, i) => padded(i)));
    expect(producer.bufferedBytes).toBe(0);
  });

  it('in a transaction: its records commit together; a record that fails fails the others and the commit exactly as with send()', async () => {
    const cluster = await startCluster({ topics: { t: 2 }, transactionVersion: 2 });
    const producer = producerFor(cluster, { transactionalId: 'tx' });
    await producer.initTransactions();
    const written = await producer.transaction((tx) =>
      tx.sendBatch([
        { topic: 't', partition: 0, value: 'a' },
        { topic: 't', partition: 1, value: 'b' },
      ]),
    );
    expect(written.map((r) => `${r.partition}@${r.offset}`)).toEqual(['0@0', '1@0']);
    expect(cluster.values('t', 0)).toEqual(['a']);
    expect(cluster.values('t', 1)).toEqual(['b']);

    // The same two records through send() and through sendBatch(), each in a transaction of its own.
    const records = [
      { topic: 't', partition: 0, value: 'c' },
      { topic: 't', value: { not: 'bytes' } as unknown as string },
    ];
    producer.beginTransaction();
    const viaSend = await Promise.allSettled(records.map((r) => producer.send(r)));
    expect(await producer.commitTransaction().catch((e: unknown) => e)).toBeInstanceOf(
      TransactionAbortableError,
    );
    await producer.abortTransaction();

    producer.beginTransaction();
    const error = (await rejection(producer.sendBatch(records))) as SendBatchError;
    expect(error.errors[1]).toBeInstanceOf(InvalidRecordError);
    expect(error.errors.map((e) => e?.name)).toEqual(
      viaSend.map((s) => (s.status === 'rejected' ? (s.reason as Error).name : undefined)),
    );
    expect(error.failedCount).toBe(viaSend.filter((s) => s.status === 'rejected').length);
    expect(await producer.commitTransaction().catch((e: unknown) => e)).toBeInstanceOf(
      TransactionAbortableError,
    );
    await producer.abortTransaction();
  });
});
