import { active, sendChannel } from '../diagnostics.js';
import { KafkaWireError } from '../errors.js';
import { ExponentialBackoff } from '../net/backoff.js';
import { ClientClosedError } from '../net/errors.js';
import { ConnectionPool } from '../net/pool.js';
import {
  RecordAbort,
  recordAborted,
  type SendOptions,
  SignalListeners,
  unlessAborted,
  whenAborted,
} from './abort.js';
import { RecordAccumulator } from './accumulator.js';
import { Admission } from './admission.js';
import { BatchEncoder } from './batch-encoder.js';
import { brokerChannel, requestMetadata, requestProducerId } from './cluster-requests.js';
import { type ProducerOptions, type ResolvedProducerConfig, resolveProducerConfig } from './config.js';
import {
  ProducerConfigError,
  TransactionAbortableError,
  TransactionStateError,
  UndeliveredRecordsError,
} from './errors.js';
import { Idempotence } from './idempotence.js';
import { checkInterceptors, Interceptors } from './interceptors.js';
import { MetadataCache, type TopicMetadata } from './metadata.js';
import { MetadataQueue } from './metadata-queue.js';
import { Partitioning } from './partitioning.js';
import {
  asCallback,
  type DeliveryCallback,
  deliver,
  type RecordMetadata,
  type SendResolve,
  SendSettlement,
  type Settlement,
} from './producer-batch.js';
import { type ProducerMetric, ProducerMetrics } from './producer-metrics.js';
import type { KeyValue, ProducerRecord } from './record-input.js';
import { type PreparedRecord, RecordPreparation } from './record-preparation.js';
import { sendBatch } from './send-batch.js';
import { traceSend } from './send-diagnostics.js';
import { Sender } from './sender.js';
import {
  type ConsumerGroupMetadata,
  TransactionManager,
  type TransactionOffset,
} from './transaction-manager.js';

// The producer's public API (send, produce, flush, close, waitForRoom): it takes each record through the
// modules that do the work, in order: preparation (validation, serialization, size checks), its topic's
// metadata, admission (bufferMemory), partitioning, the accumulator; the sender ships what is ready.

export interface CloseOptions {
  /** How long close() waits for records already accepted to be delivered. Default: until they settle. */
  timeoutMs?: number;
  /**
   * Stops waiting when aborted, as `timeoutMs` running out does: records not delivered yet are rejected
   * and the producer closes at once (Java's close(timeout)).
   */
  signal?: AbortSignal;
}

export interface FlushOptions {
  /** Stops waiting when aborted: flush() rejects with an AbortError; the records are still delivered. */
  signal?: AbortSignal;
}

export type { SendOptions };

/** What the callback of `producer.transaction()` may do inside its transaction. */
export type TransactionScope<K, V> = Pick<
  Producer<K, V>,
  'send' | 'sendBatch' | 'produce' | 'waitForRoom' | 'sendOffsetsToTransaction'
>;

/**
 * A Kafka producer. `send()` resolves once the broker has the record (as `acks` defines "has"), with the
 * partition and offset it was written at.
 *
 * ```ts
 * const producer = new Producer({ bootstrapServers: 'localhost:9092' });
 * const { partition, offset } = await producer.send({ topic: 'trucks', key: 'truck-1', value: '{"speed":42}' });
 * await producer.close();
 * ```
 */
export class Producer<K = KeyValue, V = KeyValue> {
  readonly config: ResolvedProducerConfig;
  private readonly pool: ConnectionPool;
  private readonly metadata: MetadataCache;
  private readonly accumulator: RecordAccumulator;
  private readonly sender: Sender;
  private readonly encoder: BatchEncoder;
  private readonly partitioning: Partitioning;
  private readonly admission: Admission<PreparedRecord>;
  // Records whose topic metadata is still being fetched; shared per topic so they append in send() order.
  private readonly metadataWaits = new Map<string, Promise<TopicMetadata>>();
  /** Records sent with an AbortSignal, from admission until their outcome. */
  private readonly aborts = new Map<PreparedRecord, RecordAbort>();
  private readonly signalListeners = new SignalListeners((abort) => this.cancelRecord(abort));
  private readonly waitingForMetadata = new Set<Promise<unknown>>();
  /** Records waiting for their topic's metadata, per topic, in send() order. */
  private readonly metadataQueues = new Map<string, MetadataQueue>();
  private closing: Promise<void> | null = null;
  private readonly idempotence: Idempotence | undefined;
  private readonly transactions: TransactionManager | undefined;
  private readonly preparation: RecordPreparation<K, V>;
  /**
   * Whether send() may prepare a string value in the preparation's scratch buffer: not when a custom
   * partitioner is given the value's bytes (it may keep them).
   */
  private readonly borrowValues: boolean;
  private readonly interceptors: Interceptors<unknown, unknown> | undefined;
  /** The last record still being serialized asynchronously; later records wait behind it. */
  private serializing: Promise<void> | null = null;
  /** Bytes appended since the event loop last turned; past `yieldAfterBytes` produce() asks the caller to yield. */
  private appendedSinceTurn = 0;
  private yieldRequested = false;
  private readonly yieldAfterBytes: number;
  private readonly onTurn = (): void => {
    this.appendedSinceTurn = 0;
    this.yieldRequested = false;
  };
  /** Failures of records produced without a callback, reported by the next flush() or close(). */
  private unreportedCount = 0;
  private unreportedFirst: Error | null = null;
  private readonly unreported: DeliveryCallback = (error) => {
    if (error === null) return;
    if (this.unreportedCount++ === 0) this.unreportedFirst = error;
  };

  private readonly metricsRegistry: ProducerMetrics;

  constructor(options: ProducerOptions<K, V>) {
    this.config = resolveProducerConfig(options);
    this.yieldAfterBytes = Math.max(this.config.batchSize, 65_536);
    const config = this.config;
    const interceptors = checkInterceptors<unknown, unknown>(
      options.interceptors,
      (reason) => new ProducerConfigError('interceptors', reason),
    );
    this.interceptors =
      interceptors === undefined ? undefined : new Interceptors(interceptors, config.logger);
    this.interceptors?.configure(config);
    this.borrowValues = typeof config.partitioner !== 'function';
    this.preparation = new RecordPreparation<K, V>({
      maxRequestSize: config.maxRequestSize,
      bufferMemory: config.bufferMemory,
      keySerializer: options.keySerializer,
      valueSerializer: options.valueSerializer,
    });
    const now = Date.now;
    this.metricsRegistry = new ProducerMetrics({
      clientId: config.clientId,
      now,
      window: { sampleWindowMs: config.metricsSampleWindowMs, numSamples: config.metricsNumSamples },
      sources: {
        bufferTotalBytes: () => config.bufferMemory,
        bufferUsedBytes: () => this.accumulator.bufferedBytes,
        waitingRecords: () => this.admission.waitingCount,
        requestsInFlight: () => this.sender.requestsInFlight,
        metadataAgeMs: () => config.metadataMaxAgeMs - this.metadata.staleInMs(),
      },
    });
    this.pool = new ConnectionPool({
      bootstrapServers: config.bootstrapServers,
      logger: config.logger,
      connection: {
        clientId: config.clientId,
        ...(config.ssl === undefined ? {} : { tls: config.ssl }),
        requestTimeoutMs: config.requestTimeoutMs,
        connectionsMaxIdleMs: config.connectionsMaxIdleMs,
      },
      ...(config.sasl === undefined ? {} : { sasl: config.sasl }),
      reconnectBackoffMs: config.reconnectBackoffMs,
      reconnectBackoffMaxMs: config.reconnectBackoffMaxMs,
      socketConnectionSetupTimeoutMs: config.socketConnectionSetupTimeoutMs,
      observer: this.metricsRegistry,
    });
    this.metadata = new MetadataCache({
      fetch: (topics, allow) => requestMetadata(this.pool, topics, allow),
      connectFailures: () => this.pool.lastConnectErrors(),
      allowAutoCreateTopics: config.allowAutoCreateTopics,
      metadataMaxAgeMs: config.metadataMaxAgeMs,
      retryBackoffMs: config.retryBackoffMs,
      retryBackoffMaxMs: config.retryBackoffMaxMs,
      logger: config.logger,
    });
    const partitioning = new Partitioning({
      partitioner: config.partitioner,
      partitionerIgnoreKeys: config.partitionerIgnoreKeys,
      batchSize: config.batchSize,
      metadata: this.metadata,
    });
    this.partitioning = partitioning;
    this.accumulator = new RecordAccumulator({
      batchSize: config.batchSize,
      lingerMs: config.lingerMs,
      deliveryTimeoutMs: config.deliveryTimeoutMs,
      // Without idempotence a retry could overtake a later batch, so only one batch per partition flies.
      maxInFlightPerPartition: config.enableIdempotence ? config.maxInFlightRequestsPerConnection : 1,
      maxRequestSize: config.maxRequestSize,
      bufferMemory: config.bufferMemory,
      compressed: config.compressionType !== 'none',
      ...(config.partitionerAdaptivePartitioningEnable
        ? {
            onQueueSizes: (topic, partitions, sizes) =>
              partitioning.updateLoadStats(topic, partitions, sizes),
          }
        : {}),
      onMemoryFreed: () => this.admission.memoryFreed(),
      onNewBatch: (topic, partition) => {
        this.sender.connectLeader(topic, partition);
        this.transactions?.maybeAddPartition(topic, partition);
      },
      now,
    });
    this.admission = new Admission<PreparedRecord>({
      accumulator: this.accumulator,
      bufferMemory: config.bufferMemory,
      maxBlockMs: config.maxBlockMs,
      append: (record, meta, callback) => this.appendNow(record, meta, callback),
      topic: (name) => this.metadata.topic(name),
      onPressure: () => this.sender.wakeup(),
      onWaited: (ms) => this.metricsRegistry.bufferWaited(ms),
      onExhausted: () => this.metricsRegistry.bufferExhausted(),
    });
    this.idempotence = config.enableIdempotence
      ? new Idempotence({
          accumulator: this.accumulator,
          initProducerId: config.transactionalId === undefined ? () => requestProducerId(this.pool) : null,
          retryBackoff: new ExponentialBackoff({
            initialMs: config.retryBackoffMs,
            maxMs: config.retryBackoffMaxMs,
          }),
          now,
          logger: config.logger,
        })
      : undefined;
    this.transactions =
      config.transactionalId === undefined ? undefined : this.transactionManager(config.transactionalId);
    this.encoder = new BatchEncoder({
      compressionType: config.compressionType,
      compressionLevel: config.compressionLevel,
      accumulator: this.accumulator,
      transactional: this.transactions !== undefined,
    });
    this.sender = new Sender({
      config,
      accumulator: this.accumulator,
      metadata: this.metadata,
      pool: this.pool,
      encoder: this.encoder,
      now,
      idempotence: this.idempotence,
      transactions: this.transactions,
      metrics: this.metricsRegistry,
    });
    this.metadata.onUpdate(() => this.sender.wakeup());
    this.idempotence?.onChange(() => this.sender.wakeup());
    this.transactions?.onChange(() => this.sender.wakeup());
  }

  private transactionManager(transactionalId: string): TransactionManager {
    const config = this.config;
    const channel = brokerChannel(this.pool, (broker) => {
      // A coordinator that metadata has not listed yet must still be reachable by its node id.
      if (this.metadata.addBrokers([broker])) this.pool.updateBrokers([...this.metadata.brokers.values()]);
    });
    return new TransactionManager({
      transactionalId,
      logger: config.logger,
      transactionTimeoutMs: config.transactionTimeoutMs,
      maxBlockMs: config.maxBlockMs,
      channel,
      transactionVersion: channel.transactionVersion,
      retryBackoff: new ExponentialBackoff({
        initialMs: config.retryBackoffMs,
        maxMs: config.retryBackoffMaxMs,
      }),
      records: {
        flush: () => this.flushAccepted(),
        abortUndrained: (error) => this.sender.abortUnsequenced(error),
      },
      setIdentity: (identity) => {
        this.idempotence!.sequences.setIdentity(identity);
        this.sender.wakeup();
      },
    });
  }

  /**
   * Transactional producers (`transactionalId`): finds the transaction coordinator and registers this producer
   * with it, fencing any older producer with the same transactional id and completing its open transaction.
   * Call once, before the first transaction. Rejects with `ProducerFencedError` / `TransactionFatalError` when
   * the producer cannot be used, `TransactionTimeoutError` after maxBlockMs (call it again to keep waiting).
   */
  async initTransactions(): Promise<void> {
    await this.transactional('initTransactions').initTransactions();
  }

  /** Opens a transaction: records sent from now on are committed or aborted together. */
  beginTransaction(): void {
    this.transactional('beginTransaction').beginTransaction();
  }

  /**
   * Commits a consumer's offsets with the open transaction (consume-transform-produce, exactly once): they are
   * visible to the group only if the transaction commits. `offsets` are the next offsets to read, per partition;
   * `group` is the consumer's group metadata (at least `groupId`; with `generationId` and `memberId` the
   * coordinator refuses offsets of a consumer that has left the group).
   */
  async sendOffsetsToTransaction(
    offsets: readonly TransactionOffset[],
    group: ConsumerGroupMetadata,
  ): Promise<void> {
    await this.transactional('sendOffsetsToTransaction').sendOffsetsToTransaction(offsets, group);
  }

  /**
   * Sends every record of the open transaction and commits it. Rejects with `TransactionAbortableError` when a
   * record or request of the transaction failed: then call `abortTransaction()`.
   */
  async commitTransaction(): Promise<void> {
    await this.transactional('commitTransaction').commitTransaction();
  }

  /**
   * Aborts the open transaction: records not yet sent fail with `TransactionAbortedError`, those already written
   * are never shown to read_committed consumers.
   */
  async abortTransaction(): Promise<void> {
    await this.transactional('abortTransaction').abortTransaction();
  }

  /**
   * Runs `work` in a transaction: begins it (after initTransactions() if not done yet), commits when `work`
   * resolves, aborts when it throws (or when the commit fails abortably) and rethrows. Resolves with `work`'s
   * result.
   *
   * ```ts
   * await producer.transaction(async (tx) => {
   *   await tx.send({ topic: 'out', value: 'a' });
   *   await tx.sendOffsetsToTransaction([{ topic: 'in', partition: 0, offset: 42n }], { groupId: 'g' });
   * });
   * ```
   */
  async transaction<T>(work: (tx: TransactionScope<K, V>) => Promise<T> | T): Promise<T> {
    const transactions = this.transactional('transaction');
    if (transactions.state === 'UNINITIALIZED') await transactions.initTransactions();
    transactions.beginTransaction();
    let result: T;
    try {
      result = await work(this);
    } catch (error) {
      await this.abortAfter(transactions);
      throw error;
    }
    try {
      await transactions.commitTransaction();
    } catch (error) {
      if (error instanceof TransactionAbortableError) await this.abortAfter(transactions);
      throw error;
    }
    return result;
  }

  /** Aborts after a failure inside transaction(); the failure is what the caller hears, unless fatal follows. */
  private async abortAfter(transactions: TransactionManager): Promise<void> {
    const state = transactions.state;
    if (state !== 'IN_TRANSACTION' && state !== 'ABORTABLE_ERROR') return;
    await transactions.abortTransaction();
  }

  private transactionalCallback(
    callback: DeliveryCallback,
    transactions: TransactionManager,
  ): DeliveryCallback {
    return (error, metadata) => {
      if (error !== null) transactions.handleFailedBatch(error);
      callback(error, metadata);
    };
  }

  private transactional(method: string): TransactionManager {
    if (this.transactions === undefined) {
      throw new TransactionStateError(
        `${method}() needs a transactional producer: create it with a transactionalId option (one per producer instance).`,
      );
    }
    return this.transactions;
  }

  /**
   * Sends one record. Resolves with where it was written once the broker acknowledged it (acks=0: once
   * it was handed to the socket; offset -1). Rejects with a typed error saying what went wrong for this
   * record only: invalid input, a topic that does not exist after maxBlockMs, no room in bufferMemory
   * after maxBlockMs (`BufferExhaustedError`), a broker error that is not retriable, or deliveryTimeoutMs
   * running out while retrying. For millions of records a second, `produce()` avoids the promise.
   *
   * `options.signal` cancels the record while it has not left for the broker (being serialized, waiting for
   * metadata or for room, or in a batch not yet sent): the promise rejects with an `AbortError` (cause: the
   * signal's reason) and its bufferMemory space is free at once. Once its batch is in a request (or
   * compressed ahead of one), an abort changes nothing and the promise settles with the broker's answer.
   */
  send(record: ProducerRecord<K, V>, options?: SendOptions): Promise<RecordMetadata> {
    const promise = new Promise<RecordMetadata>(captureSettlement);
    const settlement = newSettlement();
    try {
      this.take(record, settlement, options?.signal);
    } catch (error) {
      return Promise.reject(error);
    }
    return promise;
  }

  /**
   * Sends many records with one promise: exactly what calling `send()` for each in order does (partitioning,
   * ordering, waiting for metadata or for room in bufferMemory, serializers, interceptors, `options.signal`,
   * transactions; a bad record fails alone), without a promise per record. Resolves with every record's
   * metadata, in input order, once all were delivered; otherwise rejects, once every record has its outcome,
   * with a `SendBatchError` whose `results[i]` and `errors[i]` say what became of record i.
   *
   * ```ts
   * const written = await producer.sendBatch(orders.map((o) => ({ topic: 'orders', key: o.id, value: o.json })));
   * ```
   */
  sendBatch(records: Iterable<ProducerRecord<K, V>>, options?: SendOptions): Promise<RecordMetadata[]> {
    const signal = options?.signal;
    return sendBatch(records, (record, settlement) => this.take(record, settlement, signal));
  }

  /**
   * Sends one record without creating a promise: `callback(error, metadata)` is called once with the
   * record's outcome, exactly as `send()` would settle (never from inside `produce()` itself). Without a
   * callback the record is fire-and-forget: failures are counted and the next `flush()` or `close()`
   * rejects with an `UndeliveredRecordsError` saying how many failed and why.
   * `options.signal` cancels the record while it has not left for the broker, as for `send()` (the callback
   * then gets an `AbortError`).
   *
   * Backpressure, like a stream's `write()`: returns false when records are waiting for room in
   * bufferMemory or for their topic's metadata (this one may be among them): where Java's `send()` blocks
   * for either, a loop that honours false holds a bounded number of records, not everything it can make.
   * It also returns false once a batch's worth of bytes (batchSize, at least 64 KiB) was produced since the
   * event loop last turned: Java's sender is a thread of its own, ours runs on the event loop, so a loop
   * that never yields would fill all of bufferMemory before the first batch left (and block the process
   * as long). `waitForRoom()` then resolves on the next turn, after the sender has sent what is ready.
   * Every record is still accepted and kept in order; each waits at most maxBlockMs for room, then fails
   * with `BufferExhaustedError`. A fast loop should stop on false and `await producer.waitForRoom()` before
   * producing more.
   *
   * ```ts
   * for (const value of values) {
   *   if (!producer.produce({ topic: 'trucks', value }, onDelivery)) await producer.waitForRoom();
   * }
   * ```
   */
  produce(input: ProducerRecord<K, V>, callback?: DeliveryCallback, options?: SendOptions): boolean {
    return this.take(input, callback ?? this.unreported, options?.signal);
  }

  /** What produce() and send() share: the record traced while someone subscribes to the send channel. */
  private take(
    input: ProducerRecord<K, V>,
    settlement: Settlement,
    signal: AbortSignal | undefined,
  ): boolean {
    if (!active(sendChannel)) return this.accept(input, settlement, signal);
    return traceSend(sendChannel, input, this.config.clientId, asCallback(settlement), (traced) =>
      this.accept(input, traced, signal),
    );
  }

  /**
   * The producer's metrics now, with the Java producer's names, groups, tags and meanings (groups
   * producer-metrics, producer-node-metrics with a node-id tag, producer-topic-metrics with a topic tag).
   * Rates and averages cover the last 30 to 60 s, as Java's do; see README "Observability".
   */
  metrics(): ProducerMetric[] {
    return this.metricsRegistry.snapshot();
  }

  private accept(
    input: ProducerRecord<K, V>,
    settlement: Settlement,
    signal: AbortSignal | undefined,
  ): boolean {
    let done = settlement;
    let record = input;
    // As in Java, interceptors see every record first, even one a closed producer will refuse.
    if (this.interceptors !== undefined) {
      record = this.interceptors.onSend(record) as ProducerRecord<K, V>;
      done = this.interceptors.acknowledging(record, done);
    }
    if (this.closing !== null) {
      failSoon(
        done,
        new ClientClosedError(
          'The producer is closed: records can no longer be sent. Create a new Producer.',
        ),
      );
      return this.mayGoOn();
    }
    // A transactional producer sends inside a transaction that can still commit (its errors say more than
    // the idempotence's fatal one below: fenced, abortable, not in a transaction).
    if (this.transactions !== undefined) {
      const refused = this.transactions.sendError();
      if (refused !== null) {
        failSoon(done, refused);
        return this.mayGoOn();
      }
      // A record of the transaction that fails anywhere (bad input, its topic's metadata, bufferMemory, the
      // broker) makes the transaction abortable: committing without it would break all-or-nothing.
      done = this.transactionalCallback(asCallback(done), this.transactions);
    }
    // After a fatal error (fenced, not authorized) the producer cannot deliver anything more.
    const fatal = this.idempotence?.fatal;
    if (fatal) {
      failSoon(done, fatal);
      return this.mayGoOn();
    }
    let abort: RecordAbort | undefined;
    if (signal !== undefined) {
      if (signal.aborted) {
        failSoon(done, recordAborted(signal));
        return this.mayGoOn();
      }
      abort = new RecordAbort(signal, asCallback(done), this.forgetAbort);
      this.signalListeners.add(abort);
      done = abort.callback;
    }
    // Records append in send() order. While an asynchronous serializer (a schema registry lookup) is
    // busy, later records queue behind it even if theirs would be synchronous.
    const previous = this.serializing;
    if (previous === null) {
      let prepared: PreparedRecord | Promise<PreparedRecord>;
      try {
        prepared = this.preparation.prepare(record, this.borrowValues);
      } catch (error) {
        failSoon(done, asError(error));
        return this.mayGoOn();
      }
      if (!(prepared instanceof Promise)) {
        this.route(prepared, done, abort);
        // Not appended (it waits for room, or failed): its value's bytes must outlive the scratch. Appended, it
        // is referred to by nothing (a record with a signal is, by its RecordAbort). Queued for its topic's
        // metadata, route() already gave it back (recycle() emptied it, so keep() finds nothing to copy).
        if (prepared.size === 0) this.preparation.keep(prepared);
        else if (abort === undefined) this.preparation.recycle(prepared);
        return this.mayGoOn();
      }
      this.trackSerializing(
        prepared.then(
          (p) => this.route(p, done, abort),
          (error: unknown) => deliver(done, asError(error), null),
        ),
      );
      return this.mayGoOn();
    }
    this.trackSerializing(
      previous
        .then(() => this.preparation.prepare(record))
        .then(
          (p) => this.route(p, done, abort),
          (error: unknown) => deliver(done, asError(error), null),
        ),
    );
    return this.mayGoOn();
  }

  /**
   * Resolves once no record waits for room in bufferMemory or for its topic's metadata (at once if none
   * does): after `produce()` returned false, await this before producing more. Records that wait are
   * appended as room frees, in order, or fail after maxBlockMs; either way this resolves when none is left
   * waiting.
   */
  waitForRoom(): Promise<void> {
    if (this.hasRoom()) {
      // Queued after the sender's pass (scheduled when the first of these records was appended).
      return this.yieldRequested ? new Promise((resolve) => setImmediate(resolve)) : Promise.resolve();
    }
    return this.admission.whenRoom();
  }

  /** Exact encoded bytes of the records held right now (queued or awaiting the broker); at most bufferMemory. */
  get bufferedBytes(): number {
    return this.accumulator.bufferedBytes;
  }

  private hasRoom(): boolean {
    return this.admission.hasRoom();
  }

  /** produce()'s answer: room, and the event loop turned since the last batch's worth was appended. */
  private mayGoOn(): boolean {
    return !this.yieldRequested && this.hasRoom();
  }

  private trackSerializing(chain: Promise<void>): void {
    this.serializing = chain;
    void chain.finally(() => {
      if (this.serializing === chain) this.serializing = null;
    });
  }

  /** Hands a prepared record to the accumulator, once its topic's metadata is known. */
  private route(prepared: PreparedRecord, callback: Settlement, abort?: RecordAbort): void {
    if (abort?.settled) return;
    const known =
      this.metadataWaits.size !== 0 && this.metadataWaits.has(prepared.topic)
        ? undefined
        : this.metadata.topic(prepared.topic);
    if (known !== undefined) {
      this.offer(prepared, known, callback, abort);
      return;
    }
    // Until the metadata arrives produce() says false, so a fast loop pauses instead of piling up records
    // outside bufferMemory's accounting. They wait in one queue per topic, in send() order, behind a single
    // handler on the topic's wait: a handler (and its promises) per record cost a burst of 300k send() calls
    // ~40 % more CPU and ~300 MiB more peak memory than the same burst with the metadata known.
    this.admission.metadataWaitStarted();
    let queue = this.metadataQueues.get(prepared.topic);
    if (queue === undefined) {
      queue = new MetadataQueue(prepared.topic);
      this.metadataQueues.set(prepared.topic, queue);
      this.offerWhenKnown(prepared.topic, queue);
      // The producer id (idempotence) is asked for while the metadata is on its way, as Java's sender thread
      // does from the start, rather than by the sender's first pass over batches.
      this.idempotence?.advance();
    }
    // The queue copies the fields (the value's bytes made its own first): the object is free again.
    this.preparation.keep(prepared);
    queue.push(prepared, callback, abort);
    this.preparation.recycle(prepared);
  }

  /** Offers the topic's queued records, in order, once its metadata arrives (or fails them all). */
  private offerWhenKnown(topic: string, queue: MetadataQueue): void {
    const admission = this.admission;
    const wait = this.waitForTopic(topic).then(
      (meta) => {
        this.metadataQueues.delete(topic);
        const preparation = this.preparation;
        for (let i = 0; i < queue.length; i++) {
          admission.metadataWaitEnded();
          const prepared = queue.restore(i, preparation.blank());
          const abort = queue.abortAt(i);
          this.offer(prepared, meta, queue.callbacks[i]!, abort);
          // Appended, nothing refers to it any more (as in take()); waiting for room, admission keeps it.
          if (prepared.size !== 0 && abort === undefined) preparation.recycle(prepared);
        }
        admission.resolveRoomIfFree();
      },
      (error: unknown) => {
        this.metadataQueues.delete(topic);
        const failure = asError(error);
        for (const callback of queue.callbacks) {
          admission.metadataWaitEnded();
          deliver(callback, failure, null);
        }
        admission.resolveRoomIfFree();
      },
    );
    this.waitingForMetadata.add(wait);
    void wait.finally(() => this.waitingForMetadata.delete(wait));
  }

  /** Admission from here on: a record with a signal can be found, and taken back, by the record itself. */
  private offer(
    prepared: PreparedRecord,
    meta: TopicMetadata,
    callback: Settlement,
    abort: RecordAbort | undefined,
  ): void {
    if (abort !== undefined) {
      if (abort.settled) return;
      abort.prepared = prepared;
      abort.stage = 'waiting';
      this.aborts.set(prepared, abort);
    }
    this.admission.offer(prepared, meta, callback);
  }

  /** A record's signal aborted: takes the record back if it has not left (see send()). */
  private readonly cancelRecord = (abort: RecordAbort): void => {
    if (abort.settled) return;
    const error = recordAborted(abort.signal);
    const record = abort.prepared;
    if (abort.stage === 'preparing' || record === null) {
      // Its continuation (serialization, the metadata wait) sees it settled and drops it.
      deliver(abort.callback, error, null);
    } else if (abort.stage === 'waiting') {
      // Admission holds it in send order: with nothing to reserve it leaves the queue on the next pass,
      // where appendNow drops it, and the records behind it move up.
      abort.dropPending = true;
      record.reserve = 0;
      deliver(abort.callback, error, null);
      this.admission.memoryFreed();
    } else if (this.accumulator.removeRecord(record.topic, record)) {
      deliver(abort.callback, error, null);
    }
  };

  private readonly forgetAbort = (abort: RecordAbort): void => {
    this.signalListeners.delete(abort);
    if (!abort.dropPending && abort.prepared !== null) this.aborts.delete(abort.prepared);
  };

  /**
   * Sends every record accepted so far right away (ignoring lingerMs) and resolves when all have settled.
   * `options.signal` stops the waiting (flush() rejects with an AbortError); the records are still delivered.
   */
  async flush(options: FlushOptions = {}): Promise<void> {
    await unlessAborted(this.flushAccepted(), options.signal, 'flush()');
    this.throwUnreported();
  }

  private async flushAccepted(): Promise<void> {
    this.accumulator.beginFlush();
    try {
      // Records still being serialized, waiting for their topic's metadata or for room were accepted too.
      for (;;) {
        if (this.serializing !== null) await this.serializing;
        else if (this.waitingForMetadata.size > 0) await Promise.allSettled([...this.waitingForMetadata]);
        else if (!this.hasRoom()) {
          this.sender.wakeup();
          await this.waitForRoom();
        } else break;
      }
      this.sender.wakeup();
      await this.accumulator.whenAllSettled();
    } finally {
      this.accumulator.endFlush();
    }
  }

  /** Reports failures of records produced without a callback, once. */
  private throwUnreported(): void {
    if (this.unreportedCount === 0) return;
    const error = new UndeliveredRecordsError(this.unreportedCount, this.unreportedFirst!);
    this.unreportedCount = 0;
    this.unreportedFirst = null;
    throw error;
  }

  /**
   * Stops accepting records, delivers what was accepted (waiting at most `timeoutMs`), then closes every
   * connection. Records that could not be delivered in time are rejected with a reason; none is dropped
   * silently: records produced without a callback that failed make close() reject with an
   * `UndeliveredRecordsError` once everything is closed. Safe to call more than once.
   *
   * `options.signal` gives up waiting when aborted, as `timeoutMs` running out does (Java's close(timeout)):
   * records not delivered yet are rejected with a `ClientClosedError` (cause: the signal's reason), the
   * connections close, and close() resolves (the producer is closed).
   */
  close(options: CloseOptions = {}): Promise<void> {
    this.closing ??= this.doClose(options.timeoutMs, options.signal);
    return this.closing;
  }

  /** `await using producer = new Producer(...)`: closes it gracefully (delivers what it accepted) at scope end. */
  async [Symbol.asyncDispose](): Promise<void> {
    await this.close();
  }

  private async doClose(timeoutMs: number | undefined, signal: AbortSignal | undefined): Promise<void> {
    const flushed = this.flushAccepted();
    const timed = timeoutMs !== undefined && Number.isFinite(timeoutMs);
    if (timed || signal !== undefined) {
      let timer: NodeJS.Timeout | undefined;
      const timedOut = new Promise<'timeout'>((resolve) => {
        if (timed) timer = setTimeout(() => resolve('timeout'), Math.max(0, timeoutMs));
      });
      const abort = whenAborted(signal);
      const outcome = await Promise.race([
        flushed.then(() => 'flushed' as const),
        timedOut,
        abort.aborted.then(() => 'aborted' as const),
      ]);
      clearTimeout(timer);
      abort.cancel();
      if (outcome !== 'flushed') {
        const error = new ClientClosedError(
          outcome === 'timeout'
            ? `The producer was closed before this record was delivered: close({ timeoutMs: ${timeoutMs} }) ran out. It may or may not have been written.`
            : "The producer was closed before this record was delivered: close()'s AbortSignal was aborted. It may or may not have been written.",
          outcome === 'aborted' ? { cause: signal?.reason } : {},
        );
        this.sender.stop();
        this.admission.failWaiting(error);
        for (const batch of this.accumulator.allBatches()) {
          this.accumulator.remove(batch);
          batch.fail(error);
        }
      }
    } else {
      await flushed;
    }
    this.sender.stop();
    this.transactions?.close();
    this.metadata.close();
    await Promise.all([this.pool.close('the producer was closed'), this.encoder.close()]);
    this.interceptors?.close();
    this.throwUnreported();
  }

  private waitForTopic(topic: string): Promise<TopicMetadata> {
    let wait = this.metadataWaits.get(topic);
    if (wait === undefined) {
      wait = this.metadata.waitForTopic(topic, Date.now() + this.config.maxBlockMs);
      this.metadataWaits.set(topic, wait);
      const clear = () => this.metadataWaits.delete(topic);
      wait.then(clear, clear);
    }
    return wait;
  }

  /** Appends a record that has room: partition chosen, into its batch, the sender told. */
  private appendNow(record: PreparedRecord, meta: TopicMetadata, callback: Settlement): void {
    if (this.aborts.size !== 0) {
      const abort = this.aborts.get(record);
      if (abort?.dropPending) {
        this.aborts.delete(record);
        return;
      }
      if (abort !== undefined) abort.stage = 'batched';
    }
    let partition: number;
    try {
      partition = this.partitioning.choose(record, meta);
    } catch (error) {
      // A custom partitioner that throws (or picks a partition that does not exist) is found here, which can
      // be inside produce() itself: the callback hears of it later, as produce() promises.
      failSoon(callback, asError(error));
      return;
    }
    // The batch writes the record's bytes now and keeps only its settlement (and timestamp) from it.
    record.callback = callback;
    this.accumulator.append(record.topic, partition, record);
    this.partitioning.onAppend(record, partition, meta, this.accumulator);
    this.sender.wakeup();
    if (this.appendedSinceTurn === 0) setImmediate(this.onTurn);
    this.appendedSinceTurn += record.size;
    if (this.appendedSinceTurn >= this.yieldAfterBytes) this.yieldRequested = true;
  }
}

function asError(error: unknown): Error {
  return error instanceof Error ? error : new KafkaWireError(String(error));
}

/** Errors found inside produce() reach the callback later, never from inside the call (no Zalgo). */
function failSoon(callback: Settlement, error: Error): void {
  queueMicrotask(() => deliver(callback, error, null));
}

/**
 * send()'s promise and what settles it. One executor serves every promise, handing its resolve function over
 * through a module variable (it runs inside the Promise constructor, synchronously): an executor made per call
 * was a closure and a scope per record, and one made inside send() would also have kept the caller's record
 * object (its key and value strings too) alive until the broker acknowledged it. The reject function V8 makes
 * alongside is not kept (SendSettlement rejects through resolve).
 */
let capturedResolve: SendResolve | undefined;

function captureSettlement(resolve: SendResolve): void {
  capturedResolve = resolve;
}

function newSettlement(): SendSettlement {
  const settlement = new SendSettlement(capturedResolve!);
  // Not kept past this call: the last send()'s promise would otherwise stay reachable from here.
  capturedResolve = undefined;
  return settlement;
}
