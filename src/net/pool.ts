// Connections to the cluster, keyed by broker node id (never by host:port: a broker that moves keeps its id, and
// two listeners of one host stay distinct). Connections open lazily on first use; a broker that fails is retried
// with Java's exponential reconnect backoff; idle connections close themselves (connectionsMaxIdleMs).
//
// Bootstrap servers get ids counting up from -2^31 (franz-go's scheme): real node ids are >= 0 and Kafka uses -1
// for "no node" (e.g. an unknown leader), so these can collide with neither.
//
// Each broker can have two connections, by purpose:
//   'produce' - Produce requests only;
//   'general' - everything else (Metadata, InitProducerId, transactions, ...).
// A broker handles the requests of one connection one at a time: it stops reading a connection while a request
// from it is being processed and resumes only after sending the response. A Metadata request queued behind
// Produce requests that wait for acks=all replication (up to request.timeout.ms) would wait for all of them -
// and a leader failover is exactly when produce requests stall and fresh metadata is urgent. franz-go keeps a
// separate produce connection for this reason (cxnProduce); Java does not. It also makes "in flight on the
// produce connection" exactly the idempotence window (max.in.flight.requests.per.connection). The cost is at most
// one more socket per broker, opened only when non-produce traffic goes to that broker and closed when idle.
//
// A failed connection attempt is remembered per node (lastConnectError), so whoever waits for the cluster (the
// producer's metadata wait) can say why it cannot reach it. An attempt refused for good (TLS verification, SASL
// credentials: not retriable) is not retried in a loop either: during the reconnect backoff that follows it, get()
// rejects at once with the same error instead of waiting to try again, so the broker sees one attempt per backoff
// and the caller hears the cause immediately.

import { active, connectChannel, connectionCloseChannel, settle } from '../diagnostics.js';
import { KafkaWireError } from '../errors.js';
import { type Logger, SILENT_LOGGER } from '../logger.js';
import { ExponentialBackoff } from './backoff.js';
import { Connection, type ConnectionOptions } from './connection.js';
import { ClientClosedError, NetworkError } from './errors.js';
import type { NetworkObserver } from './network-observer.js';
import type { SaslMechanism } from './sasl/mechanism.js';

export interface BrokerAddress {
  nodeId: number;
  host: string;
  port: number;
  rack?: string | null;
}

export type ConnectionPurpose = 'general' | 'produce';

export interface ConnectionPoolOptions {
  /** "host:port" strings (IPv6 as "[::1]:9092") or addresses; the client's first contact with the cluster. */
  bootstrapServers: readonly (string | { host: string; port: number })[];
  /** Options for every connection (tls, timeouts, handshake...); host, port and label come from the pool. */
  connection?: Omit<ConnectionOptions, 'host' | 'port' | 'label' | 'connectionSetupTimeoutMs' | 'sasl'>;
  /** SASL authentication for every connection (one mechanism object serves them all). */
  sasl?: SaslMechanism;
  /** reconnect.backoff.ms: first delay before reconnecting to a broker that failed. Default 50. */
  reconnectBackoffMs?: number;
  /** reconnect.backoff.max.ms: the delay doubles per consecutive failure up to this. Default 1000. */
  reconnectBackoffMaxMs?: number;
  /** socket.connection.setup.timeout.ms: the first attempt's setup timeout. Default 10000. */
  socketConnectionSetupTimeoutMs?: number;
  /** socket.connection.setup.timeout.max.ms: the setup timeout doubles per failed attempt up to this. Default 30000. */
  socketConnectionSetupTimeoutMaxMs?: number;
  /** Jitter source in [0, 1) for both backoffs; tests pin it. */
  random?: () => number;
  /** Told of connections opened and closed and of every request and response (metrics). */
  observer?: NetworkObserver;
  /** Where connection lifecycle entries go (connecting, connected, failed, closed). Default: nowhere. */
  logger?: Logger;
}

interface Slot {
  connection: Connection | undefined;
  connecting: Promise<Connection> | undefined;
}

interface NodeState {
  readonly address: BrokerAddress;
  readonly bootstrap: boolean;
  /** Consecutive failures (failed connects, or drops of a ready connection) since a connection was last ready. */
  failures: number;
  /** Consecutive failed connection attempts: grows the setup timeout. */
  setupFailures: number;
  /** performance.now() before which no new connection attempt is made. */
  nextAttemptAt: number;
  /** Why the last connection attempt failed; cleared once a connection is ready. */
  lastError: Error | undefined;
  readonly slots: Record<ConnectionPurpose, Slot>;
}

/** The first bootstrap server's node id; the i-th has FIRST_BOOTSTRAP_NODE_ID + i. */
export const FIRST_BOOTSTRAP_NODE_ID = -(2 ** 31);

export class ConnectionPool {
  readonly #options: ConnectionPoolOptions;
  readonly #reconnectBackoff: ExponentialBackoff;
  readonly #setupTimeout: ExponentialBackoff;
  readonly #nodes = new Map<number, NodeState>();
  readonly #bootstrapNodeIds: number[] = [];
  readonly #sleeps = new Set<{ timer: NodeJS.Timeout; reject: (error: Error) => void }>();
  #closedError: ClientClosedError | undefined;
  readonly #log: Logger;

  constructor(options: ConnectionPoolOptions) {
    this.#options = options;
    this.#log = options.logger ?? SILENT_LOGGER;
    const random = options.random;
    this.#reconnectBackoff = new ExponentialBackoff({
      initialMs: options.reconnectBackoffMs ?? 50,
      maxMs: options.reconnectBackoffMaxMs ?? 1000,
      random,
    });
    this.#setupTimeout = new ExponentialBackoff({
      initialMs: options.socketConnectionSetupTimeoutMs ?? 10_000,
      maxMs: options.socketConnectionSetupTimeoutMaxMs ?? 30_000,
      random,
    });
    if (options.bootstrapServers.length === 0) {
      throw new RangeError('bootstrapServers is empty: give at least one "host:port" of the Kafka cluster');
    }
    options.bootstrapServers.forEach((server, i) => {
      const { host, port } = typeof server === 'string' ? parseHostPort(server) : server;
      const nodeId = FIRST_BOOTSTRAP_NODE_ID + i;
      this.#bootstrapNodeIds.push(nodeId);
      this.#nodes.set(nodeId, newNodeState({ nodeId, host, port }, true));
    });
  }

  /** Node ids standing for the bootstrap servers (negative, never -1). */
  get bootstrapNodeIds(): readonly number[] {
    return this.#bootstrapNodeIds;
  }

  /** The brokers from the last updateBrokers() call. */
  get brokers(): BrokerAddress[] {
    return [...this.#nodes.values()].filter((node) => !node.bootstrap).map((node) => ({ ...node.address }));
  }

  get isClosed(): boolean {
    return this.#closedError !== undefined;
  }

  /**
   * Replaces the set of known brokers (from a Metadata response). A broker that left, or whose host or port
   * changed, keeps its current connections only until their in-flight requests complete; the next get()
   * connects to the new address. Bootstrap servers stay known.
   */
  updateBrokers(brokers: readonly BrokerAddress[]): void {
    const seen = new Set<number>();
    for (const broker of brokers) {
      if (broker.nodeId < 0) throw new RangeError(`broker node ids are >= 0, got ${broker.nodeId}`);
      seen.add(broker.nodeId);
      const current = this.#nodes.get(broker.nodeId);
      if (
        current !== undefined &&
        current.address.host === broker.host &&
        current.address.port === broker.port
      ) {
        current.address.rack = broker.rack ?? null;
        continue;
      }
      if (current !== undefined) retire(current);
      this.#nodes.set(broker.nodeId, newNodeState({ ...broker, rack: broker.rack ?? null }, false));
    }
    for (const [nodeId, node] of this.#nodes) {
      if (!node.bootstrap && !seen.has(nodeId)) {
        retire(node);
        this.#nodes.delete(nodeId);
      }
    }
  }

  /**
   * A ready connection to the node, opening one if needed (after waiting out the node's reconnect backoff).
   * Concurrent callers share one attempt. Rejects with a retriable NetworkError if the node is unknown or the
   * attempt fails, with ClientClosedError once the pool is closed.
   */
  get(nodeId: number, purpose: ConnectionPurpose = 'general'): Promise<Connection> {
    if (this.#closedError !== undefined) return Promise.reject(this.#closedError);
    const node = this.#nodes.get(nodeId);
    if (node === undefined) {
      return Promise.reject(
        new NetworkError(`broker node ${nodeId} is not in the cluster metadata; refresh metadata and retry`),
      );
    }
    const slot = node.slots[purpose];
    if (slot.connection?.isReady) return Promise.resolve(slot.connection);
    const refused = node.lastError;
    if (
      slot.connecting === undefined &&
      refused instanceof KafkaWireError &&
      !refused.retriable &&
      node.nextAttemptAt > performance.now()
    ) {
      return Promise.reject(refused);
    }
    slot.connecting ??= this.#connect(node, slot).finally(() => {
      slot.connecting = undefined;
    });
    return slot.connecting;
  }

  /**
   * The node's connection for `purpose` when it is ready now (what get() would resolve with at once), else
   * undefined: lets a caller with everything else ready write in the same turn instead of awaiting get().
   */
  readyConnection(nodeId: number, purpose: ConnectionPurpose = 'general'): Connection | undefined {
    if (this.#closedError !== undefined) return undefined;
    const connection = this.#nodes.get(nodeId)?.slots[purpose].connection;
    return connection?.isReady ? connection : undefined;
  }

  /**
   * Why the last attempt to connect to the node failed (a NetworkError naming the address and the cause, an
   * AuthenticationError, ...), or undefined if it has not failed since its last successful connection.
   */
  lastConnectError(nodeId: number): Error | undefined {
    return this.#nodes.get(nodeId)?.lastError;
  }

  /** Every node whose last connection attempt failed, with its address ("host:port") and the error. */
  lastConnectErrors(): { nodeId: number; address: string; error: Error }[] {
    const failed: { nodeId: number; address: string; error: Error }[] = [];
    for (const node of this.#nodes.values()) {
      if (node.lastError === undefined) continue;
      const { nodeId, host, port } = node.address;
      failed.push({
        nodeId,
        address: formatAddress(host, port),
        error: node.lastError,
      });
    }
    return failed;
  }

  /** Milliseconds until get(nodeId) may attempt a connection: 0 if connected or no backoff is pending. */
  connectionDelayMs(nodeId: number): number {
    const node = this.#nodes.get(nodeId);
    if (node === undefined) return 0;
    if (node.slots.general.connection?.isReady || node.slots.produce.connection?.isReady) return 0;
    return Math.max(0, node.nextAttemptAt - performance.now());
  }

  /**
   * The node to send a cluster-wide request (Metadata) to, like Java's leastLoadedNode: a connected broker with
   * the fewest requests in flight on its general connection, else one that may be connected to now, else the one
   * whose backoff ends first. Real brokers are preferred once known; bootstrap servers otherwise. Ties are broken
   * from a random start so load spreads.
   */
  leastLoadedNodeId(): number {
    const brokers = [...this.#nodes.values()].filter((node) => !node.bootstrap);
    const candidates =
      brokers.length > 0 ? brokers : this.#bootstrapNodeIds.map((nodeId) => this.#nodes.get(nodeId)!);
    const start = Math.floor((this.#options.random ?? Math.random)() * candidates.length);
    const now = performance.now();
    let best: NodeState | undefined;
    let bestScore = Number.POSITIVE_INFINITY;
    for (let i = 0; i < candidates.length; i++) {
      const node = candidates[(start + i) % candidates.length]!;
      const connection = node.slots.general.connection;
      // Score: in-flight count for connected nodes (0..), then 1e9 for connectable, then 2e9 + remaining backoff.
      const score = connection?.isReady
        ? connection.inFlightCount
        : node.nextAttemptAt <= now
          ? 1e9
          : 2e9 + (node.nextAttemptAt - now);
      if (score < bestScore) {
        best = node;
        bestScore = score;
      }
    }
    return best!.address.nodeId;
  }

  /**
   * Closes every connection. In-flight requests and pending get() calls fail with a ClientClosedError carrying
   * `reason` (their outcome is unknown: a request may have reached the broker). Resolves once all sockets are
   * closed. Idempotent.
   */
  async close(reason = 'the Kafka client was closed'): Promise<void> {
    if (this.#closedError === undefined) {
      this.#closedError = new ClientClosedError(
        `${reason}; requests still in flight were abandoned (they may or may not have reached the broker)`,
      );
    }
    const error = this.#closedError;
    for (const sleep of this.#sleeps) {
      clearTimeout(sleep.timer);
      sleep.reject(error);
    }
    this.#sleeps.clear();
    const closing: Promise<unknown>[] = [];
    for (const node of this.#nodes.values()) {
      for (const slot of Object.values(node.slots)) {
        if (slot.connection !== undefined) {
          slot.connection.close(error);
          closing.push(slot.connection.closed);
        }
      }
    }
    await Promise.all(closing);
  }

  async #connect(node: NodeState, slot: Slot): Promise<Connection> {
    const wait = node.nextAttemptAt - performance.now();
    if (wait > 0) await this.#sleep(wait);
    if (this.#closedError !== undefined) throw this.#closedError;
    const { nodeId, host, port } = node.address;
    if (this.#nodes.get(nodeId) !== node) {
      throw new NetworkError(`broker node ${nodeId} left the cluster or moved; refresh metadata and retry`);
    }
    const connection = new Connection({
      ...this.#options.connection,
      sasl: this.#options.sasl,
      logger: this.#log,
      host,
      port,
      label: node.bootstrap ? 'bootstrap server' : `node ${nodeId}`,
      connectionSetupTimeoutMs: this.#setupTimeout.backoff(node.setupFailures),
      nodeId,
      ...(this.#options.observer === undefined ? {} : { observer: this.#options.observer }),
    });
    slot.connection = connection;
    const trace = active(connectChannel)
      ? { nodeId, host, port, tls: this.#options.connection?.tls !== undefined }
      : undefined;
    const fields = {
      broker: node.bootstrap ? 'bootstrap' : nodeId,
      address: formatAddress(host, port),
      purpose: slot === node.slots.produce ? 'produce' : 'general',
    };
    this.#log.debug(fields, 'connecting');
    try {
      if (trace !== undefined) connectChannel!.start.publish(trace);
      const connecting = connection.connect();
      if (trace !== undefined) connectChannel!.end.publish(trace);
      await connecting;
      if (trace !== undefined) settle(connectChannel!, trace, undefined);
    } catch (error) {
      if (trace !== undefined) settle(connectChannel!, trace, asError(error));
      if (slot.connection === connection) slot.connection = undefined;
      node.setupFailures++;
      node.lastError = error instanceof Error ? error : new NetworkError(String(error));
      // Warn once per outage; the attempts that follow (every reconnect backoff) only at debug.
      const level = node.setupFailures === 1 && this.#closedError === undefined ? 'warn' : 'debug';
      this.#recordFailure(node);
      this.#log[level](
        {
          ...fields,
          err: node.lastError,
          attempt: node.failures,
          backoffMs: Math.round(this.connectionDelayMs(nodeId)),
        },
        'connection failed',
      );
      throw error;
    }
    const sasl = this.#options.sasl;
    this.#log.debug(
      {
        ...fields,
        tls: this.#options.connection?.tls !== undefined,
        ...(sasl === undefined ? {} : { sasl: sasl.name, principal: sasl.principal }),
      },
      sasl === undefined ? 'connected' : 'connected and authenticated',
    );
    node.failures = 0;
    node.setupFailures = 0;
    node.lastError = undefined;
    if (this.#nodes.get(nodeId) !== node) {
      // updateBrokers() moved or removed the broker while we were connecting.
      connection.closeWhenIdle();
      throw new NetworkError(`broker node ${nodeId} left the cluster or moved; refresh metadata and retry`);
    }
    this.#options.observer?.connectionCreated(nodeId);
    void connection.closed.then((reason) => {
      this.#options.observer?.connectionClosed(nodeId);
      if (connectionCloseChannel?.hasSubscribers) {
        connectionCloseChannel.publish({
          nodeId,
          host,
          port,
          error: connection.closedCleanly ? undefined : reason,
        });
      }
      if (slot.connection === connection) slot.connection = undefined;
      // Java counts every disconnect; a deliberate close (idle, retired) loses nothing and needs no pause.
      if (connection.closedCleanly) this.#log.debug(fields, 'connection closed');
      else {
        this.#recordFailure(node);
        // Java logs a dropped connection at info too: it happens on every broker restart.
        this.#log[this.#closedError === undefined ? 'info' : 'debug'](
          { ...fields, err: reason },
          'connection closed',
        );
      }
    });
    return connection;
  }

  /** Java's ClusterConnectionStates: the n-th consecutive failure waits backoff(n - 1). */
  #recordFailure(node: NodeState): void {
    node.nextAttemptAt = performance.now() + this.#reconnectBackoff.backoff(node.failures);
    node.failures++;
  }

  #sleep(ms: number): Promise<void> {
    return new Promise((resolve, reject) => {
      const sleep = {
        timer: setTimeout(() => {
          this.#sleeps.delete(sleep);
          resolve();
        }, ms),
        reject,
      };
      this.#sleeps.add(sleep);
    });
  }
}

function asError(error: unknown): Error {
  return error instanceof Error ? error : new NetworkError(String(error));
}

function newNodeState(address: BrokerAddress, bootstrap: boolean): NodeState {
  return {
    address,
    bootstrap,
    failures: 0,
    setupFailures: 0,
    nextAttemptAt: 0,
    lastError: undefined,
    slots: {
      general: { connection: undefined, connecting: undefined },
      produce: { connection: undefined, connecting: undefined },
    },
  };
}

/** Stops handing out the node's connections; each closes once its in-flight requests have completed. */
function retire(node: NodeState): void {
  for (const slot of Object.values(node.slots)) slot.connection?.closeWhenIdle();
}

/** "host:port", IPv6 hosts in brackets. */
function formatAddress(host: string, port: number): string {
  return `${host.includes(':') ? `[${host}]` : host}:${port}`;
}

/** Parses "host:port", "[v6]:port"; rejects anything else with a message naming the bad entry. */
export function parseHostPort(server: string): { host: string; port: number } {
  const match = /^(?:\[([^\]]+)\]|([^:[\]]+)):(\d{1,5})$/.exec(server.trim());
  const port = match === null ? Number.NaN : Number(match[3]);
  if (match === null || !(port > 0 && port < 65536)) {
    throw new RangeError(`bootstrap server "${server}" is not "host:port" (IPv6 as "[::1]:9092")`);
  }
  return { host: (match[1] ?? match[2])!, port };
}
