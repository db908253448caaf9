// SCRAM-SHA-256 and SCRAM-SHA-512 (RFC 5802, RFC 7677) as Kafka's ScramSaslClient runs them:
//   client-first  n,,n=<user>,r=<client nonce>[,tokenauth=true]
//   server-first  r=<client nonce + server nonce>,s=<base64 salt>,i=<iterations>
//   client-final  c=biws,r=<nonce>,p=<base64 proof>
//   server-final  v=<base64 server signature>  or  e=<error>
// Kafka applies no SASLprep: the username and password are used as plain UTF-8. The server's nonce must extend ours
// (else a replayed or foreign exchange), Kafka refuses fewer than 4096 iterations (a broker asking for fewer is
// either misconfigured or trying to make the proof cheap to brute-force), and the server signature is checked: a
// server that cannot compute it does not know the password and is not trusted.

import { lazyBuiltin } from '../../lazy-builtin.js';
import { INT32_MAX } from '../../protocol/int-limits.js';
import { AuthenticationError } from '../errors.js';
import { requireString } from './config-error.js';
import type { SaslAuthenticationContext, SaslMechanism } from './mechanism.js';

/** node:crypto, loaded by the first SCRAM exchange. */
const crypto = lazyBuiltin<typeof import('node:crypto')>('node:crypto');

/** Kafka's ScramMechanism.minIterations for both hashes. */
export const SCRAM_MIN_ITERATIONS = 4096;

/** Salted passwords kept per mechanism: brokers of one cluster share a salt, so one or two entries are typical. */
const SALTED_PASSWORD_CACHE_ENTRIES = 8;

export type ScramHash = 'sha256' | 'sha512';

const MECHANISM_NAMES: Record<ScramHash, string> = { sha256: 'SCRAM-SHA-256', sha512: 'SCRAM-SHA-512' };
const HASH_BYTES: Record<ScramHash, number> = { sha256: 32, sha512: 64 };

export interface ScramOptions {
  /** Java: `username` in `sasl.jaas.config` (ScramLoginModule). */
  username: string;
  /** Java: `password` in `sasl.jaas.config` (ScramLoginModule). */
  password: string;
  /**
   * The credentials are a delegation token (its id as username, its HMAC as password). Java: `tokenauth=true` in
   * `sasl.jaas.config`.
   */
  tokenAuth?: boolean;
}

/** @internal Lets tests pin the client nonce to a published test vector; never set it otherwise. */
export interface ScramTestHooks {
  clientNonce?: () => string;
}

/** Java: `sasl.mechanism=SCRAM-SHA-256` / `SCRAM-SHA-512` with `org.apache.kafka.common.security.scram.ScramLoginModule`. */
export class ScramMechanism implements SaslMechanism {
  readonly name: string;
  readonly principal: string;
  readonly #hash: ScramHash;
  readonly #password: Buffer;
  readonly #clientFirstBare: (nonce: string) => string;
  readonly #clientNonce: () => string;
  // Keyed by salt and iterations only: the cache belongs to this one password, so it never holds a password as a key.
  readonly #saltedPasswords = new Map<string, Promise<Buffer>>();

  constructor(hash: ScramHash, options: ScramOptions, hooks: ScramTestHooks = {}) {
    this.name = MECHANISM_NAMES[hash];
    const username = requireString(options.username, 'sasl.username', `The ${this.name} username`);
    const password = requireString(options.password, 'sasl.password', `The ${this.name} password`);
    this.principal = username;
    this.#hash = hash;
    this.#password = Buffer.from(password, 'utf8');
    const saslName = escapeUsername(username);
    const extensions = options.tokenAuth === true ? ',tokenauth=true' : '';
    this.#clientFirstBare = (nonce) => `n=${saslName},r=${nonce}${extensions}`;
    // 24 random bytes in base64url: printable and free of ',' as RFC 5802 requires of a nonce.
    this.#clientNonce = hooks.clientNonce ?? (() => crypto().randomBytes(24).toString('base64url'));
  }

  async authenticate(context: SaslAuthenticationContext): Promise<void> {
    const fail = (what: string): AuthenticationError =>
      new AuthenticationError(
        `${this.name} authentication of user '${this.principal}' with ${context.broker} failed: ${what}`,
      );
    const clientNonce = this.#clientNonce();
    const clientFirstBare = this.#clientFirstBare(clientNonce);
    const serverFirst = Buffer.from(
      await context.exchange(Buffer.from(`n,,${clientFirstBare}`, 'utf8')),
    ).toString('utf8');

    const first = parseAttributes(serverFirst);
    if (first.has('e')) throw fail(`the broker answered with error '${first.get('e')}'.`);
    const nonce = first.get('r');
    const saltText = first.get('s');
    const iterationsText = first.get('i');
    if (nonce === undefined || saltText === undefined || iterationsText === undefined) {
      throw fail(`the broker's first message is not a SCRAM server-first message (r, s and i expected).`);
    }
    if (!nonce.startsWith(clientNonce) || nonce.length <= clientNonce.length) {
      throw fail(`the broker's nonce does not extend the client's, so the exchange cannot be trusted.`);
    }
    const iterations = /^[1-9][0-9]{0,9}$/.test(iterationsText) ? Number(iterationsText) : Number.NaN;
    if (!(iterations >= SCRAM_MIN_ITERATIONS) || iterations > INT32_MAX) {
      throw fail(
        `the broker asks for ${iterationsText} PBKDF2 iterations; Kafka requires at least ${SCRAM_MIN_ITERATIONS}. Check the broker's SCRAM credentials (kafka-configs --alter --add-config '${this.name}=[iterations=8192,...]').`,
      );
    }
    const salt = Buffer.from(saltText, 'base64');
    if (salt.length === 0) throw fail(`the broker sent an empty salt.`);

    const saltedPassword = await this.#saltedPassword(salt, iterations);
    const clientKey = hmac(this.#hash, saltedPassword, 'Client Key');
    const storedKey = crypto().createHash(this.#hash).update(clientKey).digest();
    // c=biws is base64("n,,"): the GS2 header of a client that neither binds a channel nor names an authzid.
    const clientFinalWithoutProof = `c=biws,r=${nonce}`;
    const authMessage = `${clientFirstBare},${serverFirst},${clientFinalWithoutProof}`;
    const clientSignature = hmac(this.#hash, storedKey, authMessage);
    const proof = Buffer.alloc(clientKey.length);
    for (let i = 0; i < proof.length; i++) proof[i] = clientKey[i]! ^ clientSignature[i]!;
    const serverFinal = Buffer.from(
      await context.exchange(Buffer.from(`${clientFinalWithoutProof},p=${proof.toString('base64')}`, 'utf8')),
    ).toString('utf8');

    const final = parseAttributes(serverFinal);
    const error = final.get('e');
    if (error !== undefined) throw fail(`the broker refused the proof: ${error}.`);
    const verifier = final.get('v');
    if (verifier === undefined) throw fail(`the broker's final message carries no server signature (v=).`);
    const expected = hmac(this.#hash, hmac(this.#hash, saltedPassword, 'Server Key'), authMessage);
    const actual = Buffer.from(verifier, 'base64');
    if (actual.length !== expected.length || !crypto().timingSafeEqual(actual, expected)) {
      throw fail(
        `the broker's server signature is wrong: it does not know this user's password, so it is not trusted. Check that the client connects to the intended cluster.`,
      );
    }
  }

  #saltedPassword(salt: Buffer, iterations: number): Promise<Buffer> {
    const key = `${iterations}:${salt.toString('base64')}`;
    let salted = this.#saltedPasswords.get(key);
    if (salted === undefined) {
      // The async pbkdf2 runs on libuv's thread pool: thousands of HMAC rounds stay off the event loop.
      salted = new Promise<Buffer>((resolve, reject) => {
        crypto().pbkdf2(
          this.#password,
          salt,
          iterations,
          HASH_BYTES[this.#hash],
          this.#hash,
          (error, derived) => (error === null ? resolve(derived) : reject(error)),
        );
      });
      salted.catch(() => this.#saltedPasswords.delete(key));
      if (this.#saltedPasswords.size >= SALTED_PASSWORD_CACHE_ENTRIES) {
        const oldest = this.#saltedPasswords.keys().next().value;
        if (oldest !== undefined) this.#saltedPasswords.delete(oldest);
      }
      this.#saltedPasswords.set(key, salted);
    }
    return salted;
  }
}

/** RFC 5802 saslname: '=' and ',' are the message's own syntax, so every occurrence is escaped ('=' first). */
export function escapeUsername(username: string): string {
  return username.replaceAll('=', '=3D').replaceAll(',', '=2C');
}

function hmac(hash: ScramHash, key: Buffer, data: string): Buffer {
  return crypto().createHmac(hash, key).update(data, 'utf8').digest();
}

/** `a=1,b=2` into a map; a value may itself contain '=' (base64 padding), so only the first one splits. */
function parseAttributes(message: string): Map<string, string> {
  const attributes = new Map<string, string>();
  for (const part of message.split(',')) {
    const equals = part.indexOf('=');
    if (equals === 1) attributes.set(part[0]!, part.slice(2));
  }
  return attributes;
}
