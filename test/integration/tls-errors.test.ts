// TLS against a real Kafka's listeners: the connection works where the certificates are right, and every way they
// can be wrong (untrusted CA, expired, wrong host name, missing client certificate, TLS against a plaintext
// listener and the reverse) ends in an error that names the broker and what to change, never a hang.

import { readFileSync } from 'node:fs';
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import { Connection, type ConnectionOptions } from '../../src/net/connection.js';
import { AuthenticationError } from '../../src/net/errors.js';
import { MetadataApi } from '../../src/protocol/metadata.js';
import { failure } from '../fake/failure.js';
import { type SecureKafka, secureKafka } from '../harness/index.js';

let kafka: SecureKafka;
let ca: Buffer;
const open: Connection[] = [];

beforeAll(async () => {
  kafka = await secureKafka();
  ca = readFileSync(kafka.tls.ca);
});

afterEach(async () => {
  await Promise.all(open.splice(0).map((c) => c.close()));
});

function connection(
  listener: keyof SecureKafka['listeners'],
  options: Partial<ConnectionOptions>,
): Connection {
  const [host, port] = kafka.listeners[listener].split(':') as [string, string];
  const c = new Connection({
    host,
    port: Number(port),
    label: 'node 1',
    requestTimeoutMs: 10_000,
    ...options,
  });
  open.push(c);
  return c;
}

const metadata = (c: Connection) => c.request(MetadataApi, { topics: [], allowAutoTopicCreation: false });

describe('TLS on a real broker', () => {
  it('works with the CA (one-way TLS) and with a client certificate (mutual TLS)', async () => {
    const oneWay = connection('SSL_ONE_WAY', { tls: { ca } });
    await oneWay.connect();
    expect((await metadata(oneWay)).brokers.length).toBe(1);
    const mutual = connection('SSL', {
      tls: { ca, cert: readFileSync(kafka.tls.clientCert), key: readFileSync(kafka.tls.clientKey) },
    });
    await mutual.connect();
    expect((await metadata(mutual)).brokers.length).toBe(1);
  });

  it('refuses a broker certificate from a CA it was not given', async () => {
    const error = await failure(connection('SSL_ONE_WAY', { tls: true }).connect());
    expect(error).toBeInstanceOf(AuthenticationError);
    expect(error.message).toMatch(/not signed by a certificate authority this client trusts .*ssl\.ca/);
  });

  it('refuses an expired broker certificate', async () => {
    const error = await failure(connection('SSL_EXPIRED', { tls: { ca } }).connect());
    expect(error).toBeInstanceOf(AuthenticationError);
    expect(error.message).toMatch(/certificate has expired \(CERT_HAS_EXPIRED\)\. Renew/);
  });

  it('refuses a certificate for another host name', async () => {
    const error = await failure(connection('SSL_WRONG_HOST', { tls: { ca } }).connect());
    expect(error).toBeInstanceOf(AuthenticationError);
    expect(error.message).toMatch(/does not name the host .*wrong-host\.kafka-wire\.invalid/);
  });

  it('says a client certificate is required by a mutual-TLS listener', async () => {
    const c = connection('SSL', { tls: { ca } });
    const error = await failure(c.connect().then(() => metadata(c)));
    expect(error).toBeInstanceOf(AuthenticationError);
    expect(error.message).toMatch(/set ssl\.cert and ssl\.key/);
  });

  it('says the listener does not speak TLS when TLS meets a plaintext listener', async () => {
    const error = await failure(connection('PLAINTEXT', { tls: { ca } }).connect());
    expect(error).toBeInstanceOf(AuthenticationError);
    expect(error.message).toMatch(/does not speak TLS.*emove the ssl option/);
  });

  it('says to enable ssl when plaintext meets a TLS listener, refused for good (every retry gets the same alert)', async () => {
    const error = await failure(connection('SSL_ONE_WAY', {}).connect());
    expect(error).toBeInstanceOf(AuthenticationError);
    expect(error.message).toMatch(/answered with a TLS record: it is a TLS listener .*Enable the ssl option/);
  });
});
