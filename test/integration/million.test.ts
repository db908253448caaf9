import { createHash } from 'node:crypto';
import { afterAll, describe, expect, it } from 'vitest';
import { consumeDigest } from '../../scripts/lib/index.mjs';
import { Producer, type RecordMetadata } from '../../src/index.js';
import { createTopic, kafkaBootstrap, kafkaVersion, uniqueTopic } from '../harness/index.js';

// A million records from kafka-wire, read back complete by Kafka's own Java consumer: per partition the count,
// the offsets (0, 1, 2, ... with no gap) and a SHA-256 over every record in offset order must equal what the
// delivery callbacks said was written where. Each record differs from every other (key, value, timestamp,
// some headers), so one lost, duplicated, reordered or altered record changes a count or a checksum.

const COUNT = 1_000_000;
const PARTITIONS = 6;

const producers: Producer[] = [];
afterAll(async () => {
  await Promise.all(producers.map((p) => p.close({ timeoutMs: 10_000 })));
});

// Records are regenerated from their index rather than kept: a million record objects would cost hundreds of MB.
const recordKey = (i: number) => `k${i}`;
function recordValue(i: number): string {
  const mixed = Math.imul(i ^ 0x9e3779b9, 0x85ebca6b) >>> 0;
  // Lengths vary (so a record boundary moved by a byte shows), and every 7th value has multi-byte UTF-8.
  return `value-${i}-${mixed.toString(16)}${i % 7 === 0 ? '-ü🚚' : ''}-${'x'.repeat(i % 37)}`;
}
function recordHeaders(i: number): Array<{ key: string; value: string | null }> | undefined {
  if (i % 10 !== 0) return undefined;
  const headers: Array<{ key: string; value: string | null }> = [{ key: 'i', value: String(i) }];
  if (i % 100 === 0) headers.push({ key: 'nullable', value: null }, { key: 'i', value: `again-${i}` });
  return headers;
}

/**
 * The bytes ConsumeDigest hashes per record (layout in scripts/java/ConsumeDigest.java): big-endian int32
 * length (-1 = null) + bytes for key and value, int32 header count, per header int32 + UTF-8 name and int32
 * (-1 = null) + value, int64 timestamp.
 */
function recordBytes(scratch: Buffer, i: number, timestamp: bigint): number {
  let at = 0;
  const text = (s: string | null) => {
    if (s === null) {
      at = scratch.writeInt32BE(-1, at);
      return;
    }
    const n = scratch.write(s, at + 4, 'utf8');
    scratch.writeInt32BE(n, at);
    at += 4 + n;
  };
  text(recordKey(i));
  text(recordValue(i));
  const headers = recordHeaders(i) ?? [];
  at = scratch.writeInt32BE(headers.length, at);
  for (const h of headers) {
    text(h.key);
    text(h.value);
  }
  return scratch.writeBigInt64BE(timestamp, at);
}

describe('a million records against a real broker', () => {
  it('Kafka’s Java consumer reads back every record once, in order, byte for byte', async () => {
    const topic = uniqueTopic('million');
    await createTopic({ topic, partitions: PARTITIONS, replicationFactor: 1 });
    const producer = new Producer({ bootstrapServers: kafkaBootstrap() });
    producers.push(producer);
    // Explicit timestamps, one millisecond apart, all in the past (a broker rejects timestamps too far ahead).
    const baseTimestamp = Date.now() - 2 * 3_600_000;

    // Where each record landed, by index: 5 MB instead of a million metadata objects.
    const partitionOf = new Uint8Array(COUNT).fill(255);
    const offsetOf = new Float64Array(COUNT);
    let delivered = 0;
    let deliveredTwice = 0;
    let failures = 0;
    let firstFailure: Error | null = null;
    const onDelivery = (i: number) => (error: Error | null, metadata: RecordMetadata | null) => {
      if (error !== null) {
        failures++;
        firstFailure ??= error;
        return;
      }
      if (partitionOf[i] !== 255) deliveredTwice++;
      partitionOf[i] = metadata!.partition;
      offsetOf[i] = Number(metadata!.offset);
      delivered++;
    };

    const started = performance.now();
    let pauses = 0;
    for (let i = 0; i < COUNT; i++) {
      const record = {
        topic,
        key: recordKey(i),
        value: recordValue(i),
        headers: recordHeaders(i),
        timestamp: baseTimestamp + i,
      };
      if (!producer.produce(record, onDelivery(i))) {
        pauses++;
        await producer.waitForRoom();
      }
    }
    await producer.flush();
    const produceMs = performance.now() - started;
    console.log(
      `million: produced ${COUNT} records to ${PARTITIONS} partitions in ${(produceMs / 1000).toFixed(1)} s ` +
        `(${Math.round(COUNT / (produceMs / 1000)).toLocaleString('en-US')} records/s, ${pauses} waits for room)`,
    );
    expect(firstFailure).toBeNull();
    expect(failures).toBe(0);
    expect(deliveredTwice).toBe(0);
    expect(delivered).toBe(COUNT);

    const readStarted = performance.now();
    const actual = await consumeDigest({
      bootstrap: kafkaBootstrap(),
      topic,
      expected: COUNT,
      timeoutMs: 120_000,
      version: kafkaVersion(),
    });
    const readMs = performance.now() - readStarted;

    // What the callbacks reported, as record indexes in offset order per partition.
    const counts = new Array<number>(PARTITIONS).fill(0);
    for (let i = 0; i < COUNT; i++) counts[partitionOf[i]!]!++;
    const byOffset = counts.map((n) => new Int32Array(n).fill(-1));
    let offsetProblems = 0;
    for (let i = 0; i < COUNT; i++) {
      const slots = byOffset[partitionOf[i]!]!;
      const offset = offsetOf[i]!;
      // An offset beyond the count is a gap somewhere; a taken slot is two records reported at one offset.
      if (offset >= slots.length || slots[offset] !== -1) offsetProblems++;
      else slots[offset] = i;
    }
    expect(offsetProblems).toBe(0);

    const hashStarted = performance.now();
    const scratch = Buffer.alloc(1024);
    const expected = byOffset.map((slots, partition) => {
      const sha = createHash('sha256');
      for (const i of slots)
        sha.update(scratch.subarray(0, recordBytes(scratch, i, BigInt(baseTimestamp + i))));
      return {
        partition,
        count: slots.length,
        firstOffset: slots.length === 0 ? null : 0n,
        lastOffset: slots.length === 0 ? null : BigInt(slots.length - 1),
        consecutive: true,
        sha256: sha.digest('hex'),
      };
    });
    const hashMs = performance.now() - hashStarted;
    console.log(
      `million: Java consumer digest in ${(readMs / 1000).toFixed(1)} s, expected digests in ${(hashMs / 1000).toFixed(1)} s; ` +
        `per partition: ${counts.join(', ')}`,
    );

    expect(actual).toEqual(expected);
    expect(actual.reduce((sum, d) => sum + d.count, 0)).toBe(COUNT);
    // murmur2 over a million distinct keys spreads them over every partition; none empty means all were read.
    for (const d of actual) expect(d.count).toBeGreaterThan(COUNT / PARTITIONS / 2);
  }, 300_000);
});
