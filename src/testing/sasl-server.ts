// The broker side of SASL for the fake cluster, as Kafka's SaslServerAuthenticator runs it after a SaslHandshake
// v1: each SaslAuthenticate carries one token of the mechanism. PLAIN checks `authzid\0user\0password`; SCRAM-SHA-256
// and SCRAM-SHA-512 run RFC 5802's server side (client-first, server-first with salt and 4096 iterations,
// client-final with the proof, server-final with the server signature), written here from the RFC rather than shared
// with the client's implementation so that a client bug is not mirrored by the broker it is tested against.

import { createHash, createHmac, pbkdf2Sync, randomBytes, timingSafeEqual } from 'node:crypto';
import { KafkaErrorCode } from '../protocol/errors.js';

/** The mechanisms the fake broker can enable. */
export type FakeSaslMechanism = 'PLAIN' | 'SCRAM-SHA-256' | 'SCRAM-SHA-512';

export interface FakeSaslOptions {
  /** Users and their passwords; every enabled mechanism accepts them. */
  users: Record<string, string>;
  /** The listener's sasl.enabled.mechanisms. Default all three: PLAIN, SCRAM-SHA-256, SCRAM-SHA-512. */
  mechanisms?: FakeSaslMechanism[];
  /**
   * connections.max.reauth.ms: the session lifetime granted with each authentication (SaslAuthenticate v1+); a
   * request on a connection whose session ran out closes it, as Kafka does. Default 0: sessions never end.
   */
  sessionLifetimeMs?: number;
  /**
   * How late past the session's end a request is still let through. A client's re-authentication timer shares the
   * event loop with everything else in the test process, which a loaded machine runs late; a grace of a fraction
   * of the lifetime absorbs that, while a client that never re-authenticates is still caught once it outlives
   * lifetime + grace. Default 0.
   */
  expiryGraceMs?: number;
}

/** Why a request that just arrived closes its connection; `violation` when the client broke a KIP-368 rule. */
export interface SaslRefusal {
  reason: string;
  violation: boolean;
}

/** What the broker answers one SaslAuthenticate with. */
export interface SaslAnswer {
  errorCode: number;
  errorMessage: string | null;
  authBytes: Uint8Array;
  sessionLifetimeMs: bigint;
  /** Kafka closes the connection after a failed authentication. */
  close: boolean;
  /** Set when this answer completes a successful authentication. */
  authenticated?: { user: string; mechanism: FakeSaslMechanism };
}

/** Kafka's ScramMechanism minimum, which its credentials default to. */
const SCRAM_ITERATIONS = 4096;
const SCRAM_HASHES = { 'SCRAM-SHA-256': 'sha256', 'SCRAM-SHA-512': 'sha512' } as const;
const EMPTY = new Uint8Array(0);

interface ScramCredential {
  salt: Buffer;
  storedKey: Buffer;
  serverKey: Buffer;
}

/** The enabled mechanisms, the users and their SCRAM credentials (salted once per user and hash), for a cluster. */
export class SaslUsers {
  readonly mechanisms: FakeSaslMechanism[];
  readonly sessionLifetimeMs: number;
  readonly expiryGraceMs: number;
  readonly #users: Map<string, string>;
  readonly #credentials = new Map<string, ScramCredential>();

  constructor(options: FakeSaslOptions) {
    this.mechanisms = options.mechanisms ?? ['PLAIN', 'SCRAM-SHA-256', 'SCRAM-SHA-512'];
    this.sessionLifetimeMs = options.sessionLifetimeMs ?? 0;
    this.expiryGraceMs = options.expiryGraceMs ?? 0;
    this.#users = new Map(Object.entries(options.users));
  }

  password(user: string): string | undefined {
    return this.#users.get(user);
  }

  scramCredential(mechanism: keyof typeof SCRAM_HASHES, user: string): ScramCredential | undefined {
    const password = this.#users.get(user);
    if (password === undefined) return undefined;
    const key = `${mechanism}\0${user}`;
    let credential = this.#credentials.get(key);
    if (credential === undefined) {
      const hash = SCRAM_HASHES[mechanism];
      const salt = randomBytes(16);
      const salted = pbkdf2Sync(password, salt, SCRAM_ITERATIONS, hash === 'sha256' ? 32 : 64, hash);
      const clientKey = hmac(hash, salted, 'Client Key');
      credential = {
        salt,
        storedKey: createHash(hash).update(clientKey).digest(),
        serverKey: hmac(hash, salted, 'Server Key'),
      };
      this.#credentials.set(key, credential);
    }
    return credential;
  }
}

/** One connection's SASL state: which mechanism its handshake chose, where the exchange is, when its session ends. */
export class SaslSession {
  #mechanism: FakeSaslMechanism | undefined;
  #scram: { user: string; clientFirstBare: string; serverFirst: string; nonce: string } | undefined;
  /** performance.now() at which the session ends; undefined until authenticated. */
  #expiresAt: number | undefined;
  /**
   * From the arrival of a SaslHandshake to the answer that ends its exchange. Judged on arrival rather than when
   * the handshake is handled, so a request the client sent behind it without waiting is caught too.
   */
  #exchanging = false;

  constructor(private readonly users: SaslUsers) {}

  /**
   * Kafka's rules for a request as it arrives, `othersUnanswered` being the connection's earlier requests not yet
   * answered: nothing but ApiVersions and SASL before authentication; a (re-)authentication alone on the
   * connection (KIP-368: no SaslHandshake while requests are unanswered, no other request until the exchange
   * ends, no SaslAuthenticate outside one); no request once the session ran out (connections.max.reauth.ms), give or take `expiryGraceMs`.
   * Undefined lets the request through.
   */
  admit(
    kind: 'ApiVersions' | 'SaslHandshake' | 'SaslAuthenticate' | 'other',
    othersUnanswered: number,
    now: number,
  ): SaslRefusal | undefined {
    if (kind === 'SaslAuthenticate') {
      return this.#exchanging
        ? undefined
        : { reason: 'SaslAuthenticate without SaslHandshake', violation: true };
    }
    if (kind === 'SaslHandshake') {
      if (othersUnanswered > 0) {
        return { reason: `SaslHandshake with ${othersUnanswered} request(s) unanswered`, violation: true };
      }
      this.#exchanging = true;
      return undefined;
    }
    if (this.#expiresAt === undefined) {
      return kind === 'ApiVersions'
        ? undefined
        : { reason: 'a request before authentication', violation: false };
    }
    if (this.#exchanging)
      return { reason: 'a request in the middle of a re-authentication', violation: true };
    if (now > this.#expiresAt + this.users.expiryGraceMs) {
      return { reason: 'a request after the session expired', violation: true };
    }
    return undefined;
  }

  /** SaslHandshake: the error code to answer (UNSUPPORTED_SASL_MECHANISM for one not enabled). */
  handshake(mechanism: string): number {
    const known = this.users.mechanisms.find((m) => m === mechanism);
    this.#mechanism = known;
    this.#scram = undefined;
    if (known === undefined) this.#exchanging = false;
    return known === undefined ? KafkaErrorCode.UNSUPPORTED_SASL_MECHANISM : 0;
  }

  authenticate(token: Uint8Array, now: number): SaslAnswer {
    const mechanism = this.#mechanism;
    if (mechanism === undefined) {
      return this.#fail(
        KafkaErrorCode.ILLEGAL_SASL_STATE,
        'SaslAuthenticate before a successful SaslHandshake',
      );
    }
    const text = Buffer.from(token).toString('utf8');
    if (mechanism === 'PLAIN') {
      const [authzid = '', user = '', password] = text.split('\0');
      const ok =
        password !== undefined &&
        this.users.password(user) === password &&
        (authzid === '' || authzid === user);
      return ok
        ? this.#succeed(EMPTY, now, user)
        : this.#fail(
            KafkaErrorCode.SASL_AUTHENTICATION_FAILED,
            'Authentication failed: Invalid username or password',
          );
    }
    const invalid = `Authentication failed during authentication due to invalid credentials with SASL mechanism ${mechanism}`;
    if (this.#scram === undefined) {
      // client-first: gs2 header "n,," (no channel binding, no authzid), then n=<user>,r=<nonce>[,extensions]
      const match = /^n,[^,]*,(n=([^,]*),r=([^,]+).*)$/.exec(text);
      const user = match?.[2]?.replaceAll('=2C', ',').replaceAll('=3D', '=');
      const credential = user === undefined ? undefined : this.users.scramCredential(mechanism, user);
      if (match === null || user === undefined || credential === undefined) {
        return this.#fail(KafkaErrorCode.SASL_AUTHENTICATION_FAILED, invalid);
      }
      const nonce = `${match[3]}${randomBytes(18).toString('base64url')}`;
      const serverFirst = `r=${nonce},s=${credential.salt.toString('base64')},i=${SCRAM_ITERATIONS}`;
      this.#scram = { user, clientFirstBare: match[1]!, serverFirst, nonce };
      return {
        errorCode: 0,
        errorMessage: null,
        authBytes: Buffer.from(serverFirst),
        sessionLifetimeMs: 0n,
        close: false,
      };
    }
    const { user, clientFirstBare, serverFirst, nonce } = this.#scram;
    this.#scram = undefined;
    const match = /^(c=[^,]*,r=([^,]+)),p=([^,]+)$/.exec(text);
    const credential = this.users.scramCredential(mechanism, user)!;
    if (match === null || match[2] !== nonce)
      return this.#fail(KafkaErrorCode.SASL_AUTHENTICATION_FAILED, invalid);
    const hash = SCRAM_HASHES[mechanism];
    const authMessage = `${clientFirstBare},${serverFirst},${match[1]}`;
    const clientSignature = hmac(hash, credential.storedKey, authMessage);
    const proof = Buffer.from(match[3]!, 'base64');
    if (proof.length !== clientSignature.length)
      return this.#fail(KafkaErrorCode.SASL_AUTHENTICATION_FAILED, invalid);
    const clientKey = Buffer.alloc(proof.length);
    for (let i = 0; i < proof.length; i++) clientKey[i] = proof[i]! ^ clientSignature[i]!;
    if (!timingSafeEqual(createHash(hash).update(clientKey).digest(), credential.storedKey)) {
      return this.#fail(KafkaErrorCode.SASL_AUTHENTICATION_FAILED, invalid);
    }
    const serverSignature = hmac(hash, credential.serverKey, authMessage).toString('base64');
    return this.#succeed(Buffer.from(`v=${serverSignature}`), now, user);
  }

  #succeed(authBytes: Uint8Array, now: number, user: string): SaslAnswer {
    const lifetime = this.users.sessionLifetimeMs;
    const mechanism = this.#mechanism!;
    this.#expiresAt = lifetime > 0 ? now + lifetime : Number.POSITIVE_INFINITY;
    this.#mechanism = undefined;
    this.#exchanging = false;
    return {
      errorCode: 0,
      errorMessage: null,
      authBytes,
      sessionLifetimeMs: BigInt(lifetime),
      close: false,
      authenticated: { user, mechanism },
    };
  }

  #fail(errorCode: number, errorMessage: string): SaslAnswer {
    this.#expiresAt = undefined;
    this.#mechanism = undefined;
    this.#exchanging = false;
    return { errorCode, errorMessage, authBytes: EMPTY, sessionLifetimeMs: 0n, close: true };
  }
}

function hmac(hash: string, key: Buffer, text: string): Buffer {
  return createHmac(hash, key).update(text, 'utf8').digest();
}
