import { inspect } from 'node:util';
import { describe, expect, it } from 'vitest';
import { AuthenticationError } from '../../../../src/net/errors.js';
import { SaslConfigError } from '../../../../src/net/sasl/config-error.js';
import { resolveSaslMechanism, type SaslOption } from '../../../../src/net/sasl/options.js';
import { scriptedContext } from './scripted-context.js';

function configError(option: unknown): SaslConfigError {
  try {
    resolveSaslMechanism(option as SaslOption);
  } catch (error) {
    expect(error).toBeInstanceOf(SaslConfigError);
    expect((error as SaslConfigError).fatal).toBe(true);
    return error as SaslConfigError;
  }
  throw new Error('expected a SaslConfigError');
}

describe('resolveSaslMechanism', () => {
  it('builds each mechanism with the name Kafka expects, whatever the case of the option', () => {
    const cases: Array<[SaslOption, string, string | undefined]> = [
      [{ mechanism: 'plain', username: 'u', password: 'p' }, 'PLAIN', 'u'],
      [{ mechanism: 'scram-sha-256', username: 'u', password: 'p' }, 'SCRAM-SHA-256', 'u'],
      [{ mechanism: 'SCRAM-SHA-512' as 'scram-sha-512', username: 'u', password: 'p' }, 'SCRAM-SHA-512', 'u'],
      [{ mechanism: 'oauthbearer', oauthBearerProvider: () => ({ value: 't' }) }, 'OAUTHBEARER', undefined],
      [
        {
          mechanism: 'oauthbearer',
          oidc: { tokenEndpointUrl: 'https://idp.example.com/token', clientId: 'svc', clientSecret: 'x' },
        },
        'OAUTHBEARER',
        'svc',
      ],
      [
        { mechanism: 'custom', name: 'GSSAPI', principal: 'kafka/h@R', authenticate: async () => {} },
        'GSSAPI',
        'kafka/h@R',
      ],
    ];
    for (const [option, name, principal] of cases) {
      const mechanism = resolveSaslMechanism(option);
      expect([mechanism.name, mechanism.principal]).toEqual([name, principal]);
    }
  });

  it('lists the supported mechanisms for an unknown or missing one', () => {
    const error = configError({ mechanism: 'gssapi' });
    expect(error.option).toBe('sasl.mechanism');
    expect(error.message).toContain(`'gssapi' is not a mechanism kafka-wire knows`);
    for (const name of ['plain', 'scram-sha-256', 'scram-sha-512', 'oauthbearer', 'aws-msk-iam', 'custom']) {
      expect(error.message).toContain(`'${name}'`);
    }
    expect(configError({}).message).toMatch(/'sasl.mechanism': it is missing/);
    expect(configError(null).option).toBe('sasl');
  });

  it('names the missing or misspelt field', () => {
    expect(configError({ mechanism: 'plain', username: 'u' }).option).toBe('sasl.password');
    expect(configError({ mechanism: 'scram-sha-256', password: 'p' }).option).toBe('sasl.username');
    const typo = configError({ mechanism: 'scram-sha-256', user: 'u', password: 'p' });
    expect(typo.option).toBe('sasl.user');
    expect(typo.message).toContain(`'username'`);
    expect(configError({ mechanism: 'oauthbearer' }).message).toMatch(/neither was given/);
    expect(
      configError({
        mechanism: 'oauthbearer',
        oauthBearerProvider: () => ({ value: 't' }),
        oidc: { tokenEndpointUrl: 'https://i/t', clientId: 'c', clientSecret: 's' },
      }).message,
    ).toMatch(/both were given/);
    expect(configError({ mechanism: 'oauthbearer', oidc: { clientId: 'c', clientSecret: 's' } }).option).toBe(
      'sasl.oidc.tokenEndpointUrl',
    );
    expect(
      configError({ mechanism: 'custom', name: 'gssapi lower', authenticate: async () => {} }).option,
    ).toBe('sasl.name');
    expect(configError({ mechanism: 'custom', name: 'GSSAPI' }).option).toBe('sasl.authenticate');
  });

  it('points aws-msk-iam at the kafka-wire/aws entry point, and passes its mechanism through', () => {
    expect(configError({ mechanism: 'aws-msk-iam', region: 'eu-west-1' }).message).toContain(
      `import { awsMskIam } from 'kafka-wire/aws'`,
    );
    const aws = { mechanism: 'aws-msk-iam' as const, name: 'AWS_MSK_IAM', authenticate: async () => {} };
    expect(resolveSaslMechanism(aws)).toBe(aws);
  });

  it('keeps passwords and secrets out of inspect and JSON of every mechanism', () => {
    const secrets: SaslOption[] = [
      { mechanism: 'plain', username: 'u', password: 'TOPSECRET' },
      { mechanism: 'scram-sha-256', username: 'u', password: 'TOPSECRET' },
      {
        mechanism: 'oauthbearer',
        oidc: { tokenEndpointUrl: 'https://idp/t', clientId: 'c', clientSecret: 'TOPSECRET' },
      },
    ];
    for (const option of secrets) {
      const mechanism = resolveSaslMechanism(option);
      expect(inspect(mechanism, { showHidden: true, depth: 10 })).not.toContain('TOPSECRET');
      expect(JSON.stringify(mechanism)).not.toContain('TOPSECRET');
    }
  });
});

describe('custom mechanism', () => {
  it('runs the user function on the exchange and wraps its failures with the broker', async () => {
    const mechanism = resolveSaslMechanism({
      mechanism: 'custom',
      name: 'GSSAPI',
      async authenticate(context) {
        const reply = await context.exchange(Buffer.from('token-1'));
        if (Buffer.from(reply).toString() !== 'ok') throw new Error('kerberos said no');
      },
    });
    const good = scriptedContext([(sent) => (sent === 'token-1' ? 'ok' : 'no')]);
    await mechanism.authenticate(good.context);
    expect(good.sent).toHaveLength(1);

    const bad = scriptedContext([() => 'no']);
    const error = await mechanism.authenticate(bad.context).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(AuthenticationError);
    expect((error as Error).message).toBe(
      'GSSAPI authentication with node 1 (broker1.example.com:9096) failed: kerberos said no',
    );
  });
});
