import { afterEach, describe, expect, it, vi } from 'vitest';
import type { KafkaWireError } from '../../../src/errors.js';
import { Connection, type ConnectionOptions } from '../../../src/net/connection.js';
import { AuthenticationError, NetworkError } from '../../../src/net/errors.js';
import { ConnectionPool, type ConnectionPoolOptions } from '../../../src/net/pool.js';
import type { SaslMechanism } from '../../../src/net/sasl/mechanism.js';
import { MetadataApi, SaslAuthenticateApi } from '../../../src/protocol/index.js';
import { FakeKafka, type FakeKafkaOptions, type FakeSaslOptions } from '../../../src/testing/index.js';
import { failure } from '../../fake/failure.js';

const cleanups: (() => unknown)[] = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

const PASSWORD = 'pa55-w0rd-never-shown';

/** One broker, node 1, behind a SASL listener that knows alice. */
async function broker(
  sasl: Partial<FakeSaslOptions> = {},
  options: FakeKafkaOptions = {},
): Promise<FakeKafka> {
  const b = await FakeKafka.start({
    nodeIds: [1],
    sasl: { users: { alice: PASSWORD }, ...sasl },
    ...options,
  });
  cleanups.push(() => b.close());
  return b;
}

/** Refuses each authentication attempt (1-based, across connections) for which `accept` says false. */
function refuseAttempts(b: FakeKafka, accept: (attempt: number) => boolean): void {
  let attempt = 0;
  b.control(
    'SaslAuthenticate',
    () => (accept(++attempt) ? undefined : { error: 'SASL_AUTHENTICATION_FAILED' }),
    {
      times: Number.POSITIVE_INFINITY,
    },
  );
}

/** What reached the broker, in arrival order: SASL steps and other requests by API name (ApiVersions left out). */
function steps(b: FakeKafka): string[] {
  return b.requests.filter((r) => r.api !== 'ApiVersions').map((r) => r.api);
}

/** The text of each roundTrip() request that reached the broker, in arrival order. */
function arrived(b: FakeKafka): string[] {
  return b.requestsFor('Metadata').map((r) => r.metadata?.topics?.[0]?.name ?? '');
}

/** SASL/PLAIN in its simplest form, counting how often the connection ran it. */
function plain(username = 'alice', password = PASSWORD): SaslMechanism & { runs: number } {
  const mechanism = {
    name: 'PLAIN',
    principal: username,
    runs: 0,
    async authenticate(context: Parameters<SaslMechanism['authenticate']>[0]) {
      mechanism.runs++;
      await context.exchange(new TextEncoder().encode(`\0${username}\0${password}`));
    },
  };
  return mechanism;
}

function connection(b: FakeKafka, options: Partial<ConnectionOptions>): Connection {
  const c = new Connection({ host: '127.0.0.1', port: b.portOf(1), label: 'node 1', ...options });
  cleanups.push(() => c.close());
  return c;
}

function pool(b: FakeKafka, options: Partial<ConnectionPoolOptions>): ConnectionPool {
  const p = new ConnectionPool({ bootstrapServers: [`127.0.0.1:${b.portOf(1)}`], ...options });
  cleanups.push(() => p.close());
  return p;
}

/** A request the broker answers with what it carried: Metadata for a topic named `text`, which names it back. */
async function roundTrip(c: Connection, text: string): Promise<string> {
  const response = await c.request(MetadataApi, { topics: [{ name: text }] });
  return response.topics[0]?.name ?? '';
}

describe('SASL authentication on connect', () => {
  it('runs SaslHandshake and the mechanism before any other request, at SaslAuthenticate v2', async () => {
    const b = await broker();
    const c = connection(b, { sasl: plain() });
    await c.connect();
    expect(await roundTrip(c, 'after auth')).toBe('after auth');
    expect(steps(b)).toEqual(['SaslHandshake', 'SaslAuthenticate', 'Metadata']);
    expect(b.requestsFor('SaslHandshake')[0]!.body).toEqual({ mechanism: 'PLAIN' });
    expect(b.requestsFor('SaslAuthenticate').map((r) => r.version)).toEqual([2]);
  });

  it("uses the broker's highest SaslAuthenticate version when it is below ours", async () => {
    const b = await broker(
      {},
      {
        apiVersions: (own) =>
          own.map((a) => (a.apiKey === SaslAuthenticateApi.apiKey ? { ...a, maxVersion: 0 } : a)),
      },
    );
    const c = connection(b, { sasl: plain() });
    await c.connect();
    expect(b.requestsFor('SaslAuthenticate').map((r) => r.version)).toEqual([0]);
  });

  it("refuses a mechanism the listener does not enable, listing the broker's mechanisms", async () => {
    const b = await broker({ mechanisms: ['SCRAM-SHA-512', 'SCRAM-SHA-256'] });
    const error = await failure(connection(b, { sasl: plain() }).connect());
    expect(error).toBeInstanceOf(AuthenticationError);
    expect(error.retriable).toBe(false);
    expect(error.message).toMatch(
      /node 1 \(127\.0\.0\.1:\d+\) does not enable SASL mechanism PLAIN; its listener enables SCRAM-SHA-512, SCRAM-SHA-256/,
    );
  });

  it('reports refused credentials with the broker, mechanism, principal and broker message, never the secret', async () => {
    const b = await broker();
    const error = await failure(connection(b, { sasl: plain('alice', 'wrong-secret') }).connect());
    expect(error).toBeInstanceOf(AuthenticationError);
    expect(error.retriable).toBe(false);
    expect(error.message).toMatch(
      /SASL PLAIN authentication as "alice" with node 1 \(127\.0\.0\.1:\d+\) was refused by the broker with SASL_AUTHENTICATION_FAILED \(58\): Authentication failed: Invalid username or password/,
    );
    expect(error.message).not.toContain('wrong-secret');
  });

  it('passes a network failure in the middle of the exchange on as a retriable error', async () => {
    const b = await broker();
    const mechanism: SaslMechanism = {
      name: 'PLAIN',
      async authenticate(context) {
        b.dropConnections();
        await context.exchange(new Uint8Array(1));
      },
    };
    const error = await failure(connection(b, { sasl: mechanism }).connect());
    expect(error).toBeInstanceOf(NetworkError);
    expect(error.retriable).toBe(true);
  });
});

describe('ConnectionPool with SASL', () => {
  it('authenticates every connection it opens (general and produce)', async () => {
    const b = await broker();
    const mechanism = plain();
    const p = pool(b, { sasl: mechanism });
    const id = p.bootstrapNodeIds[0]!;
    p.updateBrokers([{ nodeId: 1, host: '127.0.0.1', port: b.portOf(1) }]);
    await roundTrip(await p.get(id), 'bootstrap');
    await roundTrip(await p.get(1), 'general');
    await roundTrip(await p.get(1, 'produce'), 'produce');
    expect(mechanism.runs).toBe(3);
    expect(b.authentications.map((a) => a.user)).toEqual(['alice', 'alice', 'alice']);
  });

  it('does not storm a broker that refuses the credentials: one attempt per reconnect backoff, errors at once', async () => {
    const b = await broker();
    const p = pool(b, { sasl: plain('alice', 'wrong'), reconnectBackoffMs: 200, reconnectBackoffMaxMs: 200 });
    const id = p.bootstrapNodeIds[0]!;
    const started = performance.now();
    let rejections = 0;
    let atOnce = 0;
    // Counts, not durations: load only slows the loop and the attempts, so these bounds hold on a busy machine.
    while (b.connectionsAccepted() < 3) {
      const socketsBefore = b.connectionsAccepted();
      const delay = p.connectionDelayMs(id);
      const error = await failure(p.get(id));
      expect(error).toBeInstanceOf(AuthenticationError);
      const attemptsMade = b.connectionsAccepted() - socketsBefore;
      // A call during the backoff gets the last error without an attempt (a caller that sat out the backoff would
      // span the next attempt); a call after it makes the one attempt the backoff allows. (Within 1 ms of the
      // backoff's end, either may happen.)
      if (delay === 0) expect(attemptsMade).toBe(1);
      else if (delay > 1) expect(attemptsMade).toBe(0);
      else expect(attemptsMade).toBeLessThanOrEqual(1);
      if (attemptsMade === 0) atOnce++;
      rejections++;
      await new Promise((resolve) => setImmediate(resolve));
    }
    const elapsed = performance.now() - started;
    // Backoff 200 ms ± 20 %: attempt n+1 starts at least 160 ms after attempt n failed.
    expect(b.connectionsAccepted()).toBeLessThanOrEqual(Math.floor(elapsed / 160) + 1);
    expect(atOnce).toBeGreaterThan(0);
    expect(rejections).toBe(atOnce + b.connectionsAccepted());
    expect(p.lastConnectError(id)).toBeInstanceOf(AuthenticationError);
    expect(p.lastConnectErrors()).toEqual([
      { nodeId: id, address: `127.0.0.1:${b.portOf(1)}`, error: p.lastConnectError(id) },
    ]);
  });
});

describe('SASL re-authentication (KIP-368)', () => {
  it('re-authenticates before the session ends, without losing, duplicating or reordering requests', async () => {
    // Re-authentication is due at 510-570 ms; the broker closes the connection on a request later than 900 ms into
    // a session. The 300 ms grace absorbs late timers on a loaded machine; a client that never re-authenticated
    // would still be caught, since requests flow until three re-authentications are done. Each answer waits 1 ms
    // (a broker answers a connection's requests one at a time), so requests are in flight when one is due.
    const b = await broker({ sessionLifetimeMs: 600, expiryGraceMs: 300 });
    b.control('Metadata', () => ({ delayMs: 1 }), { times: Number.POSITIVE_INFINITY });
    const mechanism = plain();
    const c = connection(b, { sasl: mechanism });
    await c.connect();
    const sent: string[] = [];
    const answered: string[] = [];
    const pending: Promise<void>[] = [];
    let n = 0;
    // Requests keep flowing (several in flight at once) across several session lifetimes.
    while (mechanism.runs < 4 && !c.isClosed) {
      for (let i = 0; i < 3; i++) {
        const text = `request ${n++}`;
        sent.push(text);
        pending.push(roundTrip(c, text).then((echo) => void answered.push(echo)));
      }
      await new Promise((resolve) => setTimeout(resolve, 4));
    }
    // The loop ends as the fourth run starts, maybe with nothing in flight to wait for it: one more request is
    // held until that run has finished, so the broker has counted it when the checks below run.
    const last = `request ${n++}`;
    sent.push(last);
    pending.push(roundTrip(c, last).then((echo) => void answered.push(echo)));
    await Promise.allSettled(pending);
    expect(b.violations).toEqual([]);
    expect(answered).toEqual(sent);
    expect(arrived(b)).toEqual(sent);
    expect(b.connectionsAccepted()).toBe(1);
    expect(b.authentications.length).toBeGreaterThanOrEqual(4);
    expect(c.isReady).toBe(true);
  });

  it('re-authenticates at 85-95 % of the session lifetime (pinned jitter)', async () => {
    // A fake clock (setTimeout and performance.now) makes the schedule exact whatever the load; sockets stay real.
    vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout', 'performance'] });
    cleanups.push(() => vi.useRealTimers());
    const lifetime = 10_000;
    for (const [random, share] of [
      [() => 0, 0.85],
      [() => 0.999, 0.9499],
    ] as const) {
      const b = await broker({ sessionLifetimeMs: lifetime });
      const c = connection(b, { sasl: plain(), random });
      await c.connect();
      const due = Math.ceil(lifetime * share);
      vi.advanceTimersByTime(due - 1);
      // Not yet: a request goes straight through, with no SaslHandshake before it.
      expect(await roundTrip(c, 'before')).toBe('before');
      vi.advanceTimersByTime(1);
      await b.waitForRequests((r) => r.api === 'SaslHandshake', 2);
      // Held during the re-authentication, sent after it.
      expect(await roundTrip(c, 'after')).toBe('after');
      expect(steps(b)).toEqual([
        'SaslHandshake',
        'SaslAuthenticate',
        'Metadata',
        'SaslHandshake',
        'SaslAuthenticate',
        'Metadata',
      ]);
      expect(b.violations).toEqual([]);
    }
  });

  it('closes the connection when re-authentication fails; the pool reconnects and authenticates afresh once', async () => {
    // Attempt 1 (connect) succeeds, 2 (re-authentication) is refused, 3 (the new connection) succeeds.
    // Short sessions so that re-authentication comes soon; expiry is not under test here, so a request that a
    // stalled machine delivers after its session ended is still answered (the grace).
    const b = await broker({ sessionLifetimeMs: 100, expiryGraceMs: 1_000 });
    refuseAttempts(b, (attempt) => attempt !== 2);
    const p = pool(b, { sasl: plain(), reconnectBackoffMs: 10 });
    const id = p.bootstrapNodeIds[0]!;
    const first = await p.get(id);
    const reason = await first.closed;
    expect(reason).toBeInstanceOf(NetworkError);
    expect(reason.message).toMatch(/re-authentication \(SASL PLAIN\) with bootstrap server .* failed/);
    const second = await p.get(id);
    expect(second).not.toBe(first);
    expect(await roundTrip(second, 'fresh')).toBe('fresh');
    expect(b.violations).toEqual([]);
  });

  it('fails requests held during a refused re-authentication with a retriable error, and a refused fresh connection with an AuthenticationError', async () => {
    const b = await broker({ sessionLifetimeMs: 100 });
    refuseAttempts(b, (attempt) => attempt === 1);
    const { mechanism, reauthenticating, openGate } = gatedReauthentication();
    const p = pool(b, { sasl: mechanism, reconnectBackoffMs: 10 });
    const id = p.bootstrapNodeIds[0]!;
    const c = await p.get(id);
    await reauthenticating;
    const held = [roundTrip(c, 'held 1'), roundTrip(c, 'held 2')].map((r) => r.catch((e: unknown) => e));
    openGate();
    const outcomes = (await Promise.all(held)) as KafkaWireError[];
    for (const outcome of outcomes) {
      expect(outcome).toBeInstanceOf(NetworkError);
      expect(outcome.retriable).toBe(true);
    }
    expect(arrived(b)).toEqual([]);
    const error = await failure(p.get(id));
    expect(error).toBeInstanceOf(AuthenticationError);
  });

  it('sends the requests held during a re-authentication even when the connection is retired meanwhile', async () => {
    // As above: expiry is not under test; the grace keeps a stall between re-authentication and the held requests'
    // arrival from ending the session.
    const b = await broker({ sessionLifetimeMs: 100, expiryGraceMs: 1_000 });
    const { mechanism, reauthenticating, openGate } = gatedReauthentication();
    const c = connection(b, { sasl: mechanism });
    await c.connect();
    await reauthenticating;
    const held = [roundTrip(c, 'held 1'), roundTrip(c, 'held 2')];
    expect(c.inFlightCount).toBe(2);
    c.closeWhenIdle();
    openGate();
    expect(await Promise.all(held)).toEqual(['held 1', 'held 2']);
    await c.closed;
    expect(c.closedCleanly).toBe(true);
    expect(b.violations).toEqual([]);
  });
});

/**
 * SASL/PLAIN whose re-authentication (its second run) stops after the SaslHandshake until openGate(): the test
 * queues requests while the connection is known to be re-authenticating (`reauthenticating` resolved), whatever
 * the load.
 */
function gatedReauthentication(): {
  mechanism: SaslMechanism;
  reauthenticating: Promise<void>;
  openGate: () => void;
} {
  let openGate!: () => void;
  const gate = new Promise<void>((resolve) => {
    openGate = resolve;
  });
  let reached!: () => void;
  const reauthenticating = new Promise<void>((resolve) => {
    reached = resolve;
  });
  const inner = plain();
  const mechanism: SaslMechanism = {
    name: 'PLAIN',
    principal: 'alice',
    async authenticate(context) {
      if (inner.runs === 1) {
        reached();
        await gate;
      }
      await inner.authenticate(context);
    },
  };
  return { mechanism, reauthenticating, openGate };
}
