// The contract between the connection (which runs SaslHandshake and the SaslAuthenticate round trips) and a SASL
// mechanism (which only knows its own messages). A mechanism never sees sockets or Kafka frames: it is handed one
// `exchange` per authentication, so PLAIN, SCRAM, OAUTHBEARER, AWS_MSK_IAM and a user's own mechanism are all
// written the same way and tested without a broker. The same function runs again for each re-authentication
// (KIP-368), which is where OAUTHBEARER asks its provider for a fresh token.

/** What a mechanism may use while it authenticates one connection. */
export interface SaslAuthenticationContext {
  /** The broker's host as the client connects to it (AWS_MSK_IAM signs it; errors name it). */
  readonly host: string;
  readonly port: number;
  /** "node 3 (broker1:9092)": how errors name this connection. */
  readonly broker: string;
  /**
   * One SaslAuthenticate round trip: sends `bytes` as auth_bytes and resolves with the broker's auth_bytes.
   * Rejects with an AuthenticationError naming the broker and mechanism when the broker answers with an error
   * (SASL_AUTHENTICATION_FAILED and its message), and with a NetworkError when the connection fails.
   */
  exchange(bytes: Uint8Array): Promise<Uint8Array>;
}

/** A SASL mechanism as the connection drives it. */
export interface SaslMechanism {
  /** The name sent in SaslHandshake, exactly as Kafka spells it: 'PLAIN', 'SCRAM-SHA-256', 'OAUTHBEARER', ... */
  readonly name: string;
  /**
   * Who authenticates, for error messages and logs (a username, a client id); never a secret. Undefined when the
   * mechanism has no such notion.
   */
  readonly principal?: string | undefined;
  /**
   * Runs the mechanism's whole exchange on one connection; resolves once the broker accepted us, rejects with an
   * AuthenticationError otherwise (e.g. a SCRAM server that cannot prove it knows the password).
   */
  authenticate(context: SaslAuthenticationContext): Promise<void>;
}
