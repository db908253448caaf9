// The secured test broker's OAuth token endpoint: what the OAUTHBEARER tests (ours and Kafka's Java client)
// rely on it to answer.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTokenEndpoint } from '../../../scripts/lib/index.mjs';

const clients = { 'client:one': 's3cret+/=' };
let endpoint: Awaited<ReturnType<typeof startTokenEndpoint>>;

beforeAll(async () => {
  endpoint = await startTokenEndpoint({ clients, lifetimeSeconds: 60, scope: 'kafka' });
});
afterAll(() => endpoint.close());

function post(body: string, headers: Record<string, string> = {}) {
  return fetch(endpoint.url, {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded', ...headers },
    body,
  });
}

const basic = (id: string, secret: string) =>
  `Basic ${Buffer.from(`${encodeURIComponent(id)}:${encodeURIComponent(secret)}`).toString('base64')}`;

function claims(token: string): Record<string, unknown> {
  const [header, payload, signature] = token.split('.');
  expect(JSON.parse(Buffer.from(header ?? '', 'base64url').toString())).toEqual({ alg: 'none', typ: 'JWT' });
  expect(signature).toBe('');
  return JSON.parse(Buffer.from(payload ?? '', 'base64url').toString());
}

describe('test token endpoint', () => {
  it('issues an unsecured JWT for client credentials in HTTP Basic (form-encoded parts)', async () => {
    const before = endpoint.issued();
    const res = await post('grant_type=client_credentials', {
      authorization: basic('client:one', 's3cret+/='),
    });
    expect(res.status).toBe(200);
    const body = (await res.json()) as { access_token: string; token_type: string; expires_in: number };
    expect(body.token_type).toBe('Bearer');
    expect(body.expires_in).toBe(60);
    const c = claims(body.access_token);
    expect(c).toMatchObject({ sub: 'client:one', scope: 'kafka' });
    expect(Number(c.exp) - Number(c.iat)).toBe(60);
    expect(endpoint.issued()).toBe(before + 1);
  });

  it('takes credentials and a scope from the form body too', async () => {
    const form = new URLSearchParams({
      grant_type: 'client_credentials',
      client_id: 'client:one',
      client_secret: 's3cret+/=',
      scope: 'other',
    });
    const res = await post(form.toString());
    expect(res.status).toBe(200);
    expect(claims(((await res.json()) as { access_token: string }).access_token).scope).toBe('other');
  });

  it('refuses a wrong secret with 401 invalid_client and another grant with 400', async () => {
    const wrong = await post('grant_type=client_credentials', { authorization: basic('client:one', 'nope') });
    expect(wrong.status).toBe(401);
    expect(await wrong.json()).toMatchObject({ error: 'invalid_client' });
    const grant = await post('grant_type=password', { authorization: basic('client:one', 's3cret+/=') });
    expect(grant.status).toBe(400);
    expect(await grant.json()).toMatchObject({ error: 'unsupported_grant_type' });
  });
});
