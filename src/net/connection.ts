// One TCP (optionally TLS) connection to one broker: frames requests, assigns correlation ids, matches responses,
// times requests out, and fails everything in flight with a retriable error when the connection goes away.
//
// Kafka answers the requests of one connection strictly in order, so the in-flight requests form a FIFO queue
// and a response must carry the correlation id at its head. Anything else (an unknown id, an id out of order, a
// frame too short for an id, an absurd frame size) means we no longer know which bytes belong to which request:
// the connection is dropped and every in-flight request fails with a retriable error; a retry gets a new
// connection. A request that times out closes the connection for the same reason (as Java's NetworkClient does):
// its late response would otherwise be taken for the next request's.
//
// SASL: with a mechanism configured, the connection authenticates after ApiVersions and before anything else, and
// re-authenticates on the same connection before the session lifetime the broker granted runs out (KIP-368, at a
// random 85-95 % of it, as Java does, so that many connections do not all re-authenticate at once). A broker
// answers one connection's requests in order and must see nothing but the SASL exchange while it runs, so new
// requests are held, the ones in flight drain, the exchange runs, and the held requests are then sent in the
// order they were made (franz-go does the same). A failed re-authentication closes the connection: its held
// requests fail with a retriable error and the next connection authenticates afresh.
//
// Writes: each request is one pre-framed buffer, or a vector of segments (a Produce request's record batches are
// written from the caller's memory, not copied into the frame), each written with socket.write. Writes issued in
// the same tick are corked and flushed together on the next tick (one writev syscall for a burst of requests and
// for a vector's segments). When
// socket.write returns false (the kernel and Node's buffer are full), further requests wait in our own queue
// until 'drain', so memory held for the socket stays bounded by one high-water mark plus what the caller queued.

import { isIP, connect as netConnect, type Socket } from 'node:net';
import type { ConnectionOptions as TlsConnectionOptions } from 'node:tls';
import { active, type RequestContext, requestChannel, settle } from '../diagnostics.js';
import { KafkaWireError } from '../errors.js';
import { lazyBuiltin } from '../lazy-builtin.js';
import type { Logger } from '../logger.js';
import type { ApiCodec, Complete } from '../protocol/api.js';
import { ApiVersionsApi, type ApiVersionsResponse } from '../protocol/api-versions.js';
import { KafkaErrorCode } from '../protocol/errors.js';
import {
  decodeResponse,
  encodeRequest,
  encodeRequestSegments,
  REQUEST_CORRELATION_ID_OFFSET,
  type RequestFrame,
} from '../protocol/frame.js';
import type { ApiVersionTable, VersionedApi } from './api-version-table.js';
import { CLIENT_SOFTWARE_NAME, CLIENT_SOFTWARE_VERSION, toClientSoftwareField } from './client-software.js';
import {
  AuthenticationError,
  BrokerProtocolError,
  ConnectionSetupTimeoutError,
  NetworkError,
  RequestTimeoutError,
  UnsupportedVersionError,
} from './errors.js';
import { DEFAULT_MAX_FRAME_BYTES, FrameDecoder } from './frame-decoder.js';
import { negotiateApiVersions } from './negotiate.js';
import type { NetworkObserver } from './network-observer.js';
import { authenticateSasl, type SaslChannel } from './sasl/authenticate.js';
import type { SaslMechanism } from './sasl/mechanism.js';
import { socketError } from './socket-errors.js';

/** node:tls, loaded by the first TLS connection. */
const tls = lazyBuiltin<typeof import('node:tls')>('node:tls');

export interface ConnectionOptions {
  host: string;
  port: number;
  /** TLS options for node:tls (CA, client certificate, servername...), or true for the system defaults. */
  tls?: TlsConnectionOptions | true;
  /** Names the connection in error messages, e.g. "node 3"; host:port is always added. */
  label?: string;
  /** client.id in every request header (brokers use it in logs and quotas). Default null. */
  clientId?: string | null;
  /**
   * Negotiate API versions with ApiVersions while connecting (default true). versionFor() and request() without
   * an explicit version need it; false only for raw-frame use (tests, or a broker known in advance).
   */
  negotiateApiVersions?: boolean;
  /** KIP-511 ClientSoftwareName (default "kafka-wire"); made to fit the broker's pattern. */
  clientSoftwareName?: string;
  /** KIP-511 ClientSoftwareVersion (default this package's version); made to fit the broker's pattern. */
  clientSoftwareVersion?: string;
  /** request.timeout.ms: how long a request may wait for its response. Default 30000. */
  requestTimeoutMs?: number;
  /** socket.connection.setup.timeout.ms: TCP connect + TLS handshake. Default 10000. */
  connectionSetupTimeoutMs?: number;
  /** Largest response frame accepted; a bigger announced size drops the connection. Default 100 MiB. */
  maxResponseBytes?: number;
  /**
   * connections.max.idle.ms: close the connection after this long with nothing in flight and nothing sent or
   * received. Default 540000; 0 or Infinity never closes.
   */
  connectionsMaxIdleMs?: number;
  /**
   * SASL authentication (SASL_PLAINTEXT, or SASL_SSL with `tls`): run after API versions are negotiated, before
   * connect() resolves, and again before each session the broker grants runs out (re-authentication).
   */
  sasl?: SaslMechanism;
  /**
   * Runs once the socket is up, API versions are negotiated and SASL (if any) has authenticated, before
   * connect() resolves. It may use send() and request(). If it throws, the connection is closed and connect()
   * rejects.
   */
  handshake?: (connection: Connection) => Promise<void>;
  /** Source of randomness in [0, 1) for the re-authentication jitter; tests pin it. */
  random?: () => number;
  /** Re-authentications are logged here (debug); the pool logs the rest of the connection's life. */
  logger?: Logger;
  /** The broker's node id, for `observer` and the kafka-wire:request diagnostics channel. */
  nodeId?: number;
  /** Told of every request and response frame (metrics). */
  observer?: NetworkObserver;
}

export interface SendOptions {
  /** false for requests the broker never answers (Produce with acks=0): resolves once the bytes are flushed. */
  expectResponse?: boolean;
  /** Overrides the connection's requestTimeoutMs for this request. */
  timeoutMs?: number;
  /** Names the request in errors, e.g. "Produce v9"; defaults to its api key and version. */
  label?: string;
  /** Kafka's name of the API, for the kafka-wire:request diagnostics channel. */
  api?: string;
}

export interface RequestOptions {
  /** The API version to use; default: the version negotiated with this broker (versionFor). */
  version?: number;
  /** false for Produce with acks=0: the broker sends no response; resolves with undefined once flushed. */
  expectResponse?: boolean;
  /** Overrides the connection's requestTimeoutMs for this request. */
  timeoutMs?: number;
  /**
   * Writes `bytes` and `records` fields of at least this many bytes from the caller's arrays instead of copying
   * them into the frame (encodeRequestSegments): they must stay unmodified until the request settles. Default:
   * one buffer, everything copied.
   */
  referenceBytesFrom?: number;
}

type ConnectionState = 'new' | 'connecting' | 'handshake' | 'ready' | 'closed';

interface PendingResponse {
  readonly correlationId: number;
  readonly label: RequestLabel;
  readonly resolve: (frame: Uint8Array) => void;
  readonly reject: (error: Error) => void;
  timer: NodeJS.Timeout | undefined;
  /** Set while someone subscribes to kafka-wire:request. */
  trace?: RequestContext | undefined;
}

/** A caller's name for a request, or its api key, version and correlation id. */
type RequestLabel = string | readonly [apiKey: number, apiVersion: number, correlationId: number];

function describeRequest(label: RequestLabel): string {
  return typeof label === 'string'
    ? label
    : `request (api key ${label[0]} v${label[1]}, correlation id ${label[2]})`;
}

/** A send() made while a re-authentication runs: sent once it has finished, in order. */
interface HeldSend {
  readonly release: () => void;
  readonly reject: (error: Error) => void;
}

interface QueuedWrite {
  readonly frame: RequestFrame;
  /** Set for requests without a response: settles their promise once the bytes are flushed (or fail). */
  readonly flushed?: Flushable;
}

interface Flushable {
  readonly label: RequestLabel;
  readonly resolve: () => void;
  readonly reject: (error: Error) => void;
  timer: NodeJS.Timeout | undefined;
  done: boolean;
  trace?: RequestContext | undefined;
}

const DEFAULT_REQUEST_TIMEOUT_MS = 30_000;
const DEFAULT_SETUP_TIMEOUT_MS = 10_000;
const DEFAULT_MAX_IDLE_MS = 540_000;
/** Java's SaslClientAuthenticator re-authenticates at 85 % of the session lifetime plus up to 10 % jitter. */
const REAUTH_AT = 0.85;
const REAUTH_JITTER = 0.1;
/** setTimeout's longest delay; a longer session lifetime is waited out in steps. */
const MAX_TIMER_MS = 2 ** 31 - 1;
/** Offset of the correlation id in a request frame: int32 size, int16 api key, int16 api version. */
const CORRELATION_ID_OFFSET = REQUEST_CORRELATION_ID_OFFSET;

export class Connection {
  readonly host: string;
  readonly port: number;
  /** "node 3 (broker1:9092)" - how errors name this connection. */
  readonly description: string;
  readonly requestTimeoutMs: number;
  readonly clientId: string | null;
  /** Resolves (never rejects) with the reason once the connection is closed, whoever closed it. */
  readonly closed: Promise<Error>;

  readonly #options: ConnectionOptions;
  readonly #decoder: FrameDecoder;
  #state: ConnectionState = 'new';
  #socket: Socket | undefined;
  #nextCorrelationId = 0;
  /** Requests awaiting a response, in the order they were sent (= the order the broker answers them). */
  readonly #inFlight: PendingResponse[] = [];
  /** Requests without a response whose bytes are not flushed yet. */
  readonly #unflushed = new Set<Flushable>();
  /** Requests waiting for 'drain' because socket.write returned false. */
  readonly #writeQueue: QueuedWrite[] = [];
  #writeBlocked = false;
  #corked = false;
  #lastActivity = performance.now();
  #idleTimer: NodeJS.Timeout | undefined;
  #closeWhenIdle = false;
  #closedCleanly = false;
  #resolveClosed!: (reason: Error) => void;
  #rejectConnect: ((error: Error) => void) | undefined;
  #setupTimer: NodeJS.Timeout | undefined;
  #apiVersions: ApiVersionTable | undefined;
  #apiVersionsResponse: Complete<ApiVersionsResponse> | undefined;
  /** Requests waiting for a re-authentication to finish; undefined when none runs. */
  #held: HeldSend[] | undefined;
  /** Whether the broker answered any request since connect() finished (see #listenerHint). */
  #answered = false;
  #reauthTimer: NodeJS.Timeout | undefined;
  /** Resolves the wait for in-flight requests to drain before a re-authentication. */
  #onDrained: (() => void) | undefined;
  readonly #saslChannel: SaslChannel;

  constructor(options: ConnectionOptions) {
    this.#options = options;
    this.host = options.host;
    this.port = options.port;
    const address = `${options.host.includes(':') ? `[${options.host}]` : options.host}:${options.port}`;
    this.description = options.label === undefined ? address : `${options.label} (${address})`;
    this.requestTimeoutMs = options.requestTimeoutMs ?? DEFAULT_REQUEST_TIMEOUT_MS;
    this.clientId = options.clientId ?? null;
    this.#decoder = new FrameDecoder(
      (frame) => this.#onFrame(frame),
      options.maxResponseBytes ?? DEFAULT_MAX_FRAME_BYTES,
      this.description,
    );
    this.closed = new Promise((resolve) => {
      this.#resolveClosed = resolve;
    });
    this.#saslChannel = {
      host: this.host,
      port: this.port,
      description: this.description,
      versionFor: (api) => this.versionFor(api),
      // Past the hold: the SASL exchange is exactly what held requests wait for.
      request: (api, request, version) =>
        this.#request(api, request, { version }, (frame, options) => this.#sendNow(frame, options)),
    };
  }

  /** True once connect() has finished (including the handshake) and until the connection closes. */
  get isReady(): boolean {
    return this.#state === 'ready';
  }

  get isClosed(): boolean {
    return this.#state === 'closed';
  }

  /**
   * True if the connection was closed on purpose with nothing lost: by close() without a reason, by
   * closeWhenIdle(), or after connectionsMaxIdleMs idle. A pool does not count such a close as a broker failure.
   */
  get closedCleanly(): boolean {
    return this.#closedCleanly;
  }

  /**
   * Requests sent or queued that have not completed: awaiting a response, (acks=0) awaiting the flush, or held
   * while the connection re-authenticates.
   */
  get inFlightCount(): number {
    return this.#inFlight.length + this.#unflushed.size + (this.#held?.length ?? 0);
  }

  /** Requests on the wire (or about to be), not counting those held during a re-authentication. */
  get #outstanding(): number {
    return this.#inFlight.length + this.#unflushed.size;
  }

  /** The broker's API version ranges, once negotiated (undefined with negotiateApiVersions: false). */
  get apiVersions(): ApiVersionTable | undefined {
    return this.#apiVersions;
  }

  /** The broker's ApiVersions answer, including its supported and finalized features (v3+). */
  get apiVersionsResponse(): Complete<ApiVersionsResponse> | undefined {
    return this.#apiVersionsResponse;
  }

  /**
   * The version of `api` to use with this broker: min(our max, broker max). Throws a fatal UnsupportedVersionError
   * naming both ranges if there is no common version.
   */
  versionFor(api: VersionedApi): number {
    if (this.#apiVersions === undefined) {
      throw new KafkaWireError(
        `API versions were not negotiated with ${this.description} (negotiateApiVersions is false or connect() ` +
          'has not finished): pass an explicit version',
      );
    }
    return this.#apiVersions.versionFor(api);
  }

  /** True while writes wait for the socket to drain: callers producing faster than the network should pause. */
  get isWriteBlocked(): boolean {
    return this.#writeBlocked;
  }

  /** Opens the socket (TLS if configured), runs the handshake, and resolves when requests may be sent. */
  connect(): Promise<void> {
    if (this.#state !== 'new') {
      return Promise.reject(
        new KafkaWireError(`connect() called twice on the connection to ${this.description}`),
      );
    }
    this.#state = 'connecting';
    const setupTimeoutMs = this.#options.connectionSetupTimeoutMs ?? DEFAULT_SETUP_TIMEOUT_MS;
    const socketUp = new Promise<void>((resolve, reject) => {
      this.#rejectConnect = reject;
      this.#setupTimer = setTimeout(() => {
        this.#fail(
          new ConnectionSetupTimeoutError(
            `could not connect to ${this.description} within ${setupTimeoutMs} ms ` +
              `(socketConnectionSetupTimeoutMs); is the broker reachable from here?`,
          ),
        );
      }, setupTimeoutMs);
      const onUp = () => {
        clearTimeout(this.#setupTimer);
        resolve();
      };
      let socket: Socket;
      const tlsOption = this.#options.tls;
      if (tlsOption === undefined) {
        socket = netConnect({ host: this.host, port: this.port }, onUp);
      } else {
        const tlsOptions = tlsOption === true ? {} : tlsOption;
        socket = tls().connect(
          {
            // SNI must not carry an IP address (RFC 6066); Node warns if it does.
            servername: isIP(this.host) === 0 ? this.host : undefined,
            ...tlsOptions,
            host: this.host,
            port: this.port,
          },
          onUp,
        );
      }
      this.#socket = socket;
      // Kafka requests are latency-sensitive and already batched: Nagle would only delay them.
      socket.setNoDelay(true);
      // As Java does: lets the OS notice a silently vanished broker on otherwise idle connections.
      socket.setKeepAlive(true);
      socket.on('data', (chunk: Buffer) => this.#onData(chunk));
      socket.on('drain', () => this.#onDrain());
      socket.on('error', (error: Error) => this.#fail(this.#socketError(error)));
      socket.on('close', () => this.#fail(this.#peerClosedError()));
    });
    return socketUp.then(
      () => this.#afterSocketUp(),
      (error: Error) => {
        this.#rejectConnect = undefined;
        throw error;
      },
    );
  }

  async #afterSocketUp(): Promise<void> {
    // The socket can fail before this continuation runs (Deno delivers a broker's TLS 1.3 alert that early):
    // connect() then rejects with that failure and its advice, not a bare "is closed".
    if (this.#state !== 'connecting') throw await this.closed;
    this.#state = 'handshake';
    const handshake = this.#options.handshake;
    try {
      if (this.#options.negotiateApiVersions !== false) {
        const negotiated = await negotiateApiVersions(this, {
          clientId: this.clientId,
          clientSoftwareName: toClientSoftwareField(this.#options.clientSoftwareName ?? CLIENT_SOFTWARE_NAME),
          clientSoftwareVersion: toClientSoftwareField(
            this.#options.clientSoftwareVersion ?? CLIENT_SOFTWARE_VERSION,
          ),
        });
        this.#apiVersions = negotiated.table;
        this.#apiVersionsResponse = negotiated.response;
      }
      const sasl = this.#options.sasl;
      if (sasl !== undefined) {
        const outcome = await authenticateSasl(this.#saslChannel, sasl);
        this.#scheduleReauthentication(outcome.sessionLifetimeMs);
      }
      if (handshake !== undefined) await handshake(this);
    } catch (error) {
      const reason =
        error instanceof Error
          ? error
          : new NetworkError(`handshake with ${this.description} failed: ${String(error)}`);
      this.#fail(reason);
      throw reason;
    }
    // The handshake may have lost the connection without throwing (e.g. it swallowed a failure).
    if (this.#state !== 'handshake') throw this.#closedError();
    this.#rejectConnect = undefined;
    this.#state = 'ready';
    this.#lastActivity = performance.now();
    this.#armIdleTimer();
  }

  /**
   * Sends one request frame (as produced by encodeRequest: int32 size, int16 api key, int16 api version, int32
   * correlation id, ...), or its segments in order (encodeRequestSegments; the first holds at least those 12
   * bytes). The connection writes its own correlation id into bytes 8..11 of `frame` (of its first segment): the
   * caller's buffer is modified, and must not be passed to send() again until this send has settled (the socket
   * may still hold it); the other segments are only read, until the send settles. Resolves with the response frame without its size prefix, starting with the correlation
   * id, or - with expectResponse false - with undefined once the bytes are flushed to the socket.
   * Rejects with a NetworkError (retriable) subclass if the connection fails first.
   */
  send(frame: RequestFrame, options: SendOptions & { expectResponse: false }): Promise<undefined>;
  send(frame: RequestFrame, options?: SendOptions & { expectResponse?: true }): Promise<Uint8Array>;
  send(frame: RequestFrame, options?: SendOptions): Promise<Uint8Array | undefined>;
  send(frame: RequestFrame, options: SendOptions = {}): Promise<Uint8Array | undefined> {
    return new Promise((resolve, reject) => {
      if (this.#closeWhenIdle && this.#state !== 'closed') {
        reject(new NetworkError(`connection to ${this.description} is closing; use a new connection`));
        return;
      }
      const held = this.#held;
      if (held !== undefined && this.#state !== 'closed') {
        // Settled by the same callbacks as an unheld send, so responses complete in the order they arrive.
        held.push({ release: () => this.#dispatch(frame, options, resolve, reject), reject });
      } else {
        this.#dispatch(frame, options, resolve, reject);
      }
    });
  }

  /**
   * send() past the hold of a re-authentication and past closeWhenIdle(): for the SASL exchange itself, which
   * the held requests (accepted before any closeWhenIdle()) wait for.
   */
  #sendNow(frame: RequestFrame, options: SendOptions): Promise<Uint8Array | undefined> {
    return new Promise((resolve, reject) => this.#dispatch(frame, options, resolve, reject));
  }

  #dispatch(
    frame: RequestFrame,
    options: SendOptions,
    resolve: (response: Uint8Array | undefined) => void,
    reject: (error: Error) => void,
  ): void {
    if (this.#state !== 'ready' && this.#state !== 'handshake') {
      reject(
        this.#state === 'closed'
          ? this.#closedError()
          : new NetworkError(`connection to ${this.description} is not connected yet; await connect() first`),
      );
      return;
    }
    const head = isSegmented(frame) ? frame[0] : frame;
    if (head === undefined || head.length < CORRELATION_ID_OFFSET + 4) {
      reject(
        new KafkaWireError(
          `a request frame (its first segment) has at least 12 bytes, got ${head?.length ?? 'no segment'}`,
        ),
      );
      return;
    }
    const size = isSegmented(frame) ? totalLength(frame) : head.length;
    const correlationId = this.#nextCorrelationId;
    // Wraps to 0 after 2^31 - 1: ids stay non-negative int32s, and 2^31 requests are never in flight at once.
    this.#nextCorrelationId = (correlationId + 1) & 0x7fffffff;
    writeInt32BE(head, CORRELATION_ID_OFFSET, correlationId);
    // Only built into a message if the request fails: kept as parts, off the hot path.
    const label: RequestLabel = options.label ?? [readInt16BE(head, 4), readInt16BE(head, 6), correlationId];
    const timeoutMs = options.timeoutMs ?? this.requestTimeoutMs;
    this.#lastActivity = performance.now();
    const nodeId = this.#options.nodeId;
    this.#options.observer?.requestSent(nodeId ?? -1, size);
    const trace = active(requestChannel) ? this.#traceRequest(head, size, options, correlationId) : undefined;

    if (options.expectResponse === false) {
      const flushed: Flushable = {
        label,
        resolve: () => resolve(undefined),
        reject,
        timer: undefined,
        done: false,
        trace,
      };
      // A socket that does not take our bytes for requestTimeoutMs is as stuck as one that does not answer.
      flushed.timer = setTimeout(() => this.#timedOut(flushed, timeoutMs), timeoutMs);
      this.#unflushed.add(flushed);
      this.#write({ frame, flushed });
      if (trace !== undefined) requestChannel!.end.publish(trace);
      return;
    }
    const pending: PendingResponse = { correlationId, label, resolve, reject, timer: undefined, trace };
    pending.timer = setTimeout(() => this.#timedOut(pending, timeoutMs), timeoutMs);
    this.#inFlight.push(pending);
    this.#write({ frame });
    if (trace !== undefined) requestChannel!.end.publish(trace);
  }

  /** Publishes a request's start on kafka-wire:request (only called while someone subscribes). */
  #traceRequest(head: Uint8Array, size: number, options: SendOptions, correlationId: number): RequestContext {
    const apiKey = readInt16BE(head, 4);
    const trace: RequestContext = {
      api: options.api ?? `api-key-${apiKey}`,
      apiKey,
      apiVersion: readInt16BE(head, 6),
      correlationId,
      nodeId: this.#options.nodeId,
      host: this.host,
      port: this.port,
      size,
    };
    requestChannel!.start.publish(trace);
    return trace;
  }

  /**
   * Encodes `request` with encodeRequest, sends it, and decodes the response with decodeResponse. The version is
   * the negotiated one unless options.version says otherwise.
   *
   * A broker may still refuse a version it advertised (it was downgraded in a rolling restart, or it disagrees
   * with its own ApiVersions, like Kafka 4.x with Produce v0-2). It then either closes the connection - the
   * request fails with a retriable NetworkError, and the next connection renegotiates - or answers with a
   * top-level UNSUPPORTED_VERSION error code: request() then closes this connection so the next one
   * renegotiates, and rejects with a retriable UnsupportedVersionError. If the renegotiated ranges no longer
   * overlap, versionFor() on the new connection throws the fatal UnsupportedVersionError. Error codes inside
   * the response (per topic, per partition) are the caller's to interpret.
   *
   * Rejects with KafkaEncodeError if the request does not fit the version (nothing is sent), KafkaDecodeError if
   * the response does not parse (the connection stays usable: framing is intact), NetworkError subclasses if the
   * connection fails.
   */
  request<Req extends object, Res extends object>(
    api: ApiCodec<Req, Res>,
    request: Req,
    options: RequestOptions & { expectResponse: false },
  ): Promise<undefined>;
  request<Req extends object, Res extends object>(
    api: ApiCodec<Req, Res>,
    request: Req,
    options?: RequestOptions & { expectResponse?: true },
  ): Promise<Complete<Res>>;
  request<Req extends object, Res extends object>(
    api: ApiCodec<Req, Res>,
    request: Req,
    options: RequestOptions = {},
  ): Promise<Complete<Res> | undefined> {
    return this.#request(api, request, options, (frame, sendOptions) => this.send(frame, sendOptions));
  }

  async #request<Req extends object, Res extends object>(
    api: ApiCodec<Req, Res>,
    request: Req,
    options: RequestOptions,
    send: (frame: RequestFrame, options: SendOptions) => Promise<Uint8Array | undefined>,
  ): Promise<Complete<Res>> {
    const version = options.version ?? this.versionFor(api);
    const header = { correlationId: 0, clientId: this.clientId };
    const referenceFrom = options.referenceBytesFrom;
    const frame =
      referenceFrom === undefined
        ? encodeRequest(api, version, header, request)
        : encodeRequestSegments(api, version, header, request, referenceFrom);
    const label = `${api.name} v${version}`;
    if (options.expectResponse === false) {
      return (await send(frame, {
        expectResponse: false,
        timeoutMs: options.timeoutMs,
        label,
        api: api.name,
      })) as never;
    }
    const responseFrame = (await send(frame, { timeoutMs: options.timeoutMs, label, api: api.name }))!;
    let response: Complete<Res>;
    try {
      response = decodeResponse(api, version, responseFrame).response;
    } catch (cause) {
      // The frame was well formed (size, correlation id) but its body is not what the broker should have sent:
      // nothing later on this connection can be trusted either. Close it, and let the caller retry on a new one
      // (an idempotent producer's retry is deduplicated by the broker if the first attempt was written).
      const error = new BrokerProtocolError(
        `${this.description} answered ${label} with bytes that do not decode; the connection was closed. Retry.`,
        { cause },
      );
      this.close(error);
      throw error;
    }
    if (
      api.apiKey !== ApiVersionsApi.apiKey &&
      topLevelErrorCode(response) === KafkaErrorCode.UNSUPPORTED_VERSION
    ) {
      const error = new UnsupportedVersionError(
        `${this.description} answered ${label} with UNSUPPORTED_VERSION (${KafkaErrorCode.UNSUPPORTED_VERSION}) although it advertised that ` +
          'version; the connection was closed so that the next one negotiates versions again. Retry.',
        { retriable: true, refreshMetadata: true },
      );
      this.close(error);
      throw error;
    }
    return response;
  }

  /** Closes the connection now; everything in flight fails with `reason`. Idempotent. */
  close(reason?: Error): void {
    if (this.#state === 'closed') return;
    if (reason === undefined) this.#closedCleanly = this.inFlightCount === 0;
    this.#fail(reason ?? new NetworkError(`connection to ${this.description} was closed by the client`));
  }

  /**
   * Stops accepting requests and closes once everything in flight has completed (immediately if nothing is). For
   * a broker that moved or left the cluster: its pending responses are still worth waiting for.
   */
  closeWhenIdle(): void {
    if (this.#state === 'closed') return;
    this.#closeWhenIdle = true;
    this.#closeIfDrained();
  }

  #closeIfDrained(): void {
    if (this.#outstanding !== 0) return;
    const onDrained = this.#onDrained;
    this.#onDrained = undefined;
    onDrained?.();
    // A re-authentication in progress finishes first (it calls this again), so held requests are not dropped.
    if (this.#closeWhenIdle && this.#held === undefined) {
      this.#closedCleanly = true;
      this.#fail(new NetworkError(`connection to ${this.description} was retired by the client`));
    }
  }

  #write(entry: QueuedWrite): void {
    if (this.#writeBlocked) {
      this.#writeQueue.push(entry);
      return;
    }
    this.#writeNow(entry);
  }

  #writeNow(entry: QueuedWrite): void {
    const socket = this.#socket!;
    if (!this.#corked) {
      this.#corked = true;
      socket.cork();
      process.nextTick(() => {
        this.#corked = false;
        if (!socket.destroyed) socket.uncork();
      });
    }
    const { frame, flushed } = entry;
    let last: Uint8Array;
    if (isSegmented(frame)) {
      // Under the cork, the segments leave in one writev; a stream completes writes in order, so the last
      // segment's callback says the whole request was flushed.
      const lastIndex = frame.length - 1;
      for (let i = 0; i < lastIndex; i++) socket.write(frame[i]!);
      last = frame[lastIndex]!;
    } else {
      last = frame;
    }
    const ok =
      flushed === undefined
        ? socket.write(last)
        : socket.write(last, (error) => {
            // A failed write also surfaces as a socket 'error', which closes the connection and rejects this.
            if (error == null) this.#settleFlushed(flushed);
          });
    if (!ok) this.#writeBlocked = true;
  }

  #onDrain(): void {
    this.#writeBlocked = false;
    while (this.#writeQueue.length > 0 && !this.#writeBlocked && this.#state !== 'closed') {
      this.#writeNow(this.#writeQueue.shift()!);
    }
  }

  #settleFlushed(flushed: Flushable, error?: Error): void {
    if (flushed.done) return;
    flushed.done = true;
    clearTimeout(flushed.timer);
    this.#unflushed.delete(flushed);
    if (flushed.trace !== undefined) settle(requestChannel!, flushed.trace, error);
    if (error === undefined) {
      flushed.resolve();
      this.#closeIfDrained();
    } else {
      flushed.reject(error);
    }
  }

  #onData(chunk: Buffer): void {
    this.#lastActivity = performance.now();
    try {
      this.#decoder.push(chunk);
    } catch (error) {
      this.#fail(
        error instanceof NetworkError || error instanceof AuthenticationError
          ? error
          : new BrokerProtocolError(`could not handle a response from ${this.description}`, { cause: error }),
      );
    }
  }

  #onFrame(frame: Uint8Array): void {
    if (frame.length < 4) {
      throw new BrokerProtocolError(
        `${this.description} sent a ${frame.length}-byte frame, too short for a correlation id; ` +
          'the connection is dropped',
      );
    }
    const correlationId = readInt32BE(frame, 0);
    const head = this.#inFlight[0];
    if (head === undefined || head.correlationId !== correlationId) {
      throw new BrokerProtocolError(
        `${this.description} sent a response with correlation id ${correlationId} but ` +
          (head === undefined
            ? 'no request is awaiting one'
            : `the oldest request awaiting one has ${head.correlationId}`) +
          '; responses can no longer be matched to requests, so the connection is dropped',
      );
    }
    this.#inFlight.shift();
    if (this.#state === 'ready') this.#answered = true;
    clearTimeout(head.timer);
    // The size prefix the decoder took off counts, as Java's byte counts include it.
    this.#options.observer?.responseReceived(this.#options.nodeId ?? -1, frame.length + 4);
    const trace = head.trace;
    if (trace !== undefined) {
      trace.responseSize = frame.length + 4;
      settle(requestChannel!, trace, undefined);
    }
    head.resolve(frame);
    this.#closeIfDrained();
  }

  #timedOut(timedOut: PendingResponse | Flushable, timeoutMs: number): void {
    const awaitingResponse = this.#inFlight.indexOf(timedOut as PendingResponse);
    const error = new RequestTimeoutError(
      `${describeRequest(timedOut.label)} to ${this.description} timed out after ${timeoutMs} ms waiting ` +
        `${awaitingResponse >= 0 ? 'for its response' : 'to be written'} (requestTimeoutMs); the connection is ` +
        'closed because a late response would be taken for the next request',
    );
    if (awaitingResponse >= 0) {
      this.#inFlight.splice(awaitingResponse, 1);
      if (timedOut.trace !== undefined) settle(requestChannel!, timedOut.trace, error);
      timedOut.reject(error);
    } else {
      this.#settleFlushed(timedOut as Flushable, error);
    }
    this.#fail(
      new NetworkError(
        `connection to ${this.description} was closed because an earlier request on it timed out`,
        { cause: error },
      ),
    );
  }

  #fail(reason: Error): void {
    if (this.#state === 'closed') return;
    this.#state = 'closed';
    this.#decoder.stop();
    clearTimeout(this.#setupTimer);
    clearTimeout(this.#idleTimer);
    this.#socket?.destroy();
    const rejectConnect = this.#rejectConnect;
    this.#rejectConnect = undefined;
    rejectConnect?.(reason);
    for (const pending of this.#inFlight.splice(0)) {
      clearTimeout(pending.timer);
      if (pending.trace !== undefined) settle(requestChannel!, pending.trace, reason);
      pending.reject(reason);
    }
    for (const flushed of [...this.#unflushed]) this.#settleFlushed(flushed, reason);
    this.#writeQueue.length = 0;
    clearTimeout(this.#reauthTimer);
    const held = this.#held ?? [];
    this.#held = undefined;
    for (const send of held) send.reject(reason);
    this.#onDrained = undefined;
    this.#resolveClosed(reason);
  }

  #socketError(error: Error): KafkaWireError {
    return socketError(error, {
      broker: this.description,
      host: this.host,
      port: this.port,
      tls: this.#options.tls !== undefined,
      connecting: this.#state === 'connecting',
    });
  }

  #peerClosedError(): NetworkError {
    const midResponse = this.#decoder.bufferedBytes > 0 ? ' in the middle of a response' : '';
    const lost =
      this.#inFlight.length > 0 ? ` with ${this.#inFlight.length} request(s) awaiting a response` : '';
    return new NetworkError(
      `connection to ${this.description} was closed by the peer${midResponse}${lost}${this.#listenerHint()}`,
    );
  }

  /** Why a broker may close a connection before answering anything: the client speaks the wrong protocol. */
  #listenerHint(): string {
    if (this.#answered || this.#inFlight.length === 0) return '';
    if (this.#apiVersions === undefined) {
      // A TLS listener reads our first request as a broken TLS record and hangs up.
      return this.#options.tls === undefined
        ? ' before answering anything. If this port is a TLS listener (SSL or SASL_SSL), enable the ssl option'
        : '';
    }
    if (this.#state === 'ready' && this.#options.sasl === undefined) {
      // A SASL listener answers ApiVersions, then hangs up on the first request that is not SaslHandshake.
      return (
        ' before answering its first request after ApiVersions. If this port is a SASL listener (SASL_PLAINTEXT ' +
        'or SASL_SSL), set the sasl option'
      );
    }
    return '';
  }

  #closedError(): NetworkError {
    return new NetworkError(`connection to ${this.description} is closed`);
  }

  /** Arms the re-authentication for a session that ends `lifetimeMs` from now (0: it never ends). */
  #scheduleReauthentication(lifetimeMs: number): void {
    clearTimeout(this.#reauthTimer);
    if (!(lifetimeMs > 0)) return;
    const random = this.#options.random ?? Math.random;
    const at = performance.now() + lifetimeMs * (REAUTH_AT + REAUTH_JITTER * random());
    const wait = () => {
      const remaining = at - performance.now();
      if (remaining > 0) {
        this.#reauthTimer = setTimeout(wait, Math.min(remaining, MAX_TIMER_MS));
        // A session to renew is no reason to keep the process alive.
        this.#reauthTimer.unref();
        return;
      }
      void this.#reauthenticate();
    };
    wait();
  }

  async #reauthenticate(): Promise<void> {
    const sasl = this.#options.sasl;
    // A connection being retired is not worth a new session: it closes once its requests are answered.
    if (sasl === undefined || this.#state === 'closed' || this.#held !== undefined || this.#closeWhenIdle)
      return;
    if (this.#state !== 'ready') {
      // Still in the user's handshake hook: try again once it is done.
      this.#reauthTimer = setTimeout(() => void this.#reauthenticate(), 10);
      this.#reauthTimer.unref();
      return;
    }
    this.#held = [];
    try {
      if (this.#outstanding > 0) {
        await new Promise<void>((resolve) => {
          this.#onDrained = resolve;
        });
      }
      if (this.#state !== 'ready') return; // closed meanwhile: #fail rejected the held requests
      const outcome = await authenticateSasl(this.#saslChannel, sasl);
      this.#scheduleReauthentication(outcome.sessionLifetimeMs);
      this.#options.logger?.debug(
        { connection: this.description, sasl: sasl.name, sessionLifetimeMs: outcome.sessionLifetimeMs },
        're-authenticated',
      );
    } catch (error) {
      this.#fail(
        new NetworkError(
          `re-authentication (SASL ${sasl.name}) with ${this.description} failed, so the connection was closed; ` +
            `the next connection authenticates afresh: ${error instanceof Error ? error.message : String(error)}`,
          { cause: error },
        ),
      );
      return;
    }
    const held = this.#held ?? [];
    this.#held = undefined;
    for (const send of held) send.release();
    this.#closeIfDrained();
  }

  #armIdleTimer(): void {
    const maxIdleMs = this.#options.connectionsMaxIdleMs ?? DEFAULT_MAX_IDLE_MS;
    if (!(maxIdleMs > 0 && Number.isFinite(maxIdleMs))) return;
    // One timer per connection, re-armed only when it fires: sends just move #lastActivity, which keeps the hot
    // path free of timer churn.
    const check = () => {
      if (this.#state !== 'ready') return;
      const idleFor = performance.now() - this.#lastActivity;
      const busy = this.inFlightCount > 0;
      if (!busy && idleFor >= maxIdleMs) {
        this.#closedCleanly = true;
        this.#fail(
          new NetworkError(`connection to ${this.description} was closed after ${maxIdleMs} ms idle`),
        );
        return;
      }
      // Busy: the next response or send moves #lastActivity, so a full period from now is early enough.
      this.#idleTimer = setTimeout(check, busy ? maxIdleMs : Math.max(maxIdleMs - idleFor, 1));
      this.#idleTimer.unref();
    };
    this.#idleTimer = setTimeout(check, maxIdleMs);
    this.#idleTimer.unref();
  }
}

function isSegmented(frame: RequestFrame): frame is readonly Uint8Array[] {
  return Array.isArray(frame);
}

function totalLength(segments: readonly Uint8Array[]): number {
  let size = 0;
  for (const segment of segments) size += segment.length;
  return size;
}

function readInt32BE(bytes: Uint8Array, at: number): number {
  return (bytes[at]! << 24) | (bytes[at + 1]! << 16) | (bytes[at + 2]! << 8) | bytes[at + 3]!;
}

function readInt16BE(bytes: Uint8Array, at: number): number {
  return ((bytes[at]! << 24) | (bytes[at + 1]! << 16)) >> 16;
}

function writeInt32BE(bytes: Uint8Array, at: number, value: number): void {
  bytes[at] = value >>> 24;
  bytes[at + 1] = value >>> 16;
  bytes[at + 2] = value >>> 8;
  bytes[at + 3] = value;
}

function topLevelErrorCode(response: unknown): unknown {
  return typeof response === 'object' && response !== null
    ? (response as { errorCode?: unknown }).errorCode
    : undefined;
}
