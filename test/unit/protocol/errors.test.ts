// The Kafka error table (generated from Kafka 4.4.0's Errors enum) and the typed errors built from it.

import { describe, expect, it } from 'vitest';
import { KafkaWireError } from '../../../src/errors.js';
import {
  KAFKA_ERRORS,
  KAFKA_VERSION_OF_ERROR_TABLE,
  KafkaErrorCode,
  KafkaProtocolError,
  kafkaErrorEntry,
  kafkaErrorFor,
  throwIfKafkaError,
} from '../../../src/protocol/index.js';

describe('error table', () => {
  it('has every code Kafka 4.4.0 defines: -1 and 1..136, unique names', () => {
    expect(KAFKA_VERSION_OF_ERROR_TABLE).toBe('4.4.0');
    const codes = [...KAFKA_ERRORS.keys()].sort((a, b) => a - b);
    expect(codes[0]).toBe(-1);
    expect(codes.slice(1)).toEqual(Array.from({ length: 136 }, (_, i) => i + 1));
    expect(new Set([...KAFKA_ERRORS.values()].map((e) => e.name)).size).toBe(codes.length);
    for (const entry of KAFKA_ERRORS.values()) {
      expect(entry.message.length).toBeGreaterThan(5);
      expect(entry.advice.length).toBeGreaterThan(5);
      expect(entry.javaException).toMatch(/^[A-Z]\w+$/);
      expect(KafkaErrorCode[entry.name]).toBe(entry.code);
    }
    expect(KafkaErrorCode.NONE).toBe(0);
  });

  // As Java's Errors.java has them: retriable = the exception extends RetriableException; refreshMetadata =
  // it extends InvalidMetadataException, so Java also refreshes metadata before retrying.
  it.each([
    [-1, 'UNKNOWN_SERVER_ERROR', false, false],
    [2, 'CORRUPT_MESSAGE', true, false],
    [3, 'UNKNOWN_TOPIC_OR_PARTITION', true, true],
    [5, 'LEADER_NOT_AVAILABLE', true, true],
    [6, 'NOT_LEADER_OR_FOLLOWER', true, true],
    [7, 'REQUEST_TIMED_OUT', true, false],
    [8, 'BROKER_NOT_AVAILABLE', false, false],
    [9, 'REPLICA_NOT_AVAILABLE', true, true],
    [10, 'MESSAGE_TOO_LARGE', false, false],
    [13, 'NETWORK_EXCEPTION', true, true],
    [14, 'COORDINATOR_LOAD_IN_PROGRESS', true, false],
    [15, 'COORDINATOR_NOT_AVAILABLE', true, false],
    [16, 'NOT_COORDINATOR', true, false],
    [17, 'INVALID_TOPIC_EXCEPTION', false, false],
    [18, 'RECORD_LIST_TOO_LARGE', false, false],
    [19, 'NOT_ENOUGH_REPLICAS', true, false],
    [20, 'NOT_ENOUGH_REPLICAS_AFTER_APPEND', true, false],
    [21, 'INVALID_REQUIRED_ACKS', false, false],
    [29, 'TOPIC_AUTHORIZATION_FAILED', false, false],
    [32, 'INVALID_TIMESTAMP', false, false],
    [42, 'INVALID_REQUEST', false, false],
    [45, 'OUT_OF_ORDER_SEQUENCE_NUMBER', false, false],
    [46, 'DUPLICATE_SEQUENCE_NUMBER', false, false],
    [47, 'INVALID_PRODUCER_EPOCH', false, false],
    [48, 'INVALID_TXN_STATE', false, false],
    [51, 'CONCURRENT_TRANSACTIONS', true, false],
    [56, 'KAFKA_STORAGE_ERROR', true, true],
    [58, 'SASL_AUTHENTICATION_FAILED', false, false],
    [59, 'UNKNOWN_PRODUCER_ID', false, false],
    [74, 'FENCED_LEADER_EPOCH', true, true],
    [75, 'UNKNOWN_LEADER_EPOCH', true, false],
    [76, 'UNSUPPORTED_COMPRESSION_TYPE', false, false],
    [87, 'INVALID_RECORD', false, false],
    [100, 'UNKNOWN_TOPIC_ID', true, true],
    [103, 'INCONSISTENT_TOPIC_ID', true, true],
    [120, 'TRANSACTION_ABORTABLE', false, false],
    [129, 'REBOOTSTRAP_REQUIRED', false, false],
  ])('%i %s: retriable %s, refreshMetadata %s', (code, name, retriable, refreshMetadata) => {
    const entry = kafkaErrorEntry(code)!;
    expect(entry).toMatchObject({ code, name, retriable, refreshMetadata, fatal: false });
  });

  it('fatal: exactly the errors a producer cannot continue after (as Java TransactionManager treats them)', () => {
    const fatal = [...KAFKA_ERRORS.values()].filter((e) => e.fatal).map((e) => [e.code, e.name]);
    expect(fatal).toEqual([
      [31, 'CLUSTER_AUTHORIZATION_FAILED'],
      [35, 'UNSUPPORTED_VERSION'],
      [49, 'INVALID_PRODUCER_ID_MAPPING'],
      [53, 'TRANSACTIONAL_ID_AUTHORIZATION_FAILED'],
      [90, 'PRODUCER_FENCED'],
    ]);
    for (const [code] of fatal) expect(kafkaErrorEntry(code as number)!.retriable).toBe(false);
  });
});

describe('kafkaErrorFor', () => {
  it('builds a typed error with flags and a message that says what happened, where, and what to do', () => {
    const error = kafkaErrorFor(6, { api: 'Produce', topic: 'orders', partition: 3 });
    expect(error).toBeInstanceOf(KafkaProtocolError);
    expect(error).toBeInstanceOf(KafkaWireError);
    expect(error).toMatchObject({
      name: 'KafkaProtocolError',
      code: 6,
      errorName: 'NOT_LEADER_OR_FOLLOWER',
      api: 'Produce',
      topic: 'orders',
      partition: 3,
      retriable: true,
      refreshMetadata: true,
      fatal: false,
    });
    expect(error.message).toBe(
      'NOT_LEADER_OR_FOLLOWER (6) from Produce for topic "orders" partition 3: ' +
        `${kafkaErrorEntry(6)!.message} ${kafkaErrorEntry(6)!.advice}`,
    );
    expect(error.message).toContain('retries');
  });

  it('includes the broker message when there is one', () => {
    const error = kafkaErrorFor(87, {
      api: 'Produce',
      brokerMessage: 'Compacted topic cannot accept message without key',
    });
    expect(error.message).toContain('Broker says: Compacted topic cannot accept message without key');
    expect(error.brokerMessage).toBe('Compacted topic cannot accept message without key');
  });

  it('fatal errors say the producer must be closed', () => {
    const error = kafkaErrorFor(90);
    expect(error).toMatchObject({ errorName: 'PRODUCER_FENCED', fatal: true, retriable: false });
    expect(error.message).toContain('close it');
  });

  it('unknown codes are fatal and say so', () => {
    const error = kafkaErrorFor(4242, { api: 'Metadata' });
    expect(error).toMatchObject({
      code: 4242,
      errorName: 'UNKNOWN_ERROR_CODE',
      fatal: true,
      retriable: false,
    });
    expect(error.message).toContain('Kafka error code 4242 from Metadata is unknown to kafka-wire');
    expect(error.message).toContain('upgrade kafka-wire');
  });

  it('code 0 is not an error', () => {
    expect(() => kafkaErrorFor(0)).toThrow(TypeError);
    expect(() => throwIfKafkaError(0)).not.toThrow();
    expect(() => throwIfKafkaError(3, { topic: 't' })).toThrow(
      /UNKNOWN_TOPIC_OR_PARTITION \(3\) for topic "t"/,
    );
  });
});
