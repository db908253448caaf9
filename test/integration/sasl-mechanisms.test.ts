// kafka-wire's own SASL mechanisms against a real secured Kafka: each one authenticates a connection as the user it
// names (a Metadata request for a topic only that user may describe comes back without an authorization error),
// and a wrong password, a broker-refused token and a refused OIDC client fail with AuthenticationErrors that say why.

import { readFileSync } from 'node:fs';
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import { Connection } from '../../src/net/connection.js';
import { AuthenticationError } from '../../src/net/errors.js';
import { resolveSaslMechanism, type SaslOption } from '../../src/net/sasl/options.js';
import { MetadataApi } from '../../src/protocol/metadata.js';
import { ODD_USER, PLAIN_USER, type SecureKafka, secureKafka, uniqueTopic } from '../harness/index.js';

let kafka: SecureKafka;
let topic: string;
/** A topic nobody but the super users may describe. */
let closedTopic: string;
const open: Connection[] = [];

beforeAll(async () => {
  kafka = await secureKafka();
  topic = uniqueTopic('sasl-mechanisms');
  closedTopic = uniqueTopic('sasl-closed');
  await kafka.createTopic({ topic });
  await kafka.createTopic({ topic: closedTopic });
  for (const user of [PLAIN_USER, ODD_USER, kafka.oauth.clientId])
    await kafka.allowTopic(`User:${user}`, topic);
});

afterEach(async () => {
  await Promise.all(open.splice(0).map((c) => c.close()));
});

async function connect(listener: 'SASL_PLAINTEXT' | 'SASL_SSL', sasl: SaslOption): Promise<Connection> {
  const [host, port] = kafka.listeners[listener].split(':') as [string, string];
  const connection = new Connection({
    host,
    port: Number(port),
    label: 'node 1',
    sasl: resolveSaslMechanism(sasl),
    ...(listener === 'SASL_SSL' ? { tls: { ca: readFileSync(kafka.tls.ca) } } : {}),
  });
  open.push(connection);
  await connection.connect();
  return connection;
}

/** The topic's error code as this connection's principal sees it: 0 when the ACLs let it describe the topic. */
async function topicError(connection: Connection, name = topic): Promise<number> {
  const response = await connection.request(MetadataApi, {
    topics: [{ name }],
    allowAutoTopicCreation: false,
  });
  return response.topics[0]!.errorCode;
}

const password = (user: string): string => kafka.users[user]!;
const userOption = (
  mechanism: 'plain' | 'scram-sha-256' | 'scram-sha-512',
  username: string = PLAIN_USER,
): SaslOption => ({ mechanism, username, password: password(username) });
/** OAUTHBEARER through the built-in OIDC provider with the test endpoint's client, `change`d. */
const oidcOption = (change: { clientSecret?: string; scope?: string } = {}): SaslOption => ({
  mechanism: 'oauthbearer',
  oidc: {
    tokenEndpointUrl: kafka.oauth.tokenEndpointUrl,
    clientId: kafka.oauth.clientId,
    clientSecret: kafka.oauth.clientSecret,
    scope: kafka.oauth.scope,
    ...change,
  },
});

describe('kafka-wire SASL mechanisms against a secured broker', () => {
  const cases: [string, 'SASL_PLAINTEXT' | 'SASL_SSL', () => SaslOption][] = [
    ['PLAIN', 'SASL_PLAINTEXT', () => userOption('plain')],
    ['SCRAM-SHA-256', 'SASL_PLAINTEXT', () => userOption('scram-sha-256')],
    ['SCRAM-SHA-512 over TLS', 'SASL_SSL', () => userOption('scram-sha-512')],
    [
      'SCRAM-SHA-512, a user name with , and =',
      'SASL_PLAINTEXT',
      () => userOption('scram-sha-512', ODD_USER),
    ],
    ['OAUTHBEARER with the OIDC client-credentials provider', 'SASL_PLAINTEXT', () => oidcOption()],
    [
      'a custom mechanism (PLAIN written by the user)',
      'SASL_PLAINTEXT',
      () => ({
        mechanism: 'custom',
        name: 'PLAIN',
        principal: PLAIN_USER,
        async authenticate(context) {
          await context.exchange(new TextEncoder().encode(`\0${PLAIN_USER}\0${password(PLAIN_USER)}`));
        },
      }),
    ],
  ];
  it.each(cases)('%s authenticates as its user', async (_, listener, option) => {
    const connection = await connect(listener, option());
    expect(await topicError(connection)).toBe(0);
  });

  it('the same user is refused a topic it has no ACLs for (so the checks above mean something)', async () => {
    const connection = await connect('SASL_PLAINTEXT', userOption('scram-sha-256'));
    expect(await topicError(connection, closedTopic)).toBe(29); // TOPIC_AUTHORIZATION_FAILED
  });

  it('SCRAM with a wrong password fails with an AuthenticationError naming broker, mechanism and user', async () => {
    const error = await connect('SASL_PLAINTEXT', {
      mechanism: 'scram-sha-256',
      username: PLAIN_USER,
      password: 'not-the-password',
    }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(AuthenticationError);
    expect((error as Error).message).toMatch(/SCRAM-SHA-256/);
    expect((error as Error).message).toContain(PLAIN_USER);
    expect((error as Error).message).not.toContain('not-the-password');
  });

  it('OAUTHBEARER: a token without the required scope is refused with the broker JSON status', async () => {
    const error = await connect('SASL_PLAINTEXT', oidcOption({ scope: 'not-the-required-scope' })).catch(
      (e: unknown) => e,
    );
    expect(error).toBeInstanceOf(AuthenticationError);
    expect((error as Error).message).toMatch(/the broker refused the token \(status '[a-z_]+'/);
    expect((error as Error).message).not.toContain(kafka.oauth.clientSecret);
  });

  it('OAUTHBEARER: a wrong client secret fails at the token endpoint with its HTTP status', async () => {
    const error = await connect('SASL_PLAINTEXT', oidcOption({ clientSecret: 'wrong-secret' })).catch(
      (e: unknown) => e,
    );
    expect(error).toBeInstanceOf(AuthenticationError);
    expect((error as Error).message).toMatch(/OIDC token request to .* failed: HTTP 40[01]/);
    expect((error as Error).message).not.toContain('wrong-secret');
  });
});
