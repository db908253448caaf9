// Turns what Node reports about a failing socket (errno codes, OpenSSL verification codes) into errors that say
// what happened and what to change, naming the broker. The codes are Node's: `connect` errors carry a `syscall`
// and an errno code (ECONNREFUSED, ENOTFOUND...); certificate checks carry OpenSSL's verification code
// (UNABLE_TO_VERIFY_LEAF_SIGNATURE, CERT_HAS_EXPIRED...) and no syscall; OpenSSL protocol errors carry ERR_SSL_*.
//
// TLS handshake failures are AuthenticationErrors, not retried, as Java's SslAuthenticationException: a wrong CA,
// certificate, host name or security protocol does not fix itself. Network failures stay retriable NetworkErrors
// (the broker may come up), but say which address failed and why.

import type { KafkaWireError } from '../errors.js';
import { AuthenticationError, NetworkError } from './errors.js';

export interface SocketErrorContext {
  /** "node 3 (broker1:9092)". */
  readonly broker: string;
  readonly host: string;
  readonly port: number;
  /** The connection uses TLS. */
  readonly tls: boolean;
  /** The TLS handshake has not completed (nor has the TCP connect). */
  readonly connecting: boolean;
}

interface NodeSocketError extends Error {
  code?: string;
  syscall?: string;
  /** ERR_TLS_CERT_ALTNAME_INVALID: why the name did not match. */
  reason?: string;
  cert?: { subjectaltname?: string; subject?: { CN?: string } };
}

/** OpenSSL's codes for "the chain does not end at a CA we trust". */
const UNTRUSTED_CHAIN = new Set([
  'UNABLE_TO_VERIFY_LEAF_SIGNATURE',
  'SELF_SIGNED_CERT_IN_CHAIN',
  'DEPTH_ZERO_SELF_SIGNED_CERT',
  'UNABLE_TO_GET_ISSUER_CERT',
  'UNABLE_TO_GET_ISSUER_CERT_LOCALLY',
  'CERT_UNTRUSTED',
  'CERT_SIGNATURE_FAILURE',
]);

/** What the broker's TLS alert means when it refuses our (missing) client certificate (ssl.client.auth). */
const CLIENT_CERT_REFUSED = new Set([
  'ERR_SSL_TLSV13_ALERT_CERTIFICATE_REQUIRED',
  // The same alert under BoringSSL's name (Bun's TLS).
  'ERR_SSL_TLSV1_ALERT_CERTIFICATE_REQUIRED',
  'ERR_SSL_SSLV3_ALERT_BAD_CERTIFICATE',
  'ERR_SSL_TLSV1_ALERT_UNKNOWN_CA',
  'ERR_SSL_SSLV3_ALERT_CERTIFICATE_UNKNOWN',
  'ERR_SSL_SSLV3_ALERT_HANDSHAKE_FAILURE',
]);

export function socketError(error: NodeSocketError, context: SocketErrorContext): KafkaWireError {
  const code = error.code ?? '';
  const { broker } = context;
  // With TLS 1.3 the broker checks our certificate after our side of the handshake is done, so its refusal
  // arrives once the connection is up.
  if (context.tls && ((context.connecting && error.syscall === undefined) || CLIENT_CERT_REFUSED.has(code))) {
    return new AuthenticationError(
      `TLS handshake with ${broker} failed: ${tlsAdvice(error, code, context)}`,
      {
        cause: error,
      },
    );
  }
  return new NetworkError(`connection to ${broker} failed: ${networkAdvice(error, code, context)}`, {
    cause: error,
  });
}

function tlsAdvice(error: NodeSocketError, code: string, context: SocketErrorContext): string {
  if (UNTRUSTED_CHAIN.has(code)) {
    return (
      `the broker's certificate is not signed by a certificate authority this client trusts (${code}: ` +
      `${error.message}). Pass the CA certificate that signed the broker's certificate (PEM) as ssl.ca`
    );
  }
  if (code === 'ERR_TLS_CERT_ALTNAME_INVALID') {
    const names = error.cert?.subjectaltname ?? error.cert?.subject?.CN ?? 'other names';
    return (
      `the broker's certificate does not name the host the client connected to (${code}: ` +
      `${error.reason ?? error.message}; the certificate is for ${names}). Connect with a name the certificate ` +
      `lists (bootstrapServers and the broker's advertised.listeners), set ssl.servername to one of them, or ` +
      `reissue the certificate for "${context.host}"`
    );
  }
  if (code === 'CERT_HAS_EXPIRED') {
    return `the broker's certificate has expired (${code}). Renew the certificate on the broker`;
  }
  if (code === 'CERT_NOT_YET_VALID') {
    return `the broker's certificate is not valid yet (${code}). Check the clocks of this machine and the broker`;
  }
  if (
    code === 'ERR_SSL_WRONG_VERSION_NUMBER' ||
    /wrong version number|packet length too long/i.test(error.message)
  ) {
    return (
      `the listener at ${context.host}:${context.port} does not speak TLS (${code || error.message}): it is a ` +
      'PLAINTEXT or SASL_PLAINTEXT listener. Remove the ssl option, or use the port of the SSL / SASL_SSL listener'
    );
  }
  if (code === 'ECONNRESET') {
    // Kafka's plaintext listener reads our ClientHello as an absurd request size and closes the connection.
    return (
      `the broker closed the connection during the TLS handshake (${error.message}). The listener at ` +
      `${context.host}:${context.port} probably does not speak TLS (a PLAINTEXT or SASL_PLAINTEXT listener): ` +
      'remove the ssl option, or use the port of the SSL / SASL_SSL listener'
    );
  }
  if (CLIENT_CERT_REFUSED.has(code)) {
    return (
      `the broker refused the handshake (${code}: ${error.message}). It probably requires a client ` +
      'certificate (ssl.client.auth=required) that it trusts: set ssl.cert and ssl.key'
    );
  }
  return `${error.message}${code ? ` (${code})` : ''}. Check the ssl options (ca, cert, key, servername) against the broker's listener`;
}

function networkAdvice(error: NodeSocketError, code: string, context: SocketErrorContext): string {
  const address = `${context.host}:${context.port}`;
  switch (code) {
    case 'ECONNREFUSED':
      return `nothing accepts connections at ${address} (ECONNREFUSED). Is the broker running, and is ${context.port} its listener port?`;
    case 'ENOTFOUND':
    case 'EAI_AGAIN':
      return (
        `the host name "${context.host}" does not resolve (${code}). Check bootstrapServers, and the brokers' ` +
        'advertised.listeners if the name came from cluster metadata'
      );
    case 'ETIMEDOUT':
    case 'EHOSTUNREACH':
    case 'ENETUNREACH':
      return `${address} cannot be reached from here (${code}). Check the network path and firewalls to the broker`;
    case 'ECONNRESET':
    case 'EPIPE':
      return `the broker reset the connection (${code}: ${error.message})`;
    default:
      return `${error.message}${code && !error.message.includes(code) ? ` (${code})` : ''}`;
  }
}
