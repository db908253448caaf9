// The logger on a real secured Kafka: with PLAIN, SCRAM-SHA-256 and SCRAM-SHA-512 over SASL_SSL, and with a wrong
// password, a logger that keeps every entry (debug included, errors with their stacks and causes) never holds
// the password, nor its base64 (PLAIN sends it base64-free but a careless encoder would not).

import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { AuthenticationError, type LogFields, Producer } from '../../src/index.js';
import { PLAIN_USER, secureKafka, uniqueTopic } from '../harness/index.js';

interface Entry {
  level: string;
  fields: LogFields;
  message: string;
}

function capturing(entries: Entry[]) {
  const at = (level: string) => (fields: LogFields, message: string) => {
    entries.push({ level, fields, message });
  };
  return { debug: at('debug'), info: at('info'), warn: at('warn'), error: at('error') };
}

function dump(entries: Entry[]): string {
  const expand = (value: unknown, depth = 0): unknown => {
    if (depth > 8) return '[deep]';
    if (value instanceof Error) {
      return {
        name: value.name,
        message: value.message,
        stack: value.stack,
        cause: expand(value.cause, depth + 1),
      };
    }
    if (typeof value === 'bigint') return value.toString();
    if (value !== null && typeof value === 'object') {
      return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, expand(v, depth + 1)]));
    }
    return value;
  };
  return JSON.stringify(entries.map((e) => ({ ...e, fields: expand(e.fields) })));
}

describe('logging on a secured broker', () => {
  it('logs connections over SASL_SSL with every mechanism and a refused password, without the password', async () => {
    const kafka = await secureKafka();
    const topic = uniqueTopic('logging-secure');
    await kafka.createTopic({ topic, partitions: 1 });
    await kafka.allowTopic(`User:${PLAIN_USER}`, topic);
    const password = kafka.users[PLAIN_USER]!;
    const wrong = `${password}-but-wrong`;
    const entries: Entry[] = [];
    const base = {
      bootstrapServers: kafka.listeners.SASL_SSL,
      ssl: { ca: readFileSync(kafka.tls.ca) },
      logger: capturing(entries),
    };
    for (const mechanism of ['plain', 'scram-sha-256', 'scram-sha-512'] as const) {
      const producer = new Producer({ ...base, sasl: { mechanism, username: PLAIN_USER, password } });
      await producer.send({ topic, value: mechanism });
      await producer.close();
    }
    const refused = new Producer({
      ...base,
      maxBlockMs: 3_000,
      sasl: { mechanism: 'scram-sha-512', username: PLAIN_USER, password: wrong },
    });
    await expect(refused.send({ topic, value: 'never' })).rejects.toBeInstanceOf(AuthenticationError);
    await refused.close();

    const authenticated = entries.filter((e) => e.message === 'connected and authenticated');
    expect(new Set(authenticated.map((e) => e.fields.sasl))).toEqual(
      new Set(['PLAIN', 'SCRAM-SHA-256', 'SCRAM-SHA-512']),
    );
    expect(authenticated.every((e) => e.fields.tls === true && e.fields.principal === PLAIN_USER)).toBe(true);
    expect(entries.some((e) => e.message === 'connection failed' && e.level === 'warn')).toBe(true);
    const everything = dump(entries);
    for (const secret of [password, wrong]) {
      expect(everything).not.toContain(secret);
      expect(everything).not.toContain(Buffer.from(secret).toString('base64'));
    }
  });
});
