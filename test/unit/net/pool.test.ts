import { once } from 'node:events';
import { createServer, type Socket } from 'node:net';
import { afterEach, describe, expect, it, vi } from 'vitest';
import type { Connection } from '../../../src/net/connection.js';
import { ClientClosedError, NetworkError } from '../../../src/net/errors.js';
import {
  ConnectionPool,
  type ConnectionPoolOptions,
  FIRST_BOOTSTRAP_NODE_ID,
  parseHostPort,
} from '../../../src/net/pool.js';
import { failure } from '../../fake/failure.js';
import {
  correlationIdOf,
  echo,
  type FakeServer,
  onFrames,
  requestFrame,
  responseFrame,
  startServer,
} from '../../fake/server.js';

const cleanups: (() => unknown)[] = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

async function server(onSocket: (socket: Socket) => void = echo): Promise<FakeServer> {
  const s = await startServer(onSocket);
  cleanups.push(() => s.close());
  return s;
}

/** A pool whose connections speak raw frames (no ApiVersions): the fake servers here only echo. */
function pool(options: ConnectionPoolOptions): ConnectionPool {
  const p = new ConnectionPool({
    ...options,
    connection: { negotiateApiVersions: false, ...options.connection },
  });
  cleanups.push(() => p.close());
  return p;
}

async function freePort(): Promise<number> {
  const probe = createServer();
  probe.listen(0, '127.0.0.1');
  await once(probe, 'listening');
  const port = (probe.address() as { port: number }).port;
  await new Promise((resolve) => probe.close(resolve));
  return port;
}

/** A handshake that always fails after the TCP connect: every attempt is visible to the server. */
const refuseHandshake = async () => {
  throw new NetworkError('handshake refused by the test');
};

describe('ConnectionPool', () => {
  it('gives bootstrap servers ids counting up from -2^31 that cannot collide with -1 or real ids', () => {
    const p = pool({ bootstrapServers: ['a:9092', 'b:9093', { host: '::1', port: 9094 }] });
    expect(p.bootstrapNodeIds).toEqual([-(2 ** 31), -(2 ** 31) + 1, -(2 ** 31) + 2]);
    expect(FIRST_BOOTSTRAP_NODE_ID).toBe(-2147483648);
    expect(p.brokers).toEqual([]);
  });

  it('parses host:port and bracketed IPv6, and rejects malformed entries', () => {
    expect(parseHostPort('broker-1.example.com:9092')).toEqual({ host: 'broker-1.example.com', port: 9092 });
    expect(parseHostPort('[::1]:19092')).toEqual({ host: '::1', port: 19092 });
    for (const bad of ['broker', 'broker:', ':9092', 'b:0', 'b:70000', '::1:9092', 'b:9092x']) {
      expect(() => parseHostPort(bad), bad).toThrow(RangeError);
    }
    expect(() => new ConnectionPool({ bootstrapServers: [] })).toThrow(/bootstrapServers is empty/);
  });

  it('connects lazily, once, and shares the attempt between concurrent callers', async () => {
    const s = await server();
    const p = pool({ bootstrapServers: [`127.0.0.1:${s.port}`] });
    expect(s.sockets.length).toBe(0);
    const id = p.bootstrapNodeIds[0]!;
    const [a, b] = await Promise.all([p.get(id), p.get(id)]);
    expect(a).toBe(b);
    expect(await p.get(id)).toBe(a);
    expect(s.sockets.length).toBe(1);
    expect(a.description).toBe(`bootstrap server (127.0.0.1:${s.port})`);
    const response = await a.send(requestFrame(Uint8Array.of(7)));
    expect([...response.subarray(4)]).toEqual([7]);
  });

  it('keeps a separate connection per broker for produce requests', async () => {
    const s = await server();
    const p = pool({ bootstrapServers: [`127.0.0.1:${s.port}`] });
    p.updateBrokers([{ nodeId: 1, host: '127.0.0.1', port: s.port, rack: 'r1' }]);
    expect(p.brokers).toEqual([{ nodeId: 1, host: '127.0.0.1', port: s.port, rack: 'r1' }]);
    const general = await p.get(1);
    const produce = await p.get(1, 'produce');
    expect(produce).not.toBe(general);
    expect(await p.get(1, 'produce')).toBe(produce);
    expect(general.description).toBe(`node 1 (127.0.0.1:${s.port})`);
    expect(s.sockets.length).toBe(2);
  });

  it('rejects unknown node ids with a retriable error that asks for a metadata refresh', async () => {
    const p = pool({ bootstrapServers: ['127.0.0.1:1'] });
    const error = await failure(p.get(42));
    expect(error.retriable).toBe(true);
    expect(error.refreshMetadata).toBe(true);
    expect(error.message).toMatch(/node 42 is not in the cluster metadata/);
    expect(() => p.updateBrokers([{ nodeId: -1, host: 'x', port: 1 }])).toThrow(RangeError);
  });

  it('reconnects after a drop, with a short backoff', async () => {
    const arrivals: number[] = [];
    const s = await server((socket) => {
      arrivals.push(performance.now());
      echo(socket);
    });
    const p = pool({ bootstrapServers: [`127.0.0.1:${s.port}`] });
    const id = p.bootstrapNodeIds[0]!;
    const first = await p.get(id);
    const dropped = performance.now();
    (await s.nextSocket()).destroy();
    await first.closed;
    // Upper bound only: the remaining delay shrinks while a loaded machine gets round to reading it.
    expect(p.connectionDelayMs(id)).toBeLessThanOrEqual(60); // backoff(0) = 50 ms ± 20%
    const second = await p.get(id);
    expect(second).not.toBe(first);
    expect(second.isReady).toBe(true);
    // The reconnect waited a backoff after the drop (the drop was seen after `dropped`): load only lengthens it.
    expect(arrivals.length).toBe(2);
    expect(arrivals[1]! - dropped).toBeGreaterThanOrEqual(40 - 1);
  });

  it('grows the reconnect backoff exponentially within the ±20% jitter bounds (pinned jitter)', async () => {
    // A frozen performance.now() makes connectionDelayMs read the recorded backoff exactly; sockets and
    // setTimeout stay real.
    vi.useFakeTimers({ toFake: ['performance'] });
    cleanups.push(() => vi.useRealTimers());
    const port = await freePort();
    for (const [random, factor] of [
      [() => 0, 0.8],
      [() => 0.999, 1.1996],
    ] as const) {
      const p = pool({
        bootstrapServers: [`127.0.0.1:${port}`],
        reconnectBackoffMs: 10,
        reconnectBackoffMaxMs: 80,
        random,
      });
      const id = p.bootstrapNodeIds[0]!;
      const delays: number[] = [];
      for (let attempt = 0; attempt < 6; attempt++) {
        const error = await failure(p.get(id));
        expect(error.retriable).toBe(true);
        delays.push(p.connectionDelayMs(id));
      }
      const terms = [10, 20, 40, 80, 80, 80];
      delays.forEach((delay, i) => {
        const expected = Math.min(Math.floor(terms[i]! * factor), 80);
        expect(delay).toBe(expected);
      });
    }
  });

  it('waits out the backoff between real attempts, each gap at least 80% of the exponential term', async () => {
    // Stamped on the client as each attempt's socket comes up, just before the attempt fails: attempt i+1 can
    // only start a full backoff after failure i, which comes after stamp i.
    const attempts: number[] = [];
    const s = await server();
    const p = pool({
      bootstrapServers: [`127.0.0.1:${s.port}`],
      reconnectBackoffMs: 20,
      reconnectBackoffMaxMs: 160,
      connection: {
        handshake: async () => {
          attempts.push(performance.now());
          await refuseHandshake();
        },
      },
    });
    const id = p.bootstrapNodeIds[0]!;
    for (let attempt = 0; attempt < 6; attempt++) {
      expect((await failure(p.get(id))).message).toBe('handshake refused by the test');
    }
    const gaps = attempts.slice(1).map((t, i) => t - attempts[i]!);
    const terms = [20, 40, 80, 160, 160];
    expect(gaps.length).toBe(5);
    gaps.forEach((gap, i) => {
      expect(gap, `gap ${i}`).toBeGreaterThanOrEqual(terms[i]! * 0.8 - 1);
    });
  });

  it('grows the connection setup timeout per failed attempt up to its maximum (Java defaults: 10 s to 30 s)', async () => {
    const silent = await server(() => {}); // TLS handshakes to it never complete
    const p = pool({
      bootstrapServers: [`127.0.0.1:${silent.port}`],
      socketConnectionSetupTimeoutMs: 40,
      socketConnectionSetupTimeoutMaxMs: 160,
      reconnectBackoffMs: 1,
      reconnectBackoffMaxMs: 2,
      connection: { tls: true },
    });
    const id = p.bootstrapNodeIds[0]!;
    const durations: number[] = [];
    const timeouts: number[] = [];
    for (let attempt = 0; attempt < 4; attempt++) {
      const started = performance.now();
      const error = await failure(p.get(id));
      durations.push(performance.now() - started);
      const within = /could not connect to bootstrap server .* within (\d+) ms/.exec(error.message);
      expect(within, error.message).not.toBeNull();
      timeouts.push(Number(within![1]));
    }
    // The timeout each attempt used comes from its error; durations only bound it from below (load lengthens
    // them), so nothing here depends on how busy the machine is.
    const terms = [40, 80, 160, 160];
    timeouts.forEach((timeout, i) => {
      expect(timeout, `attempt ${i}`).toBeGreaterThanOrEqual(Math.floor(terms[i]! * 0.8));
      expect(timeout, `attempt ${i}`).toBeLessThanOrEqual(Math.min(terms[i]! * 1.2, 160));
      expect(durations[i], `attempt ${i}`).toBeGreaterThanOrEqual(timeout - 2);
    });
  });

  it('does not back off after an idle close, and reconnects on the next get()', async () => {
    const s = await server();
    const p = pool({ bootstrapServers: [`127.0.0.1:${s.port}`], connection: { connectionsMaxIdleMs: 40 } });
    const id = p.bootstrapNodeIds[0]!;
    const first = await p.get(id);
    await first.send(requestFrame());
    expect((await first.closed).message).toMatch(/idle/);
    expect(p.connectionDelayMs(id)).toBe(0);
    const second = await p.get(id);
    expect(second).not.toBe(first);
    expect(s.sockets.length).toBe(2);
  });

  it('retires the connection of a broker that moved once its in-flight request completes', async () => {
    let answer!: () => void;
    const oldHome = await server((socket) =>
      onFrames(socket, (request) => {
        answer = () => socket.write(responseFrame(correlationIdOf(request)));
      }),
    );
    const newHome = await server();
    const p = pool({ bootstrapServers: [`127.0.0.1:${oldHome.port}`] });
    p.updateBrokers([{ nodeId: 3, host: '127.0.0.1', port: oldHome.port }]);
    const old = await p.get(3);
    const pending = old.send(requestFrame());
    await expect.poll(() => typeof answer).toBe('function');
    p.updateBrokers([{ nodeId: 3, host: '127.0.0.1', port: newHome.port }]);
    const moved = await p.get(3);
    expect(moved).not.toBe(old);
    expect(moved.port).toBe(newHome.port);
    expect(old.isClosed).toBe(false);
    answer();
    await pending;
    await old.closed;
    expect(old.closedCleanly).toBe(true);
  });

  it('forgets brokers that leave the cluster', async () => {
    const s = await server();
    const p = pool({ bootstrapServers: [`127.0.0.1:${s.port}`] });
    p.updateBrokers([
      { nodeId: 1, host: '127.0.0.1', port: s.port },
      { nodeId: 2, host: '127.0.0.1', port: s.port },
    ]);
    const two = await p.get(2);
    p.updateBrokers([{ nodeId: 1, host: '127.0.0.1', port: s.port }]);
    await two.closed;
    expect((await failure(p.get(2))).message).toMatch(/node 2 is not in the cluster metadata/);
    expect(p.brokers.map((b) => b.nodeId)).toEqual([1]);
    expect(await p.get(p.bootstrapNodeIds[0]!)).toBeDefined();
  });

  it('close() fails in-flight requests and later get() calls with a non-retriable ClientClosedError', async () => {
    const s = await server(() => {}); // never answers
    const p = new ConnectionPool({
      bootstrapServers: [`127.0.0.1:${s.port}`],
      connection: { negotiateApiVersions: false },
    });
    const c = await p.get(p.bootstrapNodeIds[0]!);
    const inFlight = c.send(requestFrame());
    const closing = p.close('the producer was closed');
    const error = await failure(inFlight);
    expect(error).toBeInstanceOf(ClientClosedError);
    expect(error.retriable).toBe(false);
    expect(error.message).toMatch(/^the producer was closed; requests still in flight were abandoned/);
    await closing;
    expect(c.isClosed).toBe(true);
    expect(await failure(p.get(p.bootstrapNodeIds[0]!))).toBe(error);
    expect(p.isClosed).toBe(true);
    await p.close(); // idempotent
  });

  it('close() also ends get() calls waiting out a backoff or a connect in progress', async () => {
    const port = await freePort();
    const p = new ConnectionPool({ bootstrapServers: [`127.0.0.1:${port}`], reconnectBackoffMs: 60_000 });
    const id = p.bootstrapNodeIds[0]!;
    await failure(p.get(id));
    const waiting = p.get(id); // sleeps ~60 s before its next attempt
    const hanging = await server(() => {});
    const tlsPool = new ConnectionPool({
      bootstrapServers: [`127.0.0.1:${hanging.port}`],
      connection: { tls: true },
    });
    const connecting = tlsPool.get(tlsPool.bootstrapNodeIds[0]!); // TLS handshake never completes
    await hanging.nextSocket();
    await Promise.all([p.close(), tlsPool.close()]);
    expect(await failure(waiting)).toBeInstanceOf(ClientClosedError);
    expect(await failure(connecting)).toBeInstanceOf(ClientClosedError);
  });

  it('picks the least loaded node: connected and idle first, then connectable, then shortest backoff', async () => {
    let hold = true;
    const s = await server((socket) =>
      onFrames(socket, (request) => {
        if (!hold) socket.write(responseFrame(correlationIdOf(request)));
      }),
    );
    const deadPort = await freePort();
    const p = pool({ bootstrapServers: [`127.0.0.1:${s.port}`] });
    const [first] = p.bootstrapNodeIds;
    expect(p.leastLoadedNodeId()).toBe(first);
    p.updateBrokers([
      { nodeId: 1, host: '127.0.0.1', port: s.port },
      { nodeId: 2, host: '127.0.0.1', port: s.port },
      { nodeId: 3, host: '127.0.0.1', port: deadPort },
    ]);
    const one: Connection = await p.get(1);
    const two: Connection = await p.get(2);
    await failure(p.get(3));
    void one.send(requestFrame()).catch(() => {});
    expect(p.leastLoadedNodeId()).toBe(2);
    void two.send(requestFrame()).catch(() => {});
    void two.send(requestFrame()).catch(() => {});
    expect(p.leastLoadedNodeId()).toBe(1);
    hold = false;
  });

  it('remembers why the last attempt to reach a node failed, until a connection succeeds', async () => {
    const port = await freePort();
    const p = pool({
      bootstrapServers: [`127.0.0.1:${port}`],
      reconnectBackoffMs: 1,
      reconnectBackoffMaxMs: 1,
    });
    const id = p.bootstrapNodeIds[0]!;
    expect(p.lastConnectError(id)).toBeUndefined();
    const error = await failure(p.get(id));
    expect(error.retriable).toBe(true);
    expect(p.lastConnectError(id)).toBe(error);
    expect(error.message).toMatch(new RegExp(`127\\.0\\.0\\.1:${port} \\(ECONNREFUSED\\)`));
    expect(p.lastConnectErrors()).toEqual([{ nodeId: id, address: `127.0.0.1:${port}`, error }]);
    const s = createServer(echo);
    s.listen(port, '127.0.0.1');
    await once(s, 'listening');
    cleanups.push(() => new Promise((resolve) => s.close(resolve)));
    await p.get(id);
    expect(p.lastConnectError(id)).toBeUndefined();
    expect(p.lastConnectErrors()).toEqual([]);
    await p.close(); // before the server's cleanup, which waits for its connections to end
  });
});
