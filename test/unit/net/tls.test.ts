import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { KafkaWireError } from '../../../src/errors.js';
import { Connection, type ConnectionOptions } from '../../../src/net/connection.js';
import { AuthenticationError, NetworkError } from '../../../src/net/errors.js';
import { echo, type FakeServer, requestFrame, startServer } from '../../fake/server.js';

// A throwaway self-signed certificate for localhost and 127.0.0.1, made by the openssl CLI.
let dir: string;
let cert: Buffer;
let key: Buffer;
beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'kafka-wire-tls-'));
  execFileSync(
    'openssl',
    [
      'req',
      '-x509',
      '-newkey',
      'ec',
      '-pkeyopt',
      'ec_paramgen_curve:prime256v1',
      '-nodes',
      '-keyout',
      join(dir, 'key.pem'),
      '-out',
      join(dir, 'cert.pem'),
      '-days',
      '1',
      '-subj',
      '/CN=localhost',
      '-addext',
      'subjectAltName=DNS:localhost,IP:127.0.0.1',
    ],
    { stdio: 'ignore' },
  );
  cert = readFileSync(join(dir, 'cert.pem'));
  key = readFileSync(join(dir, 'key.pem'));
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const cleanups: (() => unknown)[] = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

async function tlsServer(): Promise<FakeServer> {
  const s = await startServer(echo, { cert, key });
  cleanups.push(() => s.close());
  return s;
}

function connection(options: ConnectionOptions): Connection {
  const c = new Connection({ negotiateApiVersions: false, ...options });
  cleanups.push(() => c.close());
  return c;
}

async function failure(promise: Promise<unknown>): Promise<KafkaWireError> {
  const error = await promise.then(
    () => {
      throw new Error('expected a rejection');
    },
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(KafkaWireError);
  return error as KafkaWireError;
}

describe('Connection over TLS', () => {
  it('exchanges requests with a broker whose certificate we trust (IP and DNS names)', async () => {
    const s = await tlsServer();
    for (const host of ['127.0.0.1', 'localhost']) {
      const c = connection({ host, port: s.port, tls: { ca: cert } });
      await c.connect();
      const response = await c.send(requestFrame(new TextEncoder().encode(`over tls to ${host}`)));
      expect(Buffer.from(response.subarray(4)).toString()).toBe(`over tls to ${host}`);
    }
  });

  it('refuses an untrusted certificate with a non-retriable authentication error', async () => {
    const s = await tlsServer();
    const error = await failure(connection({ host: '127.0.0.1', port: s.port, tls: true }).connect());
    expect(error).toBeInstanceOf(AuthenticationError);
    expect(error.retriable).toBe(false);
    expect(error.message).toMatch(/TLS handshake with 127\.0\.0\.1:\d+ failed: .*self.signed/i);
  });

  it('refuses a certificate for another host name', async () => {
    const s = await tlsServer();
    const c = connection({
      host: '127.0.0.1',
      port: s.port,
      tls: { ca: cert, servername: 'kafka.example.com' },
    });
    const error = await failure(c.connect());
    expect(error).toBeInstanceOf(AuthenticationError);
    expect(error.message).toMatch(/kafka\.example\.com/);
  });

  it('fails a plaintext client talking to a TLS listener with a retriable error, without hanging', async () => {
    const s = await tlsServer();
    const c = connection({ host: '127.0.0.1', port: s.port });
    await c.connect();
    const error = await failure(c.send(requestFrame(new Uint8Array(64)), { timeoutMs: 5000 }));
    expect(error).toBeInstanceOf(NetworkError);
    expect(error.retriable).toBe(true);
    // Node's TLS server usually answers with an alert, which we recognise and name; sometimes it just closes.
    expect(error.message).toMatch(
      /127\.0\.0\.1:\d+ sent a frame size of .* enable the tls option|closed by the peer with 1 request/,
    );
  });
});
