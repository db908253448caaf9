// The transactional fault cases: a transactional producer runs transaction after transaction (some aborted on
// purpose) while a broker it depends on dies mid-transaction, or the producer process itself dies with a
// transaction open. Afterwards Kafka's Java consumer reads the topic with read_committed (every committed
// transaction complete and exactly once, nothing of an aborted or unfinished one) and read_uncommitted (the
// aborted records really are in the log, hidden only by the abort markers).
import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { Producer } from '../../../src/index.js';
import { consumeAll, type KafkaCluster, repoRoot, uniqueTopic } from '../../harness/index.js';
import { createCaseTopic, hold, runJavaTool, until, waitForFullIsr } from './cases.js';
import {
  plannedEnd,
  RECORDS_PER_TRANSACTION,
  runTransactions,
  TransactionLoad,
  type TransactionVerdict,
  transactionRecord,
  verifyTransactions,
} from './transaction-workload.js';

/** Transactions committed before the fault, so the producer, its coordinator and its partitions are warm. */
const WARM_UP_TRANSACTIONS = 10;
/** Transactions run after the cluster is whole again, to show the producer is healthy. */
const TAIL_TRANSACTIONS = 10;
/** The killed producer's transaction timeout: short, so the coordinator aborts its transaction soon. */
const KILLED_PRODUCER_TIMEOUT_MS = 10_000;
/** Kafka's internal topic holding the transaction coordinators' state. */
const TRANSACTION_STATE_TOPIC = '__transaction_state';

export interface TransactionRow extends TransactionVerdict {
  kind: 'transactions';
  case: string;
  title: string;
  note: string;
  unplannedAborts: Record<string, number>;
  /** Producer killed: from the kill to the coordinator's abort of the open transaction (ms). */
  brokerAbortedAfterMs: number | null;
  durationMs: number;
}

interface CaseContext {
  cluster: KafkaCluster;
  topic: string;
  transactionalId: string;
  load: TransactionLoad;
  faultStarts(): void;
  note(text: string): void;
}

export interface TransactionFaultCase {
  id: string;
  title: string;
  /**
   * in-process: `run` injects the fault while this process's producer runs transactions. own-producer: `run`
   * runs the producer itself (in a child process) and returns when the fault is over.
   */
  producer: 'in-process' | 'own-producer';
  run(ctx: CaseContext): Promise<{ brokerAbortedAfterMs?: number } | undefined>;
}

const here = dirname(fileURLToPath(import.meta.url));

/** The broker coordinating `transactionalId`'s transactions, from Kafka's Admin client. */
async function coordinatorOf(cluster: KafkaCluster, transactionalId: string): Promise<number> {
  const out = await runJavaTool(cluster, 'DescribeTransaction.java', [
    cluster.bootstrapServers,
    transactionalId,
    'coordinator',
  ]);
  return (JSON.parse(out.trim()) as { coordinator: number }).coordinator;
}

/** Once WARM_UP_TRANSACTIONS transactions were committed: the coordinator (looked up meanwhile). */
async function warmCoordinator(ctx: CaseContext): Promise<number> {
  const [coordinator] = await Promise.all([
    coordinatorOf(ctx.cluster, ctx.transactionalId),
    until(
      () => ctx.load.count('committed') >= WARM_UP_TRANSACTIONS,
      `${WARM_UP_TRANSACTIONS} transactions to commit`,
      60_000,
    ),
  ]);
  return coordinator;
}

/**
 * SIGKILLs `victim` in the middle of the next transaction, holds it down 5 s, restarts it, waits for full ISR;
 * `whileDown` starts right after the kill.
 */
async function killMidTransaction(
  ctx: CaseContext,
  victim: number,
  role: string,
  whileDown: () => Promise<unknown> = async () => {},
): Promise<void> {
  let open = -1;
  let killed = 0;
  await ctx.load.atMidpoint(async () => {
    open = ctx.load.begun - 1;
    ctx.faultStarts();
    await ctx.cluster.stopBroker(victim);
    killed = performance.now();
  });
  // whileDown starts while the victim is down but does not hold the restart (a JVM start can outlast 5 s).
  const meanwhile = whileDown();
  await hold(5_000);
  const restart = performance.now();
  await ctx.cluster.startBroker(victim);
  const started = performance.now();
  await meanwhile;
  await waitForFullIsr(ctx.cluster, ctx.topic);
  await waitForFullIsr(ctx.cluster, TRANSACTION_STATE_TOPIC);
  const s = (ms: number) => `${(ms / 1000).toFixed(1)} s`;
  ctx.note(
    `broker ${victim} (${role}) killed in transaction ${open} after ${RECORDS_PER_TRANSACTION / 2} of its ` +
      `${RECORDS_PER_TRANSACTION} records were acknowledged, down ${s(restart - killed)}, restarted (up in ` +
      `${s(started - restart)}, full ISR ${s(performance.now() - started)} later)`,
  );
}

/** The running producer process of the own-producer case, fed its plan on stdin. */
function startChildProducer(plan: object) {
  const script = join(here, 'transaction-child.mjs');
  if (!existsSync(join(repoRoot, 'dist', 'index.js')))
    throw new Error('dist/index.js is missing: run `npm run build` before the fault suite');
  const child = spawn(process.execPath, [script], { cwd: repoRoot, stdio: ['pipe', 'pipe', 'pipe'] });
  let stderr = '';
  child.stderr.on('data', (chunk: Buffer) => {
    stderr += chunk.toString();
  });
  const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
  child.stdin.end(JSON.stringify(plan));
  return { child, exited, stderr: () => stderr };
}

/** Transactions the killed producer process ends before it opens the one it dies in. */
const KILLED_PRODUCER_TRANSACTIONS = 8;

/**
 * Runs the producer in a child process through KILLED_PRODUCER_TRANSACTIONS transactions, then SIGKILLs it
 * once every record of the next one was acknowledged (the transaction is open, its records in the log).
 */
async function killProducerMidTransaction(
  ctx: CaseContext,
): Promise<{ at: number; open: number; what: string }> {
  const open = KILLED_PRODUCER_TRANSACTIONS;
  const producer = startChildProducer({
    bootstrap: ctx.cluster.bootstrapServers,
    topic: ctx.topic,
    transactionalId: ctx.transactionalId,
    transactionTimeoutMs: KILLED_PRODUCER_TIMEOUT_MS,
    transactions: Array.from({ length: open + 1 }, (_, t) => ({
      end: t === open ? 'open' : plannedEnd(t),
      records: Array.from({ length: RECORDS_PER_TRANSACTION }, (_, i) => transactionRecord(t, i)),
    })),
  });
  let at = 0;
  const pid = producer.child.pid;
  for await (const line of createInterface({ input: producer.child.stdout })) {
    const { t, outcome } = JSON.parse(line) as { t: number; outcome: 'committed' | 'aborted' | 'open' };
    ctx.load.outcomes[t] = outcome;
    if (outcome !== 'open') {
      ctx.load.endedAt[t] = performance.now();
      continue;
    }
    ctx.faultStarts();
    at = Date.now();
    producer.child.kill('SIGKILL');
    break;
  }
  const code = await producer.exited;
  if (at === 0)
    throw new Error(
      `the producer process exited (code ${code}) before its transaction ${open} was open:\n${producer.stderr()}`,
    );
  return {
    at,
    open,
    what:
      `producer process (pid ${pid}) SIGKILLed with transaction ${open} open (its ${RECORDS_PER_TRANSACTION} ` +
      'records acknowledged)',
  };
}

export const TRANSACTION_FAULT_CASES: TransactionFaultCase[] = [
  {
    id: 'txn-coordinator-kill',
    title: 'SIGKILL of the transaction coordinator mid-transaction, restart',
    producer: 'in-process',
    async run(ctx) {
      const coordinator = await warmCoordinator(ctx);
      await killMidTransaction(ctx, coordinator, 'the transaction coordinator', async () => {
        const moved = await coordinatorOf(ctx.cluster, ctx.transactionalId);
        // Only a note: under load the lookup may answer after the restart, when leadership could be back.
        ctx.note(`coordinator looked up after the kill: broker ${moved}`);
      });
      return undefined;
    },
  },
  {
    id: 'txn-leader-kill',
    title: 'SIGKILL of a partition leader (not the coordinator) mid-transaction, restart',
    producer: 'in-process',
    async run(ctx) {
      const coordinator = await warmCoordinator(ctx);
      const meta = await ctx.cluster.metadata([ctx.topic]);
      const led = new Map<number, number>();
      for (const p of meta.topics[0]?.partitions ?? [])
        if (p.leaderId >= 0 && p.leaderId !== coordinator)
          led.set(p.leaderId, (led.get(p.leaderId) ?? 0) + 1);
      const [victim, count] = [...led.entries()].sort((a, b) => b[1] - a[1])[0] ?? [];
      if (victim === undefined || count === undefined)
        throw new Error(`no broker but the coordinator (${coordinator}) leads a partition of ${ctx.topic}`);
      await killMidTransaction(
        ctx,
        victim,
        `leader of ${count}/6 partitions; coordinator: broker ${coordinator}`,
      );
      return undefined;
    },
  },
  {
    id: 'txn-producer-kill',
    title: `SIGKILL of the producer process mid-transaction (transactionTimeoutMs ${KILLED_PRODUCER_TIMEOUT_MS / 1000} s), the broker aborts it`,
    producer: 'own-producer',
    async run(ctx) {
      const killed = await killProducerMidTransaction(ctx);
      const out = await runJavaTool(ctx.cluster, 'DescribeTransaction.java', [
        ctx.cluster.bootstrapServers,
        ctx.transactionalId,
        'await-end',
        String(KILLED_PRODUCER_TIMEOUT_MS + 50_000),
      ]);
      const ended = JSON.parse(out.trim()) as { state: string; endedAt: number; epoch: number };
      if (ended.state !== 'CompleteAbort')
        throw new Error(`the killed producer's transaction ended as ${ended.state}, not CompleteAbort`);
      const after = ended.endedAt - killed.at;
      if (after < KILLED_PRODUCER_TIMEOUT_MS)
        throw new Error(
          `the transaction was aborted ${after} ms after the kill, before its timeout: by whom?`,
        );
      ctx.note(
        `${killed.what}; the coordinator aborted it ${(after / 1000).toFixed(1)} s later (state ` +
          `CompleteAbort, epoch ${ended.epoch})`,
      );
      return { brokerAbortedAfterMs: after };
    },
  },
  {
    id: 'txn-producer-kill-fenced',
    title:
      'SIGKILL of the producer process mid-transaction, a new producer with the same transactionalId ' +
      'fences it at initTransactions() and goes on',
    producer: 'own-producer',
    async run(ctx) {
      const killed = await killProducerMidTransaction(ctx);
      const successor = new Producer({
        bootstrapServers: ctx.cluster.bootstrapServers,
        transactionalId: ctx.transactionalId,
        requestTimeoutMs: 10_000,
      });
      try {
        // The coordinator aborts the open transaction (bumping the epoch) before it answers.
        await successor.initTransactions();
        const after = Date.now() - killed.at;
        if (after >= KILLED_PRODUCER_TIMEOUT_MS)
          throw new Error(
            `initTransactions() took ${after} ms: as long as the transaction timeout, so no fencing`,
          );
        await runTransactions(
          successor,
          ctx.topic,
          ctx.load,
          {
            from: killed.open + 1,
            minTransactions: killed.open + 1,
            tailTransactions: 4,
            maxTransactions: killed.open + 50,
          },
          Promise.resolve(),
        );
        await successor.close();
        ctx.note(
          `${killed.what}; a new producer's initTransactions() resolved ${(after / 1000).toFixed(1)} s after ` +
            `the kill, and it ran ${ctx.load.begun - killed.open - 1} more transactions`,
        );
        return { brokerAbortedAfterMs: after };
      } finally {
        await successor.close({ timeoutMs: 1_000 }).catch(() => {});
      }
    },
  },
];

const ms = (x: number) => `${Math.round(x)}ms`;

/** Runs `fault` on a fresh topic of `cluster` (already healed) and judges the outcome. */
export async function runTransactionCase(
  fault: TransactionFaultCase,
  cluster: KafkaCluster,
): Promise<TransactionRow> {
  const started = performance.now();
  const topic = await createCaseTopic(cluster, `faults-${fault.id}`);
  const topicReady = performance.now();
  const transactionalId = uniqueTopic(`txid-${fault.id}`);
  const load = new TransactionLoad();
  const notes: string[] = [];
  let faultAt: number | null = null;
  const ctx: CaseContext = {
    cluster,
    topic,
    transactionalId,
    load,
    faultStarts: () => {
      faultAt ??= performance.now();
    },
    note: (text) => notes.push(text),
  };
  let brokerAbortedAfterMs: number | null = null;
  if (fault.producer === 'own-producer') {
    brokerAbortedAfterMs = (await fault.run(ctx))?.brokerAbortedAfterMs ?? null;
  } else {
    const producer = new Producer({
      bootstrapServers: cluster.bootstrapServers,
      transactionalId,
      // As in the other cases: a silent broker is given up on after 10 s rather than Java's 30 s.
      requestTimeoutMs: 10_000,
    });
    try {
      await producer.initTransactions();
      const faultDone = fault.run(ctx);
      await runTransactions(
        producer,
        topic,
        load,
        {
          minTransactions: WARM_UP_TRANSACTIONS,
          tailTransactions: TAIL_TRANSACTIONS,
          maxTransactions: 20_000,
        },
        faultDone,
      );
      await producer.close();
    } finally {
      await producer.close({ timeoutMs: 1_000 }).catch(() => {});
    }
  }
  const loadDone = performance.now();
  const read = (isolation: 'read_committed' | 'read_uncommitted') =>
    consumeAll({ topic, bootstrap: cluster.bootstrapServers, isolation, timeoutMs: 60_000 });
  const [committed, uncommitted] = await Promise.all([read('read_committed'), read('read_uncommitted')]);
  const row: TransactionRow = {
    kind: 'transactions',
    case: fault.id,
    title: fault.title,
    note: notes.join('; '),
    unplannedAborts: Object.fromEntries(load.unplannedAborts),
    brokerAbortedAfterMs,
    durationMs: Math.round(performance.now() - started),
    ...verifyTransactions(load, committed, uncommitted, faultAt),
  };
  process.stderr.write(
    `faults: ${row.case} transactions=${row.transactions} committed=${row.committed} aborted=${row.aborted} ` +
      `(after error ${row.abortedAfterError}) unfinished=${row.unfinished} found=${row.found}/${row.committedRecords} ` +
      `lost=${row.lost} dup=${row.duplicated} abortedVisible=${row.abortedVisible} partial=${row.partial} ` +
      `abortedInLog=${row.abortedInLog} maxEndGap=${row.maxEndGapMs}ms firstCommitAfterFault=${row.firstCommitAfterFaultMs}ms ` +
      `brokerAbortedAfter=${row.brokerAbortedAfterMs}ms took=${row.durationMs}ms ` +
      `(topic ${ms(topicReady - started)}, load and fault ${ms(loadDone - topicReady)}, ` +
      `read-back ${ms(performance.now() - loadDone)}) (${row.note})\n`,
  );
  for (const [reason, n] of load.unplannedAborts)
    process.stderr.write(`faults:   aborted ${n}x after: ${reason}\n`);
  return row;
}
