import { KafkaWireError } from '../errors.js';
import { ExponentialBackoff } from '../net/backoff.js';
import { NetworkError } from '../net/errors.js';
import type { ConnectionPool } from '../net/pool.js';
import { KafkaErrorCode, kafkaErrorFor } from '../protocol/errors.js';
import {
  type PartitionProduceResponse,
  ProduceApi,
  type ProduceRequest,
  type ProduceResponse,
  type TopicProduceData,
} from '../protocol/produce.js';
import { ZERO_UUID } from '../protocol/uuid.js';
import {
  CompressionWorkerPool,
  compressesOnEventLoop,
  type EncodeOptions,
  encodeRecordBatch,
  incrementSequence,
  RECORD_BATCH_OVERHEAD,
  stampProducerState,
} from '../records/index.js';
import { deliver, type PendingRecord, ProducerBatch, type RecordAccumulator } from './accumulator.js';
import type { ResolvedProducerConfig } from './config.js';
import { DeliveryTimeoutError, ProduceError } from './errors.js';
import type { IdempotenceState, ProducerIdAndEpoch } from './idempotence.js';
import type { MetadataCache } from './metadata.js';

// The sender turns ready batches into Produce requests, one per leader broker carrying every ready
// partition of that broker, and settles each record from the response. Failures are sorted the way Java's
// Sender sorts them: retriable errors go back to the head of their partition's queue after a backoff (and
// a metadata refresh when the leader may have moved), oversized batches are split, everything else fails
// just the records concerned. Every retry stays inside the batch's delivery deadline.
//
// @locality: event loop; `run` is re-entrant-safe because it only schedules async sends.

interface BatchState {
  encoded: Uint8Array | null;
  /** The first encoding while it runs (started early for a batch waiting behind one in flight). */
  encoding: Promise<void> | null;
  /** The producer stamp `encoded` carries, so a re-stamped retry patches the bytes instead of re-encoding. */
  stampedProducerId: bigint;
  stampedEpoch: number;
  stampedSequence: number;
  lastError: unknown;
}

export interface SenderOptions {
  config: ResolvedProducerConfig;
  accumulator: RecordAccumulator;
  metadata: MetadataCache;
  pool: ConnectionPool;
  now: () => number;
  /** Present when idempotence is on. */
  idempotence?: IdempotenceState | undefined;
  /** Gets a producer id and epoch (InitProducerId); required with `idempotence`. */
  initProducerId?: (() => Promise<ProducerIdAndEpoch>) | undefined;
}

export class Sender {
  private readonly config: ResolvedProducerConfig;
  private readonly accumulator: RecordAccumulator;
  private readonly metadata: MetadataCache;
  private readonly pool: ConnectionPool;
  private readonly now: () => number;
  private readonly retryBackoff: ExponentialBackoff;
  private readonly states = new WeakMap<ProducerBatch, BatchState>();
  private readonly inFlightPerNode = new Map<number, number>();
  // KIP-219: a broker enforcing a quota answers at once with ThrottleTimeMs (Produce v6+) and expects no
  // further request from this client until that time has passed (older versions hold the answer back
  // themselves). Java mutes the connection likewise.
  private readonly throttledUntil = new Map<number, number>();
  // Per node, settles once the latest produce() has handed its request to the connection (or failed before).
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
  private readonly idempotence: IdempotenceState | undefined;
  private readonly initProducerId: (() => Promise<ProducerIdAndEpoch>) | undefined;
  private initializing = false;
  private initFailures = 0;
  private initRetryAtMs = 0;
  // lz4, snappy and WASM zstd compress large batches in a worker thread (started on first use) rather
  // than on the event loop; gzip and native zstd use libuv's thread pool already.
  private readonly encodeOptions: EncodeOptions;

  constructor(options: SenderOptions) {
    this.config = options.config;
    this.accumulator = options.accumulator;
    this.metadata = options.metadata;
    this.pool = options.pool;
    this.now = options.now;
    this.idempotence = options.idempotence;
    this.initProducerId = options.initProducerId;
    this.retryBackoff = new ExponentialBackoff({
      initialMs: this.config.retryBackoffMs,
      maxMs: this.config.retryBackoffMaxMs,
    });
    this.encodeOptions = compressesOnEventLoop(this.config.compressionType)
      ? { compressionPool: new CompressionWorkerPool() }
      : {};
  }

  /** Terminates the compression workers (batches still compressing finish on the event loop). */
  async closeCompression(): Promise<void> {
    await this.encodeOptions.compressionPool?.close();
  }

  /** Asks for a pass over the accumulator soon (coalesced: many appends, one pass). */
  wakeup(): void {
    if (this.scheduled || this.stopped) return;
    this.scheduled = true;
    setImmediate(() => {
      this.scheduled = false;
      this.run();
    });
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
    if (!this.idempotenceReady()) {
      // Waiting for InitProducerId's answer or for in-flight batches before a bump: their completion wakes
      // us. Only a backed-off InitProducerId retry and the delivery deadlines need a timer.
      const idem = this.idempotence!;
      const retryIn =
        idem.fatal === null && idem.current === null && !this.initializing
          ? this.initRetryAtMs - this.now()
          : Number.POSITIVE_INFINITY;
      this.scheduleTimer(Math.min(retryIn, this.accumulator.nextDeadlineMs() - this.now()));
      return;
    }

    const { ready, blocked, nextReadyInMs } = this.accumulator.ready();
    this.encodeAhead(blocked);
    const byLeader = new Map<number, ProducerBatch[]>();
    let needMetadata = false;
    for (const batch of ready) {
      if (!this.mayStamp(batch)) continue;
      const leader = this.metadata.topic(batch.topic)?.partitions[batch.partition]?.leaderId ?? -1;
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
          this.assignSequence(batch);
        }
        this.inFlightPerNode.set(nodeId, inFlight + 1);
        void this.produce(nodeId, chosen).finally(() => {
          this.inFlightPerNode.set(nodeId, (this.inFlightPerNode.get(nodeId) ?? 1) - 1);
          for (const batch of chosen) this.inFlightBatches.delete(batch);
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

  /**
   * With idempotence, nothing is drained without a producer id, after a fatal error, or while an epoch
   * bump waits for in-flight batches to resolve (their outcome decides which sequences were written).
   */
  private idempotenceReady(): boolean {
    const idem = this.idempotence;
    if (idem === undefined) return true;
    const fatal = idem.fatal;
    if (fatal !== null) {
      for (const batch of this.accumulator.allBatches()) if (!batch.inFlight) this.fail(batch, fatal);
      return false;
    }
    if (idem.epochBumpPending) {
      if (this.accumulator.inFlightCount() > 0) return false;
      // Everything in flight resolved, so the broker's view of every sequence is settled: bump now.
      const rewrite = idem.bumpEpoch();
      // The partitions with the gap renumber their waiting batches from 0 under the new epoch; the others
      // keep their stamps (a retry must be resent unchanged to be deduplicated). With a new producer id
      // (epoch exhausted) every partition starts over.
      for (const batch of this.accumulator.allBatches()) {
        if (rewrite === null || rewrite.has(partitionKey(batch))) batch.baseSequence = -1;
      }
      if (rewrite === null) this.initFailures = 0;
    }
    if (idem.current !== null) return true;
    if (!this.initializing && this.now() >= this.initRetryAtMs) this.fetchProducerId(idem);
    return false;
  }

  private fetchProducerId(idem: IdempotenceState): void {
    this.initializing = true;
    this.initProducerId!()
      .then(
        (identity) => {
          this.initFailures = 0;
          idem.setIdentity(identity);
        },
        (error: unknown) => {
          if (error instanceof KafkaWireError && (error.fatal || !error.retriable)) {
            idem.failFatally(
              new KafkaWireError(
                `The idempotent producer could not get a producer id: ${error.message} Fix the cause (e.g. grant IdempotentWrite on the cluster) or set enableIdempotence: false.`,
                { fatal: true, cause: error },
              ),
            );
          } else {
            this.initRetryAtMs = this.now() + this.retryBackoff.backoff(this.initFailures++);
          }
        },
      )
      .finally(() => {
        this.initializing = false;
        this.wakeup();
      });
  }

  /** Stamps producer id, epoch and the partition's next sequences on a batch's first drain. */
  private assignSequence(batch: ProducerBatch): void {
    const identity = this.idempotence?.current;
    if (identity === null || identity === undefined || batch.baseSequence >= 0) return;
    batch.producerId = identity.producerId;
    batch.producerEpoch = identity.producerEpoch;
    batch.baseSequence = this.idempotence!.assign(partitionKey(batch), batch.recordCount);
  }

  /**
   * A new batch of a partition that still counts under an older epoch waits until nothing of that partition
   * is outstanding (in flight, or stamped and waiting for a retry); then the partition restarts at 0 under
   * the current epoch. Batches already stamped always go, unchanged.
   */
  private mayStamp(batch: ProducerBatch): boolean {
    const idem = this.idempotence;
    if (idem === undefined || batch.baseSequence >= 0 || idem.isCurrent(partitionKey(batch))) return true;
    return !this.accumulator.hasOutstanding(batch.topic, batch.partition);
  }

  /** A batch with a sequence will never be written: later sequences would leave a gap, so bump the epoch. */
  private noteGap(batch: ProducerBatch): void {
    const idem = this.idempotence;
    if (idem === undefined || batch.baseSequence < 0) return;
    const key = partitionKey(batch);
    if (idem.matches(key, batch.producerId, batch.producerEpoch)) idem.requestEpochBump(key);
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
    const last = this.state(batch).lastError;
    const reason = last instanceof Error ? ` Last error: ${last.message}` : '';
    // A batch that had a sequence leaves a gap the broker would refuse later batches for.
    this.noteGap(batch);
    this.accumulator.remove(batch);
    batch.fail(
      new DeliveryTimeoutError(
        batch.topic,
        batch.partition,
        `Expiring ${batch.recordCount} record(s) for ${batch.topic}-${batch.partition}: ${this.now() - batch.createdMs} ms have passed since the batch was created, more than deliveryTimeoutMs (${this.config.deliveryTimeoutMs}).${note}${reason}`,
        last,
      ),
    );
  }

  /** True (and the partition unmuted) when the batch settled while its request was out: ignore the answer. */
  private abandoned(batch: ProducerBatch): boolean {
    if (!batch.isSettled) return false;
    this.accumulator.release(batch);
    return true;
  }

  private state(batch: ProducerBatch): BatchState {
    let state = this.states.get(batch);
    if (state === undefined) {
      state = {
        encoded: null,
        encoding: null,
        stampedProducerId: -1n,
        stampedEpoch: -1,
        stampedSequence: -1,
        lastError: undefined,
      };
      this.states.set(batch, state);
    }
    return state;
  }

  private async encode(batch: ProducerBatch): Promise<Uint8Array> {
    const state = this.state(batch);
    // Encoding is a pure function of the batch, so a retry could re-encode; keeping the bytes saves
    // compressing twice.
    if (state.encoded === null) {
      state.encoding ??= this.encodeFirst(batch, state);
      try {
        await state.encoding;
      } catch (error) {
        state.encoding = null;
        throw error;
      }
    }
    const encoded = state.encoded!;
    if (
      state.stampedProducerId !== batch.producerId ||
      state.stampedEpoch !== batch.producerEpoch ||
      state.stampedSequence !== batch.baseSequence
    ) {
      // Encoded early (before it had a sequence) or resequenced after an epoch bump: patch the header (and
      // CRC) rather than compress again.
      stampProducerState(encoded, {
        producerId: batch.producerId,
        producerEpoch: batch.producerEpoch,
        baseSequence: batch.baseSequence,
      });
      state.stampedProducerId = batch.producerId;
      state.stampedEpoch = batch.producerEpoch;
      state.stampedSequence = batch.baseSequence;
    }
    return encoded;
  }

  private async encodeFirst(batch: ProducerBatch, state: BatchState): Promise<void> {
    const stamp = {
      producerId: batch.producerId,
      producerEpoch: batch.producerEpoch,
      baseSequence: batch.baseSequence,
    };
    const encoded = await encodeRecordBatch(
      {
        compression: this.config.compressionType,
        ...(this.config.compressionLevel === undefined
          ? {}
          : { compressionLevel: this.config.compressionLevel }),
        ...stamp,
        records: batch.records,
      },
      this.encodeOptions,
    );
    this.accumulator.observeCompression(batch, encoded.length);
    state.encoded = encoded;
    state.stampedProducerId = stamp.producerId;
    state.stampedEpoch = stamp.producerEpoch;
    state.stampedSequence = stamp.baseSequence;
  }

  /**
   * Compresses full batches that wait only for their partition's in-flight slot, so they leave the moment it
   * frees instead of compressing then (Java compresses as records are appended, with the same effect). A
   * failure here is forgotten: the send encodes again and reports it.
   */
  private encodeAhead(batches: readonly ProducerBatch[]): void {
    if (this.config.compressionType === 'none') return;
    for (const batch of batches) {
      const state = this.state(batch);
      if (state.encoded === null && state.encoding === null) void this.encode(batch).catch(() => undefined);
    }
  }

  private async produce(nodeId: number, batches: ProducerBatch[]): Promise<void> {
    let version: number;
    let useTopicIds: boolean;
    let sent: Promise<ProduceResponse | undefined>;
    const previousTurn = this.writeTurns.get(nodeId);
    let endTurn!: () => void;
    const turn = new Promise<void>((resolve) => {
      endTurn = resolve;
    });
    this.writeTurns.set(nodeId, turn);
    try {
      const connection = await this.pool.get(nodeId, 'produce');
      const encoded = await Promise.all(batches.map((batch) => this.encode(batch)));
      await previousTurn;
      const topicIds = new Map<string, string | null>();
      for (const batch of batches)
        topicIds.set(batch.topic, this.metadata.topic(batch.topic)?.topicId ?? null);
      version = connection.versionFor(ProduceApi);
      // Produce v13 names topics by id only; fall back to v12 unless every topic's id is known.
      useTopicIds = version >= 13 && [...topicIds.values()].every((id) => id !== null && id !== ZERO_UUID);
      if (version >= 13 && !useTopicIds) version = 12;

      const topicData = new Map<string, TopicProduceData>();
      batches.forEach((batch, i) => {
        let entry = topicData.get(batch.topic);
        if (entry === undefined) {
          entry = useTopicIds
            ? { topicId: topicIds.get(batch.topic)!, partitionData: [] }
            : { name: batch.topic, partitionData: [] };
          topicData.set(batch.topic, entry);
        }
        entry.partitionData.push({ index: batch.partition, records: encoded[i]! });
      });
      const request: ProduceRequest = {
        transactionalId: null,
        acks: this.config.acks,
        timeoutMs: this.config.requestTimeoutMs,
        topicData: [...topicData.values()],
      };
      sent =
        this.config.acks === 0
          ? connection.request(ProduceApi, request, { version, expectResponse: false })
          : connection.request(ProduceApi, request, { version, timeoutMs: this.config.requestTimeoutMs });
    } catch (error) {
      for (const batch of batches) this.handleFailure(batch, error);
      return;
    } finally {
      endTurn();
      if (this.writeTurns.get(nodeId) === turn) this.writeTurns.delete(nodeId);
    }

    let response: ProduceResponse | undefined;
    try {
      response = await sent;
    } catch (error) {
      for (const batch of batches) this.handleFailure(batch, error);
      return;
    }
    if (this.config.acks === 0 || response === undefined) {
      for (const batch of batches) this.succeed(batch, -1n, -1n);
      return;
    }
    if ((response.throttleTimeMs ?? 0) > 0 && version >= 6) {
      this.throttledUntil.set(nodeId, this.now() + response.throttleTimeMs!);
    }
    this.handleResponse(batches, response, useTopicIds);
  }

  private handleResponse(batches: ProducerBatch[], response: ProduceResponse, byTopicId: boolean): void {
    const byPartition = new Map<string, PartitionProduceResponse>();
    for (const topic of response.responses) {
      const key = byTopicId ? topic.topicId : topic.name;
      for (const p of topic.partitionResponses) byPartition.set(`${key}\u0000${p.index}`, p);
    }
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
    for (const batch of batches) {
      if (this.abandoned(batch)) continue;
      const key = byTopicId ? this.metadata.topic(batch.topic)?.topicId : batch.topic;
      const result = byPartition.get(`${key}\u0000${batch.partition}`);
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
        this.succeed(batch, result.baseOffset, result.logAppendTimeMs ?? -1n);
        continue;
      }
      if (this.idempotence !== undefined && this.handleSequenceError(batch, result.errorCode)) continue;
      const error = kafkaErrorFor(result.errorCode, { topic: batch.topic, partition: batch.partition });
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
        this.split(batch);
        continue;
      }
      const message = result.errorMessage
        ? `${error.message} Broker says: ${result.errorMessage}`
        : error.message;
      this.handleFailure(batch, error, { message, recordErrors: result.recordErrors, leaderHinted });
    }
  }

  /**
   * The idempotent producer's own errors, handled as Java does. Returns true when the batch was dealt with.
   *  - DUPLICATE_SEQUENCE_NUMBER: the broker has the batch already (older than the 5 it remembers offsets
   *    for): success, offset unknown.
   *  - OUT_OF_ORDER_SEQUENCE_NUMBER / UNKNOWN_PRODUCER_ID: if an earlier batch of the partition is still
   *    unresolved, this one simply came too early: retry after it. If this batch is the next one expected,
   *    the broker lost our state (or a batch was lost): bump the epoch, restart sequences, retry.
   *  - INVALID_PRODUCER_EPOCH: this batch fails; the epoch is bumped for the ones after it.
   */
  private handleSequenceError(batch: ProducerBatch, code: number): boolean {
    const idem = this.idempotence!;
    if (code === KafkaErrorCode.DUPLICATE_SEQUENCE_NUMBER) {
      this.succeed(batch, -1n, -1n);
      return true;
    }
    if (code === KafkaErrorCode.OUT_OF_ORDER_SEQUENCE_NUMBER || code === KafkaErrorCode.UNKNOWN_PRODUCER_ID) {
      const key = partitionKey(batch);
      if (
        idem.matches(key, batch.producerId, batch.producerEpoch) &&
        batch.baseSequence === idem.nextExpected(key)
      ) {
        idem.requestEpochBump(key);
      }
      const error = kafkaErrorFor(code, { topic: batch.topic, partition: batch.partition });
      this.handleFailure(batch, error, { retriable: true });
      return true;
    }
    if (code === KafkaErrorCode.INVALID_PRODUCER_EPOCH) idem.requestEpochBump(partitionKey(batch));
    return false;
  }

  private succeed(batch: ProducerBatch, baseOffset: bigint, logAppendTimeMs: bigint): void {
    if (this.abandoned(batch)) return;
    if (this.idempotence !== undefined && batch.baseSequence >= 0) {
      this.idempotence.acknowledge(
        partitionKey(batch),
        batch.producerId,
        batch.producerEpoch,
        batch.baseSequence,
        batch.recordCount,
      );
    }
    this.accumulator.release(batch);
    this.accumulator.remove(batch);
    batch.complete(baseOffset, logAppendTimeMs);
  }

  /**
   * Splits a batch the broker found too large into two halves, sent in order; no attempt is counted. With
   * idempotence the halves keep the original's sequence range (first half from its base sequence), so
   * batches drained after it stay valid, as Java does.
   */
  private split(batch: ProducerBatch): void {
    this.accumulator.resetCompressionEstimate(batch.topic);
    const half = Math.ceil(batch.recordCount / 2);
    const parts = [batch.records.slice(0, half), batch.records.slice(half)].map((records, i) => {
      const part = new ProducerBatch(batch.topic, batch.partition, batch.createdMs, batch.deadlineMs);
      part.baseTimestamp = records[0]!.timestamp;
      part.closed = true;
      if (batch.baseSequence >= 0) {
        part.producerId = batch.producerId;
        part.producerEpoch = batch.producerEpoch;
        part.baseSequence = i === 0 ? batch.baseSequence : incrementSequence(batch.baseSequence, half);
      }
      // Sizes depend on deltas within the batch; for readiness only the fact that they are closed matters.
      part.sizeInBytes =
        RECORD_BATCH_OVERHEAD + records.reduce((sum: number, r: PendingRecord) => sum + r.size, 0);
      part.records.push(...records);
      return part;
    });
    this.accumulator.release(batch);
    this.accumulator.replace(batch, parts);
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
    const state = this.state(batch);
    state.lastError = error;
    const wire = error instanceof KafkaWireError ? error : undefined;
    // Java asks for metadata only when the response did not already say where the partition went.
    if (wire?.refreshMetadata && !options.leaderHinted) this.refreshMetadata();
    if (wire?.fatal && this.idempotence !== undefined) this.idempotence.failFatally(wire);
    const retriable = options.retriable ?? wire?.retriable === true;
    const canRetry =
      retriable && batch.attempts <= this.config.retries && this.now() < batch.deadlineMs && !this.stopped;
    if (canRetry) {
      batch.retryAtMs = this.now() + this.retryBackoff.backoff(batch.attempts - 1);
      this.accumulator.release(batch);
      return;
    }
    const errorName = (wire as { errorName?: string } | undefined)?.errorName ?? wire?.name ?? 'Error';
    const base = message ?? (error instanceof Error ? error.message : String(error));
    const why =
      retriable && batch.attempts > this.config.retries
        ? ` Gave up after ${batch.attempts} attempt(s) (retries = ${this.config.retries}).`
        : '';
    if (recordErrors !== undefined && recordErrors.length > 0) {
      // Produce v8+: the broker named the records it refused; the rest of the batch failed with them.
      const perRecord = new Map(recordErrors.map((e) => [e.batchIndex, e.batchIndexErrorMessage ?? null]));
      this.noteGap(batch);
      this.accumulator.release(batch);
      this.accumulator.remove(batch);
      batch.records.forEach((record, index) => {
        const specific = perRecord.get(index);
        const text =
          specific === undefined
            ? `Record of ${batch.topic}-${batch.partition} was not written because another record in its batch was refused: ${base}`
            : `Record ${index} of its batch was refused by ${batch.topic}-${batch.partition}: ${specific ?? base}`;
        deliver(
          record.callback,
          new ProduceError(batch.topic, batch.partition, errorName, text, error),
          null,
        );
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
    this.noteGap(batch);
    this.accumulator.release(batch);
    this.accumulator.remove(batch);
    batch.fail(error);
  }
}

/** Sequence numbers are kept per partition. */
function partitionKey(batch: ProducerBatch): string {
  return `${batch.topic}\u0000${batch.partition}`;
}
