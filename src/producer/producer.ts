import { KafkaWireError } from '../errors.js';
import { ClientClosedError } from '../net/errors.js';
import { ConnectionPool } from '../net/pool.js';
import { partitionForKey } from '../partition/murmur2.js';
import { RoundRobinPartitioner } from '../partition/round-robin.js';
import { StickyPartitioner } from '../partition/sticky.js';
import { kafkaErrorFor } from '../protocol/errors.js';
import { InitProducerIdApi } from '../protocol/init-producer-id.js';
import { MetadataApi } from '../protocol/metadata.js';
import { RECORD_BATCH_OVERHEAD, recordSizeInBatch } from '../records/index.js';
import { type Serializer, serializePart } from '../serializers/types.js';
import {
  type DeliveryCallback,
  deliver,
  type PendingRecord,
  type ProducerBatch,
  RecordAccumulator,
  type RecordMetadata,
} from './accumulator.js';
import { type ProducerOptions, type ResolvedProducerConfig, resolveProducerConfig } from './config.js';
import {
  BufferExhaustedError,
  InvalidRecordError,
  ProducerConfigError,
  RecordTooLargeError,
  UndeliveredRecordsError,
} from './errors.js';
import { IdempotenceState, type ProducerIdAndEpoch } from './idempotence.js';
import { MetadataCache, type MetadataSnapshot, type TopicMetadata } from './metadata.js';
import {
  type KeyValue,
  type ProducerRecord,
  toBytes,
  toHeaders,
  toTimestamp,
  validatePartition,
  validateTopic,
} from './record-input.js';
import { Sender } from './sender.js';

/**
 * The most an encoded record can grow between its size alone in a batch (offset and timestamp deltas 0)
 * and its size at any place in a batch: offset delta varint 1 -> 5 bytes, timestamp delta varlong 1 -> 10,
 * and the length prefix 1 more. Reserving this much before the partition is chosen keeps bufferMemory a
 * hard bound while the exact size is what is accounted.
 */
const RECORD_GROWTH_BOUND = 16;

interface RoomWaiter {
  record: PreparedRecord;
  meta: TopicMetadata;
  callback: DeliveryCallback;
  deadlineMs: number;
}

export interface CloseOptions {
  /** How long close() waits for records already accepted to be delivered. Default: until they settle. */
  timeoutMs?: number;
}

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
  private readonly sticky = new Map<string, StickyPartitioner>();
  private readonly roundRobin = new RoundRobinPartitioner();
  // Records whose topic metadata is still being fetched; shared per topic so they append in send() order.
  private readonly metadataWaits = new Map<string, Promise<TopicMetadata>>();
  private readonly waitingForMetadata = new Set<Promise<unknown>>();
  private closing: Promise<void> | null = null;
  private readonly idempotence: IdempotenceState | undefined;
  private readonly keySerializer: Serializer<K> | undefined;
  private readonly valueSerializer: Serializer<V> | undefined;
  /** The last record still being serialized asynchronously; later records wait behind it. */
  private serializing: Promise<void> | null = null;
  /** Records waiting for room in bufferMemory, in send order; `roomHead` is the first still waiting. */
  private roomWaiters: RoomWaiter[] = [];
  private roomHead = 0;
  private roomTimer: NodeJS.Timeout | null = null;
  private roomDrainScheduled = false;
  private roomResolvers: Array<() => void> = [];
  /** Records waiting for their topic's metadata (not yet in bufferMemory's accounting). */
  private awaitingMetadata = 0;
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
  /** Date.now() as a bigint, reused within one millisecond (a BigInt per record is garbage to collect). */
  private lastNowMs = -1;
  private lastValidTopic: string | undefined;
  private lastStickyTopic: string | undefined;
  private lastSticky: StickyPartitioner | undefined;
  private lastNow = 0n;
  private readonly unreported: DeliveryCallback = (error) => {
    if (error === null) return;
    if (this.unreportedCount++ === 0) this.unreportedFirst = error;
  };

  constructor(options: ProducerOptions<K, V>) {
    this.config = resolveProducerConfig(options);
    this.yieldAfterBytes = Math.max(this.config.batchSize, 65_536);
    this.keySerializer = checkSerializer(options.keySerializer, 'keySerializer');
    this.valueSerializer = checkSerializer(options.valueSerializer, 'valueSerializer');
    const config = this.config;
    const now = Date.now;
    this.pool = new ConnectionPool({
      bootstrapServers: config.bootstrapServers,
      connection: {
        clientId: config.clientId,
        ...(config.ssl === undefined ? {} : { tls: config.ssl }),
        requestTimeoutMs: config.requestTimeoutMs,
        connectionsMaxIdleMs: config.connectionsMaxIdleMs,
      },
      reconnectBackoffMs: config.reconnectBackoffMs,
      reconnectBackoffMaxMs: config.reconnectBackoffMaxMs,
      socketConnectionSetupTimeoutMs: config.socketConnectionSetupTimeoutMs,
    });
    this.metadata = new MetadataCache({
      fetch: (topics, allow) => this.fetchMetadata(topics, allow),
      allowAutoCreateTopics: config.allowAutoCreateTopics,
      metadataMaxAgeMs: config.metadataMaxAgeMs,
      retryBackoffMs: config.retryBackoffMs,
      retryBackoffMaxMs: config.retryBackoffMaxMs,
    });
    this.accumulator = new RecordAccumulator({
      batchSize: config.batchSize,
      lingerMs: config.lingerMs,
      deliveryTimeoutMs: config.deliveryTimeoutMs,
      // Without idempotence a retry could overtake a later batch, so only one batch per partition flies.
      maxInFlightPerPartition: config.enableIdempotence ? config.maxInFlightRequestsPerConnection : 1,
      bufferMemory: config.bufferMemory,
      compressed: config.compressionType !== 'none',
      ...(config.partitionerAdaptivePartitioningEnable
        ? { onQueueSizes: (topic, partitions, sizes) => this.updateLoadStats(topic, partitions, sizes) }
        : {}),
      onMemoryFreed: () => this.scheduleRoomDrain(),
      now,
    });
    this.idempotence = config.enableIdempotence ? new IdempotenceState() : undefined;
    this.sender = new Sender({
      config,
      accumulator: this.accumulator,
      metadata: this.metadata,
      pool: this.pool,
      now,
      idempotence: this.idempotence,
      initProducerId: () => this.fetchProducerId(),
    });
    this.metadata.onUpdate(() => this.sender.wakeup());
  }

  /**
   * Sends one record. Resolves with where it was written once the broker acknowledged it (acks=0: once
   * it was handed to the socket; offset -1). Rejects with a typed error saying what went wrong for this
   * record only: invalid input, a topic that does not exist after maxBlockMs, no room in bufferMemory
   * after maxBlockMs (`BufferExhaustedError`), a broker error that is not retriable, or deliveryTimeoutMs
   * running out while retrying. For millions of records a second, `produce()` avoids the promise.
   */
  send(record: ProducerRecord<K, V>): Promise<RecordMetadata> {
    return new Promise<RecordMetadata>((resolve, reject) => {
      this.produce(record, (error, metadata) => {
        if (error !== null) reject(error);
        else resolve(metadata!);
      });
    });
  }

  /**
   * Sends one record without creating a promise: `callback(error, metadata)` is called once with the
   * record's outcome, exactly as `send()` would settle (never from inside `produce()` itself). Without a
   * callback the record is fire-and-forget: failures are counted and the next `flush()` or `close()`
   * rejects with an `UndeliveredRecordsError` saying how many failed and why.
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
  produce(record: ProducerRecord<K, V>, callback?: DeliveryCallback): boolean {
    const done = callback ?? this.unreported;
    if (this.closing !== null) {
      failSoon(
        done,
        new ClientClosedError(
          'The producer is closed: records can no longer be sent. Create a new Producer.',
        ),
      );
      return this.mayGoOn();
    }
    // After a fatal error (fenced, not authorized) the producer cannot deliver anything more.
    const fatal = this.idempotence?.fatal;
    if (fatal) {
      failSoon(done, fatal);
      return this.mayGoOn();
    }
    // Records append in send() order. While an asynchronous serializer (a schema registry lookup) is
    // busy, later records queue behind it even if theirs would be synchronous.
    const previous = this.serializing;
    if (previous === null) {
      let prepared: PreparedRecord | Promise<PreparedRecord>;
      try {
        prepared = this.prepare(record);
      } catch (error) {
        failSoon(done, asError(error));
        return this.mayGoOn();
      }
      if (!(prepared instanceof Promise)) {
        this.route(prepared, done);
        return this.mayGoOn();
      }
      this.trackSerializing(
        prepared.then(
          (p) => this.route(p, done),
          (error: unknown) => deliver(done, asError(error), null),
        ),
      );
      return this.mayGoOn();
    }
    this.trackSerializing(
      previous
        .then(() => this.prepare(record))
        .then(
          (p) => this.route(p, done),
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
    return new Promise((resolve) => this.roomResolvers.push(resolve));
  }

  /** Exact encoded bytes of the records held right now (queued or awaiting the broker); at most bufferMemory. */
  get bufferedBytes(): number {
    return this.accumulator.bufferedBytes;
  }

  private hasRoom(): boolean {
    return this.awaitingMetadata === 0 && this.noneWaitingForMemory();
  }

  /** produce()'s answer: room, and the event loop turned since the last batch's worth was appended. */
  private mayGoOn(): boolean {
    return !this.yieldRequested && this.hasRoom();
  }

  private noneWaitingForMemory(): boolean {
    return this.roomHead === this.roomWaiters.length;
  }

  private resolveRoomIfFree(): void {
    if (!this.hasRoom() || this.roomResolvers.length === 0) return;
    const resolvers = this.roomResolvers;
    this.roomResolvers = [];
    for (const resolve of resolvers) resolve();
  }

  private trackSerializing(chain: Promise<void>): void {
    this.serializing = chain;
    void chain.finally(() => {
      if (this.serializing === chain) this.serializing = null;
    });
  }

  /** Hands a prepared record to the accumulator, once its topic's metadata is known. */
  private route(prepared: PreparedRecord, callback: DeliveryCallback): void {
    const known = this.metadataWaits.has(prepared.topic) ? undefined : this.metadata.topic(prepared.topic);
    if (known !== undefined) {
      this.append(prepared, known, callback);
      return;
    }
    // Until the metadata arrives produce() says false, so a fast loop pauses instead of piling up records
    // (and a promise each) outside bufferMemory's accounting.
    this.awaitingMetadata++;
    const wait = this.waitForTopic(prepared.topic).then(
      (meta) => {
        this.awaitingMetadata--;
        this.append(prepared, meta, callback);
        this.resolveRoomIfFree();
      },
      (error: unknown) => {
        this.awaitingMetadata--;
        deliver(callback, asError(error), null);
        this.resolveRoomIfFree();
      },
    );
    this.waitingForMetadata.add(wait);
    void wait.finally(() => this.waitingForMetadata.delete(wait));
  }

  /**
   * Appends the record if it fits in bufferMemory and nothing waits before it; otherwise it joins the
   * queue of records waiting for room (FIFO, so send order is kept across the wait).
   */
  private append(record: PreparedRecord, meta: TopicMetadata, callback: DeliveryCallback): void {
    if (this.noneWaitingForMemory() && this.accumulator.hasRoom(record.reserve)) {
      this.appendNow(record, meta, callback);
      return;
    }
    this.roomWaiters.push({ record, meta, callback, deadlineMs: Date.now() + this.config.maxBlockMs });
    // Batches go at once while records wait: lingering would only make them wait longer.
    this.accumulator.exhausted = true;
    this.sender.wakeup();
    this.scheduleRoomTimer();
  }

  private scheduleRoomDrain(): void {
    if (this.roomDrainScheduled || this.noneWaitingForMemory()) return;
    this.roomDrainScheduled = true;
    // Memory is freed while a response is being handled; append once that pass is over.
    queueMicrotask(() => {
      this.roomDrainScheduled = false;
      this.drainRoomWaiters();
    });
  }

  /** Appends waiting records, oldest first, while they fit; fails those past maxBlockMs. */
  private drainRoomWaiters(): void {
    const waiters = this.roomWaiters;
    const now = Date.now();
    while (this.roomHead < waiters.length) {
      const waiter = waiters[this.roomHead]!;
      if (this.accumulator.hasRoom(waiter.record.reserve)) {
        this.roomHead++;
        // Partitions may have been added while it waited.
        this.appendNow(
          waiter.record,
          this.metadata.topic(waiter.record.topic) ?? waiter.meta,
          waiter.callback,
        );
      } else if (waiter.deadlineMs <= now) {
        this.roomHead++;
        deliver(
          waiter.callback,
          new BufferExhaustedError(
            `No room for a ${waiter.record.reserve - RECORD_GROWTH_BOUND}-byte record in bufferMemory (${this.config.bufferMemory} bytes, ${this.accumulator.bufferedBytes} in use) within maxBlockMs (${this.config.maxBlockMs} ms): records are produced faster than the brokers take them. Slow down (await producer.waitForRoom() when produce() returns false), or raise bufferMemory or maxBlockMs.`,
          ),
          null,
        );
      } else break;
    }
    this.settleRoomQueue();
  }

  /** Compacts the waiter queue; when it is empty, lifts the pressure and wakes waitForRoom() callers. */
  private settleRoomQueue(): void {
    if (this.noneWaitingForMemory()) {
      this.roomWaiters = [];
      this.roomHead = 0;
      this.accumulator.exhausted = false;
      if (this.roomTimer !== null) clearTimeout(this.roomTimer);
      this.roomTimer = null;
      this.resolveRoomIfFree();
      return;
    }
    if (this.roomHead > 1024 && this.roomHead * 2 > this.roomWaiters.length) {
      this.roomWaiters = this.roomWaiters.slice(this.roomHead);
      this.roomHead = 0;
    }
    this.scheduleRoomTimer();
  }

  /** One timer, for the oldest waiter's maxBlockMs deadline (waiters join in deadline order). */
  private scheduleRoomTimer(): void {
    if (this.roomTimer !== null) return;
    const head = this.roomWaiters[this.roomHead];
    if (head === undefined) return;
    this.roomTimer = setTimeout(
      () => {
        this.roomTimer = null;
        this.drainRoomWaiters();
      },
      Math.max(0, head.deadlineMs - Date.now()),
    );
  }

  /** Fails every record waiting for room (close gave up). */
  private failRoomWaiters(error: Error): void {
    while (this.roomHead < this.roomWaiters.length) {
      deliver(this.roomWaiters[this.roomHead++]!.callback, error, null);
    }
    this.settleRoomQueue();
  }

  /** Sends every record accepted so far right away (ignoring lingerMs) and resolves when all have settled. */
  async flush(): Promise<void> {
    await this.flushAccepted();
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
   */
  close(options: CloseOptions = {}): Promise<void> {
    this.closing ??= this.doClose(options.timeoutMs);
    return this.closing;
  }

  private async doClose(timeoutMs: number | undefined): Promise<void> {
    const flushed = this.flushAccepted();
    if (timeoutMs !== undefined && Number.isFinite(timeoutMs)) {
      let timer: NodeJS.Timeout | undefined;
      const timedOut = new Promise<'timeout'>((resolve) => {
        timer = setTimeout(() => resolve('timeout'), Math.max(0, timeoutMs));
      });
      const outcome = await Promise.race([flushed.then(() => 'flushed' as const), timedOut]);
      clearTimeout(timer);
      if (outcome === 'timeout') {
        const error = new ClientClosedError(
          `The producer was closed before this record was delivered: close({ timeoutMs: ${timeoutMs} }) ran out. It may or may not have been written.`,
        );
        this.sender.stop();
        this.failRoomWaiters(error);
        for (const batch of this.accumulator.allBatches()) {
          this.accumulator.remove(batch);
          batch.fail(error);
        }
      }
    } else {
      await flushed;
    }
    this.sender.stop();
    this.metadata.close();
    await Promise.all([this.pool.close('the producer was closed'), this.sender.closeCompression()]);
    this.throwUnreported();
  }

  private prepare(record: ProducerRecord<K, V>): PreparedRecord | Promise<PreparedRecord> {
    if (record === null || typeof record !== 'object') {
      throw new InvalidRecordError(
        `send() takes a record object like { topic, key, value }, got ${String(record)}.`,
      );
    }
    // Most producers write to few topics: a name checked once needs no regular expression again.
    const topic = record.topic === this.lastValidTopic ? this.lastValidTopic : validateTopic(record.topic);
    this.lastValidTopic = topic;
    const headers = toHeaders(record.headers as ProducerRecord['headers']);
    if (this.keySerializer === undefined && this.valueSerializer === undefined) {
      const key = toBytes(record.key, 'key');
      const value = toBytes(record.value, 'value');
      return this.finishPrepare(record, topic, key, value, headers);
    }
    // Serializers may add headers (a content type, a schema id): they get the list to push onto.
    const list = headers ?? [];
    const key =
      this.keySerializer === undefined
        ? toBytes(record.key, 'key')
        : serializePart(this.keySerializer, record.key, { topic, headers: list, isKey: true });
    const value =
      this.valueSerializer === undefined
        ? toBytes(record.value, 'value')
        : serializePart(this.valueSerializer, record.value, { topic, headers: list, isKey: false });
    const finish = (k: Uint8Array | null, v: Uint8Array | null) =>
      this.finishPrepare(record, topic, k, v, list.length === 0 ? undefined : list);
    if (key instanceof Promise || value instanceof Promise) {
      return Promise.all([key, value]).then(([k, v]) => finish(k, v));
    }
    return finish(key, value);
  }

  private finishPrepare(
    record: ProducerRecord<K, V>,
    topic: string,
    key: Uint8Array | null,
    value: Uint8Array | null,
    headers: Array<{ key: string; value: Uint8Array | null }> | undefined,
  ): PreparedRecord {
    const timestamp =
      record.timestamp === undefined || record.timestamp === null
        ? this.nowTimestamp()
        : toTimestamp(record.timestamp, 0);
    const prepared: PreparedRecord = {
      topic,
      key,
      value,
      headers,
      timestamp,
      partition: undefined,
      reserve: 0,
      size: 0,
      callback: noCallback,
    };
    // The record alone in a batch is the smallest request it can travel in.
    const alone = RECORD_BATCH_OVERHEAD + recordSizeInBatch(prepared, 0, 0n);
    if (alone > this.config.maxRequestSize) {
      throw new RecordTooLargeError(
        `The record is ${alone} bytes when encoded, more than maxRequestSize (${this.config.maxRequestSize}). Raise maxRequestSize (and the topic's max.message.bytes) or make the record smaller.`,
      );
    }
    const reserve = alone - RECORD_BATCH_OVERHEAD + RECORD_GROWTH_BOUND;
    if (reserve > this.config.bufferMemory) {
      throw new RecordTooLargeError(
        `The record is ${alone - RECORD_BATCH_OVERHEAD} bytes when encoded, more than bufferMemory (${this.config.bufferMemory}) allows (${this.config.bufferMemory - RECORD_GROWTH_BOUND}). Raise bufferMemory or make the record smaller.`,
      );
    }
    if (record.partition !== undefined && record.partition !== null) {
      if (
        typeof record.partition !== 'number' ||
        !Number.isInteger(record.partition) ||
        record.partition < 0
      ) {
        throw new InvalidRecordError(
          `The record's partition must be a non-negative integer, got ${String(record.partition)}.`,
        );
      }
    }
    prepared.partition = record.partition ?? undefined;
    prepared.reserve = reserve;
    return prepared;
  }

  private nowTimestamp(): bigint {
    const now = Date.now();
    if (now !== this.lastNowMs) {
      this.lastNowMs = now;
      this.lastNow = BigInt(now);
    }
    return this.lastNow;
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

  private appendNow(record: PreparedRecord, meta: TopicMetadata, callback: DeliveryCallback): void {
    let partition: number;
    let sticky: StickyPartitioner | undefined;
    try {
      partition = this.choosePartition(record, meta);
      if (record.partition === undefined && this.usesSticky(record)) sticky = this.stickyFor(record.topic);
    } catch (error) {
      deliver(callback, asError(error), null);
      return;
    }
    // The prepared record is what the batch keeps: no copy per record.
    record.callback = callback;
    this.accumulator.append(record.topic, partition, record, sizeInBatch);
    if (sticky !== undefined) {
      sticky.onAppend(partition, record.size, this.accumulator.allBatchesFull(record.topic, partition), meta);
    }
    this.sender.wakeup();
    if (this.appendedSinceTurn === 0) setImmediate(this.onTurn);
    this.appendedSinceTurn += record.size;
    if (this.appendedSinceTurn >= this.yieldAfterBytes) this.yieldRequested = true;
  }

  private usesSticky(record: PreparedRecord): boolean {
    return (
      this.config.partitioner === 'default' && (record.key === null || this.config.partitionerIgnoreKeys)
    );
  }

  /**
   * Adaptive partitioning (Java's partitioner.adaptive.partitioning.enable): keyless records go less to
   * partitions whose batches pile up, i.e. whose leader is slow. As in Java, only once every partition of
   * the topic has had a batch, and only over partitions with a known leader.
   */
  private updateLoadStats(topic: string, partitions: readonly number[], sizes: readonly number[]): void {
    const sticky = this.sticky.get(topic);
    const meta = this.metadata.topic(topic);
    if (sticky === undefined || meta === undefined) return;
    if (partitions.length < meta.numPartitions) {
      sticky.updateLoadStats(null);
      return;
    }
    const led: number[] = [];
    const ledSizes: number[] = [];
    for (let i = 0; i < partitions.length; i++) {
      if ((meta.partitions[partitions[i]!]?.leaderId ?? -1) >= 0) {
        led.push(partitions[i]!);
        ledSizes.push(sizes[i]!);
      }
    }
    // Sizes padded to every partition, ids only for the led ones: leaderless partitions are then left out of
    // the choice even when every queue is equal, as in Java.
    while (ledSizes.length < partitions.length) ledSizes.push(0);
    sticky.updateLoadStats(ledSizes, led);
  }

  private stickyFor(topic: string): StickyPartitioner {
    if (topic === this.lastStickyTopic) return this.lastSticky!;
    let sticky = this.sticky.get(topic);
    if (sticky === undefined) {
      sticky = new StickyPartitioner({ batchSize: this.config.batchSize });
      this.sticky.set(topic, sticky);
    }
    this.lastStickyTopic = topic;
    this.lastSticky = sticky;
    return sticky;
  }

  private choosePartition(record: PreparedRecord, meta: TopicMetadata): number {
    if (record.partition !== undefined)
      return validatePartition(record.partition, meta.numPartitions, record.topic);
    const partitioner = this.config.partitioner;
    if (typeof partitioner === 'function') {
      const chosen = partitioner({
        topic: record.topic,
        key: record.key,
        value: record.value,
        cluster: meta,
      });
      if (!Number.isInteger(chosen) || chosen < 0 || chosen >= meta.numPartitions) {
        throw new InvalidRecordError(
          `The custom partitioner returned ${String(chosen)} for topic '${record.topic}', which has partitions 0 to ${meta.numPartitions - 1}.`,
        );
      }
      return chosen;
    }
    if (partitioner === 'round-robin') return this.roundRobin.partition(meta);
    if (record.key !== null && !this.config.partitionerIgnoreKeys)
      return partitionForKey(record.key, meta.numPartitions);
    return this.stickyFor(record.topic).partition(meta);
  }

  /** InitProducerId for an idempotent (non-transactional) producer, from any broker. */
  private async fetchProducerId(): Promise<ProducerIdAndEpoch> {
    const connection = await this.pool.get(this.pool.leastLoadedNodeId());
    const response = await connection.request(InitProducerIdApi, {
      transactionalId: null,
      transactionTimeoutMs: 2147483647,
    });
    if (response.errorCode !== 0) throw kafkaErrorFor(response.errorCode, { api: 'InitProducerId' });
    return { producerId: response.producerId, producerEpoch: response.producerEpoch };
  }

  private async fetchMetadata(topics: string[], allowAutoTopicCreation: boolean): Promise<MetadataSnapshot> {
    const nodeId = this.pool.leastLoadedNodeId();
    const connection = await this.pool.get(nodeId);
    const response = await connection.request(MetadataApi, {
      topics: topics.map((name) => ({ name })),
      allowAutoTopicCreation,
    });
    const brokers = response.brokers.map((b) => ({
      nodeId: b.nodeId,
      host: b.host,
      port: b.port,
      rack: b.rack ?? null,
    }));
    this.pool.updateBrokers(brokers);
    return { brokers, topics: response.topics } as MetadataSnapshot;
  }
}

/** A validated record; once appended, the accumulator keeps this very object (its callback and size set). */
interface PreparedRecord extends PendingRecord {
  topic: string;
  partition: number | undefined;
  /** Bytes this record may take in bufferMemory: its size alone in a batch plus RECORD_GROWTH_BOUND. */
  reserve: number;
}

function noCallback(): void {}

/** The record's exact size in `batch` (null: as the first record of a new batch). */
function sizeInBatch(record: PreparedRecord, batch: ProducerBatch | null): number {
  if (batch === null) return recordSizeInBatch(record, 0, 0n);
  const base = batch.baseTimestamp;
  // Records of one millisecond share their timestamp bigint: skip allocating a 0n delta.
  return recordSizeInBatch(
    record,
    batch.recordCount,
    record.timestamp === base ? 0n : record.timestamp - base,
  );
}

function asError(error: unknown): Error {
  return error instanceof Error ? error : new KafkaWireError(String(error));
}

/** Errors found inside produce() reach the callback later, never from inside the call (no Zalgo). */
function failSoon(callback: DeliveryCallback, error: Error): void {
  queueMicrotask(() => deliver(callback, error, null));
}

function checkSerializer<T>(
  serializer: Serializer<T> | undefined,
  option: string,
): Serializer<T> | undefined {
  if (serializer === undefined) return undefined;
  if (serializer === null || typeof serializer.serialize !== 'function') {
    throw new ProducerConfigError(option, 'expected an object with a serialize(data, context) method.');
  }
  return serializer;
}
