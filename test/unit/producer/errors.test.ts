import { afterEach, describe, expect, it } from 'vitest';
import { ProduceError } from '../../../src/index.js';
import { KafkaErrorCode, kafkaErrorEntry } from '../../../src/protocol/errors.js';
import { keptWarnings } from '../../fake/logger.js';
import { cleanup, offsetsOf, outcomes, producerFor, sendAll, startCluster } from './harness.js';

// Errors a retry cannot fix reject only the records they concern, with a ProduceError naming Kafka's error,
// the topic and the partition; everything else in the same request is delivered. Oversized batches are
// split rather than failed.

afterEach(cleanup);

function produceError(outcome: unknown): ProduceError {
  const error = (outcome as { error?: unknown }).error;
  expect(error).toBeInstanceOf(ProduceError);
  return error as ProduceError;
}

describe('non-retriable Produce errors', () => {
  // TOPIC_AUTHORIZATION_FAILED keeps its own type (AuthorizationError): see access-errors.test.ts.
  it.each(['UNKNOWN_SERVER_ERROR', 'INVALID_TIMESTAMP', 'INVALID_RECORD'] as const)(
    '%s rejects the records of that partition only, after one attempt',
    async (name) => {
      // The table says so; a test that retried these would be testing the wrong thing.
      expect(kafkaErrorEntry(KafkaErrorCode[name])?.retriable).toBe(false);
      const cluster = await startCluster({ topics: { t: { partitions: 2, leaders: [0, 0] } } });
      cluster.onProduce(
        { topic: 't', partition: 0 },
        { error: name, errorMessage: 'the broker log says more' },
      );
      const producer = producerFor(cluster);

      const results = await outcomes([
        ...sendAll(producer, 't', 0, ['a', 'b']),
        producer.send({ topic: 't', partition: 1, value: 'other' }),
      ]);

      for (const result of results.slice(0, 2)) {
        const error = produceError(result);
        expect(error.errorName).toBe(name);
        expect(error.topic).toBe('t');
        expect(error.partition).toBe(0);
        expect(error.retriable).toBe(false);
        expect(error.message).toContain('Failed to write 2 record(s) to t-0');
        expect(error.message).toContain(name);
        expect(error.message).toContain('Broker says: the broker log says more');
      }
      expect(results[2]).toEqual({ offset: 0n, partition: 1 });
      // Both partitions travelled in one request (same leader); only t-0 failed, and it was not retried.
      expect(cluster.requestsFor('Produce')).toHaveLength(1);
      expect(cluster.values('t', 0)).toEqual([]);
      expect(cluster.values('t', 1)).toEqual(['other']);
    },
  );

  it('INVALID_RECORD with record_errors names the refused record; its batch mates fail with their own reason', async () => {
    const cluster = await startCluster({ topics: { t: { partitions: 2, leaders: [0, 1] } } });
    cluster.onProduce(
      { topic: 't', partition: 0 },
      {
        error: 'INVALID_RECORD',
        errorMessage: 'One or more records have been rejected',
        recordErrors: [{ batchIndex: 1, message: 'Compacted topic cannot accept message without key' }],
      },
    );
    const producer = producerFor(cluster);

    const results = await outcomes([
      ...sendAll(producer, 't', 0, ['r0', 'r1', 'r2']),
      producer.send({ topic: 't', partition: 1, value: 'other' }),
    ]);

    const [r0, r1, r2] = results.slice(0, 3).map(produceError);
    for (const error of [r0!, r1!, r2!]) {
      expect(error.errorName).toBe('INVALID_RECORD');
      expect([error.topic, error.partition]).toEqual(['t', 0]);
    }
    expect(r1!.message).toBe(
      'Record 1 of its batch was refused by t-0: Compacted topic cannot accept message without key',
    );
    for (const error of [r0!, r2!]) {
      expect(error.message).toMatch(
        /^Record of t-0 was not written because another record in its batch was refused: INVALID_RECORD/,
      );
    }
    expect(results[3]).toEqual({ offset: 0n, partition: 1 });
    expect(cluster.produced('t', 0)).toHaveLength(1);
    expect(cluster.values('t', 0)).toEqual([]);
  });

  it('an error code Kafka does not define is not retried and says it is unknown', async () => {
    const cluster = await startCluster({ topics: { t: 1 } });
    cluster.onProduce({ topic: 't', partition: 0 }, { error: 9999 });
    // An unknown error is fatal to the idempotent producer: the warning saying so is expected here, so kept.
    const producer = producerFor(cluster, { logger: keptWarnings().logger });

    const [result] = await outcomes([producer.send({ topic: 't', partition: 0, value: 'a' })]);

    const error = produceError(result);
    expect(error.errorName).toBe('UNKNOWN_ERROR_CODE');
    expect(error.message).toContain('Kafka error code 9999');
    expect(cluster.produced('t', 0)).toHaveLength(1);
  });
});

describe('MESSAGE_TOO_LARGE', () => {
  it('splits a batch the broker finds too large until it fits; every record arrives once, in order', async () => {
    const cluster = await startCluster({ topics: { t: { partitions: 1, firstOffset: 50n } } });
    const tooLarge = cluster.onProduce(
      { topic: 't', partition: 0, times: Infinity, when: (p) => p.recordCount > 2 },
      { error: 'MESSAGE_TOO_LARGE' },
    );
    const producer = producerFor(cluster);

    const values = Array.from({ length: 10 }, (_, i) => `v${i}`);
    const results = await Promise.all(sendAll(producer, 't', 0, values));

    expect(offsetsOf(results)).toEqual(values.map((_, i) => 50n + BigInt(i)));
    expect(cluster.values('t', 0)).toEqual(values);
    // 10 -> 5 + 5 -> (3 + 2) + (3 + 2) -> 3 splits into 2 + 1: every accepted batch has at most 2 records.
    const attempts = cluster.produced('t', 0);
    expect(attempts[0]!.recordCount).toBe(10);
    const accepted = attempts.filter((p) => p.result?.errorName === 'NONE');
    expect(accepted.every((p) => p.recordCount <= 2)).toBe(true);
    expect(accepted.reduce((n, p) => n + p.recordCount, 0)).toBe(10);
    expect(tooLarge.hits).toBe(attempts.length - accepted.length);
  });

  it('fails a single record the broker finds too large, and the records after it still go', async () => {
    const cluster = await startCluster({ topics: { t: 1 } });
    cluster.onProduce(
      {
        topic: 't',
        partition: 0,
        times: Infinity,
        when: (p) => p.records.some((r) => r.value?.length === 1000),
      },
      { error: 'MESSAGE_TOO_LARGE' },
    );
    // batchSize 1: every record is a batch of its own.
    const producer = producerFor(cluster, { batchSize: 1 });

    const results = await outcomes([
      producer.send({ topic: 't', partition: 0, value: 'small' }),
      producer.send({ topic: 't', partition: 0, value: 'x'.repeat(1000) }),
      producer.send({ topic: 't', partition: 0, value: 'after' }),
    ]);

    expect(results[0]).toEqual({ offset: 0n, partition: 0 });
    const error = produceError(results[1]);
    expect(error.errorName).toBe('MESSAGE_TOO_LARGE');
    expect(error.message).toContain('Failed to write 1 record(s) to t-0');
    expect(results[2]).toEqual({ offset: 1n, partition: 0 });
    expect(cluster.values('t', 0)).toEqual(['small', 'after']);
    // The refused record's sequence will never be written, so the producer moves to the next epoch and
    // 'after' is written from sequence 0 of it. If 'after' left before the refusal came back, the broker
    // first answered it OUT_OF_ORDER_SEQUENCE_NUMBER (its sequence followed the gap).
    const [small, after] = cluster.records('t', 0);
    expect([small!.producerEpoch, small!.sequence]).toEqual([0, 0]);
    expect([after!.producerEpoch, after!.sequence]).toEqual([1, 0]);
    const attempts = cluster.produced('t', 0).map((p) => [p.records[0]!.value!.length, p.result?.errorName]);
    expect(attempts.slice(0, 2)).toEqual([
      [5, 'NONE'],
      [1000, 'MESSAGE_TOO_LARGE'],
    ]);
    expect(attempts.slice(2, -1)).toEqual(attempts.length === 4 ? [[5, 'OUT_OF_ORDER_SEQUENCE_NUMBER']] : []);
    expect(attempts.at(-1)).toEqual([5, 'NONE']);
  });
});
