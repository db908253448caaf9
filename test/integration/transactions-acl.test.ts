import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Producer, TransactionFatalError } from '../../src/index.js';
import { AuthorizationError } from '../../src/protocol/errors.js';
import { consumeAll, PLAIN_USER, type SecureKafka, secureKafka, uniqueTopic } from '../harness/index.js';

// A transactional producer on the secured broker (ACLs enforced): without WRITE on its transactional id it
// cannot start, with a fatal error that names the ACL; once granted, its transaction commits.

let kafka: SecureKafka;
const producers: Producer[] = [];
afterAll(async () => {
  await Promise.all(producers.map((p) => p.close({ timeoutMs: 10_000 }).catch(() => undefined)));
});

beforeAll(async () => {
  kafka = await secureKafka();
});

function transactionalAsPlainUser(transactionalId: string): Producer {
  const p = new Producer({
    bootstrapServers: kafka.listeners.SASL_PLAINTEXT,
    sasl: { mechanism: 'plain', username: PLAIN_USER, password: kafka.users[PLAIN_USER]! },
    transactionalId,
    maxBlockMs: 15_000,
  });
  producers.push(p);
  return p;
}

describe('transactions and ACLs', () => {
  it('no WRITE on the transactional id: initTransactions fails fatally naming the ACL; granted, the transaction commits', async () => {
    const topic = uniqueTopic('txn-acl');
    await kafka.createTopic({ topic, partitions: 1 });
    await kafka.allowTopic(`User:${PLAIN_USER}`, topic);
    const transactionalId = uniqueTopic('txid-acl');

    const refused = transactionalAsPlainUser(transactionalId);
    const error = (await refused.initTransactions().catch((e: unknown) => e)) as TransactionFatalError;
    expect(error).toBeInstanceOf(TransactionFatalError);
    expect(error.cause).toBeInstanceOf(AuthorizationError);
    expect(error.message).toContain('TRANSACTIONAL_ID_AUTHORIZATION_FAILED');
    expect(error.message).toContain(`grant WRITE (and DESCRIBE) on transactional id '${transactionalId}'`);
    expect(error.message).not.toContain(kafka.users[PLAIN_USER]!);
    await expect(refused.send({ topic, value: 'x' })).rejects.toBe(error);

    await kafka.addAcls(
      ['WRITE', 'DESCRIBE'].map((operation) => ({
        principal: `User:${PLAIN_USER}`,
        resourceType: 'TRANSACTIONAL_ID' as const,
        resourceName: transactionalId,
        operation,
      })),
    );
    const granted = transactionalAsPlainUser(transactionalId);
    await granted.transaction(async (tx) => {
      await tx.send({ topic, value: 'authorized' });
    });
    const records = await consumeAll({
      bootstrap: kafka.adminBootstrap,
      topic,
      isolation: 'read_committed',
      count: 1,
      timeoutMs: 20_000,
    });
    expect(records.map((r) => Buffer.from(r.value!).toString())).toEqual(['authorized']);
  });
});
