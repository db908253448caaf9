import { KafkaWireError } from '../errors.js';
import { ExponentialBackoff } from '../net/backoff.js';
import { NetworkError } from '../net/errors.js';
import type { ConnectionPool } from '../net/pool.js';
import { kafkaErrorFor } from '../protocol/errors.js';
import {
  type PartitionProduceResponse,
  ProduceApi,
  type ProduceRequest,
  type ProduceResponse,
  type TopicProduceData,
} from '../protocol/produce.js';
import { encodeRecordBatch } from '../records/index.js';
import { BATCH_OVERHEAD, type PendingRecord, ProducerBatch, type RecordAccumulator } from './accumulator.js';
import type { ResolvedProducerConfig } from './config.js';
import type { MetadataCache } from './metadata.js';

// The sender turns ready batches into Produce requests, one per leader broker carrying every ready
// partition of that broker, and settles each record from the response. Failures are sorted the way Java's
// Sender sorts them: retriable errors go back to the head of their partition's queue after a backoff (and
// a metadata refresh when the leader may have moved), oversized batches are split, everything else fails
// just the records concerned. Every retry stays inside the batch's delivery deadline.
//
// @locality: event loop; `run` is re-entrant-safe because it only schedules async sends.

const MESSAGE_TOO_LARGE = 10;
const RECORD_LIST_TOO_LARGE = 18;
const ZERO_UUID = 'AAAAAAAAAAAAAAAAAAAAAA';

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

interface BatchState {
  encoded: Uint8Array | null;
  lastError: unknown;
}

export interface SenderOptions {
  config: ResolvedProducerConfig;
  accumulator: RecordAccumulator;
  metadata: MetadataCache;
  pool: ConnectionPool;
  now: () => number;
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
  // Sent and not answered: Java expires these at their delivery deadline too, not when the answer comes.
  private readonly inFlightBatches = new Set<ProducerBatch>();
  private scheduled = false;
  private timer: NodeJS.Timeout | null = null;
  private timerAt = Number.POSITIVE_INFINITY;
  private refreshing = false;
  private stopped = false;

  constructor(options: SenderOptions) {
    this.config = options.config;
    this.accumulator = options.accumulator;
    this.metadata = options.metadata;
    this.pool = options.pool;
    this.now = options.now;
    this.retryBackoff = new ExponentialBackoff({
      initialMs: this.config.retryBackoffMs,
      maxMs: this.config.retryBackoffMaxMs,
    });
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

    const { ready, nextReadyInMs } = this.accumulator.ready();
    const byLeader = new Map<number, ProducerBatch[]>();
    let needMetadata = false;
    for (const batch of ready) {
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

    for (const [nodeId, batches] of byLeader) {
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
          if (chosen.length > 0 && size + batch.sizeInBytes > this.config.maxRequestSize) break;
          size += batch.sizeInBytes;
          chosen.push(batch);
        }
        for (const batch of chosen) {
          this.accumulator.markInFlight(batch);
          this.inFlightBatches.add(batch);
          batch.attempts++;
        }
        this.inFlightPerNode.set(nodeId, inFlight + 1);
        void this.produce(nodeId, chosen).finally(() => {
          this.inFlightPerNode.set(nodeId, (this.inFlightPerNode.get(nodeId) ?? 1) - 1);
          for (const batch of chosen) this.inFlightBatches.delete(batch);
          this.wakeup();
        });
      }
    }

    // Metadata ages while the producer is idle too (Java refreshes it every metadata.max.age.ms regardless),
    // so the next record goes to the current leader and sees new partitions.
    const staleIn = this.refreshing ? Number.POSITIVE_INFINITY : this.metadata.staleInMs();
    this.scheduleTimer(Math.min(nextReadyInMs, this.accumulator.nextDeadlineMs() - this.now(), staleIn));
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
      state = { encoded: null, lastError: undefined };
      this.states.set(batch, state);
    }
    return state;
  }

  private async encode(batch: ProducerBatch): Promise<Uint8Array> {
    const state = this.state(batch);
    // Encoding is a pure function of the batch, so a retry could re-encode; keeping the bytes saves
    // compressing twice.
    if (state.encoded === null) {
      state.encoded = await encodeRecordBatch({
        compression: this.config.compressionType,
        ...(this.config.compressionLevel === undefined
          ? {}
          : { compressionLevel: this.config.compressionLevel }),
        records: batch.records,
      });
    }
    return state.encoded;
  }

  private async produce(nodeId: number, batches: ProducerBatch[]): Promise<void> {
    let version: number;
    let useTopicIds: boolean;
    let sent: Promise<ProduceResponse | undefined>;
    try {
      const connection = await this.pool.get(nodeId, 'produce');
      const encoded = await Promise.all(batches.map((batch) => this.encode(batch)));
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
        (result.errorCode === MESSAGE_TOO_LARGE || result.errorCode === RECORD_LIST_TOO_LARGE) &&
        batch.recordCount > 1
      ) {
        this.split(batch);
        continue;
      }
      const message = result.errorMessage
        ? `${error.message} Broker says: ${result.errorMessage}`
        : error.message;
      this.handleFailure(batch, error, message, result.recordErrors, leaderHinted);
    }
  }

  private succeed(batch: ProducerBatch, baseOffset: bigint, logAppendTimeMs: bigint): void {
    if (this.abandoned(batch)) return;
    this.accumulator.release(batch);
    this.accumulator.remove(batch);
    batch.complete(baseOffset, logAppendTimeMs);
  }

  /** Splits a batch the broker found too large into two halves, sent in order; no attempt is counted. */
  private split(batch: ProducerBatch): void {
    const half = Math.ceil(batch.recordCount / 2);
    const parts = [batch.records.slice(0, half), batch.records.slice(half)].map((records) => {
      const part = new ProducerBatch(batch.topic, batch.partition, batch.createdMs, batch.deadlineMs);
      part.baseTimestamp = records[0]!.timestamp;
      part.closed = true;
      // Sizes depend on deltas within the batch; for readiness only the fact that they are closed matters.
      part.sizeInBytes = BATCH_OVERHEAD + records.reduce((sum: number, r: PendingRecord) => sum + r.size, 0);
      part.records.push(...records);
      return part;
    });
    this.accumulator.release(batch);
    this.accumulator.replace(batch, parts);
  }

  private handleFailure(
    batch: ProducerBatch,
    error: unknown,
    message?: string,
    recordErrors?: Array<{ batchIndex: number; batchIndexErrorMessage?: string | null }>,
    leaderHinted = false,
  ): void {
    if (this.abandoned(batch)) return;
    const state = this.state(batch);
    state.lastError = error;
    const wire = error instanceof KafkaWireError ? error : undefined;
    // Java asks for metadata only when the response did not already say where the partition went.
    if (wire?.refreshMetadata && !leaderHinted) this.refreshMetadata();
    const canRetry =
      wire?.retriable === true &&
      batch.attempts <= this.config.retries &&
      this.now() < batch.deadlineMs &&
      !this.stopped;
    if (canRetry) {
      batch.retryAtMs = this.now() + this.retryBackoff.backoff(batch.attempts - 1);
      this.accumulator.release(batch);
      return;
    }
    const errorName = (wire as { errorName?: string } | undefined)?.errorName ?? wire?.name ?? 'Error';
    const base = message ?? (error instanceof Error ? error.message : String(error));
    const why =
      wire?.retriable && batch.attempts > this.config.retries
        ? ` Gave up after ${batch.attempts} attempt(s) (retries = ${this.config.retries}).`
        : '';
    if (recordErrors !== undefined && recordErrors.length > 0) {
      // Produce v8+: the broker named the records it refused; the rest of the batch failed with them.
      const perRecord = new Map(recordErrors.map((e) => [e.batchIndex, e.batchIndexErrorMessage ?? null]));
      this.accumulator.release(batch);
      this.accumulator.remove(batch);
      batch.records.forEach((record, index) => {
        const specific = perRecord.get(index);
        const text =
          specific === undefined
            ? `Record of ${batch.topic}-${batch.partition} was not written because another record in its batch was refused: ${base}`
            : `Record ${index} of its batch was refused by ${batch.topic}-${batch.partition}: ${specific ?? base}`;
        record.callback(new ProduceError(batch.topic, batch.partition, errorName, text, error), null);
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
    this.accumulator.release(batch);
    this.accumulator.remove(batch);
    batch.fail(error);
  }
}
