import { afterEach, describe, expect, it } from 'vitest';
import { DeliveryTimeoutError, type LogFields, type Logger, Producer } from '../../../src/index.js';
import { cleanup, FAST, producerFor, startCluster } from './harness.js';

// The logger option: entries with structured fields for what happens to connections, leaders and batches,
// at levels where info stays rare, and never a secret.

afterEach(cleanup);

interface Entry {
  level: 'debug' | 'info' | 'warn' | 'error';
  fields: LogFields;
  message: string;
}

interface Capture {
  logger: Logger;
  entries: Entry[];
  find: (message: string) => Entry[];
  /** Resolves with the first entry (logged so far or later) that has this message and passes `test`. */
  next: (message: string, test: (entry: Entry) => boolean) => Promise<Entry>;
}

function capture(): Capture {
  const entries: Entry[] = [];
  const waiters = new Set<(entry: Entry) => void>();
  const at =
    (level: Entry['level']) =>
    (fields: LogFields, message: string): void => {
      const entry = { level, fields, message };
      entries.push(entry);
      for (const waiter of [...waiters]) waiter(entry);
    };
  const logger = { debug: at('debug'), info: at('info'), warn: at('warn'), error: at('error') };
  const find = (message: string) => entries.filter((e) => e.message === message);
  const next = (message: string, test: (entry: Entry) => boolean) => {
    const found = find(message).find(test);
    if (found !== undefined) return Promise.resolve(found);
    return new Promise<Entry>((resolve) => {
      const waiter = (entry: Entry) => {
        if (entry.message !== message || !test(entry)) return;
        waiters.delete(waiter);
        resolve(entry);
      };
      waiters.add(waiter);
    });
  };
  return { logger, entries, find, next };
}

/** Everything an entry holds, errors with their message, stack and causes, as one string to search. */
function dump(entries: Entry[]): string {
  const seen = new Set<unknown>();
  const expand = (value: unknown): unknown => {
    if (value instanceof Error) {
      return { name: value.name, message: value.message, stack: value.stack, cause: expand(value.cause) };
    }
    if (typeof value === 'bigint') return value.toString();
    if (value !== null && typeof value === 'object') {
      if (seen.has(value)) return '[seen]';
      seen.add(value);
      return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, expand(v)]));
    }
    return value;
  };
  return JSON.stringify(entries.map((e) => ({ ...e, fields: expand(e.fields) })));
}

describe('logging', () => {
  it('logs a leader move (KIP-951 hint) at info and the retry it causes at debug, with their fields', async () => {
    const cluster = await startCluster({ topics: { t: { partitions: 1, leaders: [0] } } });
    const { logger, find } = capture();
    const producer = producerFor(cluster, { logger });
    await producer.send({ topic: 't', partition: 0, value: 'before' });
    expect(find('topic metadata')).toEqual([
      { level: 'info', fields: { topic: 't', partitions: 1, leaders: [0] }, message: 'topic metadata' },
    ]);

    cluster.moveLeader('t', 0, 1);
    await producer.send({ topic: 't', partition: 0, value: 'after' });

    const [moved] = find('partition leader moved');
    expect(moved).toMatchObject({
      level: 'info',
      fields: { topic: 't', partition: 0, leader: 1, previousLeader: 0, source: 'produce response' },
    });
    const [retry, ...more] = find('retrying batch');
    expect(more).toEqual([]);
    expect(retry?.level).toBe('debug');
    expect(retry?.fields).toMatchObject({
      topic: 't',
      partition: 0,
      error: 'NOT_LEADER_OR_FOLLOWER',
      attempt: 1,
      records: 1,
    });
    expect(retry?.fields.backoffMs).toBeGreaterThan(0);
  });

  it('logs a leader move learnt from metadata when the broker gives no hint', async () => {
    const cluster = await startCluster({
      leaderHints: false,
      topics: { t: { partitions: 2, leaders: [0, 0] } },
    });
    const { logger, find } = capture();
    const producer = producerFor(cluster, { logger });
    await producer.send({ topic: 't', partition: 1, value: 'before' });
    cluster.moveLeader('t', 1, 2);
    await producer.send({ topic: 't', partition: 1, value: 'after' });
    expect(find('partition leader moved').map((e) => [e.level, e.fields])).toEqual([
      ['info', { topic: 't', partition: 1, leader: 2, previousLeader: 0, leaderEpoch: 1 }],
    ]);
  });

  it('logs connections opening at debug and a dropped one at info, with broker id and address', async () => {
    const cluster = await startCluster({ topics: { t: { partitions: 1, leaders: [1] } } });
    const { logger, find, next } = capture();
    const producer = producerFor(cluster, { logger });
    await producer.send({ topic: 't', value: 'a' });
    const address = `127.0.0.1:${cluster.portOf(1)}`;
    expect(find('connected').map((e) => [e.level, e.fields])).toContainEqual([
      'debug',
      { broker: 1, address, purpose: 'produce', tls: false },
    ]);

    cluster.dropConnections(1);
    const closed = await next(
      'connection closed',
      (e) => e.fields.broker === 1 && e.fields.purpose === 'produce',
    );
    expect(closed).toMatchObject({ level: 'info', fields: { broker: 1, address, purpose: 'produce' } });
    expect(closed?.fields.err).toBeInstanceOf(Error);
    await producer.send({ topic: 't', value: 'b' });
  });

  it('logs SASL connections and refused credentials without any password in any entry', async () => {
    const password = 'pw-7f3a91c2-never-logged';
    const wrong = 'wrong-5d2e-never-logged';
    const cluster = await startCluster({ sasl: { users: { alice: password } }, topics: { t: 1 } });
    const { logger, entries, find } = capture();
    for (const mechanism of ['plain', 'scram-sha-256', 'scram-sha-512'] as const) {
      const producer = producerFor(cluster, { logger, sasl: { mechanism, username: 'alice', password } });
      await producer.send({ topic: 't', value: mechanism });
    }
    const refused = producerFor(cluster, {
      logger,
      maxBlockMs: 1_000,
      sasl: { mechanism: 'scram-sha-256', username: 'alice', password: wrong },
    });
    await expect(refused.send({ topic: 't', value: 'x' })).rejects.toThrow();

    expect(find('connected and authenticated').map((e) => e.fields.sasl)).toEqual(
      expect.arrayContaining(['PLAIN', 'SCRAM-SHA-256', 'SCRAM-SHA-512']),
    );
    expect(find('connected and authenticated')[0]?.fields.principal).toBe('alice');
    const failed = find('connection failed');
    expect(failed[0]?.level).toBe('warn');
    expect(failed[0]?.fields.err).toMatchObject({ name: 'AuthenticationError' });
    const everything = dump(entries);
    expect(everything).not.toContain(password);
    expect(everything).not.toContain(wrong);
    expect(everything).not.toContain(Buffer.from(password).toString('base64'));
  });

  it('logs re-authentications (KIP-368) at debug with the session lifetime, and no secret', async () => {
    const password = 'reauth-pw-0c81';
    const cluster = await startCluster({
      sasl: { users: { alice: password }, sessionLifetimeMs: 400 },
      topics: { t: 1 },
    });
    const { logger, entries, next } = capture();
    const producer = producerFor(cluster, {
      logger,
      sasl: { mechanism: 'scram-sha-512', username: 'alice', password },
    });
    await producer.send({ topic: 't', value: 'a' });
    const reauth = await next('re-authenticated', () => true);
    expect(reauth.level).toBe('debug');
    expect(reauth.fields).toMatchObject({ sasl: 'SCRAM-SHA-512', sessionLifetimeMs: 400 });
    expect(reauth.fields.connection).toMatch(/^(node \d|bootstrap server) \(127\.0\.0\.1:\d+\)$/);
    expect(dump(entries)).not.toContain(password);
  });

  it('names refused credentials in the delivery error of a batch that waited for a leader, and warns once', async () => {
    const cluster = await startCluster({
      leaderHints: false,
      sasl: { users: { alice: 'secret' } },
      topics: { t: { partitions: 1, leaders: [0] } },
    });
    const { logger, find, next } = capture();
    const producer = producerFor(cluster, {
      logger,
      requestTimeoutMs: 1_000,
      deliveryTimeoutMs: 2_000,
      sasl: { mechanism: 'plain', username: 'alice', password: 'secret' },
    });
    await producer.send({ topic: 't', value: 'before' });
    const metadataBefore = cluster.requestsFor('Metadata').length;

    cluster.moveLeader('t', 0, -1);
    const waiting = producer.send({ topic: 't', value: 'waits' });
    // Once the producer has seen the partition without a leader, every broker starts refusing the credentials.
    await cluster.waitForRequests((r) => r.api === 'Metadata', metadataBefore + 1);
    await next('partition has no leader', () => true);
    cluster.control('SaslAuthenticate', () => ({ error: 'SASL_AUTHENTICATION_FAILED' }), { times: Infinity });
    cluster.dropConnections();

    const error = await waiting.then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(error).toBeInstanceOf(DeliveryTimeoutError);
    expect((error as Error).message).toMatch(
      /The last metadata refresh failed: .*SASL_AUTHENTICATION_FAILED/,
    );
    const warnings = find('metadata refresh failed').filter((e) => e.level === 'warn');
    expect(warnings).toHaveLength(1);
    expect(warnings[0]?.fields.err).toMatchObject({ name: 'AuthenticationError' });
  });

  it('turns warnings into process warnings by default, and accepts console as a logger', async () => {
    const warnings: Error[] = [];
    const listener = (warning: Error) => warnings.push(warning);
    process.on('warning', listener);
    try {
      const cluster = await startCluster({ sasl: { users: { alice: 'right' } }, topics: { t: 1 } });
      const producer = new Producer({
        bootstrapServers: cluster.bootstrapServers,
        ...FAST,
        maxBlockMs: 500,
        sasl: { mechanism: 'plain', username: 'alice', password: 'wrong' },
      });
      await expect(producer.send({ topic: 't', value: 'x' })).rejects.toThrow();
      await producer.close();
      const ours = await cluster.waitUntil(() => {
        const found = warnings.filter((w) => w.name === 'KafkaWireWarning');
        return found.length > 0 ? found : undefined;
      });
      expect(ours[0]?.message).toBe('connection failed');
      expect((ours[0] as Error & { detail?: string }).detail).toMatch(
        /broker=bootstrap .*err=AuthenticationError/,
      );
    } finally {
      process.off('warning', listener);
    }
    expect(() => new Producer({ bootstrapServers: 'localhost:9092', logger: console }).close()).not.toThrow();
    expect(() => new Producer({ bootstrapServers: 'localhost:9092', logger: {} as Logger })).toThrow(
      /'logger': expected an object with debug, info, warn and error methods/,
    );
  });
});

describe('transaction logging', () => {
  it('logs each state change at debug and the producer id and epoch the coordinator gives', async () => {
    const cluster = await startCluster({ transactionVersion: 2, topics: { t: 1 } });
    const { logger, find } = capture();
    const producer = producerFor(cluster, { logger, transactionalId: 'tx-log' });
    await producer.transaction(async (tx) => {
      await tx.send({ topic: 't', value: 'a' });
    });
    expect(find('transaction state changed').map((e) => [e.level, e.fields.from, e.fields.to])).toEqual([
      ['debug', 'UNINITIALIZED', 'INITIALIZING'],
      ['debug', 'INITIALIZING', 'READY'],
      ['debug', 'READY', 'IN_TRANSACTION'],
      ['debug', 'IN_TRANSACTION', 'COMMITTING'],
      ['debug', 'COMMITTING', 'READY'],
    ]);
    const identities = find('transactional producer id and epoch').map((e) => e.fields);
    expect(identities[0]).toMatchObject({ transactionalId: 'tx-log', epoch: 0 });
    // Transactions v2: EndTxn bumps the epoch.
    expect(identities.at(-1)).toMatchObject({ producerId: identities[0]?.producerId, epoch: 1 });
  });
});
