// The producer on a secured Kafka: with each SASL mechanism over SASL_SSL (PLAIN, SCRAM-SHA-256, SCRAM-SHA-512,
// OAUTHBEARER through the built-in OIDC client-credentials provider) and with mutual TLS over SSL, with and without
// idempotence, it writes records that Kafka's Java consumer, logged in with the same mechanism, reads back field by
// field: keys, values, a tombstone, headers and timestamps. One topic per case, auto-created by the producer's
// principal (the ACLs below allow it exactly that), so the broker's authorizer sees only that principal.

import { readFileSync } from 'node:fs';
import { beforeAll, describe, expect, it } from 'vitest';
import { Producer, type ProducerOptions, type SaslOption } from '../../src/index.js';
import {
  type AclSpec,
  consumeAll,
  PLAIN_USER,
  type SecureClientSpec,
  type SecureKafka,
  secureKafka,
  uniqueTopic,
} from '../harness/index.js';

let kafka: SecureKafka;

interface Case {
  name: string;
  idempotent: boolean;
  /** How the Java consumer logs in: the same listener and mechanism as the producer. */
  java: SecureClientSpec;
  principal: () => string;
  options: () => Pick<ProducerOptions, 'bootstrapServers' | 'ssl' | 'sasl'>;
}

const ca = () => readFileSync(kafka.tls.ca);
const saslSsl = (sasl: SaslOption) => ({
  bootstrapServers: kafka.listeners.SASL_SSL,
  ssl: { ca: ca() },
  sasl,
});
const userSasl = (mechanism: 'plain' | 'scram-sha-256' | 'scram-sha-512'): SaslOption => ({
  mechanism,
  username: PLAIN_USER,
  password: kafka.users[PLAIN_USER]!,
});

const setups: Omit<Case, 'idempotent'>[] = [
  {
    name: 'SASL_SSL PLAIN',
    java: { listener: 'SASL_SSL', mechanism: 'PLAIN', username: PLAIN_USER },
    principal: () => `User:${PLAIN_USER}`,
    options: () => saslSsl(userSasl('plain')),
  },
  {
    name: 'SASL_SSL SCRAM-SHA-256',
    java: { listener: 'SASL_SSL', mechanism: 'SCRAM-SHA-256', username: PLAIN_USER },
    principal: () => `User:${PLAIN_USER}`,
    options: () => saslSsl(userSasl('scram-sha-256')),
  },
  {
    name: 'SASL_SSL SCRAM-SHA-512',
    java: { listener: 'SASL_SSL', mechanism: 'SCRAM-SHA-512', username: PLAIN_USER },
    principal: () => `User:${PLAIN_USER}`,
    options: () => saslSsl(userSasl('scram-sha-512')),
  },
  {
    name: 'SASL_SSL OAUTHBEARER (OIDC client credentials)',
    java: { listener: 'SASL_SSL', mechanism: 'OAUTHBEARER' },
    principal: () => `User:${kafka.oauth.clientId}`,
    options: () => {
      const { tokenEndpointUrl, clientId, clientSecret, scope } = kafka.oauth;
      return saslSsl({ mechanism: 'oauthbearer', oidc: { tokenEndpointUrl, clientId, clientSecret, scope } });
    },
  },
  {
    name: 'SSL with a client certificate (mTLS)',
    java: { listener: 'SSL' },
    principal: () => kafka.tls.clientPrincipal,
    options: () => ({
      bootstrapServers: kafka.listeners.SSL,
      ssl: { ca: ca(), cert: readFileSync(kafka.tls.clientCert), key: readFileSync(kafka.tls.clientKey) },
    }),
  },
];
const cases: Case[] = setups.flatMap((setup) => [
  { ...setup, idempotent: true },
  { ...setup, idempotent: false },
]);
const topics = new Map<Case, string>(cases.map((c) => [c, uniqueTopic('producer-secure')]));

beforeAll(async () => {
  kafka = await secureKafka();
  // One Admin run for every case: the producer's principal may create, write, describe and read its topic.
  const acls: AclSpec[] = cases.flatMap((c) =>
    ['CREATE', 'WRITE', 'DESCRIBE', 'READ'].map((operation) => ({
      principal: c.principal(),
      resourceType: 'TOPIC' as const,
      resourceName: topics.get(c)!,
      operation,
    })),
  );
  await kafka.addAcls(acls);
});

const timestamp = Date.now() - 3_600_000;
const records = (topic: string) => [
  { topic, key: 'k-1', value: 'first ü 🚚', headers: { 'content-type': 'text/plain' }, timestamp },
  { topic, key: Uint8Array.of(0, 255, 7), value: Uint8Array.of(1, 2, 3, 0), timestamp: timestamp + 1 },
  { topic, key: 'tombstone', value: null, headers: [{ key: 'h', value: null }], timestamp: timestamp + 2 },
  {
    topic,
    key: null,
    value: 'no key',
    headers: [
      { key: 'a', value: 'x' },
      { key: 'a', value: Uint8Array.of(9) },
    ],
    timestamp: timestamp + 3,
  },
];

const hex = (b: Uint8Array | string | null) =>
  b === null ? null : Buffer.from(typeof b === 'string' ? Buffer.from(b, 'utf8') : b).toString('hex');

describe('producer on a secured Kafka, read back by the Java consumer with the same security', () => {
  it.each(
    cases.map(
      (c) => [`${c.name}, ${c.idempotent ? 'idempotent' : 'acks all without idempotence'}`, c] as const,
    ),
  )('%s', async (_, c) => {
    const topic = topics.get(c)!;
    const producer = new Producer({
      ...c.options(),
      acks: 'all',
      enableIdempotence: c.idempotent,
      lingerMs: 0,
      maxBlockMs: 30_000,
    });
    let sent: Awaited<ReturnType<Producer['send']>>[];
    try {
      sent = await Promise.all(records(topic).map((r) => producer.send(r)));
    } finally {
      await producer.close({ timeoutMs: 10_000 });
    }
    expect(sent.map((m) => m.offset)).toEqual([0n, 1n, 2n, 3n]);

    const consumed = await consumeAll({
      topic,
      bootstrap: kafka.listeners[c.java.listener],
      config: kafka.javaConfig(c.java),
      version: kafka.javaVersion(c.java),
      count: 4,
    });
    expect(
      consumed.map((r) => ({
        offset: r.offset,
        key: hex(r.key),
        value: hex(r.value),
        headers: r.headers.map((h) => [h.key, hex(h.value)]),
        timestamp: Number(r.timestamp),
        timestampType: r.timestampType,
      })),
    ).toEqual([
      {
        offset: 0n,
        key: hex('k-1'),
        value: hex('first ü 🚚'),
        headers: [['content-type', hex('text/plain')]],
        timestamp,
        timestampType: 'CREATE_TIME',
      },
      {
        offset: 1n,
        key: '00ff07',
        value: '01020300',
        headers: [],
        timestamp: timestamp + 1,
        timestampType: 'CREATE_TIME',
      },
      {
        offset: 2n,
        key: hex('tombstone'),
        value: null,
        headers: [['h', null]],
        timestamp: timestamp + 2,
        timestampType: 'CREATE_TIME',
      },
      {
        offset: 3n,
        key: null,
        value: hex('no key'),
        headers: [
          ['a', hex('x')],
          ['a', '09'],
        ],
        timestamp: timestamp + 3,
        timestampType: 'CREATE_TIME',
      },
    ]);
  });
});
