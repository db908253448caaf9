import { EndTxnApi } from '../protocol/end-txn.js';
import { KafkaErrorCode } from '../protocol/errors.js';
import { InitProducerIdApi } from '../protocol/init-producer-id.js';
import {
  type CoordinatorRequests,
  type Target,
  TRANSACTIONS_V1_MAX_VERSION,
  type Verdict,
} from './coordinator-requests.js';
import { TransactionStateError } from './errors.js';
import type { ProducerIdAndEpoch } from './idempotence.js';

// The transactional producer's id and epoch, and their recovery after a failure (KIP-360 / KIP-588): under
// transactions v1 a failed record may leave a gap in a partition's sequences, or the coordinator may have lost
// our id, so the abort ends with InitProducerId carrying the current id and epoch, which bumps the epoch (and
// fences older producers) without a new id. Under v2 (KIP-890) EndTxn v5 answers with the epoch the coordinator
// bumped for the next transaction.
//
// @locality: event loop.

/** From this InitProducerId version the request carries the current producer id and epoch (KIP-360 bump). */
const INIT_PRODUCER_ID_BUMP_VERSION = 3;

export interface TransactionIdentityOptions {
  transactionalId: string;
  transactionTimeoutMs: number;
  /** The transaction coordinator's key. */
  target: Target;
  requests: CoordinatorRequests;
  /** The producer id and epoch records are written with from now on. */
  setIdentity: (identity: ProducerIdAndEpoch) => void;
}

export class TransactionIdentity {
  private readonly options: TransactionIdentityOptions;
  private identity: ProducerIdAndEpoch | null = null;
  /** Transactions v1: a failure left sequences unusable; the abort bumps the epoch with InitProducerId. */
  private epochBumpRequired = false;
  /** INVALID_PRODUCER_ID_MAPPING: the coordinator refuses EndTxn for our id, the abort goes straight to the bump. */
  private skipEndTxn = false;

  constructor(options: TransactionIdentityOptions) {
    this.options = options;
  }

  /** The id and epoch now, or null before the first InitProducerId answered. */
  get value(): ProducerIdAndEpoch | null {
    return this.identity;
  }

  /** The id and epoch now, for a request; throws before initTransactions(). */
  current(): ProducerIdAndEpoch {
    const identity = this.identity;
    if (identity === null)
      throw new TransactionStateError('No producer id yet: call initTransactions() first.');
    return { producerId: identity.producerId, producerEpoch: identity.producerEpoch };
  }

  /** A failure left this epoch's sequences unusable (transactions v1): the abort bumps it. */
  requireEpochBump(): void {
    this.epochBumpRequired = true;
  }

  /** The coordinator answered UNKNOWN_PRODUCER_ID or INVALID_PRODUCER_ID_MAPPING. */
  producerIdLost(code: number): void {
    this.epochBumpRequired = true;
    if (code === KafkaErrorCode.INVALID_PRODUCER_ID_MAPPING) this.skipEndTxn = true;
  }

  /** Whether ending the transaction may send EndTxn (an abort skips it when the coordinator lost our id). */
  endTxnAllowed(commit: boolean): boolean {
    return !(this.skipEndTxn && !commit);
  }

  /** Whether the transaction's end needs InitProducerId: an abort that owes the bump, or no id at all yet. */
  initNeeded(commit: boolean, transactionsV2: boolean): boolean {
    // v2's EndTxn bumped the epoch already; an initTransactions() that failed abortably never got an id.
    return (!commit && this.epochBumpRequired && !transactionsV2) || this.identity === null;
  }

  /** The transaction ended: nothing is owed any more. */
  settled(): void {
    this.epochBumpRequired = false;
    this.skipEndTxn = false;
  }

  /**
   * InitProducerId for the transactional id; with `bump` it carries the current id and epoch (an abort's
   * epoch bump). `beforeSet` runs once the coordinator answered, before the records take the new identity.
   */
  async initProducerId(bump: boolean, beforeSet: () => void = () => undefined): Promise<void> {
    const { transactionalId, transactionTimeoutMs } = this.options;
    const current = bump ? this.current() : null;
    const identity = await this.options.requests.send(
      this.options.target,
      InitProducerIdApi,
      (version) =>
        current !== null && version >= INIT_PRODUCER_ID_BUMP_VERSION
          ? { transactionalId, transactionTimeoutMs, ...current }
          : { transactionalId, transactionTimeoutMs },
      undefined,
      (response): Verdict<ProducerIdAndEpoch> =>
        response.errorCode === 0
          ? { done: { producerId: response.producerId, producerEpoch: response.producerEpoch } }
          : this.options.requests.react(response.errorCode, 'InitProducerId'),
    );
    beforeSet();
    this.set(identity);
  }

  /** EndTxn; under v5 the coordinator's answer carries the epoch (or a new id) for the next transaction. */
  async endTxn(commit: boolean, transactionsV2: boolean): Promise<void> {
    const { transactionalId, requests } = this.options;
    const next = await requests.send(
      this.options.target,
      EndTxnApi,
      () => ({ transactionalId, ...this.current(), committed: commit }),
      transactionsV2 ? undefined : TRANSACTIONS_V1_MAX_VERSION.endTxn,
      (response, version): Verdict<ProducerIdAndEpoch | null> => {
        if (response.errorCode !== 0) return requests.react(response.errorCode, 'EndTxn');
        return {
          done:
            version >= 5 && response.producerId >= 0n
              ? { producerId: response.producerId, producerEpoch: response.producerEpoch }
              : null,
        };
      },
    );
    if (next !== null) this.set(next);
  }

  private set(identity: ProducerIdAndEpoch): void {
    this.identity = identity;
    this.options.setIdentity(identity);
  }
}
