// A fake broker behind a SASL listener, for the connection's authentication and re-authentication tests. It
// answers ApiVersions (via broker.ts), SaslHandshake v0-1 and SaslAuthenticate v0-2 the way Kafka's
// SaslServerAuthenticator does, with PLAIN as its only real mechanism (`\0user\0password` against `users`), and
// enforces what a real broker enforces:
//   - before authentication, any other request closes the connection;
//   - a session has `sessionLifetimeMs`: a request after it ran out (without re-authentication) closes the
//     connection, as Kafka does (connections.max.reauth.ms);
//   - a re-authentication must be alone on the connection: a SaslHandshake while other requests are unanswered,
//     or another request between SaslHandshake and the end of the exchange, is recorded as a violation and closes
//     the connection.
// Every other request is answered by echoing its body back (after `responseDelayMs`), in arrival order; tests send
// those as raw frames whose header has a null client id (see textRequest).

import type { Socket } from 'node:net';
import {
  type ApiVersion,
  decodeRequest,
  encodeResponse,
  SaslAuthenticateApi,
  SaslHandshakeApi,
} from '../../src/protocol/index.js';
import { type FakeBroker, KAFKA_4_APIS, startFakeBroker } from './broker.js';
import { correlationIdOf, responseFrame } from './server.js';

export interface SaslBrokerOptions {
  /** The listener's sasl.enabled.mechanisms. Default ['PLAIN']. */
  mechanisms?: string[];
  /** PLAIN users and passwords. */
  users?: Record<string, string>;
  /** Granted with each successful authentication (SaslAuthenticate v1+); 0 = unlimited. */
  sessionLifetimeMs?: number;
  /** Highest SaslAuthenticate version advertised (default 2). */
  authenticateMax?: number;
  /**
   * How late a request past the session end is still accepted. The client's re-authentication timer shares this
   * process's event loop, which a loaded machine runs late; a grace of a fraction of the lifetime absorbs that,
   * while a client that never re-authenticates is still caught once it outlives lifetime + grace.
   */
  expiryGraceMs?: number;
  /** Delay before echoing a non-SASL request. */
  responseDelayMs?: number;
  /** Decides each authentication attempt (1-based, across connections) before the password check; false refuses. */
  accept?: (attempt: number) => boolean;
}

export interface SaslEvent {
  socket: number;
  kind: 'handshake' | 'authenticate' | 'request' | 'closed';
  detail: string;
}

export interface SaslBroker extends FakeBroker {
  /** What happened, in order, per socket index. */
  readonly events: SaslEvent[];
  /** Broken rules (see the header); must stay empty. */
  readonly violations: string[];
  /** SaslAuthenticate versions seen. */
  readonly authenticateVersions: number[];
  /** Successful authentications so far. */
  authentications(): number;
  /** Resolves once `count` events of `kind` happened (at once if they already did): waits on events, not timers. */
  reached(kind: SaslEvent['kind'], count: number): Promise<void>;
}

const SASL_AUTHENTICATION_FAILED = 58;
const UNSUPPORTED_SASL_MECHANISM = 33;

interface SocketState {
  index: number;
  mechanism: string | undefined;
  /** performance.now() when the session ends; undefined before authentication. */
  expiresAt: number | undefined;
  inExchange: boolean;
  /** Echoes not sent yet. */
  unanswered: number;
}

export async function startSaslBroker(options: SaslBrokerOptions = {}): Promise<SaslBroker> {
  const mechanisms = options.mechanisms ?? ['PLAIN'];
  const users = options.users ?? {};
  const lifetime = options.sessionLifetimeMs ?? 0;
  const events: SaslEvent[] = [];
  const violations: string[] = [];
  const authenticateVersions: number[] = [];
  const waiters: { kind: SaslEvent['kind']; count: number; resolve: () => void }[] = [];
  const countOf = (kind: SaslEvent['kind']) => events.filter((e) => e.kind === kind).length;
  const record = (event: SaslEvent) => {
    events.push(event);
    for (const waiter of waiters.filter((w) => w.kind === event.kind && countOf(w.kind) >= w.count)) {
      waiters.splice(waiters.indexOf(waiter), 1);
      waiter.resolve();
    }
  };
  const states = new Map<Socket, SocketState>();
  let attempts = 0;
  let successes = 0;
  const apis: ApiVersion[] = [
    ...KAFKA_4_APIS,
    { apiKey: SaslHandshakeApi.apiKey, minVersion: 0, maxVersion: 1 },
    { apiKey: SaslAuthenticateApi.apiKey, minVersion: 0, maxVersion: options.authenticateMax ?? 2 },
  ];

  const stateOf = (socket: Socket): SocketState => {
    let state = states.get(socket);
    if (state === undefined) {
      state = {
        index: states.size,
        mechanism: undefined,
        expiresAt: undefined,
        inExchange: false,
        unanswered: 0,
      };
      states.set(socket, state);
      const index = state.index;
      socket.on('close', () => record({ socket: index, kind: 'closed', detail: '' }));
    }
    return state;
  };
  const drop = (socket: Socket, state: SocketState, why: string, violation: boolean) => {
    if (violation) violations.push(`socket ${state.index}: ${why}`);
    socket.destroy();
  };

  const broker = await startFakeBroker({
    apis,
    onRequest: (request, socket) => {
      const state = stateOf(socket);
      if (request.apiKey === SaslHandshakeApi.apiKey) {
        const { apiVersion, correlationId, request: body } = decodeRequest(SaslHandshakeApi, request.frame);
        record({ socket: state.index, kind: 'handshake', detail: body.mechanism });
        if (state.unanswered > 0) {
          drop(socket, state, `SaslHandshake with ${state.unanswered} request(s) unanswered`, true);
          return;
        }
        const known = mechanisms.includes(body.mechanism);
        state.mechanism = known ? body.mechanism : undefined;
        state.inExchange = known;
        socket.write(
          encodeResponse(SaslHandshakeApi, apiVersion, correlationId, {
            errorCode: known ? 0 : UNSUPPORTED_SASL_MECHANISM,
            mechanisms,
          }),
        );
        return;
      }
      if (request.apiKey === SaslAuthenticateApi.apiKey) {
        const {
          apiVersion,
          correlationId,
          request: body,
        } = decodeRequest(SaslAuthenticateApi, request.frame);
        authenticateVersions.push(apiVersion);
        record({ socket: state.index, kind: 'authenticate', detail: '' });
        if (!state.inExchange) {
          drop(socket, state, 'SaslAuthenticate without SaslHandshake', true);
          return;
        }
        state.inExchange = false;
        attempts++;
        const [, user = '', password] = Buffer.from(body.authBytes).toString('utf8').split('\0');
        const ok =
          (options.accept?.(attempts) ?? true) && users[user] !== undefined && users[user] === password;
        if (ok) {
          successes++;
          state.expiresAt = lifetime > 0 ? performance.now() + lifetime : Number.POSITIVE_INFINITY;
        }
        socket.write(
          encodeResponse(SaslAuthenticateApi, apiVersion, correlationId, {
            errorCode: ok ? 0 : SASL_AUTHENTICATION_FAILED,
            errorMessage: ok ? null : `Authentication failed: Invalid username or password`,
            authBytes: new Uint8Array(0),
            sessionLifetimeMs: BigInt(ok ? lifetime : 0),
          }),
        );
        if (!ok) socket.end(); // Kafka closes the connection after a failed authentication
        return;
      }
      // After api key, version and correlation id: a null client id (int16 -1), then the test's text.
      const body = request.frame.subarray(8);
      record({
        socket: state.index,
        kind: 'request',
        detail: Buffer.from(body.subarray(2)).toString('utf8'),
      });
      if (state.expiresAt === undefined) {
        drop(socket, state, 'a request before authentication', false);
        return;
      }
      if (state.inExchange) {
        drop(socket, state, 'a request in the middle of a re-authentication', true);
        return;
      }
      if (performance.now() > state.expiresAt + (options.expiryGraceMs ?? 0)) {
        drop(socket, state, 'a request after the session expired', true);
        return;
      }
      state.unanswered++;
      const reply = responseFrame(correlationIdOf(request.frame), body);
      const answer = () => {
        state.unanswered--;
        if (!socket.destroyed) socket.write(reply);
      };
      if (options.responseDelayMs === undefined) answer();
      else setTimeout(answer, options.responseDelayMs);
    },
  });
  return {
    ...broker,
    events,
    violations,
    authenticateVersions,
    authentications: () => successes,
    reached: (kind, count) =>
      countOf(kind) >= count
        ? Promise.resolve()
        : new Promise<void>((resolve) => void waiters.push({ kind, count, resolve })),
  };
}

/** A raw request (api key 0) whose header has a null client id and whose body is `text`. */
export function textRequest(text: string): Uint8Array {
  const payload = Buffer.from(text, 'utf8');
  const frame = Buffer.alloc(14 + payload.length);
  frame.writeInt32BE(10 + payload.length, 0);
  frame.writeInt16BE(-1, 12);
  payload.copy(frame, 14);
  return frame;
}

/** The text a textRequest carried, from the echoed response frame (correlation id, null client id, text). */
export function echoedText(response: Uint8Array): string {
  return Buffer.from(response.subarray(6)).toString('utf8');
}
