// The producer over SASL_SSL under load while the broker forces KIP-368 re-authentication
// (connections.max.reauth.ms 10 s), and across a restart of the broker: every record acknowledged exactly once,
// in send order per key, read back by Kafka's own Java consumer over SASL_SSL. The broker is this file's own
// (not the shared secured one): it is killed and restarted, and its OAuth tokens live only 20 s, so that a
// 30 s OAUTHBEARER stream has to fetch new ones for its re-authentications.
import { readFileSync } from 'node:fs';
import { performance } from 'node:perf_hooks';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { javaClientConfig } from '../../scripts/lib/index.mjs';
import { Producer } from '../../src/index.js';
import type { SaslOption } from '../../src/net/sasl/options.js';
import {
  consumeAll,
  createTopic,
  type KafkaCluster,
  kafkaVersion,
  OAUTH_CLIENT,
  PLAIN_USER,
  processClusterDir,
  type SecurityInfo,
  startCluster,
  uniqueTopic,
} from '../harness/index.js';
import { until } from './faults/cases.js';
import { type CountedSasl, countedSasl } from './faults/counted-sasl.js';
import { SocketCutter } from './faults/socket-cutter.js';
import { allowTopic } from './faults/topic-acls.js';
import { Load, runLoad, type Verdict, verify } from './faults/workload.js';

const REAUTH_MS = 10_000;
/**
 * Twice the session, so sessions stay 10 s long: the mechanism keeps a token for 80 % of its life (16 s) and the
 * token's exp claim is whole seconds, so a shorter token would leave some connections a session of a fraction of
 * a second (the broker ends a session no later than its token) and make the count of connections a matter of luck.
 */
const TOKEN_LIFETIME_S = 20;
const PARTITIONS = 3;
/** Records per second of every stream here: steady load, far below what the producer can do. */
const RATE = 2_000;

let cluster: KafkaCluster;
let security: SecurityInfo;
let version: string;

beforeAll(async () => {
  version = kafkaVersion();
  cluster = await startCluster({
    basePort: 'auto',
    dir: await processClusterDir('producer-reauth'),
    version,
    secure: { reauthMs: REAUTH_MS, tokenLifetimeSeconds: TOKEN_LIFETIME_S },
  });
  security = cluster.security!;
}, 300_000);

afterAll(async () => {
  await cluster?.destroy();
});

const saslSsl = () => security.listeners.SASL_SSL;
const saslSslPort = () => Number(saslSsl().split(':')[1]);

/** A fresh topic that `principals` may write and read. */
async function topicFor(principals: string[], name: string): Promise<string> {
  const topic = uniqueTopic(name);
  await createTopic({
    topic,
    partitions: PARTITIONS,
    replicationFactor: 1,
    bootstrap: security.listeners.PLAINTEXT,
  });
  await allowTopic(security, principals, topic);
  return topic;
}

const scram = (): SaslOption => ({
  mechanism: 'scram-sha-512',
  username: PLAIN_USER,
  password: security.users[PLAIN_USER]!,
});

function producerOver(sasl: CountedSasl): Producer {
  return new Producer({
    bootstrapServers: saslSsl(),
    ssl: { ca: readFileSync(security.tls.ca) },
    sasl: sasl.option,
    acks: 'all',
    enableIdempotence: true,
  });
}

/** Everything in `topic`, read by Kafka's Java consumer as alice over SCRAM-SHA-512 on the SASL_SSL listener. */
function readBack(topic: string, count: number) {
  const spec = { listener: 'SASL_SSL', mechanism: 'SCRAM-SHA-512', username: PLAIN_USER } as const;
  return consumeAll({
    topic,
    count,
    bootstrap: saslSsl(),
    config: javaClientConfig(security, spec),
    version,
    timeoutMs: 120_000,
  });
}

interface Stream {
  verdict: Verdict;
  load: Load;
  /** Authentications the broker accepted, connections opened, and so re-authentications (at least). */
  authentications: number;
  connections: number;
  reauthentications: number;
  seconds: number;
}

/**
 * Sends `seconds` x RATE keyed records (paced by time, at most 2,000 awaiting their outcome) while `during` runs,
 * then 1,000 more; reads everything back with Java and judges it.
 */
async function stream(
  topic: string,
  sasl: CountedSasl,
  seconds: number,
  during: (progress: { load: Load; cutter: SocketCutter }) => Promise<void>,
  faultAt: () => number | null = () => null,
): Promise<Stream> {
  const cutter = new SocketCutter([saslSslPort()]);
  const producer = producerOver(sasl);
  const minRecords = seconds * RATE;
  const load = new Load(minRecords * 4);
  const started = performance.now();
  try {
    await runLoad(
      producer,
      topic,
      { minRecords, window: 2_000, ratePerSec: RATE, trickleRatePerSec: RATE, tailRecords: 1_000 },
      during({ load, cutter }),
      load,
    );
    await producer.close();
  } finally {
    cutter.uninstall();
    await producer.close({ timeoutMs: 1_000 }).catch(() => {});
  }
  const took = (performance.now() - started) / 1000;
  const verdict = verify(load, await readBack(topic, load.count(1)), faultAt());
  const result = {
    verdict,
    load,
    authentications: sasl.succeeded,
    connections: cutter.opened,
    reauthentications: Math.max(0, sasl.succeeded - cutter.opened),
    seconds: Math.round(took),
  };
  process.stderr.write(
    `producer-reauth ${topic}: ${took.toFixed(1)} s, sent=${verdict.sent} acked=${verdict.acknowledged} ` +
      `rejected=${verdict.rejected} found=${verdict.found} lost=${verdict.lost} dup=${verdict.duplicated} ` +
      `ooo=${verdict.outOfOrder} maxAckGap=${verdict.maxAckGapMs}ms firstAckAfterFault=${verdict.firstAckAfterFaultMs}ms ` +
      `authentications=${result.authentications} connections=${result.connections} ` +
      `reauthentications>=${result.reauthentications} failedAuth=${sasl.failed}\n`,
  );
  for (const [reason, n] of load.rejections)
    process.stderr.write(`producer-reauth:   rejected ${n}x: ${reason}\n`);
  return result;
}

function expectExactlyOnceInOrder({ verdict, load }: Stream): void {
  expect(Object.fromEntries(load.rejections)).toEqual({});
  expect(verdict.rejected).toBe(0);
  expect(verdict.acknowledged).toBe(verdict.sent);
  expect(verdict.found).toBe(verdict.sent);
  expect(verdict.lost).toBe(0);
  expect(verdict.duplicated).toBe(0);
  expect(verdict.outOfOrder).toBe(0);
  expect(verdict.misplaced).toBe(0);
  expect(verdict.foreign).toBe(0);
}

describe('producer over SASL_SSL, connections.max.reauth.ms 10 s', () => {
  it('streams 60 s with SCRAM-SHA-512 across at least 5 re-authentications: nothing lost, duplicated or reordered', async () => {
    const topic = await topicFor([`User:${PLAIN_USER}`], 'reauth-scram');
    const sasl = countedSasl(scram());
    let cutter: SocketCutter | undefined;
    const result = await stream(topic, sasl, 60, async (progress) => {
      cutter = progress.cutter;
      // The stream itself lasts 60 s (paced); this only makes sure it does not end before 5 re-authentications.
      await until(() => sasl.succeeded - progress.cutter.opened >= 5, '5 re-authentications', 120_000);
    });
    expectExactlyOnceInOrder(result);
    expect(result.seconds).toBeGreaterThanOrEqual(60);
    expect(sasl.failed).toBe(0);
    expect(result.reauthentications).toBeGreaterThanOrEqual(5);
    // Re-authenticated on the connections it had, not by reconnecting: the bootstrap one, and node 1's general
    // (Metadata, InitProducerId) and produce connections.
    expect(cutter?.opened).toBeLessThanOrEqual(3);
  }, 300_000);

  it('streams with OAUTHBEARER (20 s tokens): re-authentications fetch fresh tokens from the endpoint', async () => {
    // The producer writes as the OAuth client; alice reads it back over SCRAM: Java's OAUTHBEARER login would
    // have to refresh 20 s tokens itself, which is not what this test is about.
    const topic = await topicFor([`User:${OAUTH_CLIENT}`, `User:${PLAIN_USER}`], 'reauth-oauth');
    const { tokenEndpointUrl, clientId, clientSecret, scope } = security.oauth;
    const sasl = countedSasl({
      mechanism: 'oauthbearer',
      oidc: { tokenEndpointUrl, clientId, clientSecret, scope },
    });
    const issued = async () => {
      const res = await fetch(new URL('/issued', tokenEndpointUrl));
      return ((await res.json()) as { issued: number }).issued;
    };
    const start = { tokens: 0, connections: 0 };
    let cutter: SocketCutter | undefined;
    const result = await stream(topic, sasl, 30, async (progress) => {
      cutter = progress.cutter;
      // Once records are acknowledged the producer has its connections, each authenticated with a token.
      await until(() => progress.load.count(1) >= RATE, `${RATE} acknowledgements`);
      start.tokens = await issued();
      start.connections = progress.cutter.opened;
      await until(
        async () => sasl.succeeded - progress.cutter.opened >= 3 && (await issued()) > start.tokens,
        '3 re-authentications and a token fetched after the connections were up',
      );
    });
    const later = (await issued()) - start.tokens;
    process.stderr.write(
      `producer-reauth ${topic}: ${later} OAuth tokens fetched after the connections were up\n`,
    );
    expectExactlyOnceInOrder(result);
    expect(sasl.failed).toBe(0);
    expect(result.reauthentications).toBeGreaterThanOrEqual(3);
    // No connection opened after the start, so the tokens fetched since were fetched for re-authentications.
    expect(cutter?.opened).toBe(start.connections);
    expect(later).toBeGreaterThanOrEqual(1);
  }, 300_000);

  it('survives a broker kill and restart while authenticated: reconnects, authenticates afresh, nothing lost or duplicated', async () => {
    const topic = await topicFor([`User:${PLAIN_USER}`], 'reauth-restart');
    const sasl = countedSasl(scram());
    let faultAt: number | null = null;
    let before = { authentications: 0, connections: 0 };
    const result = await stream(
      topic,
      sasl,
      20,
      async ({ load, cutter }) => {
        await until(() => load.count(1) >= 5 * RATE, `${5 * RATE} acknowledgements before the restart`);
        before = { authentications: sasl.succeeded, connections: cutter.opened };
        faultAt = performance.now();
        await cluster.restartBroker(1);
      },
      () => faultAt,
    );
    expectExactlyOnceInOrder(result);
    expect(faultAt).not.toBeNull();
    // Records sent after the kill were acknowledged: the producer came back on its own.
    expect(result.verdict.firstAckAfterFaultMs).not.toBeNull();
    expect(result.connections).toBeGreaterThan(before.connections);
    expect(result.authentications).toBeGreaterThan(before.authentications);
  }, 300_000);
});
