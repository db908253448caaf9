import { describe, expect, it } from 'vitest';
import {
  AuthorizationError,
  KafkaErrorCode,
  KafkaProtocolError,
  kafkaErrorFor,
  throwIfKafkaError,
} from '../../../src/protocol/errors.js';

describe('AuthorizationError', () => {
  it('names the WRITE ACL on the topic a Produce request was refused for', () => {
    const error = kafkaErrorFor(KafkaErrorCode.TOPIC_AUTHORIZATION_FAILED, {
      api: 'Produce',
      topic: 'orders',
      partition: 2,
    });
    expect(error).toBeInstanceOf(AuthorizationError);
    expect(error).toBeInstanceOf(KafkaProtocolError);
    expect(error.errorName).toBe('TOPIC_AUTHORIZATION_FAILED');
    expect((error as AuthorizationError).acl).toEqual({
      operation: 'WRITE',
      resourceType: 'TOPIC',
      resourceName: 'orders',
    });
    expect(error.message).toBe(
      'TOPIC_AUTHORIZATION_FAILED (29) from Produce for topic "orders" partition 2: the client\'s principal is not ' +
        "authorized. To fix it, grant WRITE (and DESCRIBE) on topic 'orders' to the client's principal " +
        '(kafka-acls.sh --add --allow-principal User:<name> --operation WRITE ...).',
    );
    expect(error.retriable).toBe(false);
    expect(error.fatal).toBe(false);
  });

  it('asks for DESCRIBE when a metadata lookup was refused', () => {
    const error = kafkaErrorFor(KafkaErrorCode.TOPIC_AUTHORIZATION_FAILED, {
      api: 'Metadata',
      topic: 'orders',
    });
    expect(error.message).toMatch(/grant DESCRIBE on topic 'orders'/);
  });

  it('asks for IDEMPOTENT_WRITE on the cluster (or no idempotence), and is fatal', () => {
    const error = kafkaErrorFor(KafkaErrorCode.CLUSTER_AUTHORIZATION_FAILED, { api: 'InitProducerId' });
    expect(error).toBeInstanceOf(AuthorizationError);
    expect(error.message).toMatch(
      /grant IDEMPOTENT_WRITE on the cluster to the client's principal .*, or disable idempotence \(enableIdempotence: false\)\. The producer cannot continue/,
    );
    expect(error.fatal).toBe(true);
  });

  it('names the group and the transactional id, and keeps the broker message', () => {
    const group = kafkaErrorFor(KafkaErrorCode.GROUP_AUTHORIZATION_FAILED, { group: 'billing' });
    expect(group.message).toMatch(/grant READ on group 'billing'/);
    const txn = kafkaErrorFor(KafkaErrorCode.TRANSACTIONAL_ID_AUTHORIZATION_FAILED, {
      api: 'InitProducerId',
      transactionalId: 'tx-1',
      brokerMessage: 'denied',
    });
    expect(txn.message).toMatch(
      /Broker says: denied To fix it, grant WRITE \(and DESCRIBE\) on transactional id 'tx-1'/,
    );
    expect(txn.fatal).toBe(true);
    expect(() => throwIfKafkaError(KafkaErrorCode.TOPIC_AUTHORIZATION_FAILED)).toThrow(AuthorizationError);
  });

  it('leaves other codes as plain KafkaProtocolErrors', () => {
    expect(kafkaErrorFor(KafkaErrorCode.NOT_LEADER_OR_FOLLOWER)).not.toBeInstanceOf(AuthorizationError);
  });
});
