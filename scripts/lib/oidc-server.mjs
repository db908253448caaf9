// A small OAuth 2 token endpoint on 127.0.0.1 for OAUTHBEARER tests: the client-credentials grant
// (RFC 6749 section 4.4) answered with unsecured JWTs (alg "none", no signature), which the secured test
// broker accepts through Kafka's default OAUTHBEARER validator (OAuthBearerUnsecuredValidatorCallbackHandler).
// The subject is the client id, so the Kafka principal is User:<client id>.
//
// In-process: startTokenEndpoint(). As its own process (brokers started by `kafka:up --secure` outlive the
// CLI, so its token endpoint must too): node oidc-server.mjs <settings.json> [marks...], which prints the
// endpoint's URL on its first line of stdout.
import { timingSafeEqual } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { createServer } from 'node:http';
import { fileURLToPath } from 'node:url';

const b64url = (value) => Buffer.from(JSON.stringify(value)).toString('base64url');

/**
 * An unsecured JWT (header {"alg":"none"}, empty signature) carrying `claims` as they are: tests build
 * expired or scope-less tokens with it too.
 * @param {Record<string, unknown>} claims
 */
export function unsecuredJwt(claims) {
  return `${b64url({ alg: 'none', typ: 'JWT' })}.${b64url(claims)}.`;
}

function sameSecret(a, b) {
  const x = Buffer.from(a);
  const y = Buffer.from(b);
  return x.length === y.length && timingSafeEqual(x, y);
}

/** Client id and secret from HTTP Basic (form-urlencoded parts, RFC 6749 2.3.1) or from the form body. */
function credentials(req, form) {
  const basic = /^Basic\s+(.+)$/i.exec(req.headers.authorization ?? '');
  if (basic) {
    const decoded = Buffer.from(basic[1], 'base64').toString('utf8');
    const colon = decoded.indexOf(':');
    if (colon < 0) return null;
    const part = (s) => decodeURIComponent(s.replace(/\+/g, ' '));
    return { id: part(decoded.slice(0, colon)), secret: part(decoded.slice(colon + 1)) };
  }
  const id = form.get('client_id');
  const secret = form.get('client_secret');
  return id !== null && secret !== null ? { id, secret } : null;
}

/**
 * Starts the token endpoint: POST <url> with grant_type=client_credentials. GET <origin>/issued answers
 * {"issued": n}, the number of tokens handed out so far (refresh tests count them).
 * @param {{ clients: Record<string, string>, lifetimeSeconds?: number, scope?: string, port?: number }} options
 *   clients: client id -> secret; scope: the scope claim when the request names none.
 * @returns {Promise<{ url: string, issued: () => number, close: () => Promise<void> }>}
 */
export function startTokenEndpoint({ clients, lifetimeSeconds = 3600, scope = 'kafka', port = 0 }) {
  let issued = 0;
  const answer = (res, status, body) => {
    res.writeHead(status, { 'content-type': 'application/json', 'cache-control': 'no-store' });
    res.end(JSON.stringify(body));
  };
  const server = createServer((req, res) => {
    if (req.method === 'GET' && req.url === '/issued') return answer(res, 200, { issued });
    if (req.method !== 'POST' || req.url !== '/token')
      return answer(res, 404, { error: 'not_found', error_description: 'POST /token is the token endpoint' });
    const chunks = [];
    req.on('data', (c) => chunks.push(c));
    req.on('end', () => {
      const form = new URLSearchParams(Buffer.concat(chunks).toString('utf8'));
      if (form.get('grant_type') !== 'client_credentials')
        return answer(res, 400, {
          error: 'unsupported_grant_type',
          error_description: `only client_credentials is supported, got ${form.get('grant_type')}`,
        });
      const client = credentials(req, form);
      const secret = client ? clients[client.id] : undefined;
      if (!client || secret === undefined || !sameSecret(client.secret, secret)) {
        res.setHeader('www-authenticate', 'Basic realm="kafka-wire test token endpoint"');
        return answer(res, 401, {
          error: 'invalid_client',
          error_description: 'unknown client or wrong secret',
        });
      }
      const iat = Math.floor(Date.now() / 1000);
      issued++;
      answer(res, 200, {
        access_token: unsecuredJwt({
          sub: client.id,
          iat,
          exp: iat + lifetimeSeconds,
          scope: form.get('scope') ?? scope,
        }),
        token_type: 'Bearer',
        expires_in: lifetimeSeconds,
      });
    });
  });
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen({ host: '127.0.0.1', port }, () => {
      const address = server.address();
      const actualPort = typeof address === 'object' && address ? address.port : port;
      // Keep-alive sockets of clients would hold close() open.
      server.unref();
      resolve({
        url: `http://127.0.0.1:${actualPort}/token`,
        issued: () => issued,
        close: () =>
          new Promise((done) => {
            server.closeAllConnections();
            server.close(() => done(undefined));
          }),
      });
    });
  });
}

// Run as a process: settings from the JSON file in argv[2] ({ clients, lifetimeSeconds, scope, port }); the
// remaining arguments only mark the process as the cluster's (found and stopped like its broker JVMs).
if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const settings = JSON.parse(readFileSync(process.argv[2], 'utf8'));
  const endpoint = await startTokenEndpoint(settings);
  process.stdout.write(`${endpoint.url}\n`);
  // unref() above lets an in-process endpoint die with its process; this one is the process.
  setInterval(() => {}, 1 << 30);
}
