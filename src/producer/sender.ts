import { KafkaWireError } from '../errors.js';
import type { Logger } from '../logger.js';
import { ExponentialBackoff } from '../net/backoff.js';
import type { Connection } from '../net/connection.js';
import { AuthenticationError, NetworkError } from '../net/errors.js';
import type { ConnectionPool } from '../net/pool.js';
import { AuthorizationError, KafkaErrorCode, kafkaErrorFor } from '../protocol/errors.js';
import { ProduceApi, type ProduceResponse } from '../protocol/produce.js';
import type { RecordAccumulator } from './accumulator.js';
import type { BatchEncoder } from './batch-encoder.js';
import type { ResolvedProducerConfig } from './config.js';
import { DeliveryTimeoutError, ProduceError } from './errors.js';
import type { Idempotence } from './idempotence.js';
import type { MetadataCache } from './metadata.js';
import {
  buildProduceRequest,
  matchProduceResponse,
  type ProduceRequestPlan,
  REFERENCE_BATCHES_FROM,
} from './produce-request.js';
import type { ProducerBatch } from './producer-batch.js';
import type { ProducerMetrics } from './producer-metrics.js';
import type { TransactionManager } from './transaction-manager.js';

// The sender's drain loop: ready batches -> grouped by leader -> in-flight slots -> one Produce request per
// leader carrying every ready partition of that broker -> each record settled from the response. Failures
// are sorted the way Java's Sender sorts them: retriable errors go back to the head of their partition's
// queue after a backoff (and a metadata refresh when the leader may have moved), oversized batches are
// split, everything else fails just the records concerned. Every retry stays inside the batch's delivery
// deadline.
//
// @locality: event loop; `run` is re-entrant-safe because it only schedules async sends.

export interface SenderOptions {
  config: ResolvedProducerConfig;
  accumulator: RecordAccumulator;
  metadata: MetadataCache;
  pool: ConnectionPool;
  encoder: BatchEncoder;
  now: () => number;
  /** Present when idempotence is on. */
  idempotence?: Idempotence | undefined;
  /** Present for a transactional producer (idempotence is on then too). */
  transactions?: TransactionManager | undefined;
  /** Told of every Produce request, response, retry and failure. */
  metrics?: ProducerMetrics | undefined;
}

/** One Produce request's claim on its broker's in-flight room, given back once (`freeSlot`). */
interface RequestSlot {
  nodeId: number;
  batches: ProducerBatch[];
  freed: boolean;
}

/** A batch acknowledged by a response, whose records hear so once the next request is on its way. */
interface Acknowledged {
  batch: ProducerBatch;
  baseOffset: bigint;
  logAppendTimeMs: bigint;
}

/** A Produce request handed to the connection, and what its answer is read with. */
interface OutgoingProduce {
  plan: ProduceRequestPlan;
  sentMs: number;
  response: Promise<ProduceResponse | undefined>;
}

export class Sender {
  private readonly config: ResolvedProducerConfig;
  private readonly accumulator: RecordAccumulator;
  private readonly metadata: MetadataCache;
  private readonly pool: ConnectionPool;
  private readonly now: () => number;
  private readonly retryBackoff: ExponentialBackoff;
  private readonly inFlightPerNode = new Map<number, number>();
  // KIP-219: a broker enforcing a quota answers at once with ThrottleTimeMs (Produce v6+) and expects no
  // further request from this client until that time has passed (older versions hold the answer back
  // themselves). Java mutes the connection likewise.
  private readonly throttledUntil = new Map<number, number>();
  // Per node, settles once the latest sendRequest() has handed its request to the connection (or failed before).
  // Encoding is asynchronous (gzip and native zstd on libuv's thread pool, lz4/snappy/WASM zstd in a worker),
  // so a later request can be ready first; written first, it would put a partition's batches out of
  // sequence (OUT_OF_ORDER_SEQUENCE_NUMBER with idempotence, reordered records without). Requests are
  // written in the order run() created them.
  private readonly writeTurns = new Map<number, Promise<void>>();
  // Sent and not answered: Java expires these at their delivery deadline too, not when the answer comes.
  private readonly inFlightBatches = new Set<ProducerBatch>();
  private scheduled = false;
  private timer: NodeJS.Timeout | null = null;
  private timerAt = Number.POSITIVE_INFINITY;
  private refreshing = false;
  private stopped = false;
  private readonly idempotence: Idempotence | undefined;
  private readonly transactions: TransactionManager | undefined;
  private readonly encoder: BatchEncoder;
  private readonly log: Logger;
  private readonly metrics: ProducerMetrics | undefined;

  constructor(options: SenderOptions) {
    this.config = options.config;
    this.accumulator = options.accumulator;
    this.metadata = options.metadata;
    this.pool = options.pool;
    this.now = options.now;
    this.idempotence = options.idempotence;
    this.transactions = options.transactions;
    this.encoder = options.encoder;
    this.metrics = options.metrics;
    this.log = this.config.logger;
    this.retryBackoff = new ExponentialBackoff({
      initialMs: this.config.retryBackoffMs,
      maxMs: this.config.retryBackoffMaxMs,
    });
  }

  /**
   * A partition got a new batch: opens the produce connection to its leader now if there is none, so the
   * connection's handshake overlaps the wait for lingerMs, the producer id or a full batch instead of
   * starting when the batch is drained. At start-up the first batches waited ~15 ms longer for it (1M x 100 B:
   * the first records' latency, which is a run's p99).
   */
  connectLeader(topic: string, partition: number): void {
    const leader = this.leaderOf(topic, partition);
    if (leader < 0 || this.pool.readyConnection(leader, 'produce') !== undefined) return;
    // A failure here is the pool's to remember (reconnect backoff, lastConnectError); the drain reports it.
    this.pool.get(leader, 'produce').catch(() => undefined);
  }

  /** The partition's leader as the metadata knows it; -1 while there is none (or the topic is unknown). */
  private leaderOf(topic: string, partition: number): number {
    return this.metadata.topic(topic)?.partitions[partition]?.leaderId ?? -1;
  }

  /**
   * Asks for a pass over the accumulator soon (coalesced: many appends, one pass). Called for every record
   * appended: it must not create a closure, since a function that makes one (even on a branch it seldom
   * takes) allocates the closure's scope on every call (~40 bytes per record here).
   */
  wakeup(): void {
    if (this.scheduled || this.stopped) return;
    this.scheduled = true;
    setImmediate(this.runScheduled);
  }

  private readonly runScheduled = (): void => {
    this.scheduled = false;
    this.run();
  };

  /** Produce requests sent and not yet answered. */
  get requestsInFlight(): number {
    let count = 0;
    for (const n of this.inFlightPerNode.values()) count += n;
    return count;
  }

  stop(): void {
    this.stopped = true;
    if (this.timer !== null) clearTimeout(this.timer);
    this.timer = null;
  }

  private run(): void {
    if (this.stopped) return;
    this.failExpired();
    if (this.metadata.isStale()) this.refreshMetadata();
    const txn = this.transactions;
    if (txn !== undefined) {
      // A transaction that must abort (or is aborting) sends nothing new: batches without a sequence fail now;
      // those with one (retries) still go, so the broker's sequences stay whole (Java's abortUndrainedBatches).
      // A fenced producer sends nothing at all.
      const undrained = txn.undrainedError();
      if (undrained !== null) {
        if (txn.state === 'FATAL_ERROR') this.failQueued(undrained);
        else this.abortUnsequenced(undrained);
      }
    }
    const idem = this.idempotence;
    if (idem !== undefined) {
      // With idempotence nothing is drained without a producer id, after a fatal error, or while an epoch
      // bump waits for in-flight batches to resolve.
      const fatal = idem.fatal;
      if (fatal !== null) this.failQueued(fatal);
      else idem.advance();
      if (!idem.mayDrain) {
        // Waiting for InitProducerId's answer or for in-flight batches before a bump: their completion wakes
        // us. Only a backed-off InitProducerId retry and the delivery deadlines need a timer.
        this.scheduleTimer(Math.min(idem.initRetryInMs(), this.accumulator.nextDeadlineMs() - this.now()));
        return;
      }
    }

    const { ready, blocked, nextReadyInMs } = this.accumulator.ready();
    // Once compressed ahead a batch's bytes are fixed: an AbortSignal can no longer take records out of it.
    if (this.config.compressionType !== 'none') for (const batch of blocked) batch.sealed = true;
    this.encoder.encodeAhead(blocked);
    const byLeader = new Map<number, ProducerBatch[]>();
    let needMetadata = false;
    for (const batch of ready) {
      if (idem !== undefined && !idem.mayStamp(batch)) continue;
      // A transaction's partition is sent to only once its coordinator has it (AddPartitionsToTxn).
      if (txn !== undefined && !txn.isSendAllowed(batch.topic, batch.partition)) continue;
      const leader = this.leaderOf(batch.topic, batch.partition);
      if (leader < 0 || !this.metadata.brokers.has(leader)) {
        needMetadata = true;
        continue;
      }
      let list = byLeader.get(leader);
      if (list === undefined) {
        list = [];
        byLeader.set(leader, list);
      }
      list.push(batch);
    }
    if (needMetadata) this.refreshMetadata();

    let drained = false;
    let throttleEndsIn = Number.POSITIVE_INFINITY;
    for (const [nodeId, batches] of byLeader) {
      const throttleEnd = this.throttledUntil.get(nodeId);
      if (throttleEnd !== undefined) {
        if (throttleEnd > this.now()) {
          throttleEndsIn = Math.min(throttleEndsIn, throttleEnd - this.now());
          continue;
        }
        this.throttledUntil.delete(nodeId);
      }
      // One request per leader, up to maxRequestSize; the first batch always goes (it was size-checked on
      // append). What does not fit goes in further requests right away, while in-flight slots remain.
      let next = 0;
      while (next < batches.length) {
        const inFlight = this.inFlightPerNode.get(nodeId) ?? 0;
        if (inFlight >= this.config.maxInFlightRequestsPerConnection) break;
        const chosen: ProducerBatch[] = [];
        let size = 0;
        for (; next < batches.length; next++) {
          const batch = batches[next]!;
          // By the estimated compressed size, as Java's drain: the bytes are only known once encoded.
          const estimate = this.accumulator.estimatedSize(batch);
          if (chosen.length > 0 && size + estimate > this.config.maxRequestSize) break;
          size += estimate;
          chosen.push(batch);
        }
        drained = true;
        for (const batch of chosen) {
          this.accumulator.markInFlight(batch);
          this.inFlightBatches.add(batch);
          batch.attempts++;
          idem?.stamp(batch);
        }
        this.inFlightPerNode.set(nodeId, inFlight + 1);
        const slot: RequestSlot = { nodeId, batches: chosen, freed: false };
        void this.sendRequest(slot, this.now()).finally(() => {
          this.freeSlot(slot);
          this.wakeup();
        });
      }
    }

    // ready() offers one batch per partition; with room for more in flight (idempotence allows 5 per
    // partition) the next batch of a drained partition may go too, so look again until nothing leaves.
    if (drained) this.wakeup();

    // Metadata ages while the producer is idle too (Java refreshes it every metadata.max.age.ms regardless),
    // so the next record goes to the current leader and sees new partitions.
    const staleIn = this.refreshing ? Number.POSITIVE_INFINITY : this.metadata.staleInMs();
    this.scheduleTimer(
      Math.min(nextReadyInMs, this.accumulator.nextDeadlineMs() - this.now(), staleIn, throttleEndsIn),
    );
  }

  /** Fails every batch not at the broker (after a fatal error nothing more can be delivered). */
  private failQueued(error: Error): void {
    for (const batch of this.accumulator.allBatches()) if (!batch.inFlight) this.fail(batch, error);
  }

  /** Fails the batches never sent (no sequence yet): an aborted transaction will not take them. */
  abortUnsequenced(error: Error): void {
    for (const batch of this.accumulator.allBatches()) {
      if (!batch.inFlight && batch.baseSequence < 0) this.fail(batch, error);
    }
  }

  /** Keeps one timer for the next linger, backoff or delivery deadline, or metadata refresh. */
  private scheduleTimer(delay: number): void {
    if (!Number.isFinite(delay)) return;
    const at = this.now() + delay;
    if (this.timer === null || this.timerAt > at) {
      if (this.timer !== null) clearTimeout(this.timer);
      this.timerAt = at;
      this.timer = setTimeout(
        () => {
          this.timer = null;
          this.timerAt = Number.POSITIVE_INFINITY;
          this.run();
        },
        Math.max(0, delay),
      );
    }
    // With nothing pending, the timer only keeps metadata fresh: that alone must not keep the process alive.
    if (this.accumulator.recordsPending > 0) this.timer.ref();
    else this.timer.unref();
  }

  private refreshMetadata(): void {
    if (this.refreshing) return;
    this.refreshing = true;
    this.metadata
      .refresh()
      .catch(() => {
        // Failures are retried on the next pass; waiting batches fail at their delivery deadline.
      })
      .finally(() => {
        this.refreshing = false;
        this.wakeup();
      });
  }

  private failExpired(): void {
    for (const batch of this.accumulator.expired()) this.expire(batch, '');
    const now = this.now();
    for (const batch of this.inFlightBatches) {
      // The partition stays muted until the answer arrives (it is then ignored), so order is kept.
      if (!batch.isSettled && batch.deadlineMs <= now) {
        this.expire(batch, ' Its request was still in flight: the broker may or may not have written it.');
      }
    }
  }

  private expire(batch: ProducerBatch, note: string): void {
    const last = batch.lastError;
    // A batch waiting for a leader fails for what kept metadata from arriving (refused credentials, ACLs),
    // which its own last error cannot tell.
    const refresh = this.metadata.lastRefreshError;
    const reason =
      (last instanceof Error ? ` Last error: ${last.message}` : '') +
      (refresh === null ? '' : ` The last metadata refresh failed: ${refresh.message}`);
    // A batch that had a sequence leaves a gap the broker would refuse later batches for.
    this.idempotence?.noteGap(batch);
    this.accumulator.remove(batch);
    const error = new DeliveryTimeoutError(
      batch.topic,
      batch.partition,
      `Expiring ${batch.recordCount} record(s) for ${batch.topic}-${batch.partition}: ${this.now() - batch.createdMs} ms have passed since the batch was created, more than deliveryTimeoutMs (${this.config.deliveryTimeoutMs}).${note}${reason}`,
      last ?? refresh ?? undefined,
    );
    this.log.debug(
      { topic: batch.topic, partition: batch.partition, records: batch.recordCount, err: error },
      'batch expired',
    );
    this.transactions?.handleFailedBatch(error);
    this.metrics?.recordsFailed(batch.topic, batch.recordCount);
    batch.fail(error);
  }

  /** True (and the partition unmuted) when the batch settled while its request was out: ignore the answer. */
  private abandoned(batch: ProducerBatch): boolean {
    if (!batch.isSettled) return false;
    this.accumulator.release(batch);
    return true;
  }

  /** The request is answered (or failed): its broker has room for another, its batches are no longer out. */
  private freeSlot(slot: RequestSlot): void {
    if (slot.freed) return;
    slot.freed = true;
    this.inFlightPerNode.set(slot.nodeId, (this.inFlightPerNode.get(slot.nodeId) ?? 1) - 1);
    for (const batch of slot.batches) this.inFlightBatches.delete(batch);
  }

  /** Sends one Produce request carrying the slot's batches to its node, and settles them by its answer. */
  private sendRequest(slot: RequestSlot, drainedMs: number): Promise<void> {
    const { nodeId, batches } = slot;
    // With nothing earlier for this node still waiting to be written, its connection up and every batch's bytes
    // at hand (uncompressed, or compressed ahead), the request is written now, in the turn run() drained it:
    // no await between a ready batch and the socket. Otherwise it waits its turn.
    if (!this.writeTurns.has(nodeId)) {
      const connection = this.pool.readyConnection(nodeId, 'produce');
      const encoded = connection === undefined ? undefined : this.encodedNow(batches);
      if (encoded !== undefined) {
        let outgoing: OutgoingProduce;
        try {
          outgoing = this.writeProduce(connection!, batches, encoded, drainedMs);
        } catch (error) {
          for (const batch of batches) this.handleFailure(batch, error);
          return Promise.resolve();
        }
        return this.settleProduce(slot, drainedMs, outgoing);
      }
    }
    return this.settleProduce(slot, drainedMs, undefined);
  }

  /** Every batch's bytes if all exist now, else undefined. */
  private encodedNow(batches: readonly ProducerBatch[]): Uint8Array[] | undefined {
    const encoded: Uint8Array[] = [];
    for (const batch of batches) {
      const bytes = this.encoder.encodedNow(batch);
      if (bytes === undefined) return undefined;
      encoded.push(bytes);
    }
    return encoded;
  }

  /**
   * Settles the batches of `written` by its answer; without `written`, first writes their request once the
   * connection and the batches' bytes are ready and the node's earlier requests were written.
   */
  private async settleProduce(
    slot: RequestSlot,
    drainedMs: number,
    written: OutgoingProduce | undefined,
  ): Promise<void> {
    const { nodeId, batches } = slot;
    const outgoing = written ?? (await this.writeProduceInTurn(nodeId, batches, drainedMs));
    if (outgoing === undefined) return;
    let response: ProduceResponse | undefined;
    try {
      response = await outgoing.response;
    } catch (error) {
      for (const batch of batches) this.handleFailure(batch, error);
      return;
    }
    this.produceAnswered(slot, outgoing, response);
  }

  /** Writes the request in its turn; undefined when it failed before being written (its batches handled). */
  private async writeProduceInTurn(
    nodeId: number,
    batches: ProducerBatch[],
    drainedMs: number,
  ): Promise<OutgoingProduce | undefined> {
    const previousTurn = this.writeTurns.get(nodeId);
    let endTurn!: () => void;
    const turn = new Promise<void>((resolve) => {
      endTurn = resolve;
    });
    this.writeTurns.set(nodeId, turn);
    try {
      const connection = await this.pool.get(nodeId, 'produce');
      const encoded = await Promise.all(batches.map((batch) => this.encoder.encode(batch)));
      await previousTurn;
      return this.writeProduce(connection, batches, encoded, drainedMs);
    } catch (error) {
      for (const batch of batches) this.handleFailure(batch, error);
      return undefined;
    } finally {
      endTurn();
      if (this.writeTurns.get(nodeId) === turn) this.writeTurns.delete(nodeId);
    }
  }

  /** Builds the request and hands it to the connection (synchronously: written in this turn). */
  private writeProduce(
    connection: Connection,
    batches: ProducerBatch[],
    encoded: readonly Uint8Array[],
    drainedMs: number,
  ): OutgoingProduce {
    const cap = this.transactions?.maxProduceVersion;
    const brokerVersion = connection.versionFor(ProduceApi);
    const plan = buildProduceRequest(
      batches,
      encoded,
      this.topicIdOf,
      cap === undefined ? brokerVersion : Math.min(brokerVersion, cap),
      this.config.acks,
      this.config.requestTimeoutMs,
      this.config.transactionalId ?? null,
    );
    const { request, version } = plan;
    this.metrics?.produceRequestSent(batches, encoded, drainedMs);
    const sentMs = this.now();
    // The batches' bytes are written from their own buffers, not copied into the frame: they stay untouched
    // until this request settles (the response, or for acks=0 the flush).
    const response =
      this.config.acks === 0
        ? connection.request(ProduceApi, request, {
            version,
            expectResponse: false,
            referenceBytesFrom: REFERENCE_BATCHES_FROM,
          })
        : connection.request(ProduceApi, request, {
            version,
            timeoutMs: this.config.requestTimeoutMs,
            referenceBytesFrom: REFERENCE_BATCHES_FROM,
          });
    return { plan, sentMs, response };
  }

  /**
   * Settles a request's batches by its answer. The bookkeeping comes first and the records' callbacks last,
   * after the next request is drained: the broker has nothing of this producer to work on until that request
   * arrives, and where one batch per partition flies (without idempotence) it waited for a whole batch's
   * callbacks, and for the producer's caller they woke, before anything was sent.
   */
  private produceAnswered(
    slot: RequestSlot,
    { plan, sentMs }: OutgoingProduce,
    response: ProduceResponse | undefined,
  ): void {
    const { nodeId, batches } = slot;
    const acknowledged: Acknowledged[] = [];
    if (this.config.acks === 0 || response === undefined) {
      for (const batch of batches) this.succeed(batch, -1n, -1n, acknowledged);
    } else {
      this.metrics?.produceResponse(nodeId, this.now() - sentMs, response.throttleTimeMs ?? 0);
      if ((response.throttleTimeMs ?? 0) > 0 && plan.version >= 6) {
        this.throttledUntil.set(nodeId, this.now() + response.throttleTimeMs!);
        this.log.debug(
          { broker: nodeId, throttleMs: response.throttleTimeMs },
          'broker throttled produce requests (quota): none go to it until the throttle time is over',
        );
      }
      this.handleResponse(batches, response, plan, acknowledged);
    }
    this.freeSlot(slot);
    this.run();
    for (const { batch, baseOffset, logAppendTimeMs } of acknowledged)
      batch.complete(baseOffset, logAppendTimeMs);
  }

  private readonly topicIdOf = (topic: string): string | null => this.metadata.topic(topic)?.topicId ?? null;

  private handleResponse(
    batches: ProducerBatch[],
    response: ProduceResponse,
    plan: ProduceRequestPlan,
    acknowledged: Acknowledged[],
  ): void {
    const results = matchProduceResponse(batches, response, plan);
    const endpoints = (response.nodeEndpoints ?? []).map((e) => ({
      nodeId: e.nodeId,
      host: e.host,
      port: e.port,
      rack: e.rack ?? null,
    }));
    if (this.metadata.addBrokers(endpoints)) {
      // The pool connects by node id, so it must learn of a leader that only the hint named.
      this.pool.updateBrokers([...this.metadata.brokers.values()]);
    }
    for (let i = 0; i < batches.length; i++) {
      const batch = batches[i]!;
      if (this.abandoned(batch)) continue;
      const result = results[i];
      if (result === undefined) {
        this.handleFailure(
          batch,
          new NetworkError(
            `Broker's Produce response has no entry for ${batch.topic}-${batch.partition}; retrying.`,
          ),
        );
        continue;
      }
      if (result.errorCode === 0) {
        this.succeed(batch, result.baseOffset, result.logAppendTimeMs ?? -1n, acknowledged);
        continue;
      }
      const idem = this.idempotence;
      const judged = idem === undefined ? 'other' : idem.judgeProduceError(batch, result.errorCode);
      if (judged === 'duplicate') {
        this.succeed(batch, -1n, -1n, acknowledged);
        continue;
      }
      const error = kafkaErrorFor(result.errorCode, {
        api: 'Produce',
        topic: batch.topic,
        partition: batch.partition,
      });
      if (judged === 'retry') {
        this.handleFailure(batch, error, { retriable: true });
        continue;
      }
      const leader = result.currentLeader;
      let leaderHinted = false;
      if (error.refreshMetadata && leader !== undefined && (leader.leaderId ?? -1) >= 0) {
        // KIP-951: the broker told us who leads now; no need to wait for a metadata round trip.
        leaderHinted = this.metadata.applyLeaderHint(
          batch.topic,
          batch.partition,
          leader.leaderId!,
          leader.leaderEpoch ?? -1,
        );
      }
      if (
        (result.errorCode === KafkaErrorCode.MESSAGE_TOO_LARGE ||
          result.errorCode === KafkaErrorCode.RECORD_LIST_TOO_LARGE) &&
        batch.recordCount > 1
      ) {
        this.metrics?.batchSplit();
        this.accumulator.split(batch);
        continue;
      }
      const message = result.errorMessage
        ? `${error.message} Broker says: ${result.errorMessage}`
        : error.message;
      this.handleFailure(batch, error, { message, recordErrors: result.recordErrors, leaderHinted });
    }
  }

  /** The batch is written: out of the accumulator now, its records told later (`produceAnswered`). */
  private succeed(
    batch: ProducerBatch,
    baseOffset: bigint,
    logAppendTimeMs: bigint,
    acknowledged: Acknowledged[],
  ): void {
    if (this.abandoned(batch)) return;
    this.idempotence?.acknowledge(batch);
    this.accumulator.release(batch);
    this.accumulator.remove(batch);
    acknowledged.push({ batch, baseOffset, logAppendTimeMs });
  }

  private handleFailure(
    batch: ProducerBatch,
    error: unknown,
    options: {
      message?: string;
      recordErrors?: Array<{ batchIndex: number; batchIndexErrorMessage?: string | null }> | undefined;
      /** Overrides the error's own flag (sequence errors the idempotent producer knows how to retry). */
      retriable?: boolean;
      /** A KIP-951 hint already said where the partition went: no metadata refresh needed. */
      leaderHinted?: boolean;
    } = {},
  ): void {
    if (this.abandoned(batch)) return;
    const { message, recordErrors } = options;
    batch.lastError = error;
    const wire = error instanceof KafkaWireError ? error : undefined;
    // Java asks for metadata only when the response did not already say where the partition went.
    if (wire?.refreshMetadata && !options.leaderHinted) this.refreshMetadata();
    if (wire?.fatal && this.idempotence !== undefined) this.idempotence.failFatally(wire);
    if (wire?.fatal && this.transactions !== undefined) {
      // The record hears what every later call will (ProducerFencedError, TransactionFatalError).
      this.transactions.handleFailedBatch(wire);
      const fatal = this.transactions.undrainedError();
      if (fatal !== null) {
        this.fail(batch, fatal);
        return;
      }
    }
    const retriable = options.retriable ?? wire?.retriable === true;
    const canRetry =
      retriable && batch.attempts <= this.config.retries && this.now() < batch.deadlineMs && !this.stopped;
    if (canRetry) {
      const backoffMs = this.retryBackoff.backoff(batch.attempts - 1);
      batch.retryAtMs = this.now() + backoffMs;
      this.log.debug(
        {
          topic: batch.topic,
          partition: batch.partition,
          leader: this.metadata.topic(batch.topic)?.partitions[batch.partition]?.leaderId,
          error: errorNameOf(error),
          attempt: batch.attempts,
          backoffMs,
          records: batch.recordCount,
        },
        'retrying batch',
      );
      this.metrics?.recordsRetried(batch.topic, batch.recordCount);
      this.accumulator.release(batch);
      return;
    }
    if (error instanceof AuthenticationError || error instanceof AuthorizationError) {
      // Their messages say what to change (credentials, TLS, the ACL to grant) and callers catch them by type.
      this.fail(batch, error);
      return;
    }
    const errorName = errorNameOf(error);
    const base = message ?? (error instanceof Error ? error.message : String(error));
    const why =
      retriable && batch.attempts > this.config.retries
        ? ` Gave up after ${batch.attempts} attempt(s) (retries = ${this.config.retries}).`
        : '';
    if (recordErrors !== undefined && recordErrors.length > 0) {
      // Produce v8+: the broker named the records it refused; the rest of the batch failed with them.
      const perRecord = new Map(recordErrors.map((e) => [e.batchIndex, e.batchIndexErrorMessage ?? null]));
      this.idempotence?.noteGap(batch);
      this.transactions?.handleFailedBatch(
        error instanceof Error
          ? error
          : new ProduceError(batch.topic, batch.partition, errorName, base, error),
      );
      this.accumulator.release(batch);
      this.accumulator.remove(batch);
      this.metrics?.recordsFailed(batch.topic, batch.recordCount);
      batch.failEach((index) => {
        const specific = perRecord.get(index);
        const text =
          specific === undefined
            ? `Record of ${batch.topic}-${batch.partition} was not written because another record in its batch was refused: ${base}`
            : `Record ${index} of its batch was refused by ${batch.topic}-${batch.partition}: ${specific ?? base}`;
        return new ProduceError(batch.topic, batch.partition, errorName, text, error);
      });
      return;
    }
    this.fail(
      batch,
      new ProduceError(
        batch.topic,
        batch.partition,
        errorName,
        `Failed to write ${batch.recordCount} record(s) to ${batch.topic}-${batch.partition}: ${base}${why}`,
        error,
      ),
    );
  }

  private fail(batch: ProducerBatch, error: Error): void {
    this.log.debug(
      {
        topic: batch.topic,
        partition: batch.partition,
        records: batch.recordCount,
        attempt: batch.attempts,
        err: error,
      },
      'batch failed',
    );
    this.idempotence?.noteGap(batch);
    this.transactions?.handleFailedBatch(error);
    this.accumulator.release(batch);
    this.accumulator.remove(batch);
    this.metrics?.recordsFailed(batch.topic, batch.recordCount);
    batch.fail(error);
  }
}

/** Kafka's error name (NOT_LEADER_OR_FOLLOWER, ...), else the kafka-wire error's class name. */
function errorNameOf(error: unknown): string {
  if (!(error instanceof KafkaWireError)) return 'Error';
  return (error as { errorName?: string }).errorName ?? error.name;
}
