#!/usr/bin/env node
// `npm run faults`: runs the fault-injection suite (test/integration/faults) on its own 3-broker cluster and
// turns the rows it writes into the fault table: printed, and written to docs/fault-table.md.
// Environment: FAULTS_RECORDS (idempotent pass) and FAULTS_RECORDS_NO_IDEMPOTENCE, both default 200000.
// The producer-killed cases run the built package in a child process: `npm run build` first.
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { kafkaHome, repoRoot } from './lib/index.mjs';

const resultsFile = join(kafkaHome, 'faults-results.json');
mkdirSync(kafkaHome, { recursive: true });
rmSync(resultsFile, { force: true });

const env = {
  ...process.env,
  FAULTS_RESULTS: resultsFile,
  FAULTS_RECORDS: process.env.FAULTS_RECORDS ?? '200000',
  FAULTS_RECORDS_NO_IDEMPOTENCE: process.env.FAULTS_RECORDS_NO_IDEMPOTENCE ?? '200000',
};
const started = Date.now();
const run = spawnSync(
  process.execPath,
  ['node_modules/vitest/vitest.mjs', 'run', '--project', 'integration', 'test/integration/faults'],
  { cwd: repoRoot, env, stdio: 'inherit' },
);
const tookS = Math.round((Date.now() - started) / 1000);

if (!existsSync(resultsFile)) {
  console.error(`faults: the suite wrote no results (${resultsFile}); see the output above`);
  process.exit(run.status || 1);
}
const allRows = JSON.parse(readFileSync(resultsFile, 'utf8'));
/** Transactional cases have a table of their own: they count transactions, not single sends. */
const rows = allRows.filter((r) => r.kind !== 'transactions');
const txnRows = allRows.filter((r) => r.kind === 'transactions');

/** The case as the table names it: over SASL_SSL, the listener is part of the name. */
const caseName = (r) => (r.listener && r.listener !== 'PLAINTEXT' ? `${r.case} over ${r.listener}` : r.case);
const saslRow = rows.find((r) => r.sasl);
const s = (ms) => (ms === null || ms === undefined ? '-' : `${(ms / 1000).toFixed(1)} s`);
const n = (x) => x.toLocaleString('en-US');
const lines = [
  '# Fault table',
  '',
  `Produced by \`npm run faults\` (scripts/faults.mjs running test/integration/faults) on ${new Date().toISOString().slice(0, 10)}: ` +
    `Kafka ${process.env.KAFKA_VERSION ?? '4.4.0'}, 3 local brokers (KRaft, combined broker+controller), topic with 6 ` +
    'partitions, replication factor 3, `min.insync.replicas=2`, producer defaults (`acks: all`) except ' +
    '`requestTimeoutMs: 10000`; 600 keys, ~100-byte values, at most 10,000 sends outstanding, paced at 10,000 ' +
    `records/s. Idempotent pass: at least ${n(Number(env.FAULTS_RECORDS))} records per case; ` +
    `\`enableIdempotence: false\` pass: at least ${n(Number(env.FAULTS_RECORDS_NO_IDEMPOTENCE))} per case. ` +
    (saslRow
      ? `Rows \`over SASL_SSL\`: one secured broker of their own (the harness's secured cluster has one), so ` +
        'replication factor 1 and `min.insync.replicas=1`; the producer authenticates as an ordinary user (ACLs ' +
        'for the topic only) with SCRAM-SHA-512 over TLS, the broker ends sessions after ' +
        `${s(saslRow.sasl.sessionMs)} (\`connections.max.reauth.ms=${saslRow.sasl.sessionMs}\`, so ` +
        "re-authentications and cuts interleave), and Kafka's Java consumer reads back over the same listener " +
        'and mechanism. '
      : '') +
    `Whole suite (cluster starts, ${allRows.length} runs, read-back): ${tookS} s on a busy 2-core machine.`,
  '',
  '| case | idempotence | sent | acknowledged | rejected | found | lost | duplicated | out of order | recovery (longest ack gap) | first ack after fault |',
  '| --- | --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |',
  ...rows.map(
    (r) =>
      `| ${caseName(r)} | ${r.idempotence ? 'on' : 'off'} | ${n(r.sent)} | ${n(r.acknowledged)} | ${n(r.rejected)} | ` +
      `${n(r.found)} | ${n(r.lost)} | ${n(r.duplicated)} | ${n(r.outOfOrder)} | ${s(r.maxAckGapMs)} | ${s(r.firstAckAfterFaultMs)} |`,
  ),
  '',
  'Cases:',
  '',
  ...[...new Map(rows.map((r) => [caseName(r), r])).values()].map((r) => `- ${caseName(r)}: ${r.title}.`),
  '',
  'What happened per run:',
  '',
  ...rows.map(
    (r) =>
      `- ${caseName(r)}, idempotence ${r.idempotence ? 'on' : 'off'}: ${r.note}; took ${s(r.durationMs)}` +
      (r.rejectedButWritten > 0 ? `; ${n(r.rejectedButWritten)} rejected records were written anyway` : '') +
      Object.entries(r.rejections)
        .map(([reason, count]) => `; rejected ${n(count)}x: ${reason}`)
        .join(''),
  ),
  '',
  'Columns:',
  '',
  '- sent: `send()` calls. acknowledged: `send()` resolved. rejected: `send()` rejected (reasons listed above).',
  "- found: distinct sent records that Kafka's Java consumer read back. lost: acknowledged but not found (must",
  '  be 0). Every acknowledged record is also checked to sit at the partition and offset `send()` reported.',
  '- duplicated: extra copies in the log (must be 0 with idempotence; without it a retry after a lost response',
  '  writes a batch twice, as the README warns).',
  "- out of order: first copies of a key's records that the log holds in another order than they were sent",
  '  (must be 0; a duplicate repeating earlier records is counted as duplicated, not here).',
  '- recovery (longest ack gap): the longest time, over all partitions, between two consecutive',
  '  acknowledgements of the same partition during the case: how long the worst-hit partition made no progress.',
  '- first ack after fault: from the moment the fault started to the first acknowledgement of a record sent',
  '  after it (partitions the fault did not touch may answer at once).',
  '',
];
/** The transactional cases' table, its case list and notes; nothing when none ran. */
function transactionTable() {
  if (txnRows.length === 0) return [];
  return [
    '## Transactions',
    '',
    'The same cluster; a transactional producer (defaults, `requestTimeoutMs: 10000`) runs transactions of ' +
      '60 records spread over the 6 partitions, every 4th aborted on purpose once its records were ' +
      "acknowledged. Kafka's Java consumer reads the topic back with `isolation.level=read_committed` (and with " +
      'read_uncommitted, to show the aborted records are in the log and only the abort markers hide them).',
    '',
    '| case | transactions | committed | aborted (after an error) | unfinished | records committed | found | lost | duplicated | aborted visible | aborted in log | longest gap between transactions | first commit after fault | open transaction aborted by the broker after |',
    '| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |',
    ...txnRows.map(
      (r) =>
        `| ${r.case} | ${n(r.transactions)} | ${n(r.committed)} | ${n(r.aborted)} (${n(r.abortedAfterError)}) | ` +
        `${n(r.unfinished)} | ${n(r.committedRecords)} | ${n(r.found)} | ${n(r.lost)} | ${n(r.duplicated)} | ` +
        `${n(r.abortedVisible)} | ${n(r.abortedInLog)} | ${s(r.maxEndGapMs)} | ${s(r.firstCommitAfterFaultMs)} | ` +
        `${s(r.brokerAbortedAfterMs)} |`,
    ),
    '',
    ...txnRows.map(
      (r) =>
        `- ${r.case}: ${r.title}. ${r.note}; took ${s(r.durationMs)}` +
        Object.entries(r.unplannedAborts)
          .map(([reason, count]) => `; aborted ${n(count)}x after: ${reason}`)
          .join(''),
    ),
    '',
    '- transactions: begun; committed: `commitTransaction()` resolved; aborted: `abortTransaction()` resolved ' +
      '(in brackets: aborted because an error made the transaction abortable, not by plan); unfinished: open ' +
      'when the producer process was killed.',
    '- found: distinct records of committed transactions read back with read_committed; lost: records of ' +
      'committed transactions missing; duplicated: extra copies; aborted visible: records of aborted or ' +
      'unfinished transactions read back with read_committed (all three must be 0). aborted in log: records of ' +
      'aborted or unfinished transactions that read_uncommitted finds (they were written, then hidden).',
    '- longest gap between transactions: the longest time between two transactions ending (commit or abort); ' +
      'first commit after fault: from the fault to the first commit that completed after it; open transaction ' +
      'aborted by the broker after: from the SIGKILL of the producer process to the moment Java Admin ' +
      '`describeTransactions` first showed the transaction `CompleteAbort` (polled every 100 ms); in the fenced ' +
      "case, to the moment the successor's `initTransactions()` resolved (the coordinator answers it once the " +
      'open transaction is aborted).',
    '',
  ];
}

const table = [...lines, ...transactionTable()].join('\n');
mkdirSync(join(repoRoot, 'docs'), { recursive: true });
writeFileSync(join(repoRoot, 'docs', 'fault-table.md'), table);
console.log(`\n${table}`);
console.log(
  `faults: table written to docs/fault-table.md; suite ${run.status === 0 ? 'passed' : 'FAILED'} in ${tookS} s`,
);
process.exit(run.status ?? 1);
