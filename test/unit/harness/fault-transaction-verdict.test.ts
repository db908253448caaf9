// The transactional fault cases pass when their verdict shows no loss, duplicate or visible aborted record; a
// verdict that could not show them would pass anything. Here it judges logs built by hand.
import { describe, expect, it } from 'vitest';
import type { ConsumedRecord } from '../../harness/index.js';
import {
  RECORDS_PER_TRANSACTION,
  TransactionLoad,
  transactionRecord,
  verifyTransactions,
} from '../../integration/faults/transaction-workload.js';

function consumed(t: number, i: number): ConsumedRecord {
  const r = transactionRecord(t, i);
  return {
    topic: 'faults',
    partition: r.partition,
    offset: 0n,
    timestamp: 0n,
    timestampType: 'CREATE_TIME',
    leaderEpoch: 0,
    key: Buffer.from(r.key),
    value: Buffer.from(r.value),
    headers: [],
  };
}

const whole = (t: number) => Array.from({ length: RECORDS_PER_TRANSACTION }, (_, i) => consumed(t, i));

/** Transactions 0 committed, 1 aborted, 2 open (the producer died in it). */
function load(): TransactionLoad {
  const l = new TransactionLoad();
  l.outcomes.push('committed', 'aborted', 'open');
  l.endedAt.push(100, 300);
  return l;
}

describe('verifyTransactions', () => {
  it('a clean log: the committed transaction complete, the aborted and open ones only in the uncommitted read', () => {
    const v = verifyTransactions(load(), whole(0), [...whole(0), ...whole(1), ...whole(2)], 50);
    expect(v).toMatchObject({
      transactions: 3,
      committed: 1,
      aborted: 1,
      unfinished: 1,
      committedRecords: RECORDS_PER_TRANSACTION,
      found: RECORDS_PER_TRANSACTION,
      lost: 0,
      duplicated: 0,
      abortedVisible: 0,
      foreign: 0,
      abortedInLog: 2 * RECORDS_PER_TRANSACTION,
      maxEndGapMs: 200,
      firstCommitAfterFaultMs: 50,
    });
  });

  it('counts a missing, a doubled, a visible aborted and a misplaced record', () => {
    const committed = whole(0).slice(1);
    committed.push(consumed(0, 5), consumed(1, 0), consumed(2, 7), { ...consumed(0, 0), partition: 5 });
    const v = verifyTransactions(load(), committed, [], null);
    expect(v).toMatchObject({ lost: 1, duplicated: 1, abortedVisible: 2, foreign: 1 });
  });

  it('an unknown-outcome transaction may be all or nothing, never part', () => {
    const l = new TransactionLoad();
    l.outcomes.push('unknown', 'unknown', 'unknown');
    const v = verifyTransactions(l, [...whole(0), ...whole(1).slice(0, 10)], [], null);
    expect(v.partial).toBe(1);
    expect(v.abortedVisible).toBe(0);
  });
});
