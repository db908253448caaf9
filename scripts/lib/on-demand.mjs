// A cluster started on first request: the test runner's global setup serves a loopback URL, and the first
// test file that asks for the secured broker makes it start there, once; later files get the same one. Test
// files run in worker processes, so this is how they reach a cluster the main process owns (and stops in
// its teardown) without every run paying for a broker that no test uses.
import { createServer } from 'node:http';

/**
 * @template T
 * @param {() => Promise<{ info: T, stop: () => Promise<void> }>} start
 * @returns {Promise<{ url: string, close: () => Promise<void> }>}
 */
export function serveOnDemand(start) {
  /** @type {Promise<{ info: T, stop: () => Promise<void> }> | null} */
  let started = null;
  const server = createServer((req, res) => {
    if (req.method !== 'POST') {
      res.writeHead(405).end();
      return;
    }
    if (!started) started = start();
    started.then(
      ({ info }) => {
        res.writeHead(200, { 'content-type': 'application/json' });
        res.end(JSON.stringify(info));
      },
      (error) => {
        res.writeHead(500, { 'content-type': 'text/plain' });
        res.end(error instanceof Error ? error.message : String(error));
      },
    );
  });
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen({ host: '127.0.0.1', port: 0 }, () => {
      const address = server.address();
      const port = typeof address === 'object' && address ? address.port : 0;
      resolve({
        url: `http://127.0.0.1:${port}/`,
        close: async () => {
          server.closeAllConnections();
          await new Promise((done) => server.close(() => done(undefined)));
          const running = started;
          started = null;
          if (running)
            await running.then(
              ({ stop }) => stop(),
              () => {},
            );
        },
      });
    });
  });
}

/**
 * Asks a serveOnDemand URL for its cluster (starting it if nobody did yet).
 * @param {string} url
 */
export async function requestOnDemand(url) {
  const res = await fetch(url, { method: 'POST', signal: AbortSignal.timeout(300_000) });
  const body = await res.text();
  if (!res.ok) throw new Error(`The on-demand cluster at ${url} failed to start: ${body}`);
  return JSON.parse(body);
}
