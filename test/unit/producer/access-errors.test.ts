import { afterEach, describe, expect, it } from 'vitest';
import {
  AuthenticationError,
  AuthorizationError,
  Producer,
  type ProducerOptions,
  TopicNotAvailableError,
} from '../../../src/index.js';
import { FakeKafka, type FakeSaslOptions } from '../../../src/testing/index.js';
import { keptWarnings } from '../../fake/logger.js';
import { startServer } from '../../fake/server.js';
import { cleanup, FAST, outcomes, producerFor, since, startCluster } from './harness.js';

// What send() says when the cluster refuses the client: credentials (AuthenticationError, at once and without a
// storm of connection attempts), ACLs (AuthorizationError for the topic concerned only), and brokers that cannot be
// reached at all (each address with its cause, instead of "timed out waiting for metadata").

const PASSWORD = 'pa55-w0rd-never-shown';
const brokers: FakeKafka[] = [];
// Every producer here is refused on purpose: its warnings are kept (and checked for the password), not printed.
const quiet = keptWarnings();
const extraProducers: Producer[] = [];

afterEach(async () => {
  await Promise.all(extraProducers.splice(0).map((p) => p.close({ timeoutMs: 0 }).catch(() => undefined)));
  await Promise.all(brokers.splice(0).map((b) => b.close()));
  await cleanup();
  const logged = quiet.kept.map((e) => [e.message, ...Object.values(e.fields).map(String)].join(' '));
  quiet.kept.length = 0;
  expect(logged.join('\n')).not.toContain(PASSWORD);
});

async function saslBroker(options: Partial<FakeSaslOptions> = {}): Promise<FakeKafka> {
  const broker = await FakeKafka.start({ brokers: 1, sasl: { users: { alice: PASSWORD }, ...options } });
  brokers.push(broker);
  return broker;
}

function producer(options: ProducerOptions): Producer {
  const p = new Producer({ ...FAST, logger: quiet.logger, ...options });
  extraProducers.push(p);
  return p;
}

async function rejection(promise: Promise<unknown>): Promise<Error> {
  try {
    await promise;
  } catch (error) {
    return error as Error;
  }
  throw new Error('expected a rejection');
}

const attempts = (broker: FakeKafka) => broker.requestsFor('SaslAuthenticate').length;

describe('refused credentials', () => {
  it('reject send() with an AuthenticationError naming broker, mechanism and user, at once, after one attempt', async () => {
    const broker = await saslBroker();
    const p = producer({
      bootstrapServers: broker.bootstrapServers,
      sasl: { mechanism: 'plain', username: 'alice', password: 'wrong-password' },
      maxBlockMs: 30_000,
      deliveryTimeoutMs: 60_000,
      reconnectBackoffMs: 1_000,
      reconnectBackoffMaxMs: 1_000,
    });
    const start = performance.now();
    const error = await rejection(p.send({ topic: 't', value: 'v' }));
    expect(since(start)).toBeLessThan(2_000);
    expect(error).toBeInstanceOf(AuthenticationError);
    expect(error.message).toMatch(
      /^SASL PLAIN authentication as "alice" with bootstrap server \(127\.0\.0\.1:\d+\) was refused by the broker with SASL_AUTHENTICATION_FAILED \(58\): Authentication failed: Invalid username or password\. Check the SASL mechanism, username and password/,
    );
    expect(error.message).not.toContain('wrong-password');
    expect(attempts(broker)).toBe(1);

    // Within the reconnect backoff, more records fail with the same cause without a new attempt.
    const burst = await outcomes(Array.from({ length: 20 }, () => p.send({ topic: 't', value: 'v' })));
    for (const result of burst)
      expect((result as { error: Error }).error).toBeInstanceOf(AuthenticationError);
    expect(attempts(broker)).toBe(1);
  });

  it('with a mechanism the broker does not enable, list the ones it does', async () => {
    const broker = await saslBroker({ mechanisms: ['SCRAM-SHA-512', 'SCRAM-SHA-256'] });
    const p = producer({
      bootstrapServers: broker.bootstrapServers,
      sasl: { mechanism: 'plain', username: 'alice', password: PASSWORD },
    });
    const start = performance.now();
    const error = await rejection(p.send({ topic: 't', value: 'v' }));
    expect(since(start)).toBeLessThan(2_000);
    expect(error).toBeInstanceOf(AuthenticationError);
    expect(error.message).toMatch(
      /^bootstrap server \(127\.0\.0\.1:\d+\) does not enable SASL mechanism PLAIN; its listener enables SCRAM-SHA-512, SCRAM-SHA-256\. Use one of those mechanisms/,
    );
  });
});

describe('missing ACLs', () => {
  it("TOPIC_AUTHORIZATION_FAILED in Metadata fails that topic's records only", async () => {
    const cluster = await startCluster({ topics: { secret: 1, open: 1 } });
    cluster.setTopicMetadataError('secret', 'TOPIC_AUTHORIZATION_FAILED');
    const p = producerFor(cluster, { logger: quiet.logger });
    const [denied, allowed] = await outcomes([
      p.send({ topic: 'secret', value: 'x' }),
      p.send({ topic: 'open', value: 'y' }),
    ]);
    const error = (denied as { error: Error }).error;
    expect(error).toBeInstanceOf(AuthorizationError);
    expect((error as AuthorizationError).acl).toEqual({
      operation: 'DESCRIBE',
      resourceType: 'TOPIC',
      resourceName: 'secret',
    });
    expect(error.message).toBe(
      `TOPIC_AUTHORIZATION_FAILED (29) from Metadata for topic "secret": the client's principal is not authorized. To fix it, grant DESCRIBE on topic 'secret' to the client's principal (kafka-acls.sh --add --allow-principal User:<name> --operation DESCRIBE ...).`,
    );
    expect(allowed).toEqual({ offset: 0n, partition: 0 });
  });

  it("TOPIC_AUTHORIZATION_FAILED in Produce fails that topic's records only, saying to grant WRITE", async () => {
    const cluster = await startCluster({ topics: { secret: 1, open: 1 }, nodeIds: [0] });
    cluster.onProduce(
      { topic: 'secret', times: Number.POSITIVE_INFINITY },
      { error: 'TOPIC_AUTHORIZATION_FAILED' },
    );
    const p = producerFor(cluster, { logger: quiet.logger });
    const results = await outcomes([
      p.send({ topic: 'secret', value: 'x1' }),
      p.send({ topic: 'open', value: 'y1' }),
      p.send({ topic: 'secret', value: 'x2' }),
      p.send({ topic: 'open', value: 'y2' }),
    ]);
    for (const denied of [results[0], results[2]]) {
      const error = (denied as { error: Error }).error;
      expect(error).toBeInstanceOf(AuthorizationError);
      expect((error as AuthorizationError).acl.operation).toBe('WRITE');
      expect(error.message).toBe(
        `TOPIC_AUTHORIZATION_FAILED (29) from Produce for topic "secret" partition 0: the client's principal is not authorized. To fix it, grant WRITE (and DESCRIBE) on topic 'secret' to the client's principal (kafka-acls.sh --add --allow-principal User:<name> --operation WRITE ...).`,
      );
    }
    expect(results[1]).toEqual({ offset: 0n, partition: 0 });
    expect(results[3]).toEqual({ offset: 1n, partition: 0 });
    expect(cluster.values('open', 0)).toEqual(['y1', 'y2']);
    // Not retried: one Produce carried each record of 'secret'.
    const secretAttempts = cluster
      .requestsFor('Produce')
      .flatMap((r) => r.produce!.partitions.filter((part) => part.topic === 'secret'));
    expect(secretAttempts.reduce((n, part) => n + part.recordCount, 0)).toBe(2);
  });
});

describe('brokers that cannot be reached', () => {
  it('name each address and its cause when maxBlockMs runs out (refused, unresolvable)', async () => {
    const p = producer({
      bootstrapServers: ['127.0.0.1:1', 'no-such-host.invalid:9092'],
      maxBlockMs: 1_500,
    });
    const start = performance.now();
    const error = await rejection(p.send({ topic: 'trucks', value: 'v' }));
    expect(since(start)).toBeGreaterThanOrEqual(1_400);
    expect(since(start)).toBeLessThan(5_000);
    expect(error).toBeInstanceOf(TopicNotAvailableError);
    expect(error.message).toMatch(
      /^No metadata for topic 'trucks' within maxBlockMs: the client could not connect to any broker\. /,
    );
    expect(error.message).toContain(
      'connection to bootstrap server (127.0.0.1:1) failed: nothing accepts connections at 127.0.0.1:1 (ECONNREFUSED). Is the broker running, and is 1 its listener port? ',
    );
    expect(error.message).toMatch(
      /connection to bootstrap server \(no-such-host\.invalid:9092\) failed: the host name "no-such-host\.invalid" does not resolve \((ENOTFOUND|EAI_AGAIN)\)\. Check bootstrapServers, and the brokers' advertised\.listeners if the name came from cluster metadata\. /,
    );
    expect(error.message).toMatch(
      / Once that is fixed, send again \(or raise maxBlockMs to wait longer for the brokers\)\.$/,
    );
    expect(error.message).not.toContain('Timed out waiting for metadata');
  });

  it('name a broker that accepts the connection but never answers', async () => {
    const silent = await startServer();
    const p = producer({
      bootstrapServers: `127.0.0.1:${silent.port}`,
      maxBlockMs: 1_500,
      requestTimeoutMs: 500,
    });
    try {
      const error = await rejection(p.send({ topic: 'trucks', value: 'v' }));
      expect(error).toBeInstanceOf(TopicNotAvailableError);
      expect(error.message).toMatch(
        /could not connect to any broker\. ApiVersions v\d+ to bootstrap server \(127\.0\.0\.1:\d+\) timed out after 500 ms waiting for its response \(requestTimeoutMs\)/,
      );
    } finally {
      await p.close({ timeoutMs: 0 }).catch(() => undefined);
      await silent.close();
    }
  });
});
