import { afterAll, describe, expect, it } from 'vitest';
import {
  Producer,
  ProducerFencedError,
  type ProducerOptions,
  TransactionAbortableError,
  TransactionAbortedError,
  TransactionStateError,
} from '../../src/index.js';
import { consumeAll, createTopic, groupOffsets, kafkaBootstrap, uniqueTopic } from '../harness/index.js';

// Transactions against a real broker, judged by Kafka's own Java clients: a read_committed consumer sees exactly
// the committed records, a read_uncommitted one also the aborted ones, the Admin client the group offsets a
// transaction committed.

const producers: Producer[] = [];
function producer(options: Partial<ProducerOptions> = {}): Producer {
  const p = new Producer({ bootstrapServers: kafkaBootstrap(), lingerMs: 5, ...options });
  producers.push(p);
  return p;
}
afterAll(async () => {
  await Promise.all(producers.map((p) => p.close({ timeoutMs: 10_000 }).catch(() => undefined)));
});

const text = (b: Uint8Array | null) => (b === null ? null : Buffer.from(b).toString('utf8'));

async function values(topic: string, isolation: 'read_committed' | 'read_uncommitted', count: number) {
  const records = await consumeAll({ topic, isolation, count, timeoutMs: 20_000 });
  return records.map((r) => text(r.value)).sort();
}

describe('transactions on a real broker', () => {
  it('a committed transaction is seen by a read_committed consumer; an aborted one only by read_uncommitted', async () => {
    const topic = uniqueTopic('txn');
    await createTopic({ topic, partitions: 2 });
    const p = producer({ transactionalId: uniqueTopic('txid') });
    await p.initTransactions();

    p.beginTransaction();
    // Written to the log (acknowledged), then aborted: markers hide them from read_committed readers.
    await Promise.all(['a1', 'a2', 'a3'].map((value, i) => p.send({ topic, partition: i % 2, value })));
    await p.abortTransaction();

    p.beginTransaction();
    await Promise.all(['c1', 'c2', 'c3', 'c4'].map((value, i) => p.send({ topic, partition: i % 2, value })));
    await p.commitTransaction();

    expect(await values(topic, 'read_committed', 4)).toEqual(['c1', 'c2', 'c3', 'c4']);
    expect(await values(topic, 'read_uncommitted', 7)).toEqual(['a1', 'a2', 'a3', 'c1', 'c2', 'c3', 'c4']);
  });

  it('records still queued when the transaction aborts fail with TransactionAbortedError and never reach the log', async () => {
    const topic = uniqueTopic('txn-queued');
    await createTopic({ topic, partitions: 1 });
    const p = producer({ transactionalId: uniqueTopic('txid'), lingerMs: 60_000, batchSize: 1_000_000 });
    await p.initTransactions();
    p.beginTransaction();
    const queued = p.send({ topic, value: 'never' });
    const outcome = queued.catch((e: unknown) => e);
    // The record waits for linger; abort drops it.
    await new Promise((resolve) => setImmediate(resolve));
    await p.abortTransaction();
    expect(await outcome).toBeInstanceOf(TransactionAbortedError);
    // Not awaited inside: with lingerMs 60 s the record leaves when the commit flushes it.
    const kept = await p.transaction(async (tx) => ({ delivery: tx.send({ topic, value: 'kept' }) }));
    expect((await kept.delivery).offset).toBeGreaterThanOrEqual(0n);
    expect(await values(topic, 'read_uncommitted', 1)).toEqual(['kept']);
  });

  it('a record the broker refuses makes the transaction abortable: commit rejects, abort works, the next transaction commits', async () => {
    const topic = uniqueTopic('txn-refused');
    await createTopic({ topic, partitions: 1, configs: { 'max.message.bytes': '1000' } });
    const p = producer({ transactionalId: uniqueTopic('txid') });
    await p.initTransactions();
    p.beginTransaction();
    await p.send({ topic, value: 'small' });
    await expect(p.send({ topic, value: 'x'.repeat(5_000) })).rejects.toThrow(/MESSAGE_TOO_LARGE/);
    await expect(p.send({ topic, value: 'after' })).rejects.toBeInstanceOf(TransactionAbortableError);
    await expect(p.commitTransaction()).rejects.toBeInstanceOf(TransactionAbortableError);
    await p.abortTransaction();
    await p.transaction(async (tx) => {
      await tx.send({ topic, value: 'committed' });
    });
    expect(await values(topic, 'read_committed', 1)).toEqual(['committed']);
  });

  it('transaction(fn) commits when fn resolves and aborts (rethrowing) when it throws', async () => {
    const topic = uniqueTopic('txn-fn');
    await createTopic({ topic, partitions: 1 });
    const p = producer({ transactionalId: uniqueTopic('txid') });
    const result = await p.transaction(async (tx) => {
      await tx.send({ topic, value: 'in-1' });
      tx.produce({ topic, value: 'in-2' });
      return 42;
    });
    expect(result).toBe(42);
    await expect(
      p.transaction(async (tx) => {
        await tx.send({ topic, value: 'out' });
        throw new Error('business rule failed');
      }),
    ).rejects.toThrow('business rule failed');
    expect(await values(topic, 'read_committed', 2)).toEqual(['in-1', 'in-2']);
  });

  it('misuse is refused with TransactionStateError: send outside a transaction, commit without begin, two begins', async () => {
    const topic = uniqueTopic('txn-misuse');
    const p = producer({ transactionalId: uniqueTopic('txid') });
    await expect(p.send({ topic, value: 'x' })).rejects.toThrow(/before initTransactions\(\) completed/);
    await p.initTransactions();
    await expect(p.send({ topic, value: 'x' })).rejects.toBeInstanceOf(TransactionStateError);
    await expect(p.commitTransaction()).rejects.toThrow(/needs an open transaction/);
    p.beginTransaction();
    expect(() => p.beginTransaction()).toThrow(TransactionStateError);
    await p.abortTransaction();
    const plain = producer();
    await expect(plain.initTransactions()).rejects.toThrow(/needs a transactional producer/);
  });

  it('a second producer with the same transactional id fences the first: ProducerFencedError, its transaction never commits', async () => {
    const topic = uniqueTopic('txn-fence');
    await createTopic({ topic, partitions: 1 });
    const transactionalId = uniqueTopic('txid');
    const zombie = producer({ transactionalId });
    await zombie.initTransactions();
    zombie.beginTransaction();
    await zombie.send({ topic, value: 'zombie' });

    const successor = producer({ transactionalId });
    await successor.initTransactions();

    const error = await zombie.commitTransaction().catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ProducerFencedError);
    expect((error as Error).message).toMatch(new RegExp(`'${transactionalId}' was fenced`));
    await expect(zombie.send({ topic, value: 'late' })).rejects.toBeInstanceOf(ProducerFencedError);
    expect(() => zombie.beginTransaction()).toThrow(ProducerFencedError);

    await successor.transaction(async (tx) => {
      await tx.send({ topic, value: 'successor' });
    });
    expect(await values(topic, 'read_committed', 1)).toEqual(['successor']);
  });

  it('sendOffsetsToTransaction commits a group offsets with the transaction, and not at all when it aborts', async () => {
    const input = uniqueTopic('txn-in');
    const output = uniqueTopic('txn-out');
    await createTopic({ topic: input, partitions: 2 });
    await createTopic({ topic: output, partitions: 1 });
    const group = uniqueTopic('group');
    const p = producer({ transactionalId: uniqueTopic('txid') });
    await p.initTransactions();

    p.beginTransaction();
    await p.send({ topic: output, value: 'aborted' });
    await p.sendOffsetsToTransaction([{ topic: input, partition: 0, offset: 99n }], { groupId: group });
    await p.abortTransaction();
    expect(await groupOffsets(group)).toEqual([]);

    await p.transaction(async (tx) => {
      await tx.send({ topic: output, value: 'processed' });
      await tx.sendOffsetsToTransaction(
        [
          { topic: input, partition: 0, offset: 10n, metadata: 'batch 1' },
          { topic: input, partition: 1, offset: 20 },
        ],
        { groupId: group },
      );
    });
    expect(await groupOffsets(group)).toEqual([
      { topic: input, partition: 0, offset: 10, metadata: 'batch 1' },
      { topic: input, partition: 1, offset: 20, metadata: '' },
    ]);
    expect(await values(output, 'read_committed', 1)).toEqual(['processed']);
  });
});
