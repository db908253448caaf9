import { describe, expect, it } from 'vitest';
import { Producer } from '../../../src/index.js';
import { ProducerConfigError, resolveProducerConfig } from '../../../src/producer/config.js';
import { TransactionStateError } from '../../../src/producer/errors.js';

// A transactional producer's options, checked as Java's ProducerConfig checks them, and the transactional methods
// of a producer that has no transactional id.

const base = { bootstrapServers: '127.0.0.1:1' };

describe('transactional options', () => {
  it('default to no transactional id and a 60 s transaction timeout (Java 4.x)', () => {
    const config = resolveProducerConfig(base);
    expect(config.transactionalId).toBeUndefined();
    expect(config.transactionTimeoutMs).toBe(60_000);
    const transactional = resolveProducerConfig({
      ...base,
      transactionalId: 'tx',
      transactionTimeoutMs: 5_000,
    });
    expect(transactional.transactionalId).toBe('tx');
    expect(transactional.transactionTimeoutMs).toBe(5_000);
    expect(transactional.enableIdempotence).toBe(true);
  });

  it('a transactional id needs idempotence: turning it off, or an option that conflicts with it, is refused', () => {
    const refused = (options: object) => {
      try {
        resolveProducerConfig({ ...base, transactionalId: 'tx', ...options });
      } catch (error) {
        expect(error).toBeInstanceOf(ProducerConfigError);
        return error as ProducerConfigError;
      }
      throw new Error('accepted');
    };
    const off = refused({ enableIdempotence: false });
    expect(off.option).toBe('transactionalId');
    expect(off.message).toMatch(/a transactional producer is idempotent: remove enableIdempotence: false/);
    expect(refused({ acks: 1 }).message).toMatch(/needs acks 'all' \(got 1\).*or remove the transactionalId/);
    expect(refused({ maxInFlightRequestsPerConnection: 6 }).message).toMatch(
      /maxInFlightRequestsPerConnection at most 5/,
    );
  });

  it('an empty or non-string transactional id, or a timeout below 1 ms, is refused by name', () => {
    expect(() => resolveProducerConfig({ ...base, transactionalId: '' })).toThrow(
      /'transactionalId'.*non-empty string/,
    );
    expect(() => resolveProducerConfig({ ...base, transactionalId: 7 as never })).toThrow(
      ProducerConfigError,
    );
    expect(() => resolveProducerConfig({ ...base, transactionalId: 'tx', transactionTimeoutMs: 0 })).toThrow(
      /'transactionTimeoutMs'/,
    );
  });
});

describe('transactional methods on a producer without a transactional id', () => {
  it('reject (or throw, for beginTransaction) with TransactionStateError saying to set transactionalId', async () => {
    const producer = new Producer(base);
    try {
      await expect(producer.initTransactions()).rejects.toBeInstanceOf(TransactionStateError);
      await expect(producer.commitTransaction()).rejects.toThrow(
        /commitTransaction\(\) needs a transactional producer/,
      );
      await expect(producer.abortTransaction()).rejects.toThrow(/transactionalId option/);
      await expect(producer.sendOffsetsToTransaction([], { groupId: 'g' })).rejects.toThrow(
        TransactionStateError,
      );
      await expect(producer.transaction(async () => 1)).rejects.toThrow(TransactionStateError);
      expect(() => producer.beginTransaction()).toThrow(TransactionStateError);
    } finally {
      await producer.close();
    }
  });
});
