import { inspect } from 'node:util';
import { describe, expect, it } from 'vitest';
import { AuthenticationError } from '../../../../src/net/errors.js';
import { OAuthBearerMechanism } from '../../../../src/net/sasl/oauthbearer.js';
import { refreshingToken } from '../../../../src/net/sasl/token-cache.js';
import { scriptedContext } from './scripted-context.js';

const JWT = 'eyJhbGciOiJub25lIn0.eyJzdWIiOiJhbGljZSJ9.c2ln';

describe('OAUTHBEARER', () => {
  it('sends the RFC 7628 initial response with extensions and accepts an empty reply', async () => {
    const mechanism = new OAuthBearerMechanism({
      oauthBearerProvider: async () => ({ value: JWT, extensions: { logicalCluster: 'lkc-1', pool: 'a b' } }),
    });
    const { context, sent } = scriptedContext([() => '']);
    await mechanism.authenticate(context);
    expect(sent.map((m) => m.toString('latin1'))).toEqual([
      `n,,\x01auth=Bearer ${JWT}\x01logicalCluster=lkc-1\x01pool=a b\x01\x01`,
    ]);
  });

  it('on a JSON error answers with a lone 0x01 and reports status and scope with the broker', async () => {
    const mechanism = new OAuthBearerMechanism({
      oauthBearerProvider: () => ({ value: JWT }),
      principal: 'svc',
    });
    const brokerFailure = new AuthenticationError('SASL_AUTHENTICATION_FAILED: Authentication failed');
    const { context, sent } = scriptedContext([
      () => '{"status":"invalid_token","scope":"kafka.write"}',
      () => {
        throw brokerFailure;
      },
    ]);
    const error = await mechanism.authenticate(context).catch((e: unknown) => e);
    expect(sent[1]).toEqual(Buffer.from([1]));
    expect(error).toBeInstanceOf(AuthenticationError);
    expect((error as Error).message).toMatch(
      /OAUTHBEARER authentication of 'svc' with node 1 \(broker1.example.com:9096\) failed: the broker refused the token \(status 'invalid_token', scope 'kafka.write'\)/,
    );
    expect((error as Error).cause).toBe(brokerFailure);
    expect((error as Error).message).not.toContain(JWT);
  });

  it('still fails when the broker does not end the exchange after the 0x01', async () => {
    const mechanism = new OAuthBearerMechanism({ oauthBearerProvider: () => ({ value: JWT }) });
    const { context } = scriptedContext([() => 'not json', () => '']);
    await expect(mechanism.authenticate(context)).rejects.toThrow(
      /refused the token \(it answered 'not json'\)/,
    );
  });

  it('refuses extensions Kafka would refuse and tokens that are not bearer tokens, before sending', async () => {
    const cases: Array<[Record<string, string>, string, RegExp]> = [
      [{ auth: 'x' }, JWT, /extension name 'auth' is not allowed/],
      [{ 'bad-key': 'x' }, JWT, /extension name 'bad-key'/],
      [{ k: '\x01' }, JWT, /value of SASL extension 'k'/],
      [{ k: '' }, JWT, /value of SASL extension 'k'/],
      [{}, 'has space', /characters a bearer token cannot have/],
      [{}, '', /gave no token/],
    ];
    for (const [extensions, value, message] of cases) {
      const mechanism = new OAuthBearerMechanism({ oauthBearerProvider: () => ({ value, extensions }) });
      const { context, sent } = scriptedContext([() => '']);
      await expect(mechanism.authenticate(context)).rejects.toThrow(message);
      expect(sent).toHaveLength(0);
    }
  });

  it('wraps a failing provider in an AuthenticationError naming the broker', async () => {
    const mechanism = new OAuthBearerMechanism({
      oauthBearerProvider: async () => {
        throw new Error('vault unreachable');
      },
    });
    const { context } = scriptedContext([]);
    await expect(mechanism.authenticate(context)).rejects.toThrow(
      /with node 1 \(broker1.example.com:9096\) failed: the token provider failed \(vault unreachable\)/,
    );
  });

  it('names the broker also when the provider fails with an AuthenticationError (the OIDC one does)', async () => {
    const cause = new AuthenticationError('OIDC token request to https://idp/token failed: HTTP 401');
    const mechanism = new OAuthBearerMechanism({
      oauthBearerProvider: async () => {
        throw cause;
      },
    });
    const error = (await mechanism
      .authenticate(scriptedContext([]).context)
      .catch((e: unknown) => e)) as Error;
    expect(error).toBeInstanceOf(AuthenticationError);
    expect(error.message).toMatch(
      /with node 1 .*the token provider failed \(OIDC token request .* HTTP 401\)/,
    );
    expect(error.cause).toBe(cause);
  });

  it('asks the provider each time unless the token has a lifetime', async () => {
    let calls = 0;
    const mechanism = new OAuthBearerMechanism({ oauthBearerProvider: () => ({ value: `t${++calls}` }) });
    await mechanism.authenticate(scriptedContext([() => '']).context);
    await mechanism.authenticate(scriptedContext([() => '']).context);
    expect(calls).toBe(2);
  });

  it('never shows the token through inspect or JSON', async () => {
    const mechanism = new OAuthBearerMechanism({ oauthBearerProvider: () => ({ value: JWT }) });
    await mechanism.authenticate(scriptedContext([() => '']).context);
    expect(inspect(mechanism, { showHidden: true, depth: 10 })).not.toContain('eyJ');
    expect(JSON.stringify(mechanism)).not.toContain('eyJ');
  });

  it('refuses a missing provider with the option name', () => {
    expect(() => new OAuthBearerMechanism({} as never)).toThrow(/'sasl.oauthBearerProvider'/);
  });
});

describe('refreshingToken', () => {
  it('reuses a token until 80% of its remaining life, shares one fetch, and does not keep failures', async () => {
    let now = 1_000_000;
    let calls = 0;
    let fail = false;
    const token = refreshingToken(
      async () => {
        calls++;
        if (fail) throw new Error('down');
        return { value: `t${calls}`, lifetimeMs: now + 100_000 };
      },
      () => now,
    );

    const [a, b] = await Promise.all([token(), token()]);
    expect([a.value, b.value, calls]).toEqual(['t1', 't1', 1]);
    now += 79_999;
    expect((await token()).value).toBe('t1');
    now += 1;
    fail = true;
    await expect(token()).rejects.toThrow('down');
    fail = false;
    expect((await token()).value).toBe('t3');
    expect(calls).toBe(3);
  });

  it('does not cache an already expired token', async () => {
    let calls = 0;
    const token = refreshingToken(
      () => ({ value: `t${++calls}`, lifetimeMs: 5 }),
      () => 10,
    );
    await token();
    await token();
    expect(calls).toBe(2);
  });
});
