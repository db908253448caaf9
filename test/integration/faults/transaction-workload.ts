// The transactional load of the transaction fault cases, and the check afterwards. Transaction t writes
// RECORDS_PER_TRANSACTION records spread evenly over the topic's 6 partitions; every ABORT_EVERY-th one is
// aborted on purpose after all its records were acknowledged (so they are in the log and only the abort marker
// hides them). Each record's value names its transaction and its place in it, so what a read_committed
// consumer reads back can be judged per transaction: committed ones complete and exactly once, nothing of an
// aborted or unfinished one.
import { performance } from 'node:perf_hooks';
import { type Producer, TransactionFatalError, TransactionTimeoutError } from '../../../src/index.js';
import type { ConsumedRecord } from '../../harness/index.js';
import { watch } from './workload.js';

export const PARTITIONS = 6;
export const RECORDS_PER_TRANSACTION = 60;
const ABORT_EVERY = 4;

export type TransactionEnd = 'commit' | 'abort';

/** How transaction t is meant to end. */
export function plannedEnd(t: number): TransactionEnd {
  return t % ABORT_EVERY === ABORT_EVERY - 1 ? 'abort' : 'commit';
}

export interface TransactionRecord {
  partition: number;
  key: string;
  value: string;
}

/** Record i of transaction t. */
export function transactionRecord(t: number, i: number): TransactionRecord {
  return {
    partition: i % PARTITIONS,
    key: `k-${i}`,
    value: `t${t.toString().padStart(7, '0')};${i.toString().padStart(3, '0')}`,
  };
}

function parse(value: Buffer | null): { t: number; i: number } | null {
  const match = value === null ? null : /^t(\d{7});(\d{3})$/.exec(value.toString('latin1'));
  return match ? { t: Number(match[1]), i: Number(match[2]) } : null;
}

/**
 * open: begun, not ended (the producer died in it, or it is still running). committed / aborted:
 * commitTransaction() / abortTransaction() resolved. unknown: neither could be completed (the check then only
 * demands it be all or nothing).
 */
export type TransactionOutcome = 'open' | 'committed' | 'aborted' | 'unknown';

/** What happened to every transaction, indexed by transaction number. */
export class TransactionLoad {
  readonly outcomes: TransactionOutcome[] = [];
  /** performance.now() when the transaction ended (commit or abort resolved). */
  readonly endedAt: number[] = [];
  /** Transactions aborted because of an error rather than by plan, by reason. */
  readonly unplannedAborts = new Map<string, number>();
  #midpoint: (() => Promise<void>) | null = null;

  get begun(): number {
    return this.outcomes.length;
  }

  count(outcome: TransactionOutcome): number {
    return this.outcomes.filter((o) => o === outcome).length;
  }

  /**
   * Runs `fault` once, in the middle of the next transaction: after its first half of records was
   * acknowledged (so the partitions are in the transaction and records in the log), before the rest are sent
   * and before it ends. Resolves once `fault` has.
   */
  atMidpoint(fault: () => Promise<void>): Promise<void> {
    return new Promise((resolve, reject) => {
      this.#midpoint = () => fault().then(resolve, reject);
    });
  }

  takeMidpoint(): (() => Promise<void>) | null {
    const midpoint = this.#midpoint;
    this.#midpoint = null;
    return midpoint;
  }
}

/** Sends records and waits for all of them; rejects with the first failure once every one has settled. */
async function sendAll(producer: Producer, topic: string, t: number, from: number, to: number) {
  const sends = [];
  for (let i = from; i < to; i++) sends.push(producer.send({ topic, ...transactionRecord(t, i) }));
  const failed = (await Promise.allSettled(sends)).find((s) => s.status === 'rejected');
  if (failed) throw failed.reason;
}

/** commitTransaction() / abortTransaction() again after a TransactionTimeoutError, as the API asks. */
async function patiently(end: () => Promise<void>, attempts = 3): Promise<void> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await end();
    } catch (error) {
      if (!(error instanceof TransactionTimeoutError) || attempt === attempts) throw error;
    }
  }
}

const reasonOf = (error: unknown) =>
  error instanceof Error ? `${error.name}: ${error.message.slice(0, 200)}` : String(error);

/**
 * Runs one transaction after another on an initialised transactional producer until `faultDone` has
 * resolved and at least `minTransactions` were begun, then `tailTransactions` more. A transaction an error
 * made abortable is aborted (and counted in unplannedAborts); a fatal error (fenced, ...) ends the run.
 */
export async function runTransactions(
  producer: Producer,
  topic: string,
  load: TransactionLoad,
  options: {
    /** Number of the first transaction (a successor producer goes on where a killed one stopped). */
    from?: number;
    minTransactions: number;
    tailTransactions: number;
    maxTransactions: number;
  },
  faultDone: Promise<unknown>,
): Promise<void> {
  const fault = watch(faultDone);
  let tailUntil = -1;
  for (let t = options.from ?? 0; ; t++) {
    if (fault.settled && tailUntil < 0)
      tailUntil = Math.max(t, options.minTransactions) + options.tailTransactions;
    if (tailUntil >= 0 && t >= tailUntil) break;
    if (t >= options.maxTransactions)
      throw new Error(`${options.maxTransactions} transactions run and the fault has not ended`);
    load.outcomes[t] = 'open';
    producer.beginTransaction();
    const half = RECORDS_PER_TRANSACTION / 2;
    try {
      await sendAll(producer, topic, t, 0, half);
      await load.takeMidpoint()?.();
      await sendAll(producer, topic, t, half, RECORDS_PER_TRANSACTION);
      if (plannedEnd(t) === 'abort') {
        await patiently(() => producer.abortTransaction());
        load.outcomes[t] = 'aborted';
      } else {
        await patiently(() => producer.commitTransaction());
        load.outcomes[t] = 'committed';
      }
    } catch (error) {
      if (error instanceof TransactionFatalError) throw error;
      const reason = reasonOf(error);
      load.unplannedAborts.set(reason, (load.unplannedAborts.get(reason) ?? 0) + 1);
      try {
        await patiently(() => producer.abortTransaction());
        load.outcomes[t] = 'aborted';
      } catch (abortError) {
        load.outcomes[t] = 'unknown';
        throw abortError;
      }
    }
    load.endedAt[t] = performance.now();
  }
  if (fault.error !== undefined) throw fault.error;
}

export interface TransactionVerdict {
  transactions: number;
  committed: number;
  /** Aborted on purpose or after an error. */
  aborted: number;
  /** Aborted because an error made the transaction abortable (a subset of aborted). */
  abortedAfterError: number;
  /** Open when the producer died, or of unknown outcome. */
  unfinished: number;
  /** Records of committed transactions, each expected exactly once under read_committed. */
  committedRecords: number;
  /** Distinct records of committed transactions read back. */
  found: number;
  /** Records of committed transactions missing under read_committed. */
  lost: number;
  /** Extra copies of any record under read_committed. */
  duplicated: number;
  /** Records of aborted or unfinished transactions visible under read_committed (must be 0). */
  abortedVisible: number;
  /** Unknown-outcome transactions read back in part (must be 0: a transaction is all or nothing). */
  partial: number;
  /** Records read_committed returned that this run never wrote. */
  foreign: number;
  /** Records of aborted or unfinished transactions a read_uncommitted consumer found in the log. */
  abortedInLog: number;
  /** Longest time between two transactions ending (ms). */
  maxEndGapMs: number;
  /** From the fault to the first commit that completed after it (ms). */
  firstCommitAfterFaultMs: number | null;
}

/** Judges `committed` (read with read_committed) and `uncommitted` (read_uncommitted) against `load`. */
export function verifyTransactions(
  load: TransactionLoad,
  committed: ConsumedRecord[],
  uncommitted: ConsumedRecord[],
  faultAt: number | null,
): TransactionVerdict {
  const n = load.begun;
  const copies = new Uint16Array(n * RECORDS_PER_TRANSACTION);
  let foreign = 0;
  let duplicated = 0;
  for (const r of committed) {
    const at = parse(r.value);
    if (
      at === null ||
      at.t >= n ||
      at.i >= RECORDS_PER_TRANSACTION ||
      r.partition !== transactionRecord(at.t, at.i).partition
    ) {
      foreign++;
      continue;
    }
    const k = at.t * RECORDS_PER_TRANSACTION + at.i;
    copies[k] = copies[k]! + 1;
    if (copies[k]! > 1) duplicated++;
  }
  let found = 0;
  let lost = 0;
  let abortedVisible = 0;
  let partial = 0;
  for (let t = 0; t < n; t++) {
    let seen = 0;
    for (let i = 0; i < RECORDS_PER_TRANSACTION; i++)
      if (copies[t * RECORDS_PER_TRANSACTION + i]! > 0) seen++;
    const outcome = load.outcomes[t];
    if (outcome === 'committed') {
      found += seen;
      lost += RECORDS_PER_TRANSACTION - seen;
    } else if (outcome === 'unknown') {
      if (seen !== 0 && seen !== RECORDS_PER_TRANSACTION) partial++;
    } else abortedVisible += seen;
  }
  let abortedInLog = 0;
  for (const r of uncommitted) {
    const at = parse(r.value);
    const outcome = at && at.t < n ? load.outcomes[at.t] : undefined;
    if (outcome === 'aborted' || outcome === 'open') abortedInLog++;
  }
  const ends = load.endedAt.filter((x) => x !== undefined).sort((a, b) => a - b);
  let maxEndGapMs = 0;
  for (let k = 1; k < ends.length; k++) maxEndGapMs = Math.max(maxEndGapMs, ends[k]! - ends[k - 1]!);
  let firstCommit: number | null = null;
  if (faultAt !== null)
    for (let t = 0; t < n; t++) {
      const at = load.endedAt[t];
      if (load.outcomes[t] === 'committed' && at !== undefined && at >= faultAt)
        firstCommit = firstCommit === null ? at : Math.min(firstCommit, at);
    }
  const committedCount = load.count('committed');
  return {
    transactions: n,
    committed: committedCount,
    aborted: load.count('aborted'),
    abortedAfterError: [...load.unplannedAborts.values()].reduce((a, b) => a + b, 0),
    unfinished: load.count('open') + load.count('unknown'),
    committedRecords: committedCount * RECORDS_PER_TRANSACTION,
    found,
    lost,
    duplicated,
    abortedVisible,
    partial,
    foreign,
    abortedInLog,
    maxEndGapMs: Math.round(maxEndGapMs),
    firstCommitAfterFaultMs:
      faultAt === null || firstCommit === null ? null : Math.round(firstCommit - faultAt),
  };
}
