import { KafkaWireError } from '../errors.js';
import { ClientClosedError } from '../net/errors.js';
import type { ApiCodec, Complete } from '../protocol/api.js';
import { KafkaProtocolError, kafkaErrorFor } from '../protocol/errors.js';
import type { CoordinatorKeyType } from '../protocol/find-coordinator.js';
import { type BrokerChannel, Coordinators } from './coordinator.js';
import { TransactionAbortableError, TransactionFatalError, TransactionStateError } from './errors.js';
import { reactionTo } from './transaction-reactions.js';
import type { TransactionStateMachine } from './transaction-state.js';

// Requests to a transaction or group coordinator, sent until an answer settles them: the coordinator is looked
// up again (FindCoordinator) after NOT_COORDINATOR, COORDINATOR_NOT_AVAILABLE or a dropped connection;
// COORDINATOR_LOAD_IN_PROGRESS and CONCURRENT_TRANSACTIONS (the previous transaction still completing) are
// retried after a backoff, from every request, AddOffsetsToTxn included. Codes that retrying cannot help move the
// state machine to ABORTABLE_ERROR or FATAL_ERROR and reject with the error users see.
//
// @locality: event loop.

/** Produce, TxnOffsetCommit and EndTxn versions a transactions-v1 cluster understands. */
export const TRANSACTIONS_V1_MAX_VERSION = { produce: 11, txnOffsetCommit: 4, endTxn: 4 } as const;

/** Try the request again, after looking the coordinator up again ('lookup') or not. */
export interface Retry {
  retry: 'backoff' | 'lookup';
  error: Error;
  /** Overrides the usual retry backoff. */
  backoffMs?: number;
}

/** A response's verdict: the result, or try again. */
export type Verdict<T> = { done: T } | Retry;

/** Whose coordinator a request goes to. */
export interface Target {
  keyType: CoordinatorKeyType;
  key: string;
}

/** Where in a request an error code was answered, for its message. */
export interface ErrorPlace {
  group?: string;
  topic?: string;
  partition?: number;
}

export interface CoordinatorRequestsOptions {
  transactionalId: string;
  channel: BrokerChannel;
  retryBackoff: { backoff(attempts: number): number };
  machine: TransactionStateMachine;
  /** UNKNOWN_PRODUCER_ID or INVALID_PRODUCER_ID_MAPPING answered: the abort must get a new epoch. */
  onProducerIdLost: (code: number) => void;
}

export class CoordinatorRequests {
  private readonly options: CoordinatorRequestsOptions;
  private readonly coordinators: Coordinators;
  private closed = false;
  private readonly sleeps = new Set<{ timer: NodeJS.Timeout; wake: () => void }>();

  constructor(options: CoordinatorRequestsOptions) {
    this.options = options;
    this.coordinators = new Coordinators(options.channel);
  }

  /**
   * Sends a request to `target`'s coordinator until `judge` accepts the answer: looks the coordinator up again
   * when it moved or its connection dropped, backs off before each retry. A judge throws (after moving the
   * state to ABORTABLE_ERROR or FATAL_ERROR) when retrying cannot help.
   */
  async send<Req extends object, Res extends object, T>(
    target: Target,
    api: ApiCodec<Req, Res>,
    build: (version: number) => Req,
    maxVersion: number | undefined,
    judge: (response: Complete<Res>, version: number) => Verdict<T>,
  ): Promise<T> {
    const { machine } = this.options;
    for (let attempt = 0; ; attempt++) {
      this.throwIfStopped();
      let verdict: Verdict<T>;
      try {
        const nodeId = await this.coordinators.find(target.keyType, target.key);
        this.throwIfStopped();
        const { response, version } = await this.options.channel.request(nodeId, api, build, maxVersion);
        verdict = judge(response, version);
      } catch (error) {
        if (machine.state === 'FATAL_ERROR' && machine.lastError !== null) throw machine.lastError;
        if (this.closed) throw closedError(api.name);
        verdict = this.judgeFailure(error, api.name, target);
      }
      if ('done' in verdict) return verdict.done;
      if (verdict.retry === 'lookup') this.coordinators.invalidate(target.keyType, target.key);
      await this.sleep(verdict.backoffMs ?? this.options.retryBackoff.backoff(attempt));
    }
  }

  /** What an error code from `api` means: a retry verdict, or (thrown) the abortable or fatal error it causes. */
  react(code: number, api: string, where: ErrorPlace = {}): Retry {
    const { machine } = this.options;
    const error = kafkaErrorFor(code, { api, transactionalId: this.options.transactionalId, ...where });
    switch (reactionTo(code)) {
      case 'lookup':
        return { retry: 'lookup', error };
      case 'retry':
        return { retry: 'backoff', error };
      case 'fenced':
        throw machine.fence(error);
      case 'abortable-bump':
        this.options.onProducerIdLost(code);
        throw machine.abortable(error);
      case 'abortable':
        throw machine.abortable(error);
      default:
        throw machine.fail(error);
    }
  }

  /** Stops every request loop; requests pending or sent later reject with ClientClosedError. */
  close(): void {
    this.closed = true;
    for (const sleep of this.sleeps) {
      clearTimeout(sleep.timer);
      sleep.wake();
    }
    this.sleeps.clear();
  }

  /** A request that failed without an answer, or a lookup's error: retry, or move the state on and throw. */
  private judgeFailure(error: unknown, api: string, target: Target): Retry {
    if (
      error instanceof TransactionAbortableError ||
      error instanceof TransactionFatalError ||
      error instanceof TransactionStateError
    ) {
      throw error;
    }
    if (error instanceof KafkaProtocolError) {
      // From FindCoordinator: the coordinator is not there yet, or we may not look it up.
      return this.react(
        error.code,
        'FindCoordinator',
        target.keyType === 'group' ? { group: target.key } : {},
      );
    }
    if (error instanceof KafkaWireError && error.retriable) {
      // Java looks the coordinator up again after a disconnect: it may have moved with the broker.
      return { retry: 'lookup', error };
    }
    throw this.options.machine.fail(
      error instanceof Error ? error : new KafkaWireError(String(error)),
      `${api} to the coordinator of ${target.keyType === 'group' ? 'group' : 'transactional id'} '${target.key}' failed`,
    );
  }

  private throwIfStopped(): void {
    this.options.machine.throwIfFatal();
    if (this.closed) throw closedError('transactional request');
  }

  private sleep(ms: number): Promise<void> {
    return new Promise((resolve) => {
      const entry = {
        timer: setTimeout(() => {
          this.sleeps.delete(entry);
          resolve();
        }, ms),
        wake: resolve,
      };
      this.sleeps.add(entry);
    });
  }
}

function closedError(what: string): ClientClosedError {
  return new ClientClosedError(
    `The producer was closed while a ${what} was pending; the transaction's outcome is decided by the coordinator (an open transaction is aborted after transactionTimeoutMs).`,
  );
}
