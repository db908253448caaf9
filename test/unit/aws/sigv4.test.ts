import { describe, expect, it } from 'vitest';
import { NodeSha256, presignQuery } from '../../../src/aws/sigv4.js';

// AWS's SigV4 test suite (as published in awslabs/aws-c-auth, tests/aws-signing-test-suite/v4): "get-vanilla" and
// "get-vanilla-with-session-token", query (presigned) flavour: GET / with Host:example.amazonaws.com, signed
// 2015-08-30T12:36:00Z for us-east-1, service "service", expiring in 3600 s, body hash of the empty string.
const VANILLA = {
  host: 'example.amazonaws.com',
  region: 'us-east-1',
  service: 'service',
  query: {},
  signingDate: new Date('2015-08-30T12:36:00Z'),
  expiresInSeconds: 3600,
};
const KEYS = { accessKeyId: 'AKIDEXAMPLE', secretAccessKey: 'wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY' };

describe('SigV4 presigning', () => {
  it('get-vanilla (query): e93c787e...', async () => {
    const query = await presignQuery({ ...VANILLA, credentials: KEYS });
    expect(query).toEqual({
      'X-Amz-Algorithm': 'AWS4-HMAC-SHA256',
      'X-Amz-Credential': 'AKIDEXAMPLE/20150830/us-east-1/service/aws4_request',
      'X-Amz-Date': '20150830T123600Z',
      'X-Amz-Expires': '3600',
      'X-Amz-SignedHeaders': 'host',
      'X-Amz-Signature': 'e93c787ed7f371d5c6b165c1b38ede9550f4dce4144713e844b25b7192d3865d',
    });
  });

  it('get-vanilla-with-session-token (query): the token is signed into the query', async () => {
    const sessionToken = '6e86291e8372ff2a2260956d9b8aae1d763fbf315fa00fa31553b73ebf194267';
    const query = await presignQuery({ ...VANILLA, credentials: { ...KEYS, sessionToken } });
    expect(query['X-Amz-Security-Token']).toBe(sessionToken);
    expect(query['X-Amz-Signature']).toBe('7ff2b50b376cb4d151970630573d6291dc128cc5c2a12ffb237f73cc53f67b6c');
  });

  it('NodeSha256 hashes and keys like node:crypto and resets', async () => {
    const plain = new NodeSha256();
    plain.update('abc');
    expect(Buffer.from(await plain.digest()).toString('hex')).toBe(
      'ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad',
    );
    // RFC 4231 test case 2: key "Jefe", data "what do ya want for nothing?".
    const keyed = new NodeSha256('Jefe');
    keyed.update(new TextEncoder().encode('what do ya want '));
    keyed.update('for nothing?');
    expect(Buffer.from(await keyed.digest()).toString('hex')).toBe(
      '5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843',
    );
    keyed.reset();
    keyed.update('what do ya want for nothing?');
    expect(Buffer.from(await keyed.digest()).toString('hex')).toBe(
      '5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843',
    );
  });
});
