import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { inspect } from 'node:util';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { AuthenticationError } from '../../../../src/net/errors.js';
import { oidcClientCredentialsProvider } from '../../../../src/net/sasl/oidc.js';

const SECRET = 'sec:ret/&=+';

interface Seen {
  authorization: string | undefined;
  contentType: string | undefined;
  body: string;
}

/** A real HTTP token endpoint on loopback; `answer` decides each response. */
async function tokenEndpoint(
  answer: (request: Seen, count: number) => { status: number; body: string },
): Promise<{ url: string; seen: Seen[]; server: Server }> {
  const seen: Seen[] = [];
  const server = createServer((request: IncomingMessage, response: ServerResponse) => {
    let body = '';
    request.on('data', (chunk: Buffer) => {
      body += chunk.toString('utf8');
    });
    request.on('end', () => {
      const entry = {
        authorization: request.headers.authorization,
        contentType: request.headers['content-type'],
        body,
      };
      seen.push(entry);
      const { status, body: reply } = answer(entry, seen.length);
      response.writeHead(status, { 'content-type': 'application/json' }).end(reply);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  servers.push(server);
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/oauth2/token`, seen, server };
}

const servers: Server[] = [];
const cleanups: (() => void)[] = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0)) cleanup();
  await Promise.all(servers.splice(0).map((server) => new Promise((resolve) => server.close(resolve))));
});

describe('OIDC client-credentials provider', () => {
  it('posts the client-credentials grant with url-encoded Basic auth and caches the token by expires_in', async () => {
    const endpoint = await tokenEndpoint((_, n) => ({
      status: 200,
      body: JSON.stringify({ access_token: `token-${n}`, token_type: 'bearer', expires_in: 3600 }),
    }));
    const provider = oidcClientCredentialsProvider({
      tokenEndpointUrl: endpoint.url,
      clientId: 'kafka client',
      clientSecret: SECRET,
      scope: 'kafka.produce',
      extensions: { logicalCluster: 'lkc-1' },
    });
    const [first, second] = await Promise.all([provider(), provider()]);
    expect(first.value).toBe('token-1');
    expect(second).toBe(first);
    expect(first.extensions).toEqual({ logicalCluster: 'lkc-1' });
    expect(first.lifetimeMs).toBeGreaterThan(Date.now() + 3_500_000);
    expect(endpoint.seen).toHaveLength(1);
    const { authorization, contentType, body } = endpoint.seen[0]!;
    expect(contentType).toBe('application/x-www-form-urlencoded');
    expect(new URLSearchParams(body).get('grant_type')).toBe('client_credentials');
    expect(new URLSearchParams(body).get('scope')).toBe('kafka.produce');
    expect(Buffer.from(authorization!.replace(/^Basic /, ''), 'base64').toString()).toBe(
      `${encodeURIComponent('kafka client')}:${encodeURIComponent(SECRET)}`,
    );
    expect(provider.clientId).toBe('kafka client');
  });

  it('takes the lifetime from the JWT exp claim when expires_in is absent', async () => {
    const exp = Math.floor(Date.now() / 1000) + 600;
    const jwt = `e30.${Buffer.from(JSON.stringify({ exp })).toString('base64url')}.sig`;
    const endpoint = await tokenEndpoint(() => ({
      status: 200,
      body: JSON.stringify({ access_token: jwt }),
    }));
    const provider = oidcClientCredentialsProvider({
      tokenEndpointUrl: endpoint.url,
      clientId: 'c',
      clientSecret: 's',
    });
    expect((await provider()).lifetimeMs).toBe(exp * 1000);
  });

  it('takes the earlier of expires_in and the JWT exp claim, since the broker ends the session at exp', async () => {
    // exp is whole seconds from when the token was minted: here it falls before fetch time + expires_in.
    const exp = Math.floor(Date.now() / 1000) + 8;
    const jwt = `e30.${Buffer.from(JSON.stringify({ exp })).toString('base64url')}.sig`;
    const endpoint = await tokenEndpoint(() => ({
      status: 200,
      body: JSON.stringify({ access_token: jwt, expires_in: 9 }),
    }));
    const provider = oidcClientCredentialsProvider({
      tokenEndpointUrl: endpoint.url,
      clientId: 'c',
      clientSecret: 's',
    });
    expect((await provider()).lifetimeMs).toBe(exp * 1000);
  });

  it('fails at once on 401 with the endpoint, status and provider error, never the secret', async () => {
    const endpoint = await tokenEndpoint(() => ({
      status: 401,
      body: JSON.stringify({ error: 'invalid_client', error_description: `bad secret ${SECRET}` }),
    }));
    const provider = oidcClientCredentialsProvider({
      tokenEndpointUrl: endpoint.url,
      clientId: 'svc',
      clientSecret: SECRET,
    });
    const error = (await provider().catch((e: unknown) => e)) as Error;
    expect(error).toBeInstanceOf(AuthenticationError);
    expect(error.message).toContain(
      `OIDC token request to ${endpoint.url} for client id 'svc' failed: HTTP 401`,
    );
    expect(error.message).toContain('invalid_client');
    expect(error.message).not.toContain(SECRET);
    expect(endpoint.seen).toHaveLength(1);
  });

  it('retries 503 with backoff, then succeeds', async () => {
    const endpoint = await tokenEndpoint((_, n) =>
      n < 3 ? { status: 503, body: '' } : { status: 200, body: JSON.stringify({ access_token: 'ok' }) },
    );
    const provider = oidcClientCredentialsProvider({
      tokenEndpointUrl: endpoint.url,
      clientId: 'c',
      clientSecret: 's',
      retryBackoffMs: 1,
      retryBackoffMaxMs: 50,
    });
    expect((await provider()).value).toBe('ok');
    expect(endpoint.seen).toHaveLength(3);
  });

  it('gives up on a persistent 500 once the backoff reaches its maximum', async () => {
    const endpoint = await tokenEndpoint(() => ({ status: 500, body: 'oops' }));
    // Waits of about 1, 2, 4 ms, then the next would be the 8 ms maximum, so it gives up after the fourth request,
    // whatever the jitter: the lowest factor is pinned here (the provider's backoff reads Math.random, so the spy
    // goes in before the provider is built); judged after jitter, that kept retrying at the cap without end.
    const random = vi.spyOn(Math, 'random').mockReturnValue(0);
    cleanups.push(() => random.mockRestore());
    const provider = oidcClientCredentialsProvider({
      tokenEndpointUrl: endpoint.url,
      clientId: 'c',
      clientSecret: 'not-in-the-body',
      retryBackoffMs: 1,
      retryBackoffMaxMs: 8,
    });
    await expect(provider()).rejects.toThrow(/HTTP 500.*\('oops'\)/);
    expect(endpoint.seen).toHaveLength(4);
  });

  it('reports an unreachable endpoint and an answer without access_token', async () => {
    const closed = await tokenEndpoint(() => ({ status: 200, body: '{}' }));
    await expect(
      oidcClientCredentialsProvider({ tokenEndpointUrl: closed.url, clientId: 'c', clientSecret: 's' })(),
    ).rejects.toThrow(/without an access_token/);
    await new Promise((resolve) => closed.server.close(resolve));
    await expect(
      oidcClientCredentialsProvider({
        tokenEndpointUrl: closed.url,
        clientId: 'c',
        clientSecret: 's',
        retryBackoffMs: 1,
        retryBackoffMaxMs: 4,
      })(),
    ).rejects.toThrow(/failed: .*Check that the endpoint is reachable/);
  });

  it('validates its options and hides the secret from inspect and JSON', () => {
    expect(() =>
      oidcClientCredentialsProvider({ tokenEndpointUrl: 'ftp://x', clientId: 'c', clientSecret: 's' }),
    ).toThrow(/'sasl.oidc.tokenEndpointUrl'/);
    expect(() =>
      oidcClientCredentialsProvider({ tokenEndpointUrl: 'https://idp/token', clientId: 'c' } as never),
    ).toThrow(/'sasl.oidc.clientSecret'/);
    const provider = oidcClientCredentialsProvider({
      tokenEndpointUrl: 'https://idp/token',
      clientId: 'c',
      clientSecret: SECRET,
    });
    expect(inspect(provider, { showHidden: true, depth: 10 })).not.toContain('sec:ret');
    expect(JSON.stringify({ provider })).not.toContain('sec:ret');
  });
});
