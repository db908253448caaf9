// kafka-wire network layer: broker connections (framing, correlation, timeouts, TLS, ApiVersions negotiation, SASL
// authentication and re-authentication) and the connection pool. Knows Kafka's wire format (src/protocol) but
// nothing of the producer.

export { type ApiVersionRange, ApiVersionTable, type VersionedApi } from './api-version-table.js';
export {
  ExponentialBackoff,
  type ExponentialBackoffOptions,
  reconnectBackoff,
  retryBackoff,
} from './backoff.js';
export {
  CLIENT_SOFTWARE_NAME,
  CLIENT_SOFTWARE_PATTERN,
  CLIENT_SOFTWARE_VERSION,
  toClientSoftwareField,
} from './client-software.js';
export { Connection, type ConnectionOptions, type RequestOptions, type SendOptions } from './connection.js';
export {
  AuthenticationError,
  BrokerProtocolError,
  ClientClosedError,
  ConnectionSetupTimeoutError,
  NetworkError,
  RequestTimeoutError,
  UnsupportedVersionError,
} from './errors.js';
export { DEFAULT_MAX_FRAME_BYTES, FrameDecoder } from './frame-decoder.js';
export {
  type NegotiationChannel,
  type NegotiationOptions,
  type NegotiationResult,
  negotiateApiVersions,
} from './negotiate.js';
export {
  type BrokerAddress,
  ConnectionPool,
  type ConnectionPoolOptions,
  type ConnectionPurpose,
  FIRST_BOOTSTRAP_NODE_ID,
  parseHostPort,
} from './pool.js';
export { authenticateSasl, type SaslChannel, type SaslOutcome } from './sasl/authenticate.js';
export type { SaslAuthenticationContext, SaslMechanism } from './sasl/mechanism.js';
