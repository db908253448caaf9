// Errors of the network layer. The flags follow Java's NetworkClient: any disconnect (socket error, peer close,
// request timeout, setup timeout, a protocol violation we close on) fails every in-flight request on that
// connection, the request may be sent again on a new connection, and Java asks for a metadata update after each
// disconnect ("the disconnect may be the result of stale metadata"), hence retriable + refreshMetadata. A
// request that timed out may still have been executed by the broker: only idempotence makes its retry safe.

import { KafkaWireError } from '../errors.js';

/** A connection failed or was dropped; the request did not get a response. Retriable after a metadata refresh. */
export class NetworkError extends KafkaWireError {
  override name = 'NetworkError';

  constructor(message: string, options: { cause?: unknown } = {}) {
    super(message, { retriable: true, refreshMetadata: true, cause: options.cause });
  }
}

/** No response arrived within the request timeout; the connection was closed (later responses would be misaligned). */
export class RequestTimeoutError extends NetworkError {
  override name = 'RequestTimeoutError';
}

/** TCP connect (and TLS handshake) did not complete within the connection setup timeout. */
export class ConnectionSetupTimeoutError extends NetworkError {
  override name = 'ConnectionSetupTimeoutError';
}

/**
 * The peer sent bytes that cannot be a Kafka response on this connection (absurd frame size, a frame too short to
 * hold a correlation id, an unexpected correlation id). We drop the connection; a retry gets a fresh one.
 */
export class BrokerProtocolError extends NetworkError {
  override name = 'BrokerProtocolError';
}

/**
 * The broker did not accept our credentials, or we did not accept its: TLS certificate verification or a TLS
 * handshake alert (and later SASL failures). Not retriable: the configuration has to change.
 */
export class AuthenticationError extends KafkaWireError {
  override name = 'AuthenticationError';

  constructor(message: string, options: { cause?: unknown } = {}) {
    super(message, { cause: options.cause });
  }
}

/** The client (connection pool) was closed: no further requests are possible. Not retriable. */
export class ClientClosedError extends KafkaWireError {
  override name = 'ClientClosedError';

  constructor(message: string, options: { cause?: unknown } = {}) {
    super(message, { cause: options.cause });
  }
}

/**
 * The broker and this client share no version of an API (or the broker did not list it at all): fatal by default,
 * since nothing the client does will make this broker speak the API; upgrade the broker or the client.
 * Connection.request() also uses it, retriable, when a broker refuses a version it advertised: the connection is
 * closed and the next one negotiates again.
 */
export class UnsupportedVersionError extends KafkaWireError {
  override name = 'UnsupportedVersionError';

  constructor(message: string, options: { retriable?: boolean; refreshMetadata?: boolean } = {}) {
    const retriable = options.retriable ?? false;
    super(message, { retriable, refreshMetadata: options.refreshMetadata ?? false, fatal: !retriable });
  }
}
