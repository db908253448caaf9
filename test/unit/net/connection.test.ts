import { once } from 'node:events';
import { createServer, type Socket } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { KafkaWireError } from '../../../src/errors.js';
import { Connection, type ConnectionOptions } from '../../../src/net/connection.js';
import {
  BrokerProtocolError,
  ConnectionSetupTimeoutError,
  NetworkError,
  RequestTimeoutError,
} from '../../../src/net/errors.js';
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

async function server(onSocket?: (socket: Socket) => void): Promise<FakeServer> {
  const s = await startServer(onSocket);
  cleanups.push(() => s.close());
  return s;
}

async function connectTo(s: FakeServer, options: Partial<ConnectionOptions> = {}): Promise<Connection> {
  const connection = new Connection({
    host: '127.0.0.1',
    port: s.port,
    label: 'node 1',
    negotiateApiVersions: false,
    ...options,
  });
  cleanups.push(() => connection.close());
  await connection.connect();
  return connection;
}

const text = (s: string) => new TextEncoder().encode(s);
const bodyOf = (response: Uint8Array) => Buffer.from(response.subarray(4)).toString();

/** Awaits a rejection and returns the error, failing the test if the promise fulfils. */

function expectRetriableNetworkError(error: KafkaWireError): void {
  expect(error).toBeInstanceOf(NetworkError);
  expect(error.retriable).toBe(true);
  expect(error.refreshMetadata).toBe(true);
  expect(error.fatal).toBe(false);
}

describe('Connection: requests and responses', () => {
  it('matches each response to its request by correlation id', async () => {
    const s = await server(echo);
    const c = await connectTo(s);
    const responses = await Promise.all(
      Array.from({ length: 50 }, (_, i) => c.send(requestFrame(text(`request ${i}`)))),
    );
    expect(responses.map(bodyOf)).toEqual(Array.from({ length: 50 }, (_, i) => `request ${i}`));
    expect(responses.map((r) => Buffer.from(r).readInt32BE(0))).toEqual(
      Array.from({ length: 50 }, (_, i) => i),
    );
    expect(c.inFlightCount).toBe(0);
  });

  it('writes its correlation id into bytes 8..11 of the request frame', async () => {
    const seen: number[] = [];
    const s = await server((socket) =>
      onFrames(socket, (request) => {
        seen.push(correlationIdOf(request));
        socket.write(responseFrame(correlationIdOf(request)));
      }),
    );
    const c = await connectTo(s);
    const frame = requestFrame(text('x'), 3, 12);
    await c.send(frame);
    await c.send(frame);
    expect(seen).toEqual([0, 1]);
    expect(Buffer.from(frame).readInt32BE(8)).toBe(1);
  });

  it('handles responses that arrive many per chunk and split across chunks', async () => {
    const s = await server((socket) => {
      const requests: Buffer[] = [];
      onFrames(socket, (request) => {
        requests.push(request);
        if (requests.length < 20) return;
        const all = Buffer.concat(requests.map((r) => responseFrame(correlationIdOf(r), r.subarray(8))));
        // All twenty responses in three uneven writes, so frames straddle chunk boundaries.
        socket.write(all.subarray(0, 7));
        setImmediate(() => socket.write(all.subarray(7, 131)));
        setTimeout(() => socket.write(all.subarray(131)), 5);
      });
    });
    const c = await connectTo(s);
    const responses = await Promise.all(
      Array.from({ length: 20 }, (_, i) => c.send(requestFrame(text(`${i}`.repeat(i))))),
    );
    expect(responses.map(bodyOf)).toEqual(Array.from({ length: 20 }, (_, i) => `${i}`.repeat(i)));
  });

  it('resolves requests without a response once written, and keeps later ids aligned', async () => {
    const seen: number[] = [];
    const s = await server((socket) =>
      onFrames(socket, (request) => {
        seen.push(correlationIdOf(request));
        // Like acks=0 Produce: api key 0 with body "noack" gets no answer.
        if (request.subarray(8).toString() !== 'noack') socket.write(responseFrame(correlationIdOf(request)));
      }),
    );
    const c = await connectTo(s);
    expect(await c.send(requestFrame(text('noack')), { expectResponse: false })).toBeUndefined();
    expect(await c.send(requestFrame(text('noack')), { expectResponse: false })).toBeUndefined();
    const response = await c.send(requestFrame(text('answer me')));
    expect(Buffer.from(response).readInt32BE(0)).toBe(2);
    expect(seen).toEqual([0, 1, 2]);
  });

  it('queues writes while the socket is backpressured and sends them in order after drain', async () => {
    const received: number[] = [];
    let serverSocket!: Socket;
    const s = await server((socket) => {
      serverSocket = socket;
      socket.pause();
      onFrames(socket, (request) => received.push(correlationIdOf(request)));
    });
    const c = await connectTo(s);
    const big = () => requestFrame(new Uint8Array(1 << 20));
    const sends = Array.from({ length: 32 }, () => c.send(big(), { expectResponse: false }));
    expect(c.isWriteBlocked).toBe(true);
    expect(c.inFlightCount).toBe(32);
    serverSocket.resume();
    await Promise.all(sends);
    await expect.poll(() => received.length).toBe(32);
    expect(received).toEqual(Array.from({ length: 32 }, (_, i) => i));
    expect(c.isWriteBlocked).toBe(false);
  });

  it('rejects send() before connect() and after close()', async () => {
    const s = await server(echo);
    const c = new Connection({ host: '127.0.0.1', port: s.port, negotiateApiVersions: false });
    expectRetriableNetworkError(await failure(c.send(requestFrame())));
    await c.connect();
    c.close();
    expectRetriableNetworkError(await failure(c.send(requestFrame())));
    expect(c.closedCleanly).toBe(true);
  });
});

describe('Connection: failures', () => {
  it('times out a request with a retriable error and closes the connection', async () => {
    const s = await server(() => {}); // accepts, never answers
    const c = await connectTo(s);
    const slow = c.send(requestFrame(), { timeoutMs: 50, label: 'Produce v9' });
    const other = c.send(requestFrame(), { timeoutMs: 60_000 });
    const timedOut = await failure(slow);
    expect(timedOut).toBeInstanceOf(RequestTimeoutError);
    expectRetriableNetworkError(timedOut);
    expect(timedOut.message).toMatch(/Produce v9 to node 1 \(127\.0\.0\.1:\d+\) timed out after 50 ms/);
    const collateral = await failure(other);
    expectRetriableNetworkError(collateral);
    expect(collateral.message).toMatch(/earlier request on it timed out/);
    expect(c.isClosed).toBe(true);
    expect(c.closedCleanly).toBe(false);
  });

  it('fails every in-flight request when the socket drops mid-response', async () => {
    const s = await server((socket) =>
      onFrames(socket, (request) => {
        if (correlationIdOf(request) === 2) {
          const response = responseFrame(0, new Uint8Array(100));
          socket.end(response.subarray(0, 50)); // half a response, then FIN
        }
      }),
    );
    const c = await connectTo(s);
    const errors = await Promise.all([0, 1, 2].map(() => failure(c.send(requestFrame()))));
    for (const error of errors) {
      expectRetriableNetworkError(error);
      expect(error.message).toMatch(/closed by the peer in the middle of a response with 3 request/);
    }
    expect((await c.closed).message).toMatch(/closed by the peer/);
  });

  it('fails in-flight requests when the peer resets the connection', async () => {
    const s = await server((socket) => onFrames(socket, () => socket.resetAndDestroy()));
    const c = await connectTo(s);
    expectRetriableNetworkError(await failure(c.send(requestFrame())));
  });

  const misbehaving: [string, (request: Buffer) => Uint8Array][] = [
    ['garbage (an HTTP reply)', () => text('HTTP/1.1 400 Bad Request\r\n\r\n')],
    ['a 2 GiB frame size', () => Uint8Array.of(0x7f, 0xff, 0xff, 0xff, 0, 0, 0, 0)],
    ['a frame size of exactly 2^31 (negative as int32)', () => Uint8Array.of(0x80, 0, 0, 0, 0)],
    ['a negative frame size', () => Uint8Array.of(0xff, 0xff, 0xff, 0xfe)],
    ['a frame too short for a correlation id', () => Uint8Array.of(0, 0, 0, 2, 0, 0)],
    ['a wrong correlation id', (request) => responseFrame(correlationIdOf(request) + 1)],
    [
      'an unsolicited response',
      (request) => Buffer.concat([responseFrame(correlationIdOf(request)), responseFrame(7)]),
    ],
  ];
  for (const [what, reply] of misbehaving) {
    it(`drops the connection on ${what}`, async () => {
      const s = await server((socket) => onFrames(socket, (request) => socket.write(reply(request))));
      const c = await connectTo(s, { maxResponseBytes: 1 << 20 });
      const results = await Promise.allSettled([c.send(requestFrame()), c.send(requestFrame())]);
      const rejected = results.filter((r) => r.status === 'rejected');
      // The unsolicited-response case answers the first request correctly before misbehaving.
      expect(rejected.length).toBeGreaterThanOrEqual(1);
      for (const r of rejected) expectRetriableNetworkError((r as PromiseRejectedResult).reason);
      const reason = await c.closed;
      expect(reason).toBeInstanceOf(BrokerProtocolError);
      expectRetriableNetworkError(reason as BrokerProtocolError);
      expect(c.isClosed).toBe(true);
    });
  }

  it('fails in-flight requests when the peer sends a truncated frame and closes', async () => {
    const s = await server((socket) => onFrames(socket, () => socket.end(Uint8Array.of(0, 0, 1, 0, 0, 0))));
    const c = await connectTo(s);
    const error = await failure(c.send(requestFrame()));
    expectRetriableNetworkError(error);
    expect(error.message).toMatch(/middle of a response/);
  });

  it('fails connect() with a retriable error when nothing listens', async () => {
    const probe = createServer();
    probe.listen(0, '127.0.0.1');
    await once(probe, 'listening');
    const port = (probe.address() as { port: number }).port;
    await new Promise((resolve) => probe.close(resolve));
    const c = new Connection({ host: '127.0.0.1', port, negotiateApiVersions: false });
    const error = await failure(c.connect());
    expectRetriableNetworkError(error);
    expect(error.message).toMatch(/ECONNREFUSED/);
  });

  it('fails connect() after the setup timeout when the handshake never completes', async () => {
    // A TLS client against a TCP server that never speaks: the TLS handshake hangs.
    const s = await server(() => {});
    const c = new Connection({
      host: '127.0.0.1',
      port: s.port,
      tls: true,
      connectionSetupTimeoutMs: 100,
      negotiateApiVersions: false,
    });
    const started = performance.now();
    const error = await failure(c.connect());
    expect(error).toBeInstanceOf(ConnectionSetupTimeoutError);
    expectRetriableNetworkError(error);
    expect(performance.now() - started).toBeGreaterThanOrEqual(95);
  });

  it('fails connect() when the handshake hook fails, and closes the socket', async () => {
    const s = await server(echo);
    const c = new Connection({
      host: '127.0.0.1',
      port: s.port,
      negotiateApiVersions: false,
      handshake: async (connection) => {
        await connection.send(requestFrame());
        throw new KafkaWireError('handshake refused');
      },
    });
    expect((await failure(c.connect())).message).toBe('handshake refused');
    expect(c.isClosed).toBe(true);
  });

  it('closes itself after connectionsMaxIdleMs with nothing in flight', async () => {
    const s = await server(echo);
    const c = await connectTo(s, { connectionsMaxIdleMs: 80 });
    await c.send(requestFrame());
    const started = performance.now();
    const reason = await c.closed;
    expect(reason.message).toMatch(/closed after 80 ms idle/);
    expect(performance.now() - started).toBeGreaterThanOrEqual(70);
    expect(c.closedCleanly).toBe(true);
  });

  it('does not close an idle-timed connection while a request is in flight', async () => {
    let answer!: () => void;
    const s = await server((socket) =>
      onFrames(socket, (request) => {
        answer = () => socket.write(responseFrame(correlationIdOf(request)));
      }),
    );
    const c = await connectTo(s, { connectionsMaxIdleMs: 30 });
    const pending = c.send(requestFrame());
    // Several idle periods pass with the request in flight; the connection must stay open.
    await new Promise((resolve) => setTimeout(resolve, 120)); // a duration under test, not a stand-in for an event
    expect(c.isClosed).toBe(false);
    answer();
    await pending;
    expect((await c.closed).message).toMatch(/idle/);
  });

  it('closeWhenIdle waits for in-flight responses, then closes cleanly', async () => {
    let answer!: () => void;
    const s = await server((socket) =>
      onFrames(socket, (request) => {
        answer = () => socket.write(responseFrame(correlationIdOf(request)));
      }),
    );
    const c = await connectTo(s);
    const pending = c.send(requestFrame());
    await expect.poll(() => typeof answer).toBe('function');
    c.closeWhenIdle();
    expectRetriableNetworkError(await failure(c.send(requestFrame())));
    expect(c.isClosed).toBe(false);
    answer();
    await pending;
    await c.closed;
    expect(c.closedCleanly).toBe(true);
  });

  it('close(reason) fails in-flight and unflushed requests with that reason', async () => {
    const s = await server((socket) => socket.pause());
    const c = await connectTo(s);
    const awaiting = c.send(requestFrame());
    const unflushed = Array.from({ length: 8 }, () =>
      c.send(requestFrame(new Uint8Array(1 << 20)), { expectResponse: false }),
    );
    const reason = new KafkaWireError('client closed');
    c.close(reason);
    expect(await failure(awaiting)).toBe(reason);
    for (const p of unflushed) expect(await failure(p)).toBe(reason);
    expect(await c.closed).toBe(reason);
    expect(c.closedCleanly).toBe(false);
  });
});
