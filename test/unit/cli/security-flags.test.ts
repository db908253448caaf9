import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { CliError } from '../../../src/cli/cli-error.js';
import { securityOptionsFrom } from '../../../src/cli/security-flags.js';

const dir = mkdtempSync(join(tmpdir(), 'kafka-wire-cli-security-'));
const file = (name: string, content: string) => {
  const path = join(dir, name);
  writeFileSync(path, content);
  return path;
};

describe('securityOptionsFrom', () => {
  const warnings: string[] = [];
  const warn = (m: string) => warnings.push(m);
  afterEach(() => {
    warnings.length = 0;
    delete process.env.KW_TEST_SECRET;
  });

  it('asks for nothing without flags, and for default TLS with --ssl alone', () => {
    expect(securityOptionsFrom({}, warn)).toEqual({});
    expect(securityOptionsFrom({ ssl: true }, warn)).toEqual({ ssl: true });
  });

  it('reads the CA, certificate and key from files (any --ssl-* implies TLS)', () => {
    const ca = file('ca.pem', 'CA');
    const cert = file('cert.pem', 'CERT');
    const key = file('key.pem', 'KEY');
    process.env.KW_TEST_SECRET = 'pass';
    expect(
      securityOptionsFrom(
        { sslCa: ca, sslCert: cert, sslKey: key, sslKeyPasswordEnv: 'KW_TEST_SECRET', sslServername: 'b1' },
        warn,
      ),
    ).toEqual({ ssl: { ca: 'CA', cert: 'CERT', key: 'KEY', passphrase: 'pass', servername: 'b1' } });
    expect(() => securityOptionsFrom({ sslCert: cert }, warn)).toThrow(
      'Mutual TLS needs both --ssl-cert and --ssl-key.',
    );
    expect(() => securityOptionsFrom({ sslCa: join(dir, 'nope.pem') }, warn)).toThrow(
      /^--ssl-ca: cannot read '.*nope\.pem' \(ENOENT.*\)\. Check the path and its permissions\.$/,
    );
  });

  it('takes the SASL password from an environment variable or a file, and warns when it is on the command line', () => {
    process.env.KW_TEST_SECRET = 'from-env';
    expect(
      securityOptionsFrom(
        { saslMechanism: 'scram-sha-512', saslUsername: 'alice', saslPasswordEnv: 'KW_TEST_SECRET' },
        warn,
      ),
    ).toEqual({ sasl: { mechanism: 'scram-sha-512', username: 'alice', password: 'from-env' } });
    expect(
      securityOptionsFrom(
        { saslMechanism: 'plain', saslUsername: 'alice', saslPasswordFile: file('pw', 'from file\n') },
        warn,
      ),
    ).toEqual({ sasl: { mechanism: 'plain', username: 'alice', password: 'from file' } });
    expect(warnings).toEqual([]);
    expect(
      securityOptionsFrom({ saslMechanism: 'plain', saslUsername: 'alice', saslPassword: 'inline' }, warn),
    ).toEqual({ sasl: { mechanism: 'plain', username: 'alice', password: 'inline' } });
    expect(warnings).toEqual([
      'warning: --sasl-password shows the secret to every user of this machine (ps) and in your shell history; use --sasl-password-env or --sasl-password-file instead.',
    ]);
  });

  it('says which flag is missing, doubled or unset, with usage status 2, never echoing a secret', () => {
    const error = (flags: Parameters<typeof securityOptionsFrom>[0]) => {
      try {
        securityOptionsFrom(flags, warn);
      } catch (e) {
        expect(e).toBeInstanceOf(CliError);
        expect((e as CliError).exitCode).toBe(2);
        return (e as Error).message;
      }
      throw new Error('expected a CliError');
    };
    expect(error({ saslMechanism: 'plain', saslUsername: 'a' })).toBe(
      'The SASL password is missing: pass --sasl-password-env or --sasl-password-file or --sasl-password.',
    );
    expect(
      error({ saslMechanism: 'plain', saslUsername: 'a', saslPassword: 'hunter2', saslPasswordEnv: 'X' }),
    ).toBe(
      'The SASL password was given more than once: pass only one of --sasl-password-env or --sasl-password-file or --sasl-password.',
    );
    expect(error({ saslMechanism: 'scram-sha-256', saslPasswordEnv: 'KW_TEST_SECRET' })).toBe(
      'SCRAM-SHA-256 needs --sasl-username.',
    );
    expect(error({ saslMechanism: 'plain', saslUsername: 'a', saslPasswordEnv: 'KW_TEST_SECRET' })).toBe(
      '--sasl-password-env: the environment variable KW_TEST_SECRET is not set (or empty).',
    );
    expect(error({ saslUsername: 'a' })).toBe('SASL flags were given without --sasl-mechanism: add it.');
    expect(error({ saslMechanism: 'oauthbearer', saslOauthClientId: 'c' })).toBe(
      'OAUTHBEARER needs --sasl-oauth-token-endpoint-url and --sasl-oauth-client-id (and the client secret).',
    );
  });

  it('builds the OIDC client-credentials option for OAUTHBEARER', () => {
    process.env.KW_TEST_SECRET = 's3cret';
    expect(
      securityOptionsFrom(
        {
          saslMechanism: 'oauthbearer',
          saslOauthTokenEndpointUrl: 'https://idp.example/token',
          saslOauthClientId: 'client',
          saslOauthClientSecretEnv: 'KW_TEST_SECRET',
          saslOauthScope: 'kafka',
        },
        warn,
      ),
    ).toEqual({
      sasl: {
        mechanism: 'oauthbearer',
        oidc: {
          tokenEndpointUrl: 'https://idp.example/token',
          clientId: 'client',
          clientSecret: 's3cret',
          scope: 'kafka',
        },
      },
    });
  });
});
