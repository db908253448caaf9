import { describe, expect, it } from 'vitest';
import { buildProduceRequest, matchProduceResponse } from '../../../src/producer/produce-request.js';
import { ProducerBatch } from '../../../src/producer/producer-batch.js';
import type { ProduceResponse } from '../../../src/protocol/produce.js';
import { ZERO_UUID } from '../../../src/protocol/uuid.js';

const ID_A = 'AAAAAAAAAAAAAAAAAAAAAQ';
const ID_B = 'BBBBBBBBBBBBBBBBBBBBBA';
const bytes = (n: number) => new Uint8Array([n]);

function batch(topic: string, partition: number): ProducerBatch {
  return new ProducerBatch(topic, partition, 0, 1_000);
}

function answer(entries: Array<{ name?: string; topicId?: string; partitions: number[] }>): ProduceResponse {
  return {
    responses: entries.map(({ name, topicId, partitions }) => ({
      ...(name === undefined ? {} : { name }),
      ...(topicId === undefined ? {} : { topicId }),
      partitionResponses: partitions.map((index) => ({
        index,
        errorCode: 0,
        baseOffset: BigInt(index * 10),
      })),
    })),
  } as ProduceResponse;
}

describe('buildProduceRequest', () => {
  it('groups batches by topic and names topics by id when the broker speaks v13 and every id is known', () => {
    const batches = [batch('a', 0), batch('b', 1), batch('a', 2)];
    const ids: Record<string, string> = { a: ID_A, b: ID_B };
    const plan = buildProduceRequest(
      batches,
      [bytes(1), bytes(2), bytes(3)],
      (t) => ids[t] ?? null,
      13,
      -1,
      500,
    );
    expect(plan.version).toBe(13);
    expect(plan.byTopicId).toBe(true);
    expect(plan.request).toEqual({
      transactionalId: null,
      acks: -1,
      timeoutMs: 500,
      topicData: [
        {
          topicId: ID_A,
          partitionData: [
            { index: 0, records: bytes(1) },
            { index: 2, records: bytes(3) },
          ],
        },
        { topicId: ID_B, partitionData: [{ index: 1, records: bytes(2) }] },
      ],
    });
  });

  it('falls back to v12 and topic names when one topic id is unknown or zero', () => {
    for (const missing of [null, ZERO_UUID]) {
      const plan = buildProduceRequest(
        [batch('a', 0), batch('b', 0)],
        [bytes(1), bytes(2)],
        (t) => (t === 'a' ? ID_A : missing),
        13,
        1,
        500,
      );
      expect(plan.version).toBe(12);
      expect(plan.byTopicId).toBe(false);
      expect(plan.request.topicData.map((t) => t.name)).toEqual(['a', 'b']);
    }
  });

  it('keeps an older broker version as it is', () => {
    const plan = buildProduceRequest([batch('a', 0)], [bytes(1)], () => ID_A, 9, 0, 500);
    expect(plan).toMatchObject({ version: 9, byTopicId: false });
  });
});

describe('matchProduceResponse', () => {
  it('finds each batch its entry by topic name, and undefined when the broker left it out', () => {
    const batches = [batch('a', 0), batch('a', 1), batch('b', 0)];
    const plan = buildProduceRequest(batches, [bytes(1), bytes(2), bytes(3)], () => null, 12, -1, 500);
    const matched = matchProduceResponse(batches, answer([{ name: 'a', partitions: [1, 0] }]), plan);
    expect(matched.map((m) => m?.baseOffset)).toEqual([0n, 10n, undefined]);
  });

  it('matches a v13 response by the topic id the request carried, even if metadata changed since (topic re-created)', () => {
    const batches = [batch('a', 0), batch('a', 1)];
    let idNow = ID_A;
    const plan = buildProduceRequest(batches, [bytes(1), bytes(2)], () => idNow, 13, -1, 500);
    // The topic was deleted and created again while the request was out: metadata now has a new id.
    idNow = ID_B;
    const matched = matchProduceResponse(batches, answer([{ topicId: ID_A, partitions: [0, 1] }]), plan);
    expect(matched.map((m) => m?.baseOffset)).toEqual([0n, 10n]);
  });
});
