import { inspect } from 'node:util';
import { afterEach, describe, expect, it } from 'vitest';
import { awsMskIam } from '../../../src/aws/index.js';
import type { SaslOption } from '../../../src/net/sasl/options.js';
import { ProducerConfigError, resolveProducerConfig } from '../../../src/producer/config.js';
import { Producer } from '../../../src/producer/producer.js';
import { FakeKafka } from '../../../src/testing/index.js';

// The `ssl` and `sasl` options: what they resolve to, how a wrong one is reported, that the mechanism reaches every
// connection, and that no secret shows where a producer or its config is logged or serialized.

const PASSWORD = 'pa55-w0rd-never-shown';
const CLIENT_SECRET = 'oidc-client-secret-never-shown';
const TOKEN = 'eyJhbGciOiJub25lIn0.token-never-shown.';
const TLS_KEY = '-----BEGIN PRIVATE KEY-----\nkey-never-shown\n-----END PRIVATE KEY-----\n';
const PASSPHRASE = 'passphrase-never-shown';
const AWS_SECRET = 'aws-secret-access-key-never-shown';
const AWS_SESSION = 'aws-session-token-never-shown';
const SECRETS = [PASSWORD, CLIENT_SECRET, TOKEN, 'key-never-shown', PASSPHRASE, AWS_SECRET, AWS_SESSION];

const BASE = { bootstrapServers: '127.0.0.1:9' } as const;

const cleanups: (() => Promise<unknown>)[] = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

function producer(options: ConstructorParameters<typeof Producer>[0]): Producer {
  const p = new Producer(options);
  cleanups.push(() => p.close({ timeoutMs: 0 }).catch(() => {}));
  return p;
}

function configError(options: object): ProducerConfigError {
  try {
    resolveProducerConfig({ ...BASE, ...options });
  } catch (error) {
    if (error instanceof ProducerConfigError) return error;
    throw error;
  }
  throw new Error('no ProducerConfigError');
}

function expectNoSecret(text: string): void {
  for (const secret of SECRETS) expect(text).not.toContain(secret);
}

describe('the sasl option', () => {
  it('builds the mechanism it names, spelt as Kafka or kafkajs spells it', () => {
    // The option's type spells mechanisms in lower case; Kafka's upper case is accepted at run time too.
    const cases: [object, string, string][] = [
      [{ mechanism: 'plain', username: 'alice', password: PASSWORD }, 'PLAIN', 'alice'],
      [{ mechanism: 'scram-sha-256', username: 'bob', password: PASSWORD }, 'SCRAM-SHA-256', 'bob'],
      [{ mechanism: 'SCRAM-SHA-512', username: 'carol', password: PASSWORD }, 'SCRAM-SHA-512', 'carol'],
      [
        {
          mechanism: 'oauthbearer',
          oidc: {
            tokenEndpointUrl: 'https://idp.example/token',
            clientId: 'svc',
            clientSecret: CLIENT_SECRET,
          },
        },
        'OAUTHBEARER',
        'svc',
      ],
      [
        { mechanism: 'oauthbearer', oauthBearerProvider: async () => ({ value: TOKEN }), principal: 'me' },
        'OAUTHBEARER',
        'me',
      ],
      [
        { mechanism: 'custom', name: 'GSSAPI', principal: 'kafka/host', authenticate: async () => {} },
        'GSSAPI',
        'kafka/host',
      ],
    ];
    for (const [sasl, name, principal] of cases) {
      const { sasl: mechanism } = resolveProducerConfig({ ...BASE, sasl: sasl as SaslOption });
      expect({ name: mechanism?.name, principal: mechanism?.principal }).toEqual({ name, principal });
    }
    expect(resolveProducerConfig(BASE).sasl).toBeUndefined();
  });

  it('refuses a wrong sasl option with a ProducerConfigError naming the field, and no secret', () => {
    const misspelt = configError({ sasl: { mechanism: 'plain', username: 'alice', pasword: PASSWORD } });
    expect(misspelt.option).toBe('sasl.pasword');
    expect(misspelt.fatal).toBe(true);
    expect(misspelt.message).toBe(
      "Invalid producer option 'sasl.pasword': 'plain' takes no option 'pasword'; it takes 'mechanism', 'username', 'password'.",
    );

    const missing = configError({ sasl: { mechanism: 'scram-sha-512', username: 'alice' } });
    expect(missing.option).toBe('sasl.password');
    expect(missing.message).toMatch(
      /^Invalid producer option 'sasl\.password': The SCRAM-SHA-512 password is required/,
    );

    const unknown = configError({ sasl: { mechanism: 'gssapi', username: 'alice', password: PASSWORD } });
    expect(unknown.option).toBe('sasl.mechanism');
    expect(unknown.message).toContain("'gssapi' is not a mechanism kafka-wire knows; use one of 'plain'");

    const bothSources = configError({
      sasl: {
        mechanism: 'oauthbearer',
        oauthBearerProvider: async () => ({ value: TOKEN }),
        oidc: { tokenEndpointUrl: 'https://idp.example/token', clientId: 'svc', clientSecret: CLIENT_SECRET },
      },
    });
    expect(bothSources.option).toBe('sasl.oauthBearerProvider');

    const nul = configError({ sasl: { mechanism: 'plain', username: 'alice', password: `${PASSWORD}\0` } });
    expect(nul.option).toBe('sasl.password');
    for (const error of [misspelt, missing, unknown, bothSources, nul]) {
      expectNoSecret(error.message);
      expectNoSecret(inspect(error, { depth: Number.POSITIVE_INFINITY }));
    }
  });

  it('is known to the unknown-option check (a near miss is pointed at it)', () => {
    expect(configError({ saasl: {} }).message).toContain('did you mean sasl?');
  });

  it('authenticates every connection of the producer with it', async () => {
    const broker = await FakeKafka.start({ brokers: 1, sasl: { users: { alice: PASSWORD } } });
    cleanups.push(() => broker.close());
    const p = producer({
      bootstrapServers: broker.bootstrapServers,
      sasl: { mechanism: 'plain', username: 'alice', password: PASSWORD },
      maxBlockMs: 500,
    });
    // The fake has no topic 't'; what matters here is that the metadata connection authenticated as alice first.
    await p.send({ topic: 't', value: 'v' }).catch(() => {});
    const steps = broker.requests.filter((r) => r.api !== 'ApiVersions');
    expect(steps.slice(0, 2).map((r) => [r.api, r.body])).toEqual([
      ['SaslHandshake', { mechanism: 'PLAIN' }],
      ['SaslAuthenticate', expect.anything()],
    ]);
    expect(broker.authentications[0]).toMatchObject({ user: 'alice', mechanism: 'PLAIN' });
    expect(broker.violations).toEqual([]);
  });
});

describe('secrets of the ssl and sasl options', () => {
  const sslOptions = () => ({ ca: 'CA PEM', cert: 'CERT PEM', key: TLS_KEY, passphrase: PASSPHRASE });
  const saslOptions = [
    { mechanism: 'scram-sha-512', username: 'alice', password: PASSWORD },
    { mechanism: 'plain', username: 'alice', password: PASSWORD },
    {
      mechanism: 'oauthbearer',
      oidc: { tokenEndpointUrl: 'https://idp.example/token', clientId: 'svc', clientSecret: CLIENT_SECRET },
    },
    { mechanism: 'oauthbearer', oauthBearerProvider: async () => ({ value: TOKEN }) },
    awsMskIam({
      region: 'eu-west-1',
      credentials: { accessKeyId: 'AKIDEXAMPLE', secretAccessKey: AWS_SECRET, sessionToken: AWS_SESSION },
    }),
  ] as const;

  it('never show in util.inspect of the producer or its config, nor in the config as JSON', () => {
    for (const sasl of saslOptions) {
      const p = producer({ ...BASE, ssl: sslOptions(), sasl });
      const deep = { depth: Number.POSITIVE_INFINITY };
      const views = [
        inspect(p),
        inspect(p, deep),
        inspect(p, { ...deep, showHidden: true }),
        inspect(p.config, deep),
        JSON.stringify(p.config),
        String(p.config.ssl),
      ];
      for (const view of views) expectNoSecret(view);
      // What is shown says what is configured.
      expect(inspect(p.config, deep)).toContain("key: '[redacted]'");
      expect(inspect(p.config, deep)).toContain("passphrase: '[redacted]'");
      expect(inspect(p.config, deep)).toContain(`name: '${p.config.sasl?.name}'`);
      expect(JSON.parse(JSON.stringify(p.config)).ssl).toEqual({
        ca: 'CA PEM',
        cert: 'CERT PEM',
        key: '[redacted]',
        passphrase: '[redacted]',
      });
    }
  });

  it("stay usable: the TLS options handed on carry the real key, and the caller's object is left alone", () => {
    const given = sslOptions();
    const { ssl } = resolveProducerConfig({ ...BASE, ssl: given });
    // The connection spreads the options into tls.connect's; a spread copy must hold the real values.
    expect({ ...ssl }).toEqual(given);
    expect(Object.keys(given)).toEqual(['ca', 'cert', 'key', 'passphrase']);
    expect(JSON.stringify(given)).toContain('key-never-shown');
    expect(resolveProducerConfig({ ...BASE, ssl: true }).ssl).toEqual({});
    expect(resolveProducerConfig({ ...BASE, ssl: false }).ssl).toBeUndefined();
  });
});
