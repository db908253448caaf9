// The built-in OAUTHBEARER token provider: the OAuth 2 client-credentials grant against an OIDC token endpoint, as
// Java's OAuthBearerLoginCallbackHandler does it (KIP-768). One POST of
//   grant_type=client_credentials[&scope=...]
// with HTTP Basic auth of urlencode(clientId):urlencode(clientSecret) (Java encodes both before joining them); the
// answer's access_token is the bearer token and the earlier of expires_in and the JWT's exp claim its lifetime, so the token
// is cached until 80% of that lifetime. Like Java, timeouts, 408, 429 and 5xx answers and network failures are
// retried with exponential backoff until the next wait would exceed the maximum; any other answer fails at once.
// Errors name the endpoint and the HTTP status; the client secret never appears in them.

import { ExponentialBackoff } from '../backoff.js';
import { AuthenticationError } from '../errors.js';
import { requireString, SaslConfigError } from './config-error.js';
import { type OAuthBearerToken, refreshingToken } from './token-cache.js';

export interface OidcClientCredentialsOptions {
  /** Java: `sasl.oauthbearer.token.endpoint.url`. */
  tokenEndpointUrl: string;
  /** Java: `clientId` in `sasl.jaas.config`. */
  clientId: string;
  /** Java: `clientSecret` in `sasl.jaas.config`. */
  clientSecret: string;
  /** Java: `scope` in `sasl.jaas.config`; sent only when given. */
  scope?: string;
  /** SASL extensions sent with every token. Java: `extension_<name>` entries in `sasl.jaas.config`. */
  extensions?: Record<string, string>;
  /** Per token request. Java: `sasl.login.connect.timeout.ms` + `sasl.login.read.timeout.ms`. Default 10000. */
  requestTimeoutMs?: number;
  /** First retry wait. Java: `sasl.login.retry.backoff.ms`, default 100. */
  retryBackoffMs?: number;
  /** Longest retry wait; retries stop once it is reached. Java: `sasl.login.retry.backoff.max.ms`, default 10000. */
  retryBackoffMaxMs?: number;
}

/** A token provider that also says who it authenticates as (for error messages). */
export interface OidcTokenProvider {
  (): Promise<OAuthBearerToken>;
  readonly clientId: string;
}

const RETRIABLE_STATUS = new Set([408, 429, 500, 502, 503, 504]);

/** Builds the OIDC client-credentials provider; it validates its options at once and fetches on first use. */
export function oidcClientCredentialsProvider(options: OidcClientCredentialsOptions): OidcTokenProvider {
  const endpoint = parseEndpoint(options.tokenEndpointUrl);
  const clientId = requireString(options.clientId, 'sasl.oidc.clientId', 'The OAuth client id');
  const clientSecret = requireString(
    options.clientSecret,
    'sasl.oidc.clientSecret',
    'The OAuth client secret',
  );
  const scope =
    options.scope === undefined ? undefined : requireString(options.scope, 'sasl.oidc.scope', 'The scope');
  const timeoutMs = options.requestTimeoutMs ?? 10_000;
  const backoff = new ExponentialBackoff({
    initialMs: options.retryBackoffMs ?? 100,
    maxMs: options.retryBackoffMaxMs ?? 10_000,
  });
  const authorization = `Basic ${Buffer.from(`${encodeURIComponent(clientId)}:${encodeURIComponent(clientSecret)}`).toString('base64')}`;
  const body = new URLSearchParams({
    grant_type: 'client_credentials',
    ...(scope === undefined ? {} : { scope }),
  });
  const where = `${endpoint.origin}${endpoint.pathname}`;
  // Whatever the identity provider answers is scrubbed of the secret before it is quoted (some echo the request).
  const scrub = (text: string): string => text.split(clientSecret).join('***');
  const fail = (what: string, cause?: unknown): AuthenticationError =>
    new AuthenticationError(`OIDC token request to ${where} for client id '${clientId}' ${what}`, {
      cause,
    });

  const fetchToken = async (): Promise<OAuthBearerToken> => {
    for (let attempt = 0; ; attempt++) {
      let retriable: AuthenticationError;
      try {
        const response = await fetch(endpoint, {
          method: 'POST',
          headers: {
            authorization,
            'content-type': 'application/x-www-form-urlencoded',
            accept: 'application/json',
          },
          body: body.toString(),
          signal: AbortSignal.timeout(timeoutMs),
        });
        const text = await response.text();
        if (response.ok) return parseTokenResponse(text, options.extensions, fail);
        const error = fail(
          `failed: HTTP ${response.status}${response.statusText ? ` ${response.statusText}` : ''}${describeErrorBody(scrub(text))}. ${
            response.status === 401 || response.status === 400
              ? 'Check the client id, client secret and scope.'
              : 'Check the token endpoint URL and the identity provider.'
          }`,
        );
        if (!RETRIABLE_STATUS.has(response.status)) throw error;
        retriable = error;
      } catch (error) {
        if (error instanceof AuthenticationError) throw error;
        const reason =
          (error as Error)?.name === 'TimeoutError' ? `timed out after ${timeoutMs} ms` : String(error);
        retriable = fail(`failed: ${reason}. Check that the endpoint is reachable.`, error);
      }
      // Judged on the wait before jitter: with jitter at the cap, a factor below 1 kept retrying for as long as the
      // dice said, so the number of requests was unbounded.
      if (backoff.initialMs * backoff.multiplier ** attempt >= backoff.maxMs) throw retriable;
      await new Promise((resolve) => setTimeout(resolve, backoff.backoff(attempt)));
    }
  };
  const provider = refreshingToken(fetchToken);
  return Object.assign(() => provider(), { clientId });
}

function parseEndpoint(url: unknown): URL {
  const text = requireString(url, 'sasl.oidc.tokenEndpointUrl', 'The OIDC token endpoint URL');
  let parsed: URL | undefined;
  try {
    parsed = new URL(text);
  } catch {
    parsed = undefined;
  }
  if (parsed === undefined || (parsed.protocol !== 'https:' && parsed.protocol !== 'http:')) {
    throw new SaslConfigError(
      'sasl.oidc.tokenEndpointUrl',
      'must be an http(s) URL such as https://idp.example.com/oauth2/token.',
    );
  }
  return parsed;
}

function parseTokenResponse(
  text: string,
  extensions: Record<string, string> | undefined,
  fail: (what: string) => AuthenticationError,
): OAuthBearerToken {
  let json: Record<string, unknown>;
  try {
    json = JSON.parse(text) as Record<string, unknown>;
  } catch {
    throw fail(`answered HTTP 200 with a body that is not JSON. Check the token endpoint URL.`);
  }
  const value = json.access_token;
  if (typeof value !== 'string' || value.length === 0) {
    throw fail(`answered without an access_token. Check the token endpoint URL.`);
  }
  const expiresIn = json.expires_in;
  const fromExpiresIn =
    typeof expiresIn === 'number' && expiresIn > 0 ? Date.now() + expiresIn * 1000 : undefined;
  // The broker ends the session at the JWT's exp (whole seconds, stamped when the token was minted), which can be
  // up to a second before fetch time + expires_in: trusting the later one let a re-authentication reuse a token
  // with almost no life left, so the broker closed the connection right after. The earlier of the two is right.
  const fromJwt = jwtExpiryMs(value);
  const lifetimeMs =
    fromExpiresIn === undefined
      ? fromJwt
      : fromJwt === undefined
        ? fromExpiresIn
        : Math.min(fromExpiresIn, fromJwt);
  return {
    value,
    ...(extensions === undefined ? {} : { extensions }),
    ...(lifetimeMs === undefined ? {} : { lifetimeMs }),
  };
}

/** The exp claim of a JWT in ms, or undefined when the token is not a JWT or has none. */
function jwtExpiryMs(token: string): number | undefined {
  const payload = token.split('.')[1];
  if (payload === undefined) return undefined;
  try {
    const exp = (JSON.parse(Buffer.from(payload, 'base64url').toString('utf8')) as { exp?: unknown }).exp;
    return typeof exp === 'number' ? exp * 1000 : undefined;
  } catch {
    return undefined;
  }
}

/** RFC 6749 error bodies: {"error": "...", "error_description": "..."}; anything else is quoted briefly. */
function describeErrorBody(text: string): string {
  try {
    const json = JSON.parse(text) as { error?: unknown; error_description?: unknown };
    if (typeof json.error === 'string') {
      const description = typeof json.error_description === 'string' ? `: ${json.error_description}` : '';
      return ` (${json.error}${description})`.slice(0, 300);
    }
  } catch {
    // not JSON
  }
  return text.trim().length === 0 ? '' : ` ('${text.trim().slice(0, 200)}')`;
}
