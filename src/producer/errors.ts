import { KafkaWireError } from '../errors.js';
import type { RecordMetadata } from './producer-batch.js';

// Every error the producer layer raises itself (network and broker errors come from src/net and
// src/protocol). Each says what happened and what to do about it.

/** A setting that cannot work. Fatal: fix the options and create the producer again. */
export class ProducerConfigError extends KafkaWireError {
  override name = 'ProducerConfigError';
  constructor(
    readonly option: string,
    message: string,
    cause?: unknown,
  ) {
    super(`Invalid producer option '${option}': ${message}`, { fatal: true, cause });
  }
}

/** A record the caller got wrong. Not retriable: fix the record. */
export class InvalidRecordError extends KafkaWireError {
  override name = 'InvalidRecordError';
  constructor(message: string) {
    super(message, { retriable: false });
  }
}

/** A record bigger than maxRequestSize: it can never be sent as configured. */
export class RecordTooLargeError extends KafkaWireError {
  override name = 'RecordTooLargeError';
  constructor(message: string) {
    super(message, { retriable: false });
  }
}

/**
 * A record found no room in bufferMemory within maxBlockMs: records are produced faster than the brokers
 * take them. Retriable: send it again later, slow down (await `waitForRoom()` when `produce()` returns
 * false), or raise bufferMemory or maxBlockMs.
 */
export class BufferExhaustedError extends KafkaWireError {
  override name = 'BufferExhaustedError';
  constructor(message: string) {
    super(message, { retriable: true });
  }
}

/** Records sent with `produce()` and no callback failed; `flush()`/`close()` report them with this. */
export class UndeliveredRecordsError extends KafkaWireError {
  override name = 'UndeliveredRecordsError';
  constructor(
    /** How many records failed since the last report. */
    readonly count: number,
    /** The first of their errors. */
    readonly firstError: Error,
  ) {
    super(
      `${count} record(s) produced without a callback could not be delivered. First error: ${firstError.message} Pass a callback to produce() (or use send()) to learn the outcome of each record.`,
      { retriable: false, cause: firstError },
    );
  }
}

/** A topic the cluster does not have (and would not create) within `maxBlockMs`. */
export class TopicNotAvailableError extends KafkaWireError {
  override name = 'TopicNotAvailableError';
  constructor(
    readonly topic: string,
    message: string,
    cause?: unknown,
  ) {
    super(message, { retriable: false, cause });
  }
}

/** A record that could not be delivered within deliveryTimeoutMs. */
export class DeliveryTimeoutError extends KafkaWireError {
  override name = 'DeliveryTimeoutError';
  constructor(
    readonly topic: string,
    readonly partition: number,
    message: string,
    cause?: unknown,
  ) {
    super(message, { retriable: false, cause });
  }
}

/** The broker refused a record for good; carries Kafka's error name, the topic and the partition. */
export class ProduceError extends KafkaWireError {
  override name = 'ProduceError';
  constructor(
    readonly topic: string,
    readonly partition: number,
    readonly errorName: string,
    message: string,
    cause: unknown,
  ) {
    super(message, { retriable: false, cause });
  }
}

/**
 * A transactional method called in a state that does not allow it (send() outside a transaction, commit without
 * begin, two begins, another method while one is still running): a bug in the calling code, as Java's
 * IllegalStateException. The transaction itself is unaffected.
 */
export class TransactionStateError extends KafkaWireError {
  override name = 'TransactionStateError';
  constructor(message: string) {
    super(message, { retriable: false });
  }
}

/**
 * The transaction cannot commit (a record failed, the coordinator said TRANSACTION_ABORTABLE, an ACL is missing,
 * the consumer group moved on): call `abortTransaction()`, then begin a new transaction. Everything but abort
 * rejects with this until then.
 */
export class TransactionAbortableError extends KafkaWireError {
  override name = 'TransactionAbortableError';
  constructor(message: string, cause?: unknown) {
    super(message, { retriable: false, cause });
  }
}

/** A record of a transaction that was aborted before it reached the broker (Java's TransactionAbortedException). */
export class TransactionAbortedError extends KafkaWireError {
  override name = 'TransactionAbortedError';
  constructor(message: string, cause?: unknown) {
    super(message, { retriable: false, cause });
  }
}

/**
 * The transactional producer cannot go on (not authorized for its transactional id, an error the coordinator
 * should never send, a broker too old): close it, fix the cause, create a new one. Every later call rejects
 * with this.
 */
export class TransactionFatalError extends KafkaWireError {
  override name = 'TransactionFatalError';
  constructor(message: string, cause?: unknown) {
    super(message, { fatal: true, cause });
  }
}

/**
 * Another producer started with the same transactional id (PRODUCER_FENCED, or INVALID_PRODUCER_EPOCH from a
 * coordinator): this one is a zombie and may not write again. Close it.
 */
export class ProducerFencedError extends TransactionFatalError {
  override name = 'ProducerFencedError';
}

/**
 * A transactional method did not finish within maxBlockMs (coordinator unavailable, earlier records still being
 * delivered). The operation goes on in the background: call the same method again to keep waiting for it.
 */
export class TransactionTimeoutError extends KafkaWireError {
  override name = 'TransactionTimeoutError';
  constructor(message: string) {
    super(message, { retriable: true });
  }
}

/**
 * A record's send was cancelled through its AbortSignal before it left for the broker (`name` is 'AbortError'
 * and `code` 'ABORT_ERR', as Node's own cancellable APIs say; `cause` is the signal's reason). Nothing of it
 * was written; its buffer space is free again.
 */
export class AbortError extends KafkaWireError {
  override name = 'AbortError';
  readonly code = 'ABORT_ERR';
  constructor(message: string, reason: unknown) {
    super(message, { retriable: false, cause: reason });
  }
}

/**
 * Some records of one `sendBatch()` call were not delivered. Nothing is lost: `results[i]` is where record i
 * was written (undefined if it failed) and `errors[i]` why it failed (undefined if it was delivered), in
 * input order; `cause` is the error of the first record (by index) that failed. Retriable when every
 * failure is.
 */
export class SendBatchError extends KafkaWireError {
  override name = 'SendBatchError';
  constructor(
    /** How many records of the call failed. */
    readonly failedCount: number,
    /** Per input index: where the record was written, when it was delivered. */
    readonly results: Array<RecordMetadata | undefined>,
    /** Per input index: why the record failed, when it did. */
    readonly errors: Array<Error | undefined>,
    /** Topics of the failed records. */
    readonly topics: string[],
    firstError: Error,
  ) {
    super(
      `${failedCount} of ${results.length} record(s) of sendBatch() could not be delivered (topic${topics.length === 1 ? '' : 's'} ${topics.join(', ')}). First error: ${firstError.message} Every record's outcome is in error.results and error.errors by its index: the others were delivered; send the failed ones again if they should still go.`,
      {
        retriable: errors.every((e) => e === undefined || (e instanceof KafkaWireError && e.retriable)),
        cause: firstError,
      },
    );
  }
}
