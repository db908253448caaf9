// The producer's fix for a refused first batch (a partition's first batch under an epoch travels alone) rests
// on one broker rule the fake copies: a partition with no state for a producer accepts any first sequence from
// it, after which the skipped sequences are out of order. Here hand-made batches go to the real broker and to
// the fake, and both must answer alike.
import { afterEach, describe, expect, it } from 'vitest';
import { Connection } from '../../src/net/connection.js';
import { kafkaErrorEntry } from '../../src/protocol/errors.js';
import { InitProducerIdApi } from '../../src/protocol/init-producer-id.js';
import { ProduceApi } from '../../src/protocol/produce.js';
import { encodeRecordBatchSync } from '../../src/records/index.js';
import { FakeKafka } from '../../src/testing/index.js';
import { createTopic, eventually, kafkaBootstrap, uniqueTopic } from '../harness/index.js';

const open: Array<() => Promise<void> | void> = [];
afterEach(async () => {
  for (const close of open.splice(0).reverse()) await close();
});

/** Sends the batches at `sequences` (one record each, in this order) as a fresh producer; answers error names. */
async function answers(bootstrap: string, topic: string, sequences: number[]): Promise<string[]> {
  const [host, port] = bootstrap.split(',')[0]!.split(':');
  const connection = new Connection({ host: host!, port: Number(port) });
  await connection.connect();
  open.push(() => connection.close());
  // A fresh broker answers COORDINATOR_LOAD_IN_PROGRESS until its producer id block is allocated.
  const init = await eventually(async () => {
    const response = await connection.request(
      InitProducerIdApi,
      { transactionalId: null, transactionTimeoutMs: 2147483647 },
      { version: 4 },
    );
    expect(response.errorCode).toBe(0);
    return response;
  });
  const names: string[] = [];
  for (const baseSequence of sequences) {
    const records = encodeRecordBatchSync({
      producerId: init.producerId,
      producerEpoch: init.producerEpoch,
      baseSequence,
      records: [{ key: null, value: Buffer.from(`s${baseSequence}`), timestamp: BigInt(Date.now()) }],
    });
    const response = await connection.request(
      ProduceApi,
      {
        transactionalId: null,
        acks: -1,
        timeoutMs: 10_000,
        topicData: [{ name: topic, partitionData: [{ index: 0, records }] }],
      },
      { version: 9 },
    );
    const code = response.responses[0]!.partitionResponses[0]!.errorCode;
    names.push(code === 0 ? 'NONE' : (kafkaErrorEntry(code)?.name ?? String(code)));
  }
  return names;
}

describe('a partition with no state for a producer, real broker and fake', () => {
  it('accepts its first batch at sequence 1; sequence 0 is then out of order, 2 is next', async () => {
    const topic = uniqueTopic('first-sequence');
    await createTopic({ topic, partitions: 1, replicationFactor: 1 });
    const real = await answers(kafkaBootstrap(), topic, [1, 0, 2]);
    const cluster = await FakeKafka.start({ topics: { [topic]: 1 } });
    open.push(() => cluster.close());
    const fake = await answers(cluster.bootstrapServers, topic, [1, 0, 2]);

    expect(real).toEqual(['NONE', 'OUT_OF_ORDER_SEQUENCE_NUMBER', 'NONE']);
    expect(fake).toEqual(real);
  });
});
