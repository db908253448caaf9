import type { KafkaWireError } from '../errors.js';
import { type Logger, SILENT_LOGGER } from '../logger.js';
import {
  ProducerFencedError,
  TransactionAbortableError,
  TransactionFatalError,
  TransactionStateError,
} from './errors.js';

// The transactional producer's states and the moves between them, as Java's TransactionManager (transactional
// part):
//
//   UNINITIALIZED -initTransactions-> INITIALIZING -> READY -beginTransaction-> IN_TRANSACTION
//   IN_TRANSACTION -commitTransaction-> COMMITTING -> READY
//   IN_TRANSACTION | ABORTABLE_ERROR -abortTransaction-> ABORTING -> READY (or -> INITIALIZING -> READY when
//                                                        the epoch must be bumped first)
//   IN_TRANSACTION | COMMITTING -a record or request failed-> ABORTABLE_ERROR (only abort is allowed)
//   anything -fenced, not authorized, an answer that cannot be-> FATAL_ERROR (everything rejects)
//
// The state and the error that put it there change together, so both live here; entering FATAL_ERROR tells the
// owner (which stops its request loops).
//
// @locality: event loop.

export type TransactionState =
  | 'UNINITIALIZED'
  | 'INITIALIZING'
  | 'READY'
  | 'IN_TRANSACTION'
  | 'COMMITTING'
  | 'ABORTING'
  | 'ABORTABLE_ERROR'
  | 'FATAL_ERROR';

/**
 * The states each state may be entered from (Java's State.isTransitionValid). One addition: an abort that fails
 * with an abortable error returns to ABORTABLE_ERROR, so that it can be tried again (Java stays in ABORTING,
 * from which nothing but a fatal error leads on).
 */
const ENTERED_FROM: Record<TransactionState, readonly TransactionState[] | 'any'> = {
  UNINITIALIZED: ['READY', 'ABORTABLE_ERROR'],
  INITIALIZING: ['UNINITIALIZED', 'COMMITTING', 'ABORTING'],
  READY: ['INITIALIZING', 'COMMITTING', 'ABORTING'],
  IN_TRANSACTION: ['READY'],
  COMMITTING: ['IN_TRANSACTION'],
  ABORTING: ['IN_TRANSACTION', 'ABORTABLE_ERROR'],
  ABORTABLE_ERROR: ['IN_TRANSACTION', 'COMMITTING', 'ABORTABLE_ERROR', 'INITIALIZING', 'ABORTING'],
  FATAL_ERROR: 'any',
};

export function isTransitionValid(from: TransactionState, to: TransactionState): boolean {
  const sources = ENTERED_FROM[to];
  return sources === 'any' || sources.includes(from);
}

/** The state in words that fit "the producer is ...". */
export function describeState(state: TransactionState): string {
  switch (state) {
    case 'UNINITIALIZED':
      return 'not initialized (initTransactions() not called)';
    case 'INITIALIZING':
      return 'initializing (initTransactions() running)';
    case 'READY':
      return 'not in a transaction';
    case 'IN_TRANSACTION':
      return 'in a transaction';
    case 'COMMITTING':
      return 'committing a transaction';
    case 'ABORTING':
      return 'aborting a transaction';
    case 'ABORTABLE_ERROR':
      return 'in a transaction that must be aborted';
    default:
      return 'failed fatally';
  }
}

export class TransactionStateMachine {
  private stateNow: TransactionState = 'UNINITIALIZED';
  /** Why the transaction must be aborted (ABORTABLE_ERROR), or why nothing can go on (FATAL_ERROR). */
  private error: KafkaWireError | null = null;

  constructor(
    private readonly transactionalId: string,
    /** Called after every transition. */
    private readonly onTransition: () => void,
    /** Called once, on entering FATAL_ERROR. */
    private readonly onFatal: () => void,
    private readonly log: Logger = SILENT_LOGGER,
  ) {}

  get state(): TransactionState {
    return this.stateNow;
  }

  get lastError(): KafkaWireError | null {
    return this.error;
  }

  /** The transaction ended: the error that made it abortable is history. */
  clearError(): void {
    this.error = null;
  }

  transition(to: TransactionState): void {
    if (!isTransitionValid(this.stateNow, to)) {
      throw new TransactionStateError(
        `Invalid transaction state transition from ${this.stateNow} to ${to} (producer '${this.transactionalId}'): this is a kafka-wire bug, please report it.`,
      );
    }
    const from = this.stateNow;
    this.stateNow = to;
    // Every transaction passes through several states; only the failures are worth more than debug.
    const failed = to === 'ABORTABLE_ERROR' || to === 'FATAL_ERROR';
    this.log[to === 'FATAL_ERROR' ? 'error' : failed ? 'info' : 'debug'](
      { transactionalId: this.transactionalId, from, to, ...(failed ? { err: this.error } : {}) },
      'transaction state changed',
    );
    this.onTransition();
  }

  /** Moves to ABORTABLE_ERROR (kept during an abort already running) and returns the error users see. */
  abortable(cause: Error): TransactionAbortableError {
    const error =
      cause instanceof TransactionAbortableError
        ? cause
        : new TransactionAbortableError(
            `Transaction of '${this.transactionalId}' cannot commit: ${cause.message} Call abortTransaction(), then begin a new transaction.`,
            cause,
          );
    if (this.stateNow === 'ABORTABLE_ERROR' && this.error !== null) return error;
    if (this.stateNow === 'FATAL_ERROR') return error;
    this.error = error;
    this.transition('ABORTABLE_ERROR');
    return error;
  }

  fence(cause: Error): ProducerFencedError {
    const error = new ProducerFencedError(
      `Producer with transactional id '${this.transactionalId}' was fenced: another producer with the same transactional id has started (${cause.message}). This one can no longer write: close it. Run one producer per transactional id.`,
      cause,
    );
    this.enterFatal(error);
    return error;
  }

  fail(cause: Error, context?: string): TransactionFatalError {
    const error =
      cause instanceof TransactionFatalError
        ? cause
        : new TransactionFatalError(
            `Transactional producer '${this.transactionalId}' cannot continue: ${context === undefined ? '' : `${context}: `}${cause.message} Close it, fix the cause and create a new producer.`,
            cause,
          );
    this.enterFatal(error);
    return error;
  }

  throwIfFatal(): void {
    if (this.stateNow === 'FATAL_ERROR') throw this.error!;
  }

  throwIfNotInTransaction(method: string): void {
    this.throwIfFatal();
    const state = this.stateNow;
    if (state === 'ABORTABLE_ERROR') throw this.error!;
    if (state !== 'IN_TRANSACTION') {
      throw new TransactionStateError(
        `${method}() needs an open transaction, but the producer is ${describeState(state)}: call beginTransaction() first.`,
      );
    }
  }

  private enterFatal(error: TransactionFatalError): void {
    if (this.stateNow === 'FATAL_ERROR') return;
    this.error = error;
    this.transition('FATAL_ERROR');
    this.onFatal();
  }
}
