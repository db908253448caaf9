// The built command line on the shared secured broker: TLS and SASL from flags, with secrets from environment
// variables and files (never the command line), read back by Kafka's Java consumer logged in the same way; a
// refused password exits 1 with a message that names the broker and not the password.
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import {
  consumeAll,
  PLAIN_USER,
  type SecureClientSpec,
  type SecureKafka,
  secureKafka,
  uniqueTopic,
} from '../harness/index.js';
import { cli } from './cli-run.js';

let kafka: SecureKafka;
const dir = mkdtempSync(join(tmpdir(), 'kafka-wire-cli-secure-'));

beforeAll(async () => {
  kafka = await secureKafka();
});

async function readBack(topic: string, java: SecureClientSpec, count: number) {
  const records = await consumeAll({
    topic,
    bootstrap: kafka.listeners[java.listener],
    config: kafka.javaConfig(java),
    version: kafka.javaVersion(java),
    count,
  });
  return records.map((r) => [r.key?.toString() ?? null, r.value?.toString() ?? null]);
}

describe('kafka-wire produce on a secured broker', () => {
  it('SASL_SSL SCRAM-SHA-512 with the password from an environment variable and the CA from a file', async () => {
    const topic = uniqueTopic('cli-scram');
    await kafka.createTopic({ topic, partitions: 1, replicationFactor: 1 });
    await kafka.allowTopic(`User:${PLAIN_USER}`, topic);
    const run = await cli(
      [
        'produce',
        ...['-b', kafka.listeners.SASL_SSL, '-t', topic, '-K', ':', '--ssl-ca', kafka.tls.ca],
        ...['--sasl-mechanism', 'SCRAM-SHA-512', '--sasl-username', PLAIN_USER],
        ...['--sasl-password-env', 'KAFKA_WIRE_TEST_PASSWORD'],
      ],
      { stdin: 'k1:one\nk2:two\n', env: { KAFKA_WIRE_TEST_PASSWORD: kafka.users[PLAIN_USER]! } },
    );
    expect(run).toEqual({ code: 0, stdout: '', stderr: '' });
    expect(
      await readBack(topic, { listener: 'SASL_SSL', mechanism: 'SCRAM-SHA-512', username: PLAIN_USER }, 2),
    ).toEqual([
      ['k1', 'one'],
      ['k2', 'two'],
    ]);
  });

  it('SASL_SSL OAUTHBEARER with the client secret from a file', async () => {
    const topic = uniqueTopic('cli-oauth');
    await kafka.createTopic({ topic, partitions: 1, replicationFactor: 1 });
    await kafka.allowTopic(`User:${kafka.oauth.clientId}`, topic);
    const secretFile = join(dir, 'client-secret');
    writeFileSync(secretFile, `${kafka.oauth.clientSecret}\n`);
    const run = await cli(
      [
        'produce',
        ...['-b', kafka.listeners.SASL_SSL, '-t', topic, '--ssl-ca', kafka.tls.ca],
        ...[
          '--sasl-mechanism',
          'oauthbearer',
          '--sasl-oauth-token-endpoint-url',
          kafka.oauth.tokenEndpointUrl,
        ],
        ...['--sasl-oauth-client-id', kafka.oauth.clientId, '--sasl-oauth-client-secret-file', secretFile],
        ...['--sasl-oauth-scope', kafka.oauth.scope],
      ],
      { stdin: 'token-authenticated\n' },
    );
    expect(run).toEqual({ code: 0, stdout: '', stderr: '' });
    expect(await readBack(topic, { listener: 'SASL_SSL', mechanism: 'OAUTHBEARER' }, 1)).toEqual([
      [null, 'token-authenticated'],
    ]);
  });

  it('mutual TLS with the client certificate and key from files', async () => {
    const topic = uniqueTopic('cli-mtls');
    await kafka.createTopic({ topic, partitions: 1, replicationFactor: 1 });
    await kafka.allowTopic(kafka.tls.clientPrincipal, topic);
    const run = await cli(
      [
        'produce',
        ...['-b', kafka.listeners.SSL, '-t', topic, '--ssl-ca', kafka.tls.ca],
        ...['--ssl-cert', kafka.tls.clientCert, '--ssl-key', kafka.tls.clientKey],
      ],
      { stdin: 'over mTLS\n' },
    );
    expect(run).toEqual({ code: 0, stdout: '', stderr: '' });
    expect(await readBack(topic, { listener: 'SSL' }, 1)).toEqual([[null, 'over mTLS']]);
  });

  it('a refused password exits 1 naming the broker, without the password, and warns about --sasl-password', async () => {
    const topic = uniqueTopic('cli-badpw');
    const password = 'not-the-password-4711';
    const run = await cli(
      [
        'produce',
        ...['-b', kafka.listeners.SASL_SSL, '-t', topic, '--ssl-ca', kafka.tls.ca],
        ...['--sasl-mechanism', 'scram-sha-256', '--sasl-username', PLAIN_USER, '--sasl-password', password],
      ],
      { stdin: 'never\n' },
    );
    expect(run.code).toBe(1);
    const lines = run.stderr.trimEnd().split('\n');
    expect(lines[0]).toBe(
      'warning: --sasl-password shows the secret to every user of this machine (ps) and in your shell history; use --sasl-password-env or --sasl-password-file instead.',
    );
    expect(lines[1]).toMatch(
      new RegExp(
        `^kafka-wire: 1 of 1 records could not be delivered to topic '${topic}' \\(0 were\\)\\. The first, from stdin line 1: .*${kafka.listeners.SASL_SSL.replace(/\./g, '\\.')}.*`,
      ),
    );
    expect(lines[1]).toMatch(/SCRAM|authenticat/i);
    expect(run.stderr).not.toContain(password);
  });
});
