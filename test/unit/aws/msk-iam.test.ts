import { inspect } from 'node:util';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { AwsMskIamMechanism, awsMskIam, mskIamPayload, regionOfHost } from '../../../src/aws/index.js';
import { AuthenticationError } from '../../../src/net/errors.js';
import { resolveSaslMechanism } from '../../../src/net/sasl/options.js';
import { scriptedContext } from '../net/sasl/scripted-context.js';

const HOST = 'b-1.mycluster.abc123.c2.kafka.eu-west-1.amazonaws.com';
const KEYS = { accessKeyId: 'AKIDEXAMPLE', secretAccessKey: 'wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY' };
const SIGNED_AT = new Date('2020-10-22T10:15:00Z');

// Expected signatures computed independently with a SigV4 presign written in Python 3 (hashlib, hmac,
// urllib.parse.quote), following franz-go's pkg/sasl/aws steps: canonical request "GET\n/\n<sorted, %-encoded
// query>\nhost:<host>\n\nhost\n<sha256 of empty body>", scope <date>/eu-west-1/kafka-cluster/aws4_request.
const SIGNATURE = '3004312faa57832612a3742fe46e3e77f3a9f0b76b22dad67d06d06dd409009f';
const SIGNATURE_WITH_TOKEN = '6967d8101c5a0262b70f484a8c12a1c6d59cfc7bd8bfb5da3987c58e5a947d29';

describe('AWS_MSK_IAM payload', () => {
  it('has exactly the fields aws-msk-iam-auth sends, keys lower-cased, signed for the broker host', async () => {
    const payload = await mskIamPayload({
      host: HOST,
      region: 'eu-west-1',
      credentials: KEYS,
      signingDate: SIGNED_AT,
    });
    expect(payload).toEqual({
      version: '2020_10_22',
      host: HOST,
      'user-agent': expect.stringMatching(/^kafka-wire\/\d+\.\d+\.\d+/),
      action: 'kafka-cluster:Connect',
      'x-amz-algorithm': 'AWS4-HMAC-SHA256',
      'x-amz-credential': 'AKIDEXAMPLE/20201022/eu-west-1/kafka-cluster/aws4_request',
      'x-amz-date': '20201022T101500Z',
      'x-amz-expires': '900',
      'x-amz-signedheaders': 'host',
      'x-amz-signature': SIGNATURE,
    });
  });

  it('carries and signs the session token of temporary credentials', async () => {
    const payload = await mskIamPayload({
      host: HOST,
      region: 'eu-west-1',
      credentials: { ...KEYS, accessKeyId: 'ASIDEXAMPLE', sessionToken: 'FwoGZX/IvYXdz+EJ=' },
      signingDate: SIGNED_AT,
    });
    expect(payload['x-amz-security-token']).toBe('FwoGZX/IvYXdz+EJ=');
    expect(payload['x-amz-signature']).toBe(SIGNATURE_WITH_TOKEN);
  });

  it('reads the region from MSK host names, as aws-msk-iam-auth does', () => {
    expect(regionOfHost(HOST)).toBe('eu-west-1');
    expect(regionOfHost('boot-abc.c1.kafka-serverless.us-east-2.amazonaws.com')).toBe('us-east-2');
    expect(regionOfHost('b-2.x.kafka.cn-north-1.amazonaws.com.cn')).toBe('cn-north-1');
    expect(regionOfHost('kafka.internal.example.com')).toBeUndefined();
  });
});

describe('AwsMskIamMechanism', () => {
  afterEach(() => {
    vi.unstubAllEnvs();
  });

  it('sends the JSON payload for the connection host and accepts the broker JSON', async () => {
    const mechanism = new AwsMskIamMechanism({ credentials: KEYS }, { now: () => SIGNED_AT });
    const { context, sent } = scriptedContext([() => '{"version":"2020_10_22","request-id":"abc"}']);
    const on = { ...context, host: HOST, broker: `node 1 (${HOST}:9098)` };
    await mechanism.authenticate(on);
    const payload = JSON.parse(sent[0]!.toString('utf8'));
    expect(payload.host).toBe(HOST);
    expect(payload['x-amz-signature']).toBe(SIGNATURE);
    expect([mechanism.name, mechanism.principal]).toEqual(['AWS_MSK_IAM', 'AKIDEXAMPLE']);
  });

  it('fails on an empty broker answer, and when the region cannot be known', async () => {
    const mechanism = awsMskIam({ credentials: KEYS });
    const empty = scriptedContext([() => '']);
    await expect(mechanism.authenticate({ ...empty.context, host: HOST })).rejects.toThrow(
      /AWS_MSK_IAM authentication with node 1 .* empty response/,
    );
    const unknown = scriptedContext([]);
    await expect(mechanism.authenticate(unknown.context)).rejects.toThrow(/Set the region option/);
    const regional = awsMskIam({ region: 'us-west-2', credentials: KEYS });
    const ok = scriptedContext([() => '{}']);
    await regional.authenticate(ok.context);
    expect(JSON.parse(ok.sent[0]!.toString())['x-amz-credential']).toContain('/us-west-2/kafka-cluster/');
  });

  it('asks a credentials function for each authentication and reports its failure', async () => {
    let calls = 0;
    const mechanism = awsMskIam({
      region: 'eu-west-1',
      credentials: async () => {
        calls++;
        if (calls === 2) throw new Error('role expired');
        return KEYS;
      },
    });
    await mechanism.authenticate(scriptedContext([() => '{}']).context);
    const failure = mechanism.authenticate(scriptedContext([]).context);
    await expect(failure).rejects.toThrow(AuthenticationError);
    await expect(failure).rejects.toThrow(/no AWS credentials \(role expired\)/);
    await mechanism.authenticate(scriptedContext([() => '{}']).context);
    expect(calls).toBe(3);
  });

  it('without credentials takes them from the AWS default provider chain (environment first)', async () => {
    vi.stubEnv('AWS_ACCESS_KEY_ID', 'AKIDFROMENV');
    vi.stubEnv('AWS_SECRET_ACCESS_KEY', 'secret-from-env');
    vi.stubEnv('AWS_SESSION_TOKEN', 'token-from-env');
    const mechanism = awsMskIam({ region: 'eu-west-1' });
    expect(mechanism.principal).toBeUndefined();
    const { context, sent } = scriptedContext([() => '{}']);
    await mechanism.authenticate(context);
    const payload = JSON.parse(sent[0]!.toString());
    expect(payload['x-amz-credential']).toMatch(/^AKIDFROMENV\//);
    expect(payload['x-amz-security-token']).toBe('token-from-env');
  });

  it('validates options, passes through resolveSaslMechanism and hides the secret key', () => {
    expect(() => awsMskIam({ region: 'Europe' })).toThrow(/'sasl.region'/);
    expect(() => awsMskIam({ credentials: { accessKeyId: 'a' } as never })).toThrow(/'sasl.credentials'/);
    const mechanism = awsMskIam({
      region: 'eu-west-1',
      credentials: { ...KEYS, sessionToken: 'SESSIONTOKEN' },
    });
    expect(resolveSaslMechanism(mechanism)).toBe(mechanism);
    const shown = `${inspect(mechanism, { showHidden: true, depth: 10 })} ${JSON.stringify(mechanism)}`;
    expect(shown).not.toContain('EXAMPLEKEY');
    expect(shown).not.toContain('SESSIONTOKEN');
    expect(shown).toContain('AWS_MSK_IAM');
  });
});
