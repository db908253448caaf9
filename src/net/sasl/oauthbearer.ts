// SASL/OAUTHBEARER (RFC 7628) as Kafka's OAuthBearerSaslClient speaks it. The client's only message is
//   n,,\x01auth=Bearer <token>[\x01key=value ...]\x01\x01
// The broker answers with empty bytes when it accepts the token. When it does not, it answers with a JSON error
// ({"status":"invalid_token","scope":...}); RFC 7628 then has the client send a lone \x01, after which the broker
// fails the exchange. The JSON is the only place the broker says why, so it goes into the error we raise.
// Extensions are checked as Kafka's OAuthBearerClientInitialResponse checks them, so a bad one is reported here
// rather than as an opaque refusal by the broker.

import { AuthenticationError } from '../errors.js';
import { SaslConfigError } from './config-error.js';
import type { SaslAuthenticationContext, SaslMechanism } from './mechanism.js';
import { type OAuthBearerToken, type OAuthBearerTokenProvider, refreshingToken } from './token-cache.js';

export type { OAuthBearerToken, OAuthBearerTokenProvider } from './token-cache.js';

const SEPARATOR = '\x01';
const EXTENSION_KEY = /^[A-Za-z]+$/;
const EXTENSION_VALUE = /^[\x21-\x7E \t\r\n]+$/;
/** RFC 6750 b64token: what may follow "Bearer " (a JWT fits). */
const BEARER_TOKEN = /^[-A-Za-z0-9._~+/]+=*$/;

export interface OAuthBearerOptions {
  /**
   * Called for each authentication (each new connection and each re-authentication) unless the last token it gave
   * carries `lifetimeMs` and is not yet due for refresh. Java: `sasl.login.callback.handler.class`.
   */
  oauthBearerProvider: OAuthBearerTokenProvider;
  /** Who authenticates, for error messages (e.g. the OAuth client id); never sent. */
  principal?: string;
}

/** Java: `sasl.mechanism=OAUTHBEARER` with `org.apache.kafka.common.security.oauthbearer.OAuthBearerLoginModule`. */
export class OAuthBearerMechanism implements SaslMechanism {
  readonly name = 'OAUTHBEARER';
  readonly principal: string | undefined;
  readonly #token: () => Promise<OAuthBearerToken>;

  constructor(options: OAuthBearerOptions) {
    if (typeof options.oauthBearerProvider !== 'function') {
      throw new SaslConfigError(
        'sasl.oauthBearerProvider',
        'OAUTHBEARER needs a function that resolves with { value: <token> } (or sasl.oidc for the built-in OIDC client-credentials provider).',
      );
    }
    this.principal = options.principal;
    this.#token = refreshingToken(options.oauthBearerProvider);
  }

  async authenticate(context: SaslAuthenticationContext): Promise<void> {
    const who = this.principal === undefined ? '' : ` of '${this.principal}'`;
    const fail = (what: string, cause?: unknown): AuthenticationError =>
      new AuthenticationError(`OAUTHBEARER authentication${who} with ${context.broker} failed: ${what}`, {
        cause,
      });
    let token: OAuthBearerToken;
    try {
      token = await this.#token();
    } catch (error) {
      // Wrapped even when it is already an AuthenticationError (the OIDC provider's): only here is the broker known.
      throw fail(
        `the token provider failed (${(error as Error)?.message ?? String(error)}). Fix the provider.`,
        error,
      );
    }
    const reply = await context.exchange(Buffer.from(initialResponse(token, fail), 'utf8'));
    if (reply.length === 0) return;

    const detail = describeServerError(Buffer.from(reply).toString('utf8'));
    const refused = fail(
      `the broker refused the token (${detail}). Check the token's expiry, audience and scope against the broker's OAuth settings.`,
    );
    try {
      await context.exchange(Buffer.from(SEPARATOR, 'utf8'));
    } catch (error) {
      // The expected outcome: the broker ends the exchange with SASL_AUTHENTICATION_FAILED.
      throw new AuthenticationError(refused.message, { cause: error });
    }
    throw refused;
  }
}

/** The client's initial response; `fail` builds the error for a token or extension the broker could not parse. */
export function initialResponse(token: OAuthBearerToken, fail: (what: string) => Error): string {
  const value = token?.value;
  if (typeof value !== 'string' || !BEARER_TOKEN.test(value)) {
    throw fail(
      typeof value === 'string' && value.length > 0
        ? 'the provider gave a token with characters a bearer token cannot have (RFC 6750: letters, digits, -._~+/ and trailing =).'
        : 'the provider gave no token: it must resolve with { value: <token> }.',
    );
  }
  let message = `n,,${SEPARATOR}auth=Bearer ${value}`;
  for (const [key, extension] of Object.entries(token.extensions ?? {})) {
    if (!EXTENSION_KEY.test(key) || key === 'auth') {
      throw fail(`the SASL extension name '${key}' is not allowed: it must be letters only and not 'auth'.`);
    }
    if (typeof extension !== 'string' || !EXTENSION_VALUE.test(extension)) {
      throw fail(`the value of SASL extension '${key}' must be printable ASCII (spaces and tabs allowed).`);
    }
    message += `${SEPARATOR}${key}=${extension}`;
  }
  return `${message}${SEPARATOR}${SEPARATOR}`;
}

/** The broker's JSON error ({"status","scope","openid-configuration"}) as text for an error message. */
function describeServerError(text: string): string {
  try {
    const json = JSON.parse(text) as Record<string, unknown>;
    const parts = ['status', 'scope', 'openid-configuration']
      .filter((key) => typeof json[key] === 'string')
      .map((key) => `${key} '${json[key] as string}'`);
    if (parts.length > 0) return parts.join(', ');
  } catch {
    // Not JSON: quote what the broker sent, cut short.
  }
  return `it answered '${text.slice(0, 200)}'`;
}
