import { afterEach, describe, expect, it } from 'vitest';
import { CLIENT_SOFTWARE_VERSION } from '../../../src/net/client-software.js';
import { Connection, type ConnectionOptions } from '../../../src/net/connection.js';
import {
  BrokerProtocolError,
  NetworkError,
  RequestTimeoutError,
  UnsupportedVersionError,
} from '../../../src/net/errors.js';
import { ConnectionPool } from '../../../src/net/pool.js';
import {
  type ApiVersion,
  type ApiVersionsRequest,
  encodeResponse,
  InitProducerIdApi,
  MetadataApi,
  type MetadataResponse,
  ProduceApi,
} from '../../../src/protocol/index.js';
import { FakeKafka, type FakeKafkaOptions } from '../../../src/testing/index.js';
import { failure } from '../../fake/failure.js';

const cleanups: (() => unknown)[] = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

/** Kafka 4.x advertises Produce from 0 although it rejects v0-2. */
const KAFKA_4_APIS: ApiVersion[] = [
  { apiKey: 0, minVersion: 0, maxVersion: 12 },
  { apiKey: 3, minVersion: 0, maxVersion: 13 },
  { apiKey: 22, minVersion: 0, maxVersion: 6 },
];

/** One broker, node 1, advertising Kafka 4.x's ranges unless told otherwise. */
async function broker(options: FakeKafkaOptions = {}): Promise<FakeKafka> {
  const b = await FakeKafka.start({ nodeIds: [1], apiVersions: KAFKA_4_APIS, ...options });
  cleanups.push(() => b.close());
  return b;
}

/** What each ApiVersions request said, in arrival order. */
function apiVersionsRequests(b: FakeKafka) {
  return b.requestsFor('ApiVersions').map((r) => {
    const body = r.body as ApiVersionsRequest | undefined;
    return {
      version: r.version,
      clientId: r.clientId,
      clientSoftwareName: r.version >= 3 ? body?.clientSoftwareName : undefined,
      clientSoftwareVersion: r.version >= 3 ? body?.clientSoftwareVersion : undefined,
    };
  });
}

function connection(b: FakeKafka, options: Partial<ConnectionOptions> = {}): Connection {
  const c = new Connection({ host: '127.0.0.1', port: b.portOf(1), label: 'node 1', ...options });
  cleanups.push(() => c.close());
  return c;
}

describe('ApiVersions negotiation', () => {
  it('asks a current broker with ApiVersions v4, introducing itself, and picks min(our max, broker max)', async () => {
    const b = await broker({ transactionVersion: 2 });
    const c = connection(b, { clientId: 'my-app' });
    await c.connect();
    expect(apiVersionsRequests(b)).toEqual([
      {
        version: 4,
        clientId: 'my-app',
        clientSoftwareName: 'kafka-wire',
        clientSoftwareVersion: CLIENT_SOFTWARE_VERSION,
      },
    ]);
    // Kafka 4.x advertises Produce 0-12; we never go below our own minimum of 3.
    expect(c.versionFor(ProduceApi)).toBe(12);
    expect(c.versionFor(MetadataApi)).toBe(13);
    expect(c.versionFor(InitProducerIdApi)).toBe(5);
    expect(c.apiVersions?.brokerRange(0)).toEqual({ apiKey: 0, minVersion: 0, maxVersion: 12 });
    expect(c.apiVersionsResponse?.finalizedFeatures).toEqual([
      { name: 'transaction.version', minVersionLevel: 2, maxVersionLevel: 2 },
    ]);
  });

  it('makes user-supplied software names acceptable to the broker', async () => {
    const b = await broker();
    await connection(b, { clientSoftwareName: 'my app!', clientSoftwareVersion: '2.0.0+sha.1' }).connect();
    expect(apiVersionsRequests(b)[0]).toMatchObject({
      clientSoftwareName: 'my-app',
      clientSoftwareVersion: '2.0.0-sha.1',
    });
  });

  it('falls back to the ApiVersions version a v2-only broker lists in its UNSUPPORTED_VERSION v0 body', async () => {
    const b = await broker({ apiVersionsMax: 2, apiVersions: [{ apiKey: 0, minVersion: 0, maxVersion: 7 }] });
    const c = connection(b);
    await c.connect();
    expect(apiVersionsRequests(b).map((r) => r.version)).toEqual([4, 2]);
    expect(apiVersionsRequests(b)[1]!.clientSoftwareName).toBeUndefined();
    expect(c.versionFor(ProduceApi)).toBe(7);
  });

  it('falls back to v0 when the broker lists no range (before Kafka 2.4)', async () => {
    const b = await broker({ apiVersionsMax: 2, apiVersionsRangeInError: false });
    const c = connection(b);
    await c.connect();
    expect(apiVersionsRequests(b).map((r) => r.version)).toEqual([4, 0]);
    expect(c.versionFor(MetadataApi)).toBe(13);
  });

  it('gives up with a retriable error when even v0 is unsupported', async () => {
    // A broker claiming ApiVersions max -1: every version gets UNSUPPORTED_VERSION.
    const b = await broker({ apiVersionsMax: -1, apiVersionsRangeInError: false });
    const error = await failure(connection(b).connect());
    expect(error).toBeInstanceOf(NetworkError);
    expect(error.retriable).toBe(true);
    expect(error.message).toMatch(/refused ApiVersions v0 with UNSUPPORTED_VERSION \(35\)/);
    expect(apiVersionsRequests(b).map((r) => r.version)).toEqual([4, 0]);
  });

  it('fails connect() on any other ApiVersions error, naming it', async () => {
    const b = await broker();
    b.control('ApiVersions', () => ({ error: 'INVALID_REQUEST' }));
    const c = connection(b);
    const error = await failure(c.connect());
    expect(error).toBeInstanceOf(NetworkError);
    expect(error.message).toMatch(
      /node 1 \(127\.0\.0\.1:\d+\) refused ApiVersions v4 with INVALID_REQUEST \(42\)/,
    );
    expect(c.isClosed).toBe(true);
  });

  it('fails connect() when the ApiVersions answer does not parse', async () => {
    const b = await broker();
    b.onRequest({ api: 'ApiVersions' }, { raw: () => Uint8Array.of(0, 0, 0, 6, 0, 0, 0, 0, 0, 0) });
    const error = await failure(connection(b).connect());
    expect(error).toBeInstanceOf(BrokerProtocolError);
    expect(error.message).toMatch(/answered ApiVersions v4 with bytes that do not parse/);
  });

  it('fails connect() with a request timeout when ApiVersions gets no answer', async () => {
    const b = await broker();
    b.control('ApiVersions', () => 'no-response');
    const error = await failure(connection(b, { requestTimeoutMs: 50 }).connect());
    expect(error).toBeInstanceOf(RequestTimeoutError);
    expect(error.message).toMatch(/^ApiVersions v4 to node 1/);
  });

  it('reports no common version as a fatal error naming the API and both ranges', async () => {
    const b = await broker({ apiVersions: [{ apiKey: 0, minVersion: 0, maxVersion: 2 }] });
    const c = connection(b);
    await c.connect();
    let error: unknown;
    try {
      c.versionFor(ProduceApi);
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(UnsupportedVersionError);
    expect((error as UnsupportedVersionError).fatal).toBe(true);
    expect((error as Error).message).toMatch(
      /node 1 \(127\.0\.0\.1:\d+\) supports Produce \(api key 0\) versions 0-2, kafka-wire supports 3-13/,
    );
    expect(() => c.versionFor(InitProducerIdApi)).toThrow(
      /does not support InitProducerId \(api key 22\) at all/,
    );
    await expect(c.request(ProduceApi, { acks: -1, timeoutMs: 1000, topicData: [] })).rejects.toBeInstanceOf(
      UnsupportedVersionError,
    );
  });
});

describe('Connection.request', () => {
  it('sends a typed request at the negotiated version and decodes the response', async () => {
    const b = await broker({ topics: { trucks: 1 } });
    const c = connection(b, { clientId: 'producer-1' });
    await c.connect();
    const response = await c.request(MetadataApi, { topics: [{ name: 'trucks' }] });
    expect(response.brokers).toEqual([{ nodeId: 1, host: '127.0.0.1', port: b.portOf(1), rack: null }]);
    expect(response.clusterId).toBe('fake-cluster');
    expect(response.topics.map((t) => [t.name, t.partitions.map((p) => p.leaderId)])).toEqual([
      ['trucks', [1]],
    ]);
    const older = await c.request(MetadataApi, { topics: null }, { version: 9 });
    expect(older.controllerId).toBe(1);
    const seen = b.requestsFor('Metadata').map((r) => ({
      version: r.version,
      clientId: r.clientId,
      topics: r.metadata?.topics,
    }));
    expect(seen).toMatchObject([
      { version: 13, clientId: 'producer-1', topics: [{ name: 'trucks' }] },
      { version: 9, clientId: 'producer-1', topics: null },
    ]);
  });

  it('resolves an acks=0 Produce once written; the broker gets it and sends nothing', async () => {
    const b = await broker();
    const produced = () => b.requestsFor('Produce').map((r) => [r.produce?.acks, r.outcome]);
    const c = connection(b);
    await c.connect();
    const result = await c.request(
      ProduceApi,
      { acks: 0, timeoutMs: 1000, topicData: [{ name: 't', partitionData: [{ index: 0, records: null }] }] },
      { expectResponse: false },
    );
    expect(result).toBeUndefined();
    await b.waitForRequests((r) => r.api === 'Produce' && r.outcome !== 'pending');
    expect(produced()).toEqual([[0, 'not-answered']]);
    expect(c.inFlightCount).toBe(0);
  });

  it('on a later UNSUPPORTED_VERSION answer closes the connection; the next one renegotiates', async () => {
    const b = await broker();
    // Metadata v13's top-level error code, which a broker sets for the whole answer.
    const refusal: MetadataResponse = {
      throttleTimeMs: 0,
      brokers: [],
      clusterId: null,
      controllerId: -1,
      topics: [],
      errorCode: 35,
    };
    const rule = b.onRequest(
      { api: 'Metadata', times: Number.POSITIVE_INFINITY },
      { raw: (_, request) => encodeResponse(MetadataApi, request.version, request.correlationId, refusal) },
    );
    const pool = new ConnectionPool({ bootstrapServers: b.bootstrapServers.split(',') });
    cleanups.push(() => pool.close());
    const id = pool.bootstrapNodeIds[0]!;
    const first = await pool.get(id);
    expect(first.versionFor(MetadataApi)).toBe(13);
    // The broker is downgraded in place: it now advertises Metadata up to 12 only.
    b.setApiVersions(KAFKA_4_APIS.map((api) => (api.apiKey === 3 ? { ...api, maxVersion: 12 } : api)));
    const error = await failure(first.request(MetadataApi, { topics: null }));
    expect(error).toBeInstanceOf(UnsupportedVersionError);
    expect(error.retriable).toBe(true);
    expect(error.fatal).toBe(false);
    expect(error.message).toMatch(/answered Metadata v13 with UNSUPPORTED_VERSION \(35\)/);
    expect(first.isClosed).toBe(true);
    rule.remove();
    const second = await pool.get(id);
    expect(second).not.toBe(first);
    expect(second.versionFor(MetadataApi)).toBe(12);
    expect((await second.request(MetadataApi, { topics: null })).errorCode).toBe(0);
  });

  it('pool connections negotiate before get() resolves', async () => {
    const b = await broker();
    const pool = new ConnectionPool({ bootstrapServers: b.bootstrapServers.split(',') });
    cleanups.push(() => pool.close());
    const c = await pool.get(pool.bootstrapNodeIds[0]!);
    expect(c.versionFor(ProduceApi)).toBe(12);
    expect(b.requestsFor('ApiVersions').length).toBe(1);
  });
});
