import { afterEach, describe, expect, it } from 'vitest';
import type { PartitionerInput } from '../../../src/index.js';
import { RecordPreparation } from '../../../src/producer/record-preparation.js';
import { cleanup, producerFor, startCluster } from './harness.js';

// String values prepared into the preparation's scratch buffer (send()'s path when the record is appended at
// once): the bytes are exactly Buffer.from's, and a record that does not append at once gets its own copy
// before the next record overwrites the scratch.

afterEach(cleanup);

function preparation(): RecordPreparation {
  return new RecordPreparation({
    maxRequestSize: 1_048_576,
    bufferMemory: 33_554_432,
    keySerializer: undefined,
    valueSerializer: undefined,
  });
}

const TEXTS = ['', 'a', 'plain ascii value', 'grüße, 東京, 🚚', 'lone \ud800 surrogate', 'x'.repeat(1365)];

describe('RecordPreparation with a borrowed value', () => {
  it("writes exactly Buffer.from's bytes, for any text up to the scratch's bound and beyond it", () => {
    const prep = preparation();
    for (const text of [...TEXTS, 'y'.repeat(1366), '€'.repeat(1365), '€'.repeat(2000)]) {
      const prepared = prep.prepare({ topic: 't', value: text }, true);
      if (prepared instanceof Promise) throw new Error('expected a synchronous preparation');
      expect(Buffer.from(prepared.value!)).toEqual(Buffer.from(text, 'utf8'));
    }
  });

  it('keep() gives a borrowed value bytes of its own, which the next preparation leaves alone', () => {
    const prep = preparation();
    const first = prep.prepare({ topic: 't', value: 'first value' }, true);
    if (first instanceof Promise) throw new Error('expected a synchronous preparation');
    prep.keep(first);
    const second = prep.prepare({ topic: 't', value: 'other value' }, true);
    if (second instanceof Promise) throw new Error('expected a synchronous preparation');
    expect(Buffer.from(first.value!).toString()).toBe('first value');
    expect(Buffer.from(second.value!).toString()).toBe('other value');
    // Without borrow, every value has its own bytes at once.
    const own = prep.prepare({ topic: 't', value: 'own value' });
    if (own instanceof Promise) throw new Error('expected a synchronous preparation');
    prep.prepare({ topic: 't', value: 'overwrite' }, true);
    expect(Buffer.from(own.value!).toString()).toBe('own value');
  });
});

describe('RecordPreparation.recycle', () => {
  it('lets go of the record and fills the same object with the next record, nothing left over', () => {
    const prep = preparation();
    const first = prep.prepare(
      { topic: 'a', key: 'k', value: 'one', partition: 2, timestamp: 5, headers: { h: 'x' } },
      true,
    );
    if (first instanceof Promise) throw new Error('expected a synchronous preparation');
    first.size = 40; // as the append sets it
    prep.recycle(first);
    expect([first.key, first.value, first.headers]).toEqual([null, null, undefined]);
    const second = prep.prepare({ topic: 'b', value: 'two' }, true);
    if (second instanceof Promise) throw new Error('expected a synchronous preparation');
    const fresh = preparation().prepare({ topic: 'b', value: 'two' });
    if (fresh instanceof Promise) throw new Error('expected a synchronous preparation');
    expect(second).toBe(first);
    expect({ ...second, timestamp: 0n, value: Buffer.from(second.value!) }).toEqual({
      ...fresh,
      timestamp: 0n,
      value: Buffer.from(fresh.value!),
    });
  });
});

describe('send() with string values', () => {
  const values = (n: number) =>
    Array.from({ length: n }, (_, i) => `${TEXTS[i % TEXTS.length]}#${i}`.repeat(1 + (i % 3)));
  /** What a consumer reads back: the UTF-8 text, a lone surrogate as U+FFFD. */
  const readBack = (texts: string[]) => texts.map((text) => Buffer.from(text, 'utf8').toString());

  it('delivers every value intact when records wait for the topic metadata', async () => {
    const cluster = await startCluster({ topics: { cold: 1 } });
    const producer = producerFor(cluster);
    const sent = values(60);
    // No send awaited before: every record waits for the topic's metadata, then appends.
    await Promise.all(sent.map((value) => producer.send({ topic: 'cold', value })));
    expect(cluster.values('cold', 0)).toEqual(readBack(sent));
  });

  it('delivers every value intact when records wait for room in bufferMemory', async () => {
    const cluster = await startCluster({ topics: { tight: 1 } });
    // ~60 KB of values through 20 KB: most records wait for room before they append.
    const producer = producerFor(cluster, { bufferMemory: 20_000, batchSize: 5_000 });
    await producer.send({ topic: 'tight', value: 'warm-up' });
    const sent = values(120);
    await Promise.all(sent.map((value) => producer.send({ topic: 'tight', value })));
    expect(cluster.values('tight', 0)).toEqual(readBack(['warm-up', ...sent]));
  });

  it('delivers each record exactly when records of every shape follow one another', async () => {
    const cluster = await startCluster({ topics: { mixed: 3 } });
    const producer = producerFor(cluster);
    await producer.send({ topic: 'mixed', value: 'warm-up', partition: 0 });
    const sent = values(90).map((value, i) => ({
      topic: 'mixed',
      value,
      partition: 1 + (i % 2),
      ...(i % 3 === 0 ? { key: `key-${i}` } : {}),
      ...(i % 4 === 0 ? { headers: { n: String(i) } } : {}),
      ...(i % 5 === 0 ? { timestamp: 1_000 + i } : {}),
    }));
    const controller = new AbortController();
    // Every seventh with a signal (its prepared record is its RecordAbort's, never reused).
    await Promise.all(
      sent.map((record, i) => producer.send(record, i % 7 === 0 ? { signal: controller.signal } : {})),
    );
    const stored = [...cluster.records('mixed', 1), ...cluster.records('mixed', 2)];
    const expected = [1, 2].flatMap((p) => sent.filter((r) => r.partition === p));
    expect(
      stored.map((r) => ({
        value: Buffer.from(r.value!).toString(),
        key: r.key === null ? undefined : Buffer.from(r.key).toString(),
        headers: r.headers.map((h) => `${h.key}=${Buffer.from(h.value!).toString()}`),
        partition: r.partition,
      })),
    ).toEqual(
      expected.map((r) => ({
        value: Buffer.from(r.value, 'utf8').toString(),
        key: r.key,
        headers: r.headers === undefined ? [] : [`n=${r.headers.n}`],
        partition: r.partition,
      })),
    );
    for (const [i, r] of stored.entries()) {
      const given = expected[i]!.timestamp;
      if (given !== undefined) expect(r.timestamp).toBe(BigInt(given));
      else expect(r.timestamp).toBeGreaterThan(1_000_000n);
    }
  });

  it('gives a custom partitioner value bytes it may keep', async () => {
    const cluster = await startCluster({ topics: { custom: 2 } });
    const seen: Uint8Array[] = [];
    const producer = producerFor(cluster, {
      partitioner: ({ value }: PartitionerInput) => {
        seen.push(value!);
        return 1;
      },
    });
    const sent = values(10);
    await Promise.all(sent.map((value) => producer.send({ topic: 'custom', value })));
    expect(seen.map((bytes) => Buffer.from(bytes).toString())).toEqual(readBack(sent));
    expect(cluster.values('custom', 1)).toEqual(readBack(sent));
  });
});
