// Bearer tokens are fetched once and shared by every connection until they are due for refresh, rather than once per
// connection: a client with many brokers would otherwise hit the identity provider for each. A token is due, as in
// Java's ExpiringCredentialRefreshingLogin (sasl.login.refresh.window.factor=0.8), after 80% of the time it had
// left when it arrived, so re-authentications (KIP-368, at 85-95% of the broker's session, which ends no later than
// the token) pick up a fresh one. Callers arriving while a fetch runs wait for that fetch; a failed fetch is not kept.

/** What a token provider resolves with. */
export interface OAuthBearerToken {
  /** The bearer token (usually a JWT), sent as `auth=Bearer <value>`. */
  value: string;
  /** SASL extensions sent with the token (e.g. Confluent Cloud's logicalCluster, identityPoolId). */
  extensions?: Record<string, string>;
  /**
   * When the token expires, in milliseconds since the epoch (Java: OAuthBearerToken.lifetimeMs()). Given, the token
   * is reused until 80% of its remaining life has passed; absent, the provider is asked for every authentication.
   */
  lifetimeMs?: number;
}

export type OAuthBearerTokenProvider = () => Promise<OAuthBearerToken> | OAuthBearerToken;

/** Java's sasl.login.refresh.window.factor default. */
export const TOKEN_REFRESH_WINDOW_FACTOR = 0.8;

/** Wraps a provider so that a token with a lifetime is reused until its refresh is due. */
export function refreshingToken(
  provider: OAuthBearerTokenProvider,
  now: () => number = Date.now,
): () => Promise<OAuthBearerToken> {
  let cached: { token: OAuthBearerToken; refreshAt: number } | undefined;
  let pending: Promise<OAuthBearerToken> | undefined;
  return () => {
    if (cached !== undefined && now() < cached.refreshAt) return Promise.resolve(cached.token);
    if (pending !== undefined) return pending;
    const obtainedAt = now();
    pending = (async () => {
      try {
        const token = await provider();
        const lifetime = token?.lifetimeMs;
        cached =
          typeof lifetime === 'number' && lifetime > obtainedAt
            ? { token, refreshAt: obtainedAt + (lifetime - obtainedAt) * TOKEN_REFRESH_WINDOW_FACTOR }
            : undefined;
        return token;
      } finally {
        pending = undefined;
      }
    })();
    return pending;
  };
}
