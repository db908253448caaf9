// kafka-wire/testing's FakeKafka as a user meets it: started with a broker count and topics, produced to by a
// real client over TCP, asserted on through records(), closed without leaving handles behind.

import { once } from 'node:events';
import { connect, type Socket } from 'node:net';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { AuthenticationError, Producer } from '../../../src/index.js';
import {
  ApiVersionsApi,
  decodeResponse,
  encodeRequest,
  FetchApi,
  ListOffsetsApi,
  MetadataApi,
  ProduceApi,
  SaslAuthenticateApi,
  SaslHandshakeApi,
} from '../../../src/protocol/index.js';
import { decodeRecordBatchesSync } from '../../../src/records/index.js';
import { readFrames } from '../../../src/testing/frames.js';
import { FakeKafka } from '../../../src/testing/index.js';
import { keptWarnings } from '../../fake/logger.js';

const open: Array<{ close(): Promise<unknown> }> = [];
afterEach(async () => {
  for (const handle of open.splice(0).reverse()) await handle.close();
});

async function start(options: Parameters<typeof FakeKafka.start>[0]): Promise<FakeKafka> {
  const cluster = await FakeKafka.start(options);
  open.push(cluster);
  return cluster;
}

function producer(cluster: FakeKafka, options: Partial<ConstructorParameters<typeof Producer>[0]> = {}) {
  const p = new Producer({ bootstrapServers: cluster.bootstrapServers, lingerMs: 0, ...options });
  open.push(p);
  return p;
}

describe('FakeKafka', () => {
  it('starts the brokers asked for and lists them all in bootstrapServers', async () => {
    const cluster = await start({ brokers: 3, topics: { orders: 6 } });
    expect(cluster.nodeIds()).toEqual([0, 1, 2]);
    expect(cluster.bootstrapServers).toMatch(/^127\.0\.0\.1:\d+,127\.0\.0\.1:\d+,127\.0\.0\.1:\d+$/);
    expect(cluster.bootstrapServers.split(',')).toEqual(
      cluster.nodeIds().map((id) => `127.0.0.1:${cluster.portOf(id)}`),
    );
  });

  it('stores what a producer sent, decoded, with offsets per partition and the batch stamp', async () => {
    const cluster = await start({ brokers: 3, topics: { orders: 6 } });
    const p = producer(cluster, { compressionType: 'gzip' });
    const sent = await Promise.all([
      p.send({
        topic: 'orders',
        partition: 2,
        key: 'k1',
        value: 'v1',
        headers: { h: 'x' },
        timestamp: 1_700_000_000_000,
      }),
      p.send({ topic: 'orders', partition: 2, key: null, value: 'v2', timestamp: 1_700_000_000_001 }),
      p.send({ topic: 'orders', partition: 5, key: 'k3', value: null }),
    ]);
    expect(sent.map((m) => [m.partition, m.offset])).toEqual([
      [2, 0n],
      [2, 1n],
      [5, 0n],
    ]);
    const [first, second] = cluster.records('orders', 2);
    expect(Buffer.from(first!.key!).toString()).toBe('k1');
    expect(Buffer.from(first!.value!).toString()).toBe('v1');
    expect(first!.headers.map((h) => [h.key, Buffer.from(h.value!).toString()])).toEqual([['h', 'x']]);
    expect(first!.timestamp).toBe(1_700_000_000_000n);
    expect(first!.compression).toBe('gzip');
    expect(first!.producerId).toBeGreaterThanOrEqual(0n);
    expect([first!.sequence, second!.sequence]).toEqual([0, 1]);
    expect(second!.key).toBeNull();
    expect(second!.offset).toBe(1n);
    // Without a partition: every partition of the topic, partition by partition.
    expect(cluster.records('orders').map((r) => [r.partition, r.offset])).toEqual([
      [2, 0n],
      [2, 1n],
      [5, 0n],
    ]);
    expect(cluster.records('orders', 5)[0]!.value).toBeNull();
  });
});

/** A bare TCP client that sends encoded requests and collects whole response frames (size prefix removed). */
async function rawClient(
  port: number,
): Promise<{ socket: Socket; frames: Buffer[]; next(): Promise<Buffer> }> {
  const socket = connect(port, '127.0.0.1');
  await once(socket, 'connect');
  const frames: Buffer[] = [];
  const waiters: Array<(frame: Buffer) => void> = [];
  readFrames(socket, (frame) => {
    const waiter = waiters.shift();
    if (waiter === undefined) frames.push(frame);
    else waiter(frame);
  });
  open.push({ close: async () => void socket.destroy() });
  return {
    socket,
    frames,
    next: () => {
      const frame = frames.shift();
      return frame === undefined ? new Promise((resolve) => waiters.push(resolve)) : Promise.resolve(frame);
    },
  };
}

/** A Metadata v12 request frame for `topics` (null: all). */
function metadataRequest(
  topics: Array<{ name: string }> | null,
  options: { correlationId: number; autoCreate: boolean },
) {
  return encodeRequest(
    MetadataApi,
    12,
    { correlationId: options.correlationId, clientId: 'raw' },
    { topics, allowAutoTopicCreation: options.autoCreate, includeTopicAuthorizedOperations: false },
  );
}

describe('FakeKafka fault controls', () => {
  it('control() answers one Produce with an error the producer retries, then lets the next through', async () => {
    const cluster = await start({ brokers: 1, topics: { t: 1 } });
    const seen: number[] = [];
    const rule = cluster.control('Produce', (request) => {
      seen.push(request.produce!.partitions[0]!.recordCount);
      return { error: 'NOT_ENOUGH_REPLICAS' };
    });
    const p = producer(cluster, { retryBackoffMs: 10 });
    const { offset } = await p.send({ topic: 't', value: 'a' });
    expect(offset).toBe(0n);
    expect(rule.hits).toBe(1);
    expect(seen).toEqual([1]);
    const produced = cluster.produced('t', 0);
    expect(produced.map((x) => x.result?.errorName)).toEqual(['NOT_ENOUGH_REPLICAS', 'NONE']);
    expect(cluster.values('t', 0)).toEqual(['a']);
  });

  it('control() by API key, always, with a delay: every Metadata answer comes that much later', async () => {
    const cluster = await start({ brokers: 1, topics: { t: 1 } });
    const rule = cluster.control(MetadataApi.apiKey, () => ({ delayMs: 50 }), {
      times: Number.POSITIVE_INFINITY,
    });
    const p = producer(cluster);
    const started = performance.now();
    await p.send({ topic: 't', value: 'a' });
    expect(performance.now() - started).toBeGreaterThanOrEqual(49);
    expect(rule.hits).toBeGreaterThanOrEqual(1);
    expect(rule.remaining).toBe(Number.POSITIVE_INFINITY);
  });

  it('control() with a non-fatal error on Metadata: the topic answers it and nothing is created', async () => {
    const cluster = await start({ brokers: 1, topics: {}, autoCreateTopics: true });
    cluster.control('Metadata', () => ({ error: 'TOPIC_AUTHORIZATION_FAILED' }));
    const client = await rawClient(cluster.portOf(0));
    client.socket.write(metadataRequest([{ name: 'x' }], { correlationId: 7, autoCreate: true }));
    const response = decodeResponse(MetadataApi, 12, await client.next());
    expect(response.response.topics.map((t) => [t.name, t.errorCode])).toEqual([['x', 29]]);
    expect(() => cluster.records('x')).toThrow(/no topic x/);
  });

  it('dropConnections() closes every client connection; the producer reconnects and delivers', async () => {
    const cluster = await start({ brokers: 2, topics: { t: 2 } });
    const p = producer(cluster, { reconnectBackoffMs: 10 });
    await Promise.all([
      p.send({ topic: 't', partition: 0, value: 'a' }),
      p.send({ topic: 't', partition: 1, value: 'b' }),
    ]);
    expect(cluster.openConnections()).toBeGreaterThan(0);
    cluster.dropConnections();
    await cluster.waitUntil(() => (cluster.openConnections() === 0 ? true : undefined));
    await p.send({ topic: 't', partition: 1, value: 'c' });
    expect(cluster.values('t', 1)).toEqual(['b', 'c']);
  });

  it('moveLeader(): the old leader answers NOT_LEADER_OR_FOLLOWER with the KIP-951 hint, and the producer follows it', async () => {
    const cluster = await start({ brokers: 3, topics: { t: { partitions: 1, leaders: [0] } } });
    const p = producer(cluster);
    await p.send({ topic: 't', value: 'a' });
    cluster.moveLeader('t', 0, 2);
    expect(cluster.leaderOf('t', 0)).toEqual({ leaderId: 2, leaderEpoch: 1 });
    await p.send({ topic: 't', value: 'b' });
    const produced = cluster.produced('t', 0);
    expect(produced.map((x) => [x.nodeId, x.result?.errorName])).toEqual([
      [0, 'NONE'],
      [0, 'NOT_LEADER_OR_FOLLOWER'],
      [2, 'NONE'],
    ]);
    expect(cluster.values('t', 0)).toEqual(['a', 'b']);
  });

  it('stopBroker() refuses connections and leaves its partitions leaderless; startBroker() brings it back on its port', async () => {
    const cluster = await start({ brokers: 2, topics: { t: { partitions: 1, leaders: [1] } } });
    const port = cluster.portOf(1);
    await cluster.stopBroker(1);
    const refused = connect(port, '127.0.0.1');
    const [error] = (await once(refused, 'error')) as [NodeJS.ErrnoException];
    expect(error.code).toBe('ECONNREFUSED');
    const client = await rawClient(cluster.portOf(0));
    client.socket.write(metadataRequest([{ name: 't' }], { correlationId: 1, autoCreate: false }));
    const metadata = decodeResponse(MetadataApi, 12, await client.next()).response;
    expect(metadata.brokers.map((b) => b.nodeId)).toEqual([0]);
    expect(metadata.topics[0]!.partitions[0]).toMatchObject({ leaderId: -1, errorCode: 5, leaderEpoch: 1 });

    await cluster.startBroker(1);
    expect(cluster.portOf(1)).toBe(port);
    const p = producer(cluster);
    expect((await p.send({ topic: 't', value: 'back' })).offset).toBe(0n);
    expect(cluster.leaderOf('t', 0)).toEqual({ leaderId: 1, leaderEpoch: 2 });
  });

  it('throttleProduce(): the next Produce answer carries the throttle time', async () => {
    const cluster = await start({ brokers: 1, topics: { t: 1 } });
    cluster.throttleProduce(30);
    const client = await rawClient(cluster.portOf(0));
    client.socket.write(
      encodeRequest(
        ProduceApi,
        9,
        { correlationId: 3, clientId: 'raw' },
        {
          transactionalId: null,
          acks: 1,
          timeoutMs: 1000,
          topicData: [{ name: 't', partitionData: [{ index: 0, records: null }] }],
        },
      ),
    );
    const response = decodeResponse(ProduceApi, 9, await client.next()).response;
    expect(response.throttleTimeMs).toBe(30);
  });
});

describe('FakeKafka protocol strictness', () => {
  it('advertises exactly the versions its codecs handle', async () => {
    const cluster = await start({ brokers: 1 });
    const client = await rawClient(cluster.portOf(0));
    client.socket.write(
      encodeRequest(
        ApiVersionsApi,
        3,
        { correlationId: 1, clientId: 'raw' },
        {
          clientSoftwareName: 'raw',
          clientSoftwareVersion: '1',
        },
      ),
    );
    const { response } = decodeResponse(ApiVersionsApi, 3, await client.next());
    expect(response.apiKeys.map((a) => [a.apiKey, a.minVersion, a.maxVersion])).toEqual([
      [0, 3, 13],
      [1, 4, 11],
      [2, 1, 5],
      [3, 1, 13],
      [18, 0, 4],
      [22, 0, 5],
    ]);
  });

  it('answers an ApiVersions version it does not know with UNSUPPORTED_VERSION and its range, in v0', async () => {
    const cluster = await start({ brokers: 1 });
    const client = await rawClient(cluster.portOf(0));
    const frame = Buffer.from(
      encodeRequest(ApiVersionsApi, 0, { correlationId: 9, clientId: 'raw' }, {} as never),
    );
    frame.writeInt16BE(99, 6); // the version field of the header
    client.socket.write(frame);
    const { response } = decodeResponse(ApiVersionsApi, 0, await client.next());
    expect(response.errorCode).toBe(35);
    expect(response.apiKeys).toEqual([{ apiKey: 18, minVersion: 0, maxVersion: 4 }]);
  });

  it('closes the connection on a request it does not speak', async () => {
    const cluster = await start({ brokers: 1 });
    const client = await rawClient(cluster.portOf(0));
    const frame = Buffer.alloc(4 + 10);
    frame.writeInt32BE(10, 0);
    frame.writeInt16BE(11, 4); // JoinGroup
    frame.writeInt16BE(4, 6);
    frame.writeInt32BE(1, 8);
    frame.writeInt16BE(-1, 12);
    client.socket.write(frame);
    await once(client.socket, 'close');
    expect(cluster.requests.at(-1)).toMatchObject({ api: 'api 11', outcome: 'refused' });
  });

  it('auto-creates a topic only when switched on, with autoCreatePartitions partitions', async () => {
    const off = await start({ brokers: 1 });
    const offProducer = producer(off, { maxBlockMs: 200 });
    await expect(offProducer.send({ topic: 'new', value: 'a' })).rejects.toThrow(/new/);
    const on = await start({ brokers: 1, autoCreateTopics: true, autoCreatePartitions: 2 });
    await producer(on).send({ topic: 'new', partition: 1, value: 'a' });
    expect(on.values('new', 1)).toEqual(['a']);
  });
});

describe('FakeKafka Fetch', () => {
  const fetchRequest = (fetchOffset: bigint, maxWaitMs = 0) =>
    encodeRequest(
      FetchApi,
      11,
      { correlationId: 5, clientId: 'raw' },
      {
        replicaId: -1,
        maxWaitMs,
        minBytes: 1,
        maxBytes: 1 << 20,
        isolationLevel: 0,
        sessionId: 0,
        sessionEpoch: -1,
        topics: [{ topic: 't', partitions: [{ partition: 0, fetchOffset, partitionMaxBytes: 1 << 20 }] }],
        forgottenTopicsData: [],
        rackId: '',
      },
    );

  it('serves the stored batches from the fetch offset, with the offsets the leader gave them', async () => {
    const cluster = await start({ brokers: 1, topics: { t: 1 } });
    const p = producer(cluster, { compressionType: 'lz4' });
    await p.send({ topic: 't', value: 'a' });
    await Promise.all([p.send({ topic: 't', value: 'b' }), p.send({ topic: 't', value: 'c' })]);
    const client = await rawClient(cluster.portOf(0));
    client.socket.write(fetchRequest(1n));
    const { response } = decodeResponse(FetchApi, 11, await client.next());
    const partition = response.responses[0]!.partitions[0]!;
    expect(partition).toMatchObject({
      errorCode: 0,
      highWatermark: 3n,
      lastStableOffset: 3n,
      logStartOffset: 0n,
    });
    const batches = decodeRecordBatchesSync(partition.records!);
    expect(batches.map((b) => [b.baseOffset, b.compression])).toEqual([[1n, 'lz4']]);
    expect(batches[0]!.records.map((r) => [r.offset, Buffer.from(r.value!).toString()])).toEqual([
      [1n, 'b'],
      [2n, 'c'],
    ]);
  });

  it('holds a fetch at the end of the log until records arrive (or maxWaitMs passes)', async () => {
    const cluster = await start({ brokers: 1, topics: { t: 1 } });
    const client = await rawClient(cluster.portOf(0));
    client.socket.write(fetchRequest(0n, 30_000));
    await cluster.waitForRequests((r) => r.api === 'Fetch');
    expect(client.frames).toEqual([]);
    await producer(cluster).send({ topic: 't', value: 'late' });
    const { response } = decodeResponse(FetchApi, 11, await client.next());
    const records = decodeRecordBatchesSync(response.responses[0]!.partitions[0]!.records!).flatMap(
      (b) => b.records,
    );
    expect(records.map((r) => Buffer.from(r.value!).toString())).toEqual(['late']);
  });

  it('ListOffsets gives the earliest, the latest and the first offset at a timestamp', async () => {
    const cluster = await start({ brokers: 1, topics: { t: { partitions: 1, firstOffset: 10n } } });
    const p = producer(cluster);
    for (const [value, timestamp] of [
      ['a', 1000],
      ['b', 2000],
      ['c', 3000],
    ] as const) {
      await p.send({ topic: 't', value, timestamp });
    }
    const client = await rawClient(cluster.portOf(0));
    const offsetAt = async (timestamp: bigint) => {
      client.socket.write(
        encodeRequest(
          ListOffsetsApi,
          5,
          { correlationId: 1, clientId: 'raw' },
          {
            replicaId: -1,
            isolationLevel: 0,
            topics: [{ name: 't', partitions: [{ partitionIndex: 0, timestamp }] }],
          },
        ),
      );
      const partition = decodeResponse(ListOffsetsApi, 5, await client.next()).response.topics[0]!
        .partitions[0]!;
      expect(partition.errorCode).toBe(0);
      return partition.offset;
    };
    expect(await offsetAt(-2n)).toBe(10n);
    expect(await offsetAt(-1n)).toBe(13n);
    expect(await offsetAt(1500n)).toBe(11n);
    expect(await offsetAt(9999n)).toBe(-1n);
  });

  it('answers the oldest versions it advertises too (Fetch v4, ListOffsets v1), without fields they lack', async () => {
    const cluster = await start({ brokers: 1, topics: { t: 1 } });
    await producer(cluster).send({ topic: 't', value: 'a' });
    const client = await rawClient(cluster.portOf(0));
    client.socket.write(
      encodeRequest(
        FetchApi,
        4,
        { correlationId: 1, clientId: 'raw' },
        {
          replicaId: -1,
          maxWaitMs: 0,
          minBytes: 1,
          maxBytes: 1 << 20,
          isolationLevel: 0,
          topics: [
            { topic: 't', partitions: [{ partition: 0, fetchOffset: 0n, partitionMaxBytes: 1 << 20 }] },
          ],
        },
      ),
    );
    const fetched = decodeResponse(FetchApi, 4, await client.next()).response.responses[0]!.partitions[0]!;
    expect(fetched).toMatchObject({ errorCode: 0, highWatermark: 1n });
    client.socket.write(
      encodeRequest(
        ListOffsetsApi,
        1,
        { correlationId: 2, clientId: 'raw' },
        { replicaId: -1, topics: [{ name: 't', partitions: [{ partitionIndex: 0, timestamp: -1n }] }] },
      ),
    );
    const listed = decodeResponse(ListOffsetsApi, 1, await client.next()).response.topics[0]!.partitions[0]!;
    expect(listed).toMatchObject({ errorCode: 0, offset: 1n });
    expect(cluster.requests.filter((r) => r.fakeError !== undefined)).toEqual([]);
  });

  it('answers OFFSET_OUT_OF_RANGE past the high watermark and NOT_LEADER_OR_FOLLOWER off the leader', async () => {
    const cluster = await start({ brokers: 2, topics: { t: { partitions: 1, leaders: [0] } } });
    const leader = await rawClient(cluster.portOf(0));
    leader.socket.write(fetchRequest(5n));
    expect(
      decodeResponse(FetchApi, 11, await leader.next()).response.responses[0]!.partitions[0]!.errorCode,
    ).toBe(1);
    const follower = await rawClient(cluster.portOf(1));
    follower.socket.write(fetchRequest(0n));
    expect(
      decodeResponse(FetchApi, 11, await follower.next()).response.responses[0]!.partitions[0]!.errorCode,
    ).toBe(6);
  });
});

describe('FakeKafka SASL', () => {
  const users = { alice: 'alice-secret' };
  for (const mechanism of ['plain', 'scram-sha-256', 'scram-sha-512'] as const) {
    it(`authenticates a producer with ${mechanism}`, async () => {
      const cluster = await start({ brokers: 1, topics: { t: 1 }, sasl: { users } });
      const p = producer(cluster, { sasl: { mechanism, username: 'alice', password: 'alice-secret' } });
      await p.send({ topic: 't', value: 'a' });
      expect(cluster.values('t', 0)).toEqual(['a']);
      const handshakes = cluster.requests.filter((r) => r.api === 'SaslHandshake');
      expect(handshakes.length).toBeGreaterThan(0);
      expect(handshakes.every((r) => r.version === 1)).toBe(true);
      expect(handshakes.map((r) => (r.body as { mechanism: string }).mechanism)).toContain(
        mechanism.toUpperCase(),
      );
    });
  }

  it('refuses a wrong password with SASL_AUTHENTICATION_FAILED, without the password in the error', async () => {
    const cluster = await start({
      brokers: 1,
      topics: { t: 1 },
      sasl: { users, mechanisms: ['SCRAM-SHA-512'] },
    });
    const { logger, kept } = keptWarnings();
    const p = producer(cluster, {
      sasl: { mechanism: 'scram-sha-512', username: 'alice', password: 'wrong-one' },
      maxBlockMs: 2_000,
      logger,
    });
    const error = await p.send({ topic: 't', value: 'a' }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(AuthenticationError);
    expect(String((error as Error).message)).not.toContain('wrong-one');
    expect(kept.map((e) => String(e.fields.err))).toContain(String(error));
    expect(kept.map((e) => String(e.fields.err)).join('\n')).not.toContain('wrong-one');
    expect(cluster.values('t', 0)).toEqual([]);
  });

  it('closes a connection that sends anything but ApiVersions and SASL before authenticating', async () => {
    const cluster = await start({ brokers: 1, topics: { t: 1 }, sasl: { users } });
    const client = await rawClient(cluster.portOf(0));
    client.socket.write(metadataRequest(null, { correlationId: 1, autoCreate: false }));
    await once(client.socket, 'close');
    expect(cluster.requests.at(-1)).toMatchObject({ api: 'Metadata', outcome: 'refused' });
  });

  it('answers PLAIN by hand: handshake lists the mechanisms, authenticate grants the session lifetime', async () => {
    const cluster = await start({
      brokers: 1,
      sasl: { users, sessionLifetimeMs: 60_000, mechanisms: ['PLAIN'] },
    });
    const client = await rawClient(cluster.portOf(0));
    client.socket.write(
      encodeRequest(
        SaslHandshakeApi,
        1,
        { correlationId: 1, clientId: 'raw' },
        { mechanism: 'SCRAM-SHA-256' },
      ),
    );
    const refused = decodeResponse(SaslHandshakeApi, 1, await client.next()).response;
    expect(refused).toEqual({ errorCode: 33, mechanisms: ['PLAIN'] });
    client.socket.write(
      encodeRequest(SaslHandshakeApi, 1, { correlationId: 2, clientId: 'raw' }, { mechanism: 'PLAIN' }),
    );
    expect(decodeResponse(SaslHandshakeApi, 1, await client.next()).response.errorCode).toBe(0);
    client.socket.write(
      encodeRequest(
        SaslAuthenticateApi,
        2,
        { correlationId: 3, clientId: 'raw' },
        {
          authBytes: Buffer.from('\0alice\0alice-secret'),
        },
      ),
    );
    const answer = decodeResponse(SaslAuthenticateApi, 2, await client.next()).response;
    expect(answer).toMatchObject({ errorCode: 0, errorMessage: null, sessionLifetimeMs: 60_000n });
  });
});

describe('FakeKafka SASL re-authentication rules (KIP-368)', () => {
  const users = { alice: 'alice-secret' };
  const handshake = (correlationId: number) =>
    encodeRequest(SaslHandshakeApi, 1, { correlationId, clientId: 'raw' }, { mechanism: 'PLAIN' });
  const authenticate = (correlationId: number) =>
    encodeRequest(
      SaslAuthenticateApi,
      2,
      { correlationId, clientId: 'raw' },
      { authBytes: Buffer.from('\0alice\0alice-secret') },
    );

  /** A raw connection authenticated as alice with PLAIN (correlation ids 1 and 2). */
  async function authenticated(cluster: FakeKafka) {
    const client = await rawClient(cluster.portOf(0));
    client.socket.write(handshake(1));
    await client.next();
    client.socket.write(authenticate(2));
    expect(decodeResponse(SaslAuthenticateApi, 2, await client.next()).response.errorCode).toBe(0);
    return client;
  }

  it('records each successful authentication with its connection, user and mechanism', async () => {
    const cluster = await start({ brokers: 1, sasl: { users, mechanisms: ['PLAIN'] } });
    const client = await authenticated(cluster);
    client.socket.write(handshake(3));
    await client.next();
    client.socket.write(authenticate(4));
    await client.next();
    const connection = cluster.requests[0]!.connection;
    expect(cluster.authentications).toEqual([
      { nodeId: 0, connection, user: 'alice', mechanism: 'PLAIN' },
      { nodeId: 0, connection, user: 'alice', mechanism: 'PLAIN' },
    ]);
    expect(cluster.connectionsAccepted()).toBe(1);
    expect(cluster.violations).toEqual([]);
  });

  it('closes a connection that starts a re-authentication with requests unanswered, and records it', async () => {
    const cluster = await start({ brokers: 1, sasl: { users, mechanisms: ['PLAIN'] } });
    cluster.control('Metadata', () => 'no-response');
    const client = await authenticated(cluster);
    client.socket.write(metadataRequest(null, { correlationId: 3, autoCreate: false }));
    client.socket.write(handshake(4));
    await once(client.socket, 'close');
    expect(cluster.violations).toEqual([
      expect.stringMatching(/^broker 0, connection \d+: SaslHandshake with 1 request\(s\) unanswered/),
    ]);
    expect(cluster.requests.at(-1)).toMatchObject({ api: 'SaslHandshake', outcome: 'refused' });
  });

  it('closes a connection that sends a request in the middle of a re-authentication, and records it', async () => {
    const cluster = await start({ brokers: 1, sasl: { users, mechanisms: ['PLAIN'] } });
    const client = await authenticated(cluster);
    client.socket.write(handshake(3));
    await client.next();
    client.socket.write(metadataRequest(null, { correlationId: 4, autoCreate: false }));
    await once(client.socket, 'close');
    expect(cluster.violations).toEqual([
      expect.stringMatching(/a request in the middle of a re-authentication \(Metadata v12\)$/),
    ]);
  });

  it('closes a connection that sends SaslAuthenticate without a SaslHandshake, and records it', async () => {
    const cluster = await start({ brokers: 1, sasl: { users, mechanisms: ['PLAIN'] } });
    const client = await authenticated(cluster);
    client.socket.write(authenticate(3));
    await once(client.socket, 'close');
    expect(cluster.violations).toEqual([
      expect.stringMatching(/SaslAuthenticate without SaslHandshake \(SaslAuthenticate v2\)$/),
    ]);
    expect(cluster.authentications.length).toBe(1);
  });

  it('closes a connection whose session ran out, past the grace, and records it', async () => {
    // performance.now() is the session clock; faking it makes the expiry exact. Sockets and timers stay real.
    vi.useFakeTimers({ toFake: ['performance'] });
    open.push({ close: async () => void vi.useRealTimers() });
    const cluster = await start({
      brokers: 1,
      sasl: { users, mechanisms: ['PLAIN'], sessionLifetimeMs: 1_000, expiryGraceMs: 100 },
    });
    const client = await authenticated(cluster);
    vi.advanceTimersByTime(1_100);
    client.socket.write(metadataRequest(null, { correlationId: 3, autoCreate: false }));
    expect(decodeResponse(MetadataApi, 12, await client.next()).response.brokers.length).toBe(1);
    vi.advanceTimersByTime(1);
    client.socket.write(metadataRequest(null, { correlationId: 4, autoCreate: false }));
    await once(client.socket, 'close');
    expect(cluster.violations).toEqual([expect.stringMatching(/a request after the session expired/)]);
  });
});

describe('FakeKafka ApiVersions of other brokers', () => {
  const apiVersionsRequest = (version: number) =>
    encodeRequest(
      ApiVersionsApi,
      version,
      { correlationId: 1, clientId: 'raw' },
      version >= 3 ? { clientSoftwareName: 'raw', clientSoftwareVersion: '1' } : {},
    );

  it('answers a version above apiVersionsMax with UNSUPPORTED_VERSION in v0, listing its range or not', async () => {
    for (const [listed, expected] of [
      [true, [{ apiKey: 18, minVersion: 0, maxVersion: 2 }]],
      [false, []],
    ] as const) {
      const cluster = await start({ brokers: 1, apiVersionsMax: 2, apiVersionsRangeInError: listed });
      const client = await rawClient(cluster.portOf(0));
      client.socket.write(apiVersionsRequest(3));
      expect(decodeResponse(ApiVersionsApi, 0, await client.next()).response).toMatchObject({
        errorCode: 35,
        apiKeys: expected,
      });
      client.socket.write(apiVersionsRequest(2));
      const answer = decodeResponse(ApiVersionsApi, 2, await client.next()).response;
      expect(answer.errorCode).toBe(0);
      expect(answer.apiKeys.find((a) => a.apiKey === 18)).toEqual({
        apiKey: 18,
        minVersion: 0,
        maxVersion: 2,
      });
    }
  });

  it('advertises the ranges it is given, and others once changed with setApiVersions', async () => {
    const cluster = await start({ brokers: 1, apiVersions: [{ apiKey: 0, minVersion: 0, maxVersion: 7 }] });
    const ask = async () => {
      const client = await rawClient(cluster.portOf(0));
      client.socket.write(apiVersionsRequest(3));
      return decodeResponse(ApiVersionsApi, 3, await client.next()).response.apiKeys;
    };
    expect(await ask()).toEqual([
      { apiKey: 0, minVersion: 0, maxVersion: 7 },
      { apiKey: 18, minVersion: 0, maxVersion: 4 },
    ]);
    cluster.setApiVersions((own) => own.filter((a) => a.apiKey !== 22));
    const edited = await ask();
    expect(edited.map((a) => a.apiKey)).toContain(0);
    expect(edited.map((a) => a.apiKey)).not.toContain(22);
    cluster.setApiVersions(undefined);
    expect((await ask()).map((a) => a.apiKey)).toContain(22);
  });
});

describe('FakeKafka.close()', () => {
  /** A cluster with open client connections and an answer delayed by a minute, as a test may leave it. */
  async function busyCluster() {
    const cluster = await FakeKafka.start({ brokers: 3, topics: { t: 3 } });
    const p = new Producer({ bootstrapServers: cluster.bootstrapServers, lingerMs: 0 });
    await p.send({ topic: 't', partition: 2, value: 'a' });
    await p.close();
    cluster.control('Metadata', () => ({ delayMs: 60_000 }));
    const client = connect(cluster.portOf(0), '127.0.0.1');
    await once(client, 'connect');
    client.write(metadataRequest(null, { correlationId: 1, autoCreate: false }));
    await cluster.waitForRequests((r) => r.api === 'Metadata' && r.clientId === 'raw');
    return { cluster, client };
  }

  it('closes every connection and stops listening on every port', async () => {
    const { cluster, client } = await busyCluster();
    const ports = cluster.nodeIds().map((id) => cluster.portOf(id));
    const clientClosed = once(client, 'close');
    await cluster.close();
    await clientClosed;
    expect(cluster.openConnections()).toBe(0);
    for (const port of ports) {
      const probe = connect(port, '127.0.0.1');
      const [error] = (await once(probe, 'error')) as [NodeJS.ErrnoException];
      expect(error.code).toBe('ECONNREFUSED');
    }
  });

  it('leaves no TCP handles or pending timers in process.getActiveResourcesInfo()', async () => {
    const count = (type: string) => process.getActiveResourcesInfo().filter((t) => t === type).length;
    // libuv releases a closed handle a loop turn or two after its close callback: wait for TCP handles to be gone
    // (earlier tests' first, then ours), turn by turn; a leaked one keeps this waiting until the test times out.
    const tcpGone = async () => {
      while (count('TCPServerWrap') + count('TCPSocketWrap') > 0) await new Promise((r) => setImmediate(r));
    };
    await tcpGone();
    const timersBefore = count('Timeout');
    const { cluster, client } = await busyCluster();
    expect(count('TCPServerWrap')).toBe(3);
    const clientClosed = once(client, 'close');
    await cluster.close();
    await clientClosed;
    // The minute's answer delay is cancelled at once, not left to run out.
    expect(count('Timeout')).toBeLessThanOrEqual(timersBefore);
    await tcpGone();
  });
});
