// The producer process the "producer killed" fault case kills: the built package (dist/), as an application
// runs it. Reads its plan as one JSON document on stdin:
//   { bootstrap, topic, transactionalId, transactionTimeoutMs,
//     transactions: [{ end: 'commit' | 'abort' | 'open', records: [{ partition, key, value }] }] }
// runs the transactions in order, printing {"t":0,"outcome":"committed"} (or "aborted") as each one ends, and
// for the one meant to stay open {"t":n,"outcome":"open"} once all its records were acknowledged; then it
// waits to be killed.
import { Producer } from '../../../dist/index.js';

let input = '';
for await (const chunk of process.stdin) input += chunk;
const plan = JSON.parse(input);

const producer = new Producer({
  bootstrapServers: plan.bootstrap,
  transactionalId: plan.transactionalId,
  transactionTimeoutMs: plan.transactionTimeoutMs,
});
await producer.initTransactions();
for (const [t, transaction] of plan.transactions.entries()) {
  producer.beginTransaction();
  await Promise.all(transaction.records.map((r) => producer.send({ topic: plan.topic, ...r })));
  if (transaction.end === 'open') {
    process.stdout.write(`${JSON.stringify({ t, outcome: 'open' })}\n`);
    // Kept alive, transaction open, until the test kills the process.
    setInterval(() => {}, 60_000);
    break;
  }
  if (transaction.end === 'abort') await producer.abortTransaction();
  else await producer.commitTransaction();
  process.stdout.write(
    `${JSON.stringify({ t, outcome: transaction.end === 'abort' ? 'aborted' : 'committed' })}\n`,
  );
}
