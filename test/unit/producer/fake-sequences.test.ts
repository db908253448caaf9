import { afterEach, describe, expect, it } from 'vitest';
import { Connection } from '../../../src/net/connection.js';
import { kafkaErrorEntry } from '../../../src/protocol/errors.js';
import { InitProducerIdApi, type InitProducerIdRequest } from '../../../src/protocol/init-producer-id.js';
import { ProduceApi } from '../../../src/protocol/produce.js';
import { encodeRecordBatchSync } from '../../../src/records/index.js';
import { FakeKafka, type FakeKafkaOptions } from '../../../src/testing/index.js';

// The fake broker's idempotence checks on their own, driven with hand-made batches over a plain
// connection, so the producer tests can trust it behaves like Kafka 4.x's ProducerStateManager.

const MAX = 2147483647;
const opened: Array<{ cluster: FakeKafka; connection: Connection }> = [];

afterEach(async () => {
  for (const { cluster, connection } of opened.splice(0)) {
    connection.close();
    await cluster.close();
  }
});

async function broker(options: FakeKafkaOptions = {}) {
  const cluster = await FakeKafka.start({ nodeIds: [0], topics: { t: 1 }, ...options });
  const connection = new Connection({ host: '127.0.0.1', port: cluster.portOf(0) });
  await connection.connect();
  opened.push({ cluster, connection });

  /** Produces one batch of `count` records to t-0; answers [error name, base offset]. */
  const produce = async (producerId: bigint, producerEpoch: number, baseSequence: number, count = 1) => {
    const records = Array.from({ length: count }, (_, i) => ({
      key: null,
      value: Buffer.from(`s${baseSequence}+${i}`),
      timestamp: 1n,
    }));
    const bytes = encodeRecordBatchSync({ producerId, producerEpoch, baseSequence, records });
    const response = await connection.request(
      ProduceApi,
      {
        transactionalId: null,
        acks: -1,
        timeoutMs: 1000,
        topicData: [{ name: 't', partitionData: [{ index: 0, records: bytes }] }],
      },
      { version: 9 },
    );
    const p = response.responses[0]!.partitionResponses[0]!;
    return [p.errorCode === 0 ? 'NONE' : kafkaErrorEntry(p.errorCode)?.name, p.baseOffset];
  };
  const init = async (version: number, request: Partial<InitProducerIdRequest> = {}) => {
    const response = await connection.request(
      InitProducerIdApi,
      { transactionalId: null, transactionTimeoutMs: MAX, ...request },
      { version },
    );
    return [response.errorCode, response.producerId, response.producerEpoch];
  };
  return { cluster, produce, init };
}

describe('fake broker: producer state', () => {
  it('accepts the next sequence, answers a recent retry with its original offset, refuses gaps and old epochs', async () => {
    const { cluster, produce } = await broker();

    expect(await produce(10n, 0, 0, 2)).toEqual(['NONE', 0n]);
    expect(await produce(10n, 0, 2)).toEqual(['NONE', 2n]);
    expect(await produce(10n, 0, 2)).toEqual(['NONE', 2n]);
    expect(await produce(10n, 0, 0, 2)).toEqual(['NONE', 0n]);
    expect(await produce(10n, 0, 5)).toEqual(['OUT_OF_ORDER_SEQUENCE_NUMBER', -1n]);
    expect(await produce(10n, 1, 3)).toEqual(['OUT_OF_ORDER_SEQUENCE_NUMBER', -1n]);
    expect(await produce(10n, 1, 0)).toEqual(['NONE', 3n]);
    expect(await produce(10n, 0, 3)).toEqual(['INVALID_PRODUCER_EPOCH', -1n]);
    expect(await produce(-1n, -1, -1, 2)).toEqual(['NONE', 4n]);

    expect(cluster.values('t', 0)).toEqual(['s0+0', 's0+1', 's2+0', 's0+0', 's-1+0', 's-1+1']);
    expect(cluster.producerState('t', 0, 10n)).toEqual({
      producerEpoch: 1,
      batches: [{ firstSequence: 0, lastSequence: 0, firstOffset: 3n, lastOffset: 3n }],
    });
  });

  it.each([
    [{}, 'OUT_OF_ORDER_SEQUENCE_NUMBER'],
    [{ olderSequence: 'DUPLICATE_SEQUENCE_NUMBER' }, 'DUPLICATE_SEQUENCE_NUMBER'],
  ] as const)(
    'remembers the last 5 batches only: an older retry gets %j → %s',
    async (idempotence, answer) => {
      const { produce } = await broker({ idempotence });
      for (let s = 0; s < 6; s++) expect(await produce(10n, 0, s)).toEqual(['NONE', BigInt(s)]);

      expect(await produce(10n, 0, 1)).toEqual(['NONE', 1n]);
      expect(await produce(10n, 0, 0)).toEqual([answer, -1n]);
    },
  );

  it('wraps sequences from Int32 MAX to 0', async () => {
    const { cluster, produce } = await broker();
    cluster.setProducerState('t', 0, 10n, { producerEpoch: 0, lastSequence: MAX - 2 });

    // MAX-1, MAX, 0: the batch's last sequence is 0.
    expect(await produce(10n, 0, MAX - 1, 3)).toEqual(['NONE', 0n]);
    expect(await produce(10n, 0, 0)).toEqual(['OUT_OF_ORDER_SEQUENCE_NUMBER', -1n]);
    expect(await produce(10n, 0, 1)).toEqual(['NONE', 3n]);
    expect(cluster.records('t', 0).map((r) => r.sequence)).toEqual([MAX - 1, MAX, 0, 1]);
  });

  it('takes any sequence from a producer it knows nothing of (Kafka 2.5+), or refuses it like an older broker', async () => {
    const modern = await broker();
    expect(await modern.produce(10n, 3, 7)).toEqual(['NONE', 0n]);
    modern.cluster.forgetProducers();
    expect(await modern.produce(10n, 3, 9)).toEqual(['NONE', 1n]);

    const old = await broker({ idempotence: { unknownProducer: 'UNKNOWN_PRODUCER_ID' } });
    expect(await old.produce(10n, 0, 7)).toEqual(['UNKNOWN_PRODUCER_ID', -1n]);
    expect(await old.produce(10n, 0, 0)).toEqual(['NONE', 0n]);
  });
});

describe('fake broker: InitProducerId', () => {
  it('hands out new ids at epoch 0, and from v3 bumps the epoch of the id and epoch it is given', async () => {
    const { init } = await broker();

    expect(await init(0)).toEqual([0, 4000n, 0]);
    expect(await init(4)).toEqual([0, 4001n, 0]);
    expect(await init(4, { producerId: 4001n, producerEpoch: 0 })).toEqual([0, 4001n, 1]);
    expect(await init(5, { producerId: 4001n, producerEpoch: 0 })).toEqual([47, -1n, -1]);
  });

  it('answers scripted errors, then ids again', async () => {
    const { cluster, init } = await broker();
    cluster.onInitProducerId({ error: 'COORDINATOR_LOAD_IN_PROGRESS' });

    expect(await init(2)).toEqual([14, -1n, -1]);
    expect(await init(2)).toEqual([0, 4000n, 0]);
  });
});
