// The fault-injection suite: one 3-broker cluster (RF 3, min.insync.replicas 2), a fresh 6-partition topic per
// case, at least 200,000 keyed records per case while the fault happens, then everything read back with
// Kafka's own Java consumer. Every case runs twice: idempotent (the default) and with enableIdempotence false.
// Some cases run once more over SASL_SSL (SCRAM-SHA-512, TLS) on a secured broker of their own (the harness's
// secured cluster has one broker, so RF 1 there) whose sessions last only 3 s: the producer must reconnect with
// a full TLS + SASL handshake after each cut, and re-authenticate (KIP-368) the connections it keeps, so cuts and
// re-authentications interleave.
// `npm run faults` runs this file alone and turns the rows it writes (FAULTS_RESULTS) into the fault table.
import { readFileSync, writeFileSync } from 'node:fs';
import { performance } from 'node:perf_hooks';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { javaClientConfig } from '../../../scripts/lib/index.mjs';
import { Producer, type ProducerOptions } from '../../../src/index.js';
import {
  consumeAll,
  type KafkaCluster,
  PLAIN_USER,
  processClusterDir,
  startCluster,
} from '../../harness/index.js';
import { createCaseTopic, FAULT_CASES, type FaultCase } from './cases.js';
import { countedSasl } from './counted-sasl.js';
import { SocketCutter } from './socket-cutter.js';
import { allowTopic } from './topic-acls.js';
import { runTransactionCase, TRANSACTION_FAULT_CASES, type TransactionRow } from './transaction-cases.js';
import { Load, type LoadOptions, runLoad, type Verdict, verify } from './workload.js';

const RECORDS = Number(process.env.FAULTS_RECORDS ?? 200_000);
/** Idempotence-off pass (the same by default; lower it to save time). */
const RECORDS_NO_IDEMPOTENCE = Number(process.env.FAULTS_RECORDS_NO_IDEMPOTENCE ?? RECORDS);
const RESULTS_FILE = process.env.FAULTS_RESULTS;
/** Cases that also run over SASL_SSL. */
const SASL_SSL_CASES = ['connection-cut'];
/** connections.max.reauth.ms of the secured broker: shorter than the cases, so sessions end during them. */
const SASL_SESSION_MS = 3_000;

type Listener = 'PLAINTEXT' | 'SASL_SSL';

interface FaultRow extends Verdict {
  case: string;
  title: string;
  /** How the producer reached the brokers. */
  listener: Listener;
  /**
   * SASL listeners: the broker's session length (connections.max.reauth.ms), connections opened,
   * re-authentications on open connections, failed authentications.
   */
  sasl: { sessionMs: number; connections: number; reauthentications: number; failed: number } | null;
  idempotence: boolean;
  note: string;
  rejections: Record<string, number>;
  durationMs: number;
}

const rows: (FaultRow | TransactionRow)[] = [];

function saveRows(): void {
  if (RESULTS_FILE) writeFileSync(RESULTS_FILE, `${JSON.stringify(rows, null, 2)}\n`);
}
let cluster: KafkaCluster | undefined;
let securedCluster: KafkaCluster | undefined;

/** The 3-broker cluster, started by the first block that needs it (a run filtered to SASL_SSL never does). */
async function plaintextCluster(): Promise<KafkaCluster> {
  cluster ??= await startCluster({
    brokers: 3,
    basePort: 'auto',
    dir: await processClusterDir('fault-suite'),
    brokerConfig: {
      'min.insync.replicas': 2,
      // The coordinator looks for timed-out transactions every 10 s by default; each 1 s keeps the
      // producer-killed case's wait close to its 10 s transaction timeout.
      'transaction.abort.timed.out.transaction.cleanup.interval.ms': 1_000,
    },
  });
  return cluster;
}

afterAll(async () => {
  await Promise.all([cluster?.destroy(), securedCluster?.destroy()]);
});

/** Whatever a failed case left broken (a paused or stopped broker) is undone before the next one. */
async function heal(cluster: KafkaCluster): Promise<void> {
  for (const node of cluster.nodes) if (node.paused) cluster.resumeBroker(node.id);
  const down = cluster.nodes.filter((n) => n.pid === null || !cluster.runningIds().includes(n.id));
  for (const node of down) await cluster.startBroker(node.id);
  await cluster.waitForBrokers(cluster.brokerIds, { timeoutMs: 90_000 });
}

/**
 * How the producer and the Java reader reach `cluster` over `listener`: bootstrap address, the producer's
 * security options, the port whose connections the cutter watches, Java client settings, and the SASL
 * mechanism's count of authentications.
 */
async function access(cluster: KafkaCluster, listener: Listener, topic: string) {
  if (listener === 'PLAINTEXT')
    return {
      bootstrap: cluster.bootstrapServers,
      producer: {} satisfies Partial<ProducerOptions>,
      ports: cluster.nodes.map((n) => n.port),
      javaConfig: undefined,
      sasl: undefined,
    };
  const security = cluster.security!;
  await allowTopic(security, [`User:${PLAIN_USER}`], topic);
  const bootstrap = security.listeners.SASL_SSL;
  const sasl = countedSasl({
    mechanism: 'scram-sha-512',
    username: PLAIN_USER,
    password: security.users[PLAIN_USER]!,
  });
  return {
    bootstrap,
    producer: {
      ssl: { ca: readFileSync(security.tls.ca) },
      sasl: sasl.option,
    } satisfies Partial<ProducerOptions>,
    ports: [Number(bootstrap.split(':')[1])],
    javaConfig: javaClientConfig(security, {
      listener: 'SASL_SSL',
      mechanism: 'SCRAM-SHA-512',
      username: PLAIN_USER,
    }),
    sasl,
  };
}

async function runCase(
  fault: FaultCase,
  idempotence: boolean,
  cluster: KafkaCluster,
  listener: Listener = 'PLAINTEXT',
): Promise<FaultRow> {
  const started = performance.now();
  await heal(cluster);
  const listenerTag = listener === 'PLAINTEXT' ? '' : `-${listener.toLowerCase().replace('_', '')}`;
  const topic = await createCaseTopic(
    cluster,
    `faults-${fault.id}-${idempotence ? 'idem' : 'noidem'}${listenerTag}`,
  );
  const via = await access(cluster, listener, topic);
  await fault.prepare?.(cluster, topic);
  const minRecords = idempotence ? RECORDS : RECORDS_NO_IDEMPOTENCE;
  const options: LoadOptions = {
    minRecords,
    window: 10_000,
    ratePerSec: 10_000,
    trickleRatePerSec: 1_000,
    tailRecords: 2_000,
  };
  const load = new Load(minRecords + 400_000);
  const cutter = new SocketCutter(via.ports);
  const producer = new Producer({
    ...via.producer,
    bootstrapServers: via.bootstrap,
    enableIdempotence: idempotence,
    // 10 s instead of Java's 30 s: a hung broker is given up on sooner (the hang case holds it 12 s).
    requestTimeoutMs: 10_000,
  });
  let faultAt: number | null = null;
  const notes: string[] = [];
  try {
    const faultDone = fault.run({
      cluster,
      topic,
      load,
      cutter,
      warmUpRecords: Math.round(minRecords / 5),
      faultStarts: () => {
        faultAt ??= performance.now();
      },
      note: (text) => notes.push(text),
    });
    await runLoad(producer, topic, options, faultDone, load);
    await producer.close();
  } finally {
    cutter.uninstall();
    await producer.close({ timeoutMs: 1_000 }).catch(() => {});
  }
  // Each connection authenticates once when it opens, so the rest of the runs were re-authentications.
  const sasl = via.sasl
    ? {
        sessionMs: cluster.security!.reauthMs,
        connections: cutter.opened,
        reauthentications: Math.max(0, via.sasl.succeeded - cutter.opened),
        failed: via.sasl.failed,
      }
    : null;
  if (sasl)
    notes.push(
      `${sasl.connections} connections opened (each a TLS + SCRAM-SHA-512 handshake), ` +
        `${sasl.reauthentications} re-authentications on open connections, ${sasl.failed} failed authentications` +
        (via.sasl!.interrupted > 0 ? `, ${via.sasl!.interrupted} cut short by a dropped connection` : '') +
        via.sasl!.failures.map((reason) => ` (${reason})`).join(''),
    );
  const consumed = await consumeAll({
    topic,
    bootstrap: via.bootstrap,
    timeoutMs: 180_000,
    ...(via.javaConfig ? { config: via.javaConfig } : {}),
  });
  const verdict = verify(load, consumed, faultAt);
  const row: FaultRow = {
    case: fault.id,
    title: fault.title,
    listener,
    sasl,
    idempotence,
    note: notes.join('; '),
    rejections: Object.fromEntries(load.rejections),
    durationMs: Math.round(performance.now() - started),
    ...verdict,
  };
  rows.push(row);
  saveRows();
  process.stderr.write(
    `faults: ${fault.id} listener=${listener} idempotence=${idempotence} sent=${row.sent} acked=${row.acknowledged} ` +
      `rejected=${row.rejected} found=${row.found} lost=${row.lost} dup=${row.duplicated} ` +
      `ooo=${row.outOfOrder} misplaced=${row.misplaced} maxAckGap=${row.maxAckGapMs}ms ` +
      `firstAckAfterFault=${row.firstAckAfterFaultMs}ms took=${row.durationMs}ms (${row.note})\n`,
  );
  for (const [reason, n] of load.rejections) process.stderr.write(`faults:   rejected ${n}x: ${reason}\n`);
  return row;
}

function expectClean(row: FaultRow): void {
  expect(row.sent).toBeGreaterThanOrEqual(row.idempotence ? RECORDS : RECORDS_NO_IDEMPOTENCE);
  expect(row.lost).toBe(0);
  expect(row.misplaced).toBe(0);
  expect(row.foreign).toBe(0);
  expect(row.outOfOrder).toBe(0);
  // Nothing stays pending after close(); every rejection carries its reason.
  expect(row.acknowledged + row.rejected).toBe(row.sent);
  expect(Object.values(row.rejections).reduce((a, b) => a + b, 0)).toBe(row.rejected);
  if (row.idempotence) expect(row.duplicated).toBe(0);
}

describe.each([
  { idempotence: true, label: 'idempotent (default)' },
  { idempotence: false, label: 'enableIdempotence: false' },
])('fault suite, $label: 3 brokers, RF 3, min.insync.replicas 2, 6 partitions', ({ idempotence }) => {
  beforeAll(async () => {
    await plaintextCluster();
  }, 300_000);

  for (const fault of FAULT_CASES) {
    it(`${fault.title}: no acknowledged record lost, none out of order${idempotence ? ', none duplicated' : ''}`, async () => {
      expectClean(await runCase(fault, idempotence, await plaintextCluster()));
    }, 600_000);
  }
});

describe('transactional fault suite: 3 brokers, RF 3, min.insync.replicas 2, 6 partitions, read back with read_committed', () => {
  beforeAll(async () => {
    await plaintextCluster();
  }, 300_000);

  for (const fault of TRANSACTION_FAULT_CASES) {
    it(`${fault.title}: every committed transaction complete and exactly once, no aborted record visible`, async () => {
      const cluster = await plaintextCluster();
      await heal(cluster);
      const row = await runTransactionCase(fault, cluster);
      rows.push(row);
      saveRows();
      expect(row.committed).toBeGreaterThan(0);
      expect(row.lost).toBe(0);
      expect(row.duplicated).toBe(0);
      expect(row.foreign).toBe(0);
      expect(row.abortedVisible).toBe(0);
      expect(row.partial).toBe(0);
      // The aborted records were written: only the abort markers hide them from read_committed.
      expect(row.abortedInLog).toBeGreaterThan(0);
      // The cases check their own timing (the broker's abort after the timeout, fencing well before it).
      if (fault.producer === 'own-producer') expect(row.brokerAbortedAfterMs).not.toBeNull();
      else expect(row.firstCommitAfterFaultMs).not.toBeNull();
    }, 300_000);
  }
});

describe(`fault suite over SASL_SSL (SCRAM-SHA-512, sessions of ${SASL_SESSION_MS} ms), idempotent: 1 secured broker, 6 partitions`, () => {
  beforeAll(async () => {
    // Blocks run in order, so the plaintext cases are done: their 3 JVMs would only compete for the CPU.
    await cluster?.destroy();
    cluster = undefined;
    securedCluster = await startCluster({
      basePort: 'auto',
      dir: await processClusterDir('fault-suite-secure'),
      secure: { reauthMs: SASL_SESSION_MS },
    });
  }, 300_000);

  for (const fault of FAULT_CASES.filter((f) => SASL_SSL_CASES.includes(f.id))) {
    it(`${fault.title}: no acknowledged record lost, none out of order, none duplicated`, async () => {
      const row = await runCase(fault, true, securedCluster!, 'SASL_SSL');
      expectClean(row);
      expect(row.sasl?.failed).toBe(0);
      expect(row.sasl?.reauthentications).toBeGreaterThan(0);
    }, 600_000);
  }
});
