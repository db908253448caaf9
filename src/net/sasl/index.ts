// SASL mechanisms of kafka-wire: each one only knows its own messages and talks to the broker through the
// `exchange` the connection hands it (see SaslAuthenticationContext). resolveSaslMechanism turns the user's `sasl`
// option into one of them.

export { SaslConfigError } from './config-error.js';
export { CustomMechanism, type CustomMechanismOptions } from './custom.js';
export type { SaslAuthenticationContext, SaslMechanism } from './mechanism.js';
export { OAuthBearerMechanism, type OAuthBearerOptions } from './oauthbearer.js';
export {
  type OidcClientCredentialsOptions,
  type OidcTokenProvider,
  oidcClientCredentialsProvider,
} from './oidc.js';
export {
  type CustomSaslOption,
  type OAuthBearerSaslOption,
  type PlainSaslOption,
  type ProvidedSaslOption,
  resolveSaslMechanism,
  type SaslOption,
  type ScramSaslOption,
  SUPPORTED_SASL_MECHANISMS,
} from './options.js';
export { PlainMechanism, type PlainOptions } from './plain.js';
export { SCRAM_MIN_ITERATIONS, type ScramHash, ScramMechanism, type ScramOptions } from './scram.js';
export { type OAuthBearerToken, type OAuthBearerTokenProvider, refreshingToken } from './token-cache.js';
