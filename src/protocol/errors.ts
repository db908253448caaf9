// Kafka's error codes as typed errors that say what happened and what to do.
//
// The facts (code, name, Java's message, whether Java retries it, whether it refreshes metadata) are
// generated from Kafka's own Errors enum into error-table.generated.ts. Two things are our policy and live
// here: which errors are fatal for a producer (the ones Java's TransactionManager and Sender treat as fatal:
// after PRODUCER_FENCED, UNSUPPORTED_VERSION, CLUSTER_AUTHORIZATION_FAILED, TRANSACTIONAL_ID_AUTHORIZATION_FAILED
// or INVALID_PRODUCER_ID_MAPPING the producer can only be closed), and the advice added to the most common
// producer errors. Codes we do not know are fatal: we cannot tell whether retrying is safe.
//
// Authorization failures become an AuthorizationError that names the ACL to grant, since the fix is always on
// the broker side: an operation on a resource for the client's principal.

import { KafkaWireError } from '../errors.js';
import { JAVA_ERRORS, KAFKA_VERSION_OF_ERROR_TABLE } from './error-table.generated.js';

export { KAFKA_VERSION_OF_ERROR_TABLE } from './error-table.generated.js';

export type KafkaErrorName = keyof typeof JAVA_ERRORS;

export interface KafkaErrorEntry {
  readonly code: number;
  readonly name: KafkaErrorName;
  /** Kafka's own description (Errors.message()). */
  readonly message: string;
  /** Java's client retries it (the exception extends RetriableException). */
  readonly retriable: boolean;
  /** Java's client refreshes metadata before retrying (the exception extends InvalidMetadataException). */
  readonly refreshMetadata: boolean;
  /** The producer cannot continue after it: close it and fix the cause. */
  readonly fatal: boolean;
  /** The Java exception class, for searching Kafka's documentation and sources. */
  readonly javaException: string;
  /** What to do about it. */
  readonly advice: string;
}

/** Errors after which a producer cannot go on (Java's TransactionManager makes them fatal). */
const FATAL: ReadonlySet<KafkaErrorName> = new Set<KafkaErrorName>([
  'CLUSTER_AUTHORIZATION_FAILED',
  'UNSUPPORTED_VERSION',
  'INVALID_PRODUCER_ID_MAPPING',
  'TRANSACTIONAL_ID_AUTHORIZATION_FAILED',
  'PRODUCER_FENCED',
]);

/** Advice for the errors a producer meets; the rest get advice from their flags. */
const ADVICE: Partial<Record<KafkaErrorName, string>> = {
  UNKNOWN_SERVER_ERROR:
    'The broker failed in a way it could not classify; its log has the stack trace. Not retried, since the outcome is unknown.',
  CORRUPT_MESSAGE:
    'Retried. If it persists, the record batch bytes are invalid (CRC or size): report it to kafka-wire with the codec in use.',
  UNKNOWN_TOPIC_OR_PARTITION:
    'The topic does not exist (create it, or enable auto.create.topics.enable on the brokers) or the metadata is stale. The producer refreshes metadata and retries until the delivery timeout.',
  LEADER_NOT_AVAILABLE:
    'A leader election is in progress. The producer refreshes metadata and retries; if it lasts, check the brokers of this partition.',
  NOT_LEADER_OR_FOLLOWER:
    'Leadership moved to another broker. The producer refreshes metadata (or uses the new leader from the response) and retries.',
  REQUEST_TIMED_OUT:
    'The broker did not complete the request within its timeout (TimeoutMs, e.g. waiting for replicas with acks=all). Retried; with idempotence enabled retries cannot duplicate records.',
  BROKER_NOT_AVAILABLE: 'The broker is not available; check that it is running and reachable.',
  MESSAGE_TOO_LARGE:
    "A record batch is larger than the broker (message.max.bytes) or topic (max.message.bytes) accepts. Batches of several records are split and resent; a single record this large fails: send smaller records or raise the limits (and the producer's maxRequestSize).",
  NETWORK_EXCEPTION:
    'The broker lost a connection while handling the request. Retried after a metadata refresh.',
  INVALID_TOPIC_EXCEPTION:
    'The topic name is invalid (allowed: letters, digits, ".", "_", "-", at most 249 characters) or it is an internal topic that cannot be written to.',
  RECORD_LIST_TOO_LARGE:
    "The batch is larger than the topic's segment size (segment.bytes); use smaller batches or raise segment.bytes.",
  NOT_ENOUGH_REPLICAS:
    'Fewer replicas are in sync than min.insync.replicas requires for acks=all, so nothing was written. Retried; if it lasts, check the health of the brokers.',
  NOT_ENOUGH_REPLICAS_AFTER_APPEND:
    'The records were written to the leader but not to enough in-sync replicas. Retried; without idempotence a retry may duplicate them.',
  INVALID_REQUIRED_ACKS: 'acks must be 0, 1 or -1 (all).',
  TOPIC_AUTHORIZATION_FAILED:
    'The client principal may not write to this topic: grant it WRITE (and DESCRIBE) on the topic with an ACL.',
  CLUSTER_AUTHORIZATION_FAILED:
    'The client principal lacks a cluster-level permission the request needs (IDEMPOTENT_WRITE for idempotent producers on brokers before 3.0): grant it with an ACL, or disable idempotence.',
  INVALID_TIMESTAMP:
    'A record timestamp is outside what the topic accepts (message.timestamp.before.max.ms / after.max.ms; since Kafka 4.0 more than 1 hour in the future is rejected). Check the clock and the timestamps you pass.',
  UNSUPPORTED_SASL_MECHANISM: 'Pick a SASL mechanism the broker enables (its sasl.enabled.mechanisms).',
  ILLEGAL_SASL_STATE:
    'The SASL exchange went out of order; reconnecting starts it over. Report it to kafka-wire if it repeats.',
  UNSUPPORTED_VERSION:
    'The broker does not support the request version that was sent: API version negotiation went wrong, or the broker is older than Kafka 2.1 (not supported). Report it to kafka-wire with the broker version.',
  INVALID_REQUEST:
    'The broker could not accept the request as sent; its log says why. This points to a kafka-wire bug or an unsupported broker: report it with the broker version.',
  UNSUPPORTED_FOR_MESSAGE_FORMAT:
    "The topic's message format is too old for this request (e.g. message.format.version below 0.11 for idempotent or transactional writes).",
  OUT_OF_ORDER_SEQUENCE_NUMBER:
    'The broker expected another sequence number from this producer: an earlier batch was lost. The producer resolves it by resetting its sequence (epoch bump); if it reaches you, records may have been lost.',
  DUPLICATE_SEQUENCE_NUMBER:
    'The broker already has this batch (a retry after a lost response); the producer treats it as delivered.',
  INVALID_PRODUCER_EPOCH:
    'A newer epoch of this producer id exists. The idempotent producer bumps its epoch and fails the batch; a transactional producer must abort the transaction.',
  INVALID_TXN_STATE:
    'The transactional request does not fit the state of the transaction on the coordinator.',
  INVALID_PRODUCER_ID_MAPPING:
    'The producer id is no longer assigned to this transactional id (it expired): close the producer and create a new one.',
  INVALID_TRANSACTION_TIMEOUT:
    "The transaction timeout exceeds the brokers' transaction.max.timeout.ms: lower it or raise that setting.",
  CONCURRENT_TRANSACTIONS:
    'The previous transaction of this producer is still completing. Retried after a backoff.',
  TRANSACTIONAL_ID_AUTHORIZATION_FAILED:
    'The client principal may not use this transactional id: grant it WRITE and DESCRIBE on the transactional id with an ACL.',
  KAFKA_STORAGE_ERROR:
    'A disk holding this partition failed on the broker. Retried after a metadata refresh (leadership should move).',
  SASL_AUTHENTICATION_FAILED: 'Check the SASL mechanism, username and password (or token) the client uses.',
  UNKNOWN_PRODUCER_ID:
    'The broker has no state for this producer id any more (its records were removed by retention). The producer resets its sequences and retries.',
  FENCED_LEADER_EPOCH:
    'The partition has a newer leader epoch than the client knew. Retried after a metadata refresh.',
  UNKNOWN_LEADER_EPOCH: 'The broker has not caught up with the leader epoch yet. Retried after a backoff.',
  UNSUPPORTED_COMPRESSION_TYPE:
    'The broker or Produce version does not allow this codec: zstd needs Kafka 2.1+ and Produce v7+. Use another codec or upgrade the brokers.',
  INVALID_RECORD:
    'The broker rejected records of the batch (for example a null key on a compacted topic); the response names them (recordErrors, errorMessage).',
  THROTTLING_QUOTA_EXCEEDED: 'A broker quota was exceeded; retried after a backoff.',
  PRODUCER_FENCED:
    'Another producer with the same transactional id has started, so this one is fenced: close it. Only one producer per transactional id may run at a time.',
  UNKNOWN_TOPIC_ID:
    'The broker does not know this topic id (the topic may have been deleted or recreated). Retried after a metadata refresh.',
  INCONSISTENT_TOPIC_ID:
    "The topic id does not match the broker's log (the topic was recreated). Retried after a metadata refresh.",
  TRANSACTIONAL_ID_NOT_FOUND: 'The coordinator has no transaction state for this transactional id.',
  TRANSACTION_ABORTABLE: 'The transaction cannot commit: abort it, then begin a new one.',
  REBOOTSTRAP_REQUIRED:
    "The client's metadata is too stale to refresh incrementally: reconnect to the bootstrap servers and fetch metadata again.",
};

function adviceFromFlags(retriable: boolean, refreshMetadata: boolean, fatal: boolean): string {
  if (fatal) return 'The producer cannot continue: close it and fix the cause.';
  if (retriable && refreshMetadata) {
    return 'Usually transient: refresh metadata and retry (the producer does this until its delivery timeout).';
  }
  if (retriable)
    return 'Usually transient: retry after a backoff (the producer does this until its delivery timeout).';
  return 'Retrying the same request will not help: fix the cause (the broker log has details).';
}

function buildTable(): ReadonlyMap<number, KafkaErrorEntry> {
  const table = new Map<number, KafkaErrorEntry>();
  for (const name of Object.keys(JAVA_ERRORS) as KafkaErrorName[]) {
    const java = JAVA_ERRORS[name];
    const fatal = FATAL.has(name);
    const flagsAdvice = adviceFromFlags(java.retriable, java.refreshMetadata, fatal);
    const advice = ADVICE[name];
    table.set(java.code, {
      code: java.code,
      name,
      message: java.message,
      retriable: java.retriable && !fatal,
      refreshMetadata: java.refreshMetadata,
      fatal,
      javaException: java.javaException,
      advice: advice === undefined ? flagsAdvice : fatal ? `${advice} ${flagsAdvice}` : advice,
    });
  }
  return table;
}

/** Every error code Kafka defines (except NONE), by code. */
export const KAFKA_ERRORS: ReadonlyMap<number, KafkaErrorEntry> = buildTable();

/** Error codes by name: `KafkaErrorCode.NOT_LEADER_OR_FOLLOWER === 6`. NONE is 0. */
export const KafkaErrorCode: { readonly [K in KafkaErrorName]: (typeof JAVA_ERRORS)[K]['code'] } & {
  readonly NONE: 0;
} = Object.freeze(
  Object.fromEntries([['NONE', 0], ...[...KAFKA_ERRORS.values()].map((e) => [e.name, e.code])]),
) as never;

/** The table entry for `code`, or undefined when Kafka (as of KAFKA_VERSION_OF_ERROR_TABLE) has no such code. */
export function kafkaErrorEntry(code: number): KafkaErrorEntry | undefined {
  return KAFKA_ERRORS.get(code);
}

/** Where an error code came from; all optional, used to make the message specific. */
export interface KafkaErrorContext {
  /** The API whose response carried the code, e.g. `Produce`. */
  api?: string;
  topic?: string;
  partition?: number;
  /** The broker's own error message when the response has one (e.g. Produce v8+ ErrorMessage). */
  brokerMessage?: string | null;
  /** The consumer group a request named (TxnOffsetCommit, AddOffsetsToTxn). */
  group?: string;
  /** The producer's transactional id, for transactional requests. */
  transactionalId?: string;
}

/** " from Produce for topic "t" partition 3": where a code came from, for messages. */
function describeOrigin(context: KafkaErrorContext): string {
  return (
    (context.api === undefined ? '' : ` from ${context.api}`) +
    (context.topic === undefined ? '' : ` for topic ${JSON.stringify(context.topic)}`) +
    (context.partition === undefined ? '' : ` partition ${context.partition}`)
  );
}

/** A Kafka error code from a broker response, with the flags that say what the caller can do. */
export class KafkaProtocolError extends KafkaWireError {
  override name = 'KafkaProtocolError';
  readonly code: number;
  /** Kafka's name for the code (e.g. `NOT_LEADER_OR_FOLLOWER`), or `UNKNOWN_ERROR_CODE`. */
  readonly errorName: KafkaErrorName | 'UNKNOWN_ERROR_CODE';
  readonly api: string | undefined;
  readonly topic: string | undefined;
  readonly partition: number | undefined;
  readonly brokerMessage: string | undefined;

  constructor(code: number, context: KafkaErrorContext = {}) {
    const entry = KAFKA_ERRORS.get(code);
    const where = describeOrigin(context);
    const broker = context.brokerMessage ? ` Broker says: ${context.brokerMessage}` : '';
    const message =
      entry === undefined
        ? `Kafka error code ${code}${where} is unknown to kafka-wire (its table comes from Kafka ${KAFKA_VERSION_OF_ERROR_TABLE}): the broker is newer than this kafka-wire or the response is corrupt.${broker} Treated as fatal because retrying it might not be safe; upgrade kafka-wire.`
        : `${entry.name} (${code})${where}: ${entry.message}${broker} ${entry.advice}`;
    super(message, {
      retriable: entry?.retriable ?? false,
      refreshMetadata: entry?.refreshMetadata ?? false,
      fatal: entry?.fatal ?? true,
    });
    this.code = code;
    this.errorName = entry?.name ?? 'UNKNOWN_ERROR_CODE';
    this.api = context.api;
    this.topic = context.topic;
    this.partition = context.partition;
    this.brokerMessage = context.brokerMessage ?? undefined;
  }
}

/** The ACL a refused request lacked: Kafka's operation and resource type names, as kafka-acls.sh spells them. */
export interface MissingAcl {
  readonly operation: 'WRITE' | 'DESCRIBE' | 'READ' | 'IDEMPOTENT_WRITE' | 'CLUSTER_ACTION';
  readonly resourceType: 'TOPIC' | 'CLUSTER' | 'GROUP' | 'TRANSACTIONAL_ID';
  /** The topic, group or transactional id; 'kafka-cluster' for the cluster. */
  readonly resourceName: string | undefined;
}

const AUTHORIZATION_CODES = new Set<number>([
  JAVA_ERRORS.TOPIC_AUTHORIZATION_FAILED.code,
  JAVA_ERRORS.CLUSTER_AUTHORIZATION_FAILED.code,
  JAVA_ERRORS.GROUP_AUTHORIZATION_FAILED.code,
  JAVA_ERRORS.TRANSACTIONAL_ID_AUTHORIZATION_FAILED.code,
]);

/** Which ACL each authorization failure asks for, given the request that met it. */
function missingAcl(code: number, context: KafkaErrorContext): MissingAcl {
  switch (code) {
    case JAVA_ERRORS.TOPIC_AUTHORIZATION_FAILED.code:
      // Produce needs WRITE; Metadata (and everything that only looks a topic up) needs DESCRIBE.
      return {
        operation: context.api === 'Produce' ? 'WRITE' : 'DESCRIBE',
        resourceType: 'TOPIC',
        resourceName: context.topic,
      };
    case JAVA_ERRORS.GROUP_AUTHORIZATION_FAILED.code:
      return { operation: 'READ', resourceType: 'GROUP', resourceName: context.group };
    case JAVA_ERRORS.TRANSACTIONAL_ID_AUTHORIZATION_FAILED.code:
      return { operation: 'WRITE', resourceType: 'TRANSACTIONAL_ID', resourceName: context.transactionalId };
    default:
      // CLUSTER_AUTHORIZATION_FAILED: what a producer meets is InitProducerId without a transactional id, which
      // brokers before 3.0 (and 3.x without WRITE on any topic) authorize by IDEMPOTENT_WRITE on the cluster.
      return { operation: 'IDEMPOTENT_WRITE', resourceType: 'CLUSTER', resourceName: 'kafka-cluster' };
  }
}

function describeAcl(acl: MissingAcl): string {
  const resource =
    acl.resourceType === 'CLUSTER'
      ? 'the cluster'
      : `${acl.resourceType === 'TRANSACTIONAL_ID' ? 'transactional id' : acl.resourceType.toLowerCase()} ` +
        (acl.resourceName === undefined ? '(the one requested)' : `'${acl.resourceName}'`);
  const alsoDescribe = acl.operation === 'WRITE' ? ' (and DESCRIBE)' : '';
  const orDisable =
    acl.resourceType === 'CLUSTER' ? ', or disable idempotence (enableIdempotence: false)' : '';
  return (
    `grant ${acl.operation}${alsoDescribe} on ${resource} to the client's principal ` +
    `(kafka-acls.sh --add --allow-principal User:<name> --operation ${acl.operation} ...)${orDisable}`
  );
}

/**
 * The broker refused a request because the client's principal lacks an ACL: TOPIC_, CLUSTER_, GROUP_ or
 * TRANSACTIONAL_ID_AUTHORIZATION_FAILED. The message (and `acl`) says which ACL to grant; retrying without that
 * grant cannot help.
 */
export class AuthorizationError extends KafkaProtocolError {
  override name = 'AuthorizationError';
  readonly acl: MissingAcl;

  constructor(code: number, context: KafkaErrorContext = {}) {
    super(code, context);
    this.acl = missingAcl(code, context);
    const broker = context.brokerMessage ? ` Broker says: ${context.brokerMessage}` : '';
    const where = describeOrigin(context);
    const fatal = this.fatal
      ? ' The producer cannot continue: close it, grant the ACL, and start a new one.'
      : '';
    this.message = `${this.errorName} (${code})${where}: the client's principal is not authorized.${broker} To fix it, ${describeAcl(this.acl)}.${fatal}`;
  }
}

/**
 * The typed error for a non-zero Kafka error code (unknown codes give a fatal error that says so);
 * authorization failures are AuthorizationErrors. Code 0 (NONE) is not an error; passing it is a bug, reported
 * as a TypeError.
 */
export function kafkaErrorFor(code: number, context?: KafkaErrorContext): KafkaProtocolError {
  if (code === 0) throw new TypeError('kafkaErrorFor(0): error code 0 (NONE) means success, not an error');
  return AUTHORIZATION_CODES.has(code)
    ? new AuthorizationError(code, context)
    : new KafkaProtocolError(code, context);
}

/** Throws the typed error when `code` is non-zero. */
export function throwIfKafkaError(code: number, context?: KafkaErrorContext): void {
  if (code !== 0) throw kafkaErrorFor(code, context);
}
