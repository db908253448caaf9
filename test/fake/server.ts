// A scriptable TCP (or TLS) server on 127.0.0.1 for the network tests: not a Kafka (the fake Kafka is the public
// FakeKafka in src/testing), but raw sockets for what sits below the protocol. The connection, pool and TLS tests
// need it for byte-level scripting FakeKafka cannot do: frames of any API key with arbitrary bodies echoed without
// ApiVersions, responses split across chunks or batched many per chunk, a paused socket for backpressure, a TLS
// listener with chosen certificates, a socket that accepts and never speaks (a TLS handshake that hangs). Its frame
// parsing (frames.ts) is deliberately naive and independent of src/net so the client's decoder is not checked
// against itself.

import { once } from 'node:events';
import { createServer as createNetServer, type Server, type Socket } from 'node:net';
import { createServer as createTlsServer, type TlsOptions } from 'node:tls';
import { readFrames } from '../../src/testing/frames.js';

export interface FakeServer {
  readonly port: number;
  /** Every socket accepted so far. */
  readonly sockets: Socket[];
  /** Resolves with the next accepted socket (or one already accepted and not yet taken). */
  nextSocket(): Promise<Socket>;
  close(): Promise<void>;
}

export async function startServer(
  onSocket: (socket: Socket) => void = () => {},
  tlsOptions?: TlsOptions,
): Promise<FakeServer> {
  const sockets: Socket[] = [];
  const untaken: Socket[] = [];
  const waiters: ((socket: Socket) => void)[] = [];
  const accept = (socket: Socket) => {
    sockets.push(socket);
    socket.on('error', () => {});
    const waiter = waiters.shift();
    if (waiter !== undefined) waiter(socket);
    else untaken.push(socket);
    onSocket(socket);
  };
  const server: Server =
    tlsOptions === undefined
      ? createNetServer(accept)
      : createTlsServer(tlsOptions, (socket) => accept(socket));
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  const address = server.address();
  if (address === null || typeof address === 'string') throw new Error('no TCP address');
  return {
    port: address.port,
    sockets,
    nextSocket() {
      const socket = untaken.shift();
      if (socket !== undefined) return Promise.resolve(socket);
      return new Promise((resolve) => waiters.push(resolve));
    },
    async close() {
      for (const socket of sockets) socket.destroy();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

/** Calls onFrame with each size-prefixed frame the peer sends (without the prefix). */
export const onFrames = readFrames;

/** A request frame with our 12-byte layout (size, api key, version, correlation id 0) and an arbitrary body. */
export function requestFrame(body: Uint8Array = new Uint8Array(0), apiKey = 0, apiVersion = 0): Uint8Array {
  const frame = Buffer.alloc(12 + body.length);
  frame.writeInt32BE(8 + body.length, 0);
  frame.writeInt16BE(apiKey, 4);
  frame.writeInt16BE(apiVersion, 6);
  frame.set(body, 12);
  return frame;
}

/** A response frame: size prefix, correlation id, body. */
export function responseFrame(correlationId: number, body: Uint8Array = new Uint8Array(0)): Buffer {
  const frame = Buffer.alloc(8 + body.length);
  frame.writeInt32BE(4 + body.length, 0);
  frame.writeInt32BE(correlationId, 4);
  frame.set(body, 8);
  return frame;
}

/** The correlation id of a request frame as the server sees it (without the size prefix). */
export function correlationIdOf(request: Buffer): number {
  return request.readInt32BE(4);
}

/** Replies to every request with its own body, in order: the simplest well-behaved broker. */
export function echo(socket: Socket): void {
  onFrames(socket, (request) => socket.write(responseFrame(correlationIdOf(request), request.subarray(8))));
}
