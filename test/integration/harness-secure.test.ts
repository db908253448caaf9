// The secured test broker is what its users are told it is: Kafka's own Java producer and consumer get
// through with every SASL mechanism and with a client certificate, and are turned away with a wrong password,
// an expired certificate or without ACLs; the TLS listeners present the certificates their names promise.

import { readFileSync } from 'node:fs';
import { connect } from 'node:tls';
import { beforeAll, describe, expect, it } from 'vitest';
import {
  consumeAll,
  ODD_USER,
  PLAIN_USER,
  produceWithJava,
  type SecureClientSpec,
  type SecureKafka,
  secureKafka,
  uniqueTopic,
} from '../harness/index.js';

let kafka: SecureKafka;
let topic: string;

beforeAll(async () => {
  kafka = await secureKafka();
  topic = uniqueTopic('secure');
  await kafka.createTopic({ topic });
  for (const principal of [
    `User:${PLAIN_USER}`,
    `User:${ODD_USER}`,
    `User:${kafka.oauth.clientId}`,
    kafka.tls.clientPrincipal,
  ])
    await kafka.allowTopic(principal, topic);
});

// Authentication failures are fatal to the Java clients; no need to wait the default 60 s for metadata.
const failFast = { 'max.block.ms': '15000', 'default.api.timeout.ms': '15000' };

async function roundTrip(spec: SecureClientSpec, value: string): Promise<void> {
  const config = { ...kafka.javaConfig(spec), ...failFast };
  const bootstrap = kafka.listeners[spec.listener];
  const version = kafka.javaVersion(spec);
  const [written] = await produceWithJava({ bootstrap, topic, records: [{ value }], config, version });
  const records = await consumeAll({ bootstrap, topic, config, version });
  const found = records.find((r) => r.offset === written?.offset);
  expect(found?.value?.toString()).toBe(value);
}

describe('secured broker: Java clients get through', () => {
  const cases: [string, SecureClientSpec][] = [
    ['SCRAM-SHA-256 over TLS', { listener: 'SASL_SSL', mechanism: 'SCRAM-SHA-256', username: PLAIN_USER }],
    ['SCRAM-SHA-512 over TLS', { listener: 'SASL_SSL', mechanism: 'SCRAM-SHA-512', username: PLAIN_USER }],
    [
      'SCRAM-SHA-256, a user name with , and =',
      { listener: 'SASL_SSL', mechanism: 'SCRAM-SHA-256', username: ODD_USER },
    ],
    ['PLAIN over TLS', { listener: 'SASL_SSL', mechanism: 'PLAIN', username: PLAIN_USER }],
    [
      'OAUTHBEARER over TLS, token from the test endpoint',
      { listener: 'SASL_SSL', mechanism: 'OAUTHBEARER' },
    ],
    [
      'SCRAM-SHA-512 without TLS',
      { listener: 'SASL_PLAINTEXT', mechanism: 'SCRAM-SHA-512', username: PLAIN_USER },
    ],
    ['a client certificate (mutual TLS)', { listener: 'SSL' }],
  ];
  it.each(cases)('%s', async (name, spec) => {
    const issuedBefore = await kafka.tokensIssued();
    await roundTrip(spec, `via ${name}`);
    if (spec.mechanism === 'OAUTHBEARER') expect(await kafka.tokensIssued()).toBeGreaterThan(issuedBefore);
  });
});

describe('secured broker: Java clients are turned away', () => {
  const refused = (spec: SecureClientSpec, forTopic = topic) =>
    produceWithJava({
      bootstrap: kafka.listeners[spec.listener],
      topic: forTopic,
      records: [{ value: 'must not land' }],
      config: { ...kafka.javaConfig(spec), ...failFast },
      version: kafka.javaVersion(spec),
    });

  it('with a wrong SCRAM password', async () => {
    await expect(
      refused({ listener: 'SASL_SSL', mechanism: 'SCRAM-SHA-256', username: PLAIN_USER, password: 'wrong' }),
    ).rejects.toThrow(/SaslAuthenticationException|Authentication failed/);
  });

  it('with a wrong PLAIN password', async () => {
    await expect(
      refused({ listener: 'SASL_PLAINTEXT', mechanism: 'PLAIN', username: PLAIN_USER, password: 'wrong' }),
    ).rejects.toThrow(/SaslAuthenticationException|Authentication failed/);
  });

  it('with a wrong OAuth client secret (the token endpoint refuses it)', async () => {
    await expect(
      refused({ listener: 'SASL_SSL', mechanism: 'OAUTHBEARER', clientSecret: 'wrong' }),
    ).rejects.toThrow(/401|invalid_client|Authentication/i);
  });

  it('with an expired client certificate', async () => {
    await expect(refused({ listener: 'SSL', keystore: kafka.tls.expiredClientKeystore })).rejects.toThrow(
      /SSL handshake failed|SslAuthenticationException/,
    );
  });

  it('without ACLs for the topic', async () => {
    const other = uniqueTopic('secure-denied');
    await kafka.createTopic({ topic: other });
    await expect(
      refused({ listener: 'SASL_SSL', mechanism: 'SCRAM-SHA-256', username: PLAIN_USER }, other),
    ).rejects.toThrow(/TopicAuthorizationException|Not authorized/);
  });
});

describe('secured broker: TLS listeners present what their names promise', () => {
  const handshake = (listener: keyof SecureKafka['listeners'], servername?: string) =>
    new Promise<string>((resolve) => {
      const [host, port] = kafka.listeners[listener].split(':');
      const socket = connect({
        host,
        port: Number(port),
        ca: readFileSync(kafka.tls.ca),
        ...(servername ? { servername } : {}),
      });
      socket.once('secureConnect', () => {
        socket.destroy();
        resolve('ok');
      });
      socket.once('error', (error: NodeJS.ErrnoException) => resolve(error.code ?? error.message));
    });

  it('SSL_ONE_WAY: a certificate for localhost and 127.0.0.1 from the test CA', async () => {
    expect(await handshake('SSL_ONE_WAY')).toBe('ok');
    expect(await handshake('SSL_ONE_WAY', 'localhost')).toBe('ok');
  });

  it('SSL_EXPIRED: an expired certificate', async () => {
    expect(await handshake('SSL_EXPIRED')).toBe('CERT_HAS_EXPIRED');
  });

  it('SSL_WRONG_HOST: a certificate for another host name', async () => {
    expect(await handshake('SSL_WRONG_HOST')).toBe('ERR_TLS_CERT_ALTNAME_INVALID');
  });
});
