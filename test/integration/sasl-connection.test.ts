// The connection's SASL flow against a real secured Kafka (connections.max.reauth.ms 10 s): it re-authenticates
// on the same connection before the broker's session ends while requests keep flowing, and a wrong mechanism,
// SASL on a listener without it, or no SASL on a SASL listener fail with errors that name the fix.

import { readFileSync } from 'node:fs';
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import { Connection, type ConnectionOptions } from '../../src/net/connection.js';
import { AuthenticationError, NetworkError } from '../../src/net/errors.js';
import type { SaslMechanism } from '../../src/net/sasl/mechanism.js';
import { resolveSaslMechanism } from '../../src/net/sasl/options.js';
import { MetadataApi } from '../../src/protocol/metadata.js';
import { failure } from '../fake/failure.js';
import { PLAIN_USER, type SecureKafka, secureKafka, uniqueTopic } from '../harness/index.js';

let kafka: SecureKafka;
let topic: string;
const open: Connection[] = [];

beforeAll(async () => {
  kafka = await secureKafka();
  topic = uniqueTopic('sasl-connection');
  await kafka.createTopic({ topic });
  await kafka.allowTopic(`User:${PLAIN_USER}`, topic);
});

afterEach(async () => {
  await Promise.all(open.splice(0).map((c) => c.close()));
});

function connection(
  listener: keyof SecureKafka['listeners'],
  options: Partial<ConnectionOptions>,
): Connection {
  const [host, port] = kafka.listeners[listener].split(':') as [string, string];
  const c = new Connection({ host, port: Number(port), label: 'node 1', ...options });
  open.push(c);
  return c;
}

function scram(): SaslMechanism & { runs: number } {
  const inner = resolveSaslMechanism({
    mechanism: 'scram-sha-512',
    username: PLAIN_USER,
    password: kafka.users[PLAIN_USER]!,
  });
  const counted = {
    name: inner.name,
    principal: inner.principal,
    runs: 0,
    authenticate: (context: Parameters<SaslMechanism['authenticate']>[0]) => {
      counted.runs++;
      return inner.authenticate(context);
    },
  };
  return counted;
}

const metadata = (c: Connection) =>
  c.request(MetadataApi, { topics: [{ name: topic }], allowAutoTopicCreation: false });

describe('SASL on a real broker', () => {
  it('re-authenticates on the same connection before the session ends, with requests in flight throughout', async () => {
    const mechanism = scram();
    const c = connection('SASL_SSL', { sasl: mechanism, tls: { ca: readFileSync(kafka.tls.ca) } });
    await c.connect();
    const started = performance.now();
    let answered = 0;
    // A little over two sessions: the broker closes a connection whose session ran out at its next request.
    while (performance.now() - started < kafka.reauthMs * 2.3) {
      const responses = await Promise.all([metadata(c), metadata(c), metadata(c)]);
      for (const response of responses) expect(response.topics[0]!.errorCode).toBe(0);
      answered += responses.length;
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
    expect(c.isReady).toBe(true);
    expect(mechanism.runs).toBeGreaterThanOrEqual(3);
    expect(answered).toBeGreaterThan(100);
  }, 60_000);

  it("lists the broker's mechanisms when it does not enable ours", async () => {
    const mechanism: SaslMechanism = {
      name: 'SCRAM-SHA-1',
      principal: PLAIN_USER,
      authenticate: async (context) => void (await context.exchange(new Uint8Array(1))),
    };
    const error = await failure(connection('SASL_PLAINTEXT', { sasl: mechanism }).connect());
    expect(error).toBeInstanceOf(AuthenticationError);
    expect(error.message).toMatch(
      /does not enable SASL mechanism SCRAM-SHA-1; its listener enables .*SCRAM-SHA-512/,
    );
  });

  it('says so when SASL is configured for a listener without it', async () => {
    const error = await failure(connection('PLAINTEXT', { sasl: scram() }).connect());
    expect(error).toBeInstanceOf(AuthenticationError);
    expect(error.message).toMatch(/this listener does not expect SASL .*Remove the sasl option/);
  });

  it('says so when a SASL listener is used without SASL', async () => {
    const c = connection('SASL_PLAINTEXT', {});
    await c.connect();
    const error = await failure(metadata(c));
    expect(error).toBeInstanceOf(NetworkError);
    expect(error.message).toMatch(/If this port is a SASL listener .*set the sasl option/);
  });
});
