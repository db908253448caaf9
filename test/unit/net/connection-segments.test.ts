// A request written as segments (encodeRequestSegments' write vector) must reach the broker as the same bytes a
// single buffer would: in order, with the correlation id in the first segment, whole even when the socket delivers
// it in many chunks, and interleaved correctly with single-buffer requests.

import type { Socket } from 'node:net';
import type { TlsOptions } from 'node:tls';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { Connection, type ConnectionOptions } from '../../../src/net/connection.js';
import { MetadataApi } from '../../../src/protocol/index.js';
import { makeCertificates, type TestCertificates } from '../../fake/certificates.js';
import {
  correlationIdOf,
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

async function server(onSocket?: (socket: Socket) => void, tls?: TlsOptions): Promise<FakeServer> {
  const s = await startServer(onSocket, tls);
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

function pattern(length: number, seed: number): Uint8Array {
  const bytes = new Uint8Array(length);
  for (let i = 0; i < length; i++) bytes[i] = (i * 7 + seed) & 0xff;
  return bytes;
}

/** A request frame split into segments: the 12-byte head plus a few body bytes, then the body's other parts. */
function segmented(parts: readonly Uint8Array[], apiKey = 0, apiVersion = 9): Uint8Array[] {
  const bodyLength = parts.reduce((n, p) => n + p.length, 0);
  const head = Buffer.from(requestFrame(new Uint8Array(0), apiKey, apiVersion));
  head.writeInt32BE(8 + bodyLength, 0);
  return [head, ...parts];
}

/** Replies to every request with its whole frame (without the size prefix) as the body, and counts chunks. */
function recordingServer(frames: Buffer[], chunks: number[]): (socket: Socket) => void {
  return (socket) => {
    socket.on('data', (chunk: Buffer) => chunks.push(chunk.length));
    onFrames(socket, (request) => {
      frames.push(Buffer.from(request));
      socket.write(responseFrame(correlationIdOf(request), request.subarray(8)));
    });
  };
}

let certs: TestCertificates;
beforeAll(() => {
  certs = makeCertificates();
});
afterAll(() => certs.remove());

describe('Connection: requests as segments', () => {
  it('a segmented request arrives byte for byte, across many socket chunks, with its id in the first segment', async () => {
    const frames: Buffer[] = [];
    const chunks: number[] = [];
    const s = await server(recordingServer(frames, chunks));
    const c = await connectTo(s);
    const parts = [
      pattern(3, 1),
      pattern(3 * 1024 * 1024, 2),
      pattern(5, 3),
      pattern(200_000, 4),
      pattern(1, 5),
    ];
    const copies = parts.map((p) => Buffer.from(p));
    const body = Buffer.concat(parts);
    // An earlier single-buffer request, so the segmented one gets correlation id 1.
    await c.send(requestFrame(new Uint8Array([9])));
    const response = await c.send(segmented(parts));
    expect(frames).toHaveLength(2);
    const received = frames[1]!;
    expect(received.readInt16BE(0)).toBe(0);
    expect(received.readInt16BE(2)).toBe(9);
    expect(correlationIdOf(received)).toBe(1);
    expect(received.subarray(8).equals(body)).toBe(true);
    expect(Buffer.from(response).subarray(4).equals(body)).toBe(true);
    // The 3 MiB request reached the server in several chunks, and the caller's segments were only read.
    expect(chunks.length).toBeGreaterThan(2);
    expect(parts.every((p, i) => Buffer.from(p).equals(copies[i]!))).toBe(true);
  });

  it('over TLS, segmented requests arrive byte for byte', async () => {
    const frames: Buffer[] = [];
    const s = await server(recordingServer(frames, []), certs.broker);
    const c = await connectTo(s, { tls: { ca: certs.ca } });
    const bodies = [
      [pattern(2, 1), pattern(1024 * 1024, 2), pattern(3, 3)],
      [pattern(5000, 4), pattern(9, 5), pattern(70_000, 6)],
    ];
    const responses = await Promise.all(bodies.map((parts) => c.send(segmented(parts))));
    const sent = bodies.map((parts) => Buffer.concat(parts));
    expect(frames.map(correlationIdOf)).toEqual([0, 1]);
    expect(frames.every((f, i) => f.subarray(8).equals(sent[i]!))).toBe(true);
    expect(responses.every((r, i) => Buffer.from(r).subarray(4).equals(sent[i]!))).toBe(true);
  });

  it('segmented and single-buffer requests interleave in the order they were sent', async () => {
    const frames: Buffer[] = [];
    const s = await server(recordingServer(frames, []));
    const c = await connectTo(s);
    const sent: Buffer[] = [];
    const pending: Promise<Uint8Array>[] = [];
    for (let i = 0; i < 30; i++) {
      const body = i % 2 === 0 ? [pattern(10 + i, i), pattern(70_000 + i, i + 1)] : [pattern(20 + i, i)];
      sent.push(Buffer.concat(body));
      pending.push(i % 2 === 0 ? c.send(segmented(body)) : c.send(requestFrame(body[0])));
    }
    const responses = await Promise.all(pending);
    expect(frames.map(correlationIdOf)).toEqual(Array.from({ length: 30 }, (_, i) => i));
    // Compared with Buffer.equals: a deep equality over 70 kB arrays takes seconds.
    expect(frames.every((f, i) => f.subarray(8).equals(sent[i]!))).toBe(true);
    expect(responses.every((r, i) => Buffer.from(r).subarray(4).equals(sent[i]!))).toBe(true);
  });

  it('a segmented request without a response resolves once flushed; observers count all its bytes', async () => {
    const frames: Buffer[] = [];
    const s = await server((socket) => onFrames(socket, (request) => frames.push(Buffer.from(request))));
    const sizes: number[] = [];
    const c = await connectTo(s, {
      nodeId: 1,
      observer: {
        requestSent: (_node: number, bytes: number) => sizes.push(bytes),
        responseReceived: () => {},
      } as unknown as ConnectionOptions['observer'],
    });
    const parts = [pattern(100_000, 1), pattern(7, 2)];
    expect(await c.send(segmented(parts), { expectResponse: false })).toBeUndefined();
    expect(sizes).toEqual([12 + 100_007]);
    await expect.poll(() => frames.length).toBe(1);
    expect(frames[0]!.subarray(8).equals(Buffer.concat(parts))).toBe(true);
  });

  it('request() with referenceBytesFrom puts the same bytes on the wire as without', async () => {
    const frames: Buffer[] = [];
    const s = await server((socket) =>
      onFrames(socket, (request) => {
        frames.push(Buffer.from(request));
        // Metadata v1 response body: no brokers, no controller... only the frame's arrival matters here.
        socket.destroy();
      }),
    );
    const c = await connectTo(s, { clientId: 'segments' });
    const topics = [{ name: 'x'.repeat(300) }];
    await c.request(MetadataApi, { topics }, { version: 1, referenceBytesFrom: 1 }).catch(() => undefined);
    const c2 = await connectTo(s, { clientId: 'segments' });
    await c2.request(MetadataApi, { topics }, { version: 1 }).catch(() => undefined);
    await expect.poll(() => frames.length).toBe(2);
    expect(frames[0]!.equals(frames[1]!)).toBe(true);
  });

  it('rejects a segmented frame whose first segment is shorter than the fixed header', async () => {
    const s = await server();
    const c = await connectTo(s);
    await expect(c.send([new Uint8Array(8), new Uint8Array(8)])).rejects.toThrow(/at least 12 bytes/);
    await expect(c.send([])).rejects.toThrow(/at least 12 bytes/);
  });
});
