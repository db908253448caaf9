import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { Connection, type ConnectionOptions } from '../../../src/net/connection.js';
import { AuthenticationError, NetworkError } from '../../../src/net/errors.js';
import { makeCertificates, type TestCertificates } from '../../fake/certificates.js';
import { failure } from '../../fake/failure.js';
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

let certs: TestCertificates;
beforeAll(() => {
  certs = makeCertificates();
});
afterAll(() => certs.remove());

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
    expect(error.message).toMatch(/DEPTH_ZERO_SELF_SIGNED_CERT.*Pass the CA certificate .* as ssl\.ca/);
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
    expect(error.message).toMatch(
      /does not name the host .*ERR_TLS_CERT_ALTNAME_INVALID.*kafka\.example\.com.*the certificate is for DNS:localhost, IP Address:127\.0\.0\.1\)/,
    );
    expect(error.message).toMatch(/set ssl\.servername/);
  });

  it('names a TLS listener to a plaintext client, without hanging', async () => {
    const s = await tlsServer();
    const c = connection({ host: '127.0.0.1', port: s.port });
    await c.connect();
    const error = await failure(c.send(requestFrame(new Uint8Array(64)), { timeoutMs: 5000 }));
    // Node's TLS server usually answers with an alert: a setting to change, refused for good. Sometimes it just
    // closes: then all we know is a dropped connection (retriable), named with the same advice.
    if (error instanceof AuthenticationError) {
      expect(error.retriable).toBe(false);
      expect(error.message).toMatch(/127\.0\.0\.1:\d+ answered with a TLS record: .*Enable the ssl option/);
    } else {
      expect(error).toBeInstanceOf(NetworkError);
      expect(error.retriable).toBe(true);
      expect(error.message).toMatch(/before answering anything\. If this port is a TLS listener/);
    }
  });

  it('trusts a broker certificate signed by the CA given as ca, and names the missing CA otherwise', async () => {
    const s = await startServer(echo, certs.broker);
    cleanups.push(() => s.close());
    const trusted = connection({ host: 'localhost', port: s.port, tls: { ca: certs.ca } });
    await trusted.connect();
    const error = await failure(connection({ host: 'localhost', port: s.port, tls: true }).connect());
    expect(error).toBeInstanceOf(AuthenticationError);
    expect(error.message).toMatch(
      /TLS handshake with localhost:\d+ failed: the broker's certificate is not signed by a certificate authority this client trusts \(UNABLE_TO_VERIFY_LEAF_SIGNATURE/,
    );
  });

  it('says when the broker certificate has expired', async () => {
    const s = await startServer(echo, certs.expired);
    cleanups.push(() => s.close());
    const error = await failure(
      connection({ host: 'localhost', port: s.port, tls: { ca: certs.ca } }).connect(),
    );
    expect(error).toBeInstanceOf(AuthenticationError);
    expect(error.message).toMatch(
      /the broker's certificate has expired \(CERT_HAS_EXPIRED\)\. Renew the certificate/,
    );
  });

  it('says when the broker requires a client certificate, and connects with one', async () => {
    const s = await startServer(echo, {
      ...certs.broker,
      ca: certs.ca,
      requestCert: true,
      rejectUnauthorized: true,
    });
    cleanups.push(() => s.close());
    const without = connection({ host: 'localhost', port: s.port, tls: { ca: certs.ca } });
    // TLS 1.3: the refusal may arrive just after our side of the handshake, so send a request too.
    const error = await failure(
      without.connect().then(() => without.send(requestFrame(Uint8Array.of(1)), { timeoutMs: 5000 })),
    );
    expect(error).toBeInstanceOf(AuthenticationError);
    expect(error.message).toMatch(/requires a client certificate .*: set ssl\.cert and ssl\.key/);
    const withCert = connection({ host: 'localhost', port: s.port, tls: { ca: certs.ca, ...certs.client } });
    await withCert.connect();
    const response = await withCert.send(requestFrame(Uint8Array.of(9)));
    expect([...response.subarray(4)]).toEqual([9]);
  });

  it('says the listener does not speak TLS when a plaintext broker hangs up on the TLS handshake', async () => {
    // Kafka's plaintext listener reads the ClientHello as an absurd request size and closes the connection.
    const s = await startServer((socket) => socket.on('data', () => socket.destroy()));
    cleanups.push(() => s.close());
    const error = await failure(
      connection({ host: '127.0.0.1', port: s.port, tls: { ca: certs.ca } }).connect(),
    );
    expect(error).toBeInstanceOf(AuthenticationError);
    expect(error.message).toMatch(
      /closed the connection during the TLS handshake .*probably does not speak TLS .*remove the ssl option/,
    );
  });

  it('says the listener does not speak TLS when it answers the handshake with plaintext', async () => {
    const s = await startServer((socket) =>
      socket.once('data', () => socket.write(Buffer.from('HTTP/1.1 400 Bad Request\r\n\r\n'))),
    );
    cleanups.push(() => s.close());
    const error = await failure(
      connection({ host: '127.0.0.1', port: s.port, tls: { ca: certs.ca } }).connect(),
    );
    expect(error).toBeInstanceOf(AuthenticationError);
    // OpenSSL builds differ in which record check trips first on plaintext (Node 24.9's 3.5.3: the length).
    expect(error.message).toMatch(
      /does not speak TLS \(ERR_SSL_(WRONG_VERSION_NUMBER|PACKET_LENGTH_TOO_LONG)\).*Remove the ssl option/,
    );
  });
});

describe('Connection failures without TLS', () => {
  it('names the address when nothing listens there', async () => {
    const s = await startServer();
    const port = s.port;
    await s.close();
    const error = await failure(connection({ host: '127.0.0.1', port }).connect());
    expect(error).toBeInstanceOf(NetworkError);
    expect(error.retriable).toBe(true);
    expect(error.message).toMatch(
      new RegExp(
        `connection to 127\\.0\\.0\\.1:${port} failed: nothing accepts connections at 127\\.0\\.0\\.1:${port} \\(ECONNREFUSED\\)`,
      ),
    );
  });

  it('names the host name that does not resolve', async () => {
    const error = await failure(connection({ host: 'no-such-broker.invalid', port: 9092 }).connect());
    expect(error).toBeInstanceOf(NetworkError);
    expect(error.message).toMatch(
      /the host name "no-such-broker\.invalid" does not resolve \((ENOTFOUND|EAI_AGAIN)\)/,
    );
  });
});
