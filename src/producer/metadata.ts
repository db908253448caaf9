import { KafkaWireError } from '../errors.js';
import { type Logger, SILENT_LOGGER } from '../logger.js';
import { AuthenticationError, ClientClosedError } from '../net/errors.js';
import type { BrokerAddress } from '../net/pool.js';
import type { TopicPartitionsView } from '../partition/types.js';
import { AuthorizationError, kafkaErrorFor } from '../protocol/errors.js';
import { ZERO_UUID } from '../protocol/uuid.js';
import { TopicNotAvailableError } from './errors.js';

// The producer's view of the cluster: brokers, and for each topic it writes to, the partitions with their
// leader and leader epoch. Everything that needs a fresher view asks `refresh()`, and there is at most one
// Metadata request in flight for all of them (plus at most one queued behind it), spaced by a backoff, so a
// failing cluster never sees a storm of metadata requests (the kafkajs #1324 failure mode).

export interface PartitionMetadata {
  partition: number;
  /** -1 while there is no leader (election in progress, replicas offline). */
  leaderId: number;
  leaderEpoch: number;
}

export interface TopicMetadata extends TopicPartitionsView {
  readonly topicId: string | null;
  readonly partitions: readonly PartitionMetadata[];
}

/** The parts of a Metadata response the cache reads (field names as in Kafka's MetadataResponse spec). */
export interface MetadataSnapshot {
  brokers: BrokerAddress[];
  topics: Array<{
    errorCode: number;
    name: string | null;
    topicId?: string;
    partitions: Array<{ errorCode: number; partitionIndex: number; leaderId: number; leaderEpoch?: number }>;
  }>;
}

/** Sends one Metadata request for `topics` to some reachable broker. */
export type MetadataFetcher = (
  topics: string[],
  allowAutoTopicCreation: boolean,
) => Promise<MetadataSnapshot>;

/** A broker address the client could not connect to, and why (refused, unresolvable, TLS, timeout...). */
export interface ConnectFailure {
  address: string;
  error: Error;
}

export interface MetadataCacheOptions {
  fetch: MetadataFetcher;
  /** Why the last connection attempts failed, per address: what a metadata wait that ran out reports. */
  connectFailures?: () => readonly ConnectFailure[];
  allowAutoCreateTopics: boolean;
  metadataMaxAgeMs: number;
  retryBackoffMs: number;
  retryBackoffMaxMs: number;
  now?: () => number;
  /** New topics and partitions, leader moves and failed refreshes are logged here. */
  logger?: Logger;
}

export class MetadataCache {
  private readonly options: MetadataCacheOptions;
  private readonly now: () => number;
  private readonly brokersById = new Map<number, BrokerAddress>();
  private readonly topics = new Map<string, TopicMetadata>();
  /**
   * The last topic() asked for and its answer, until `topics` changes: every record asks, nearly always for
   * the topic the record before asked for, and a Map lookup by name hashes and compares the string (with the
   * producer's other lookup per record, 1.5 % of the event loop at 1M x 100 B).
   */
  private lastName: string | undefined = undefined;
  private lastTopic: TopicMetadata | undefined = undefined;
  // Errors the last response gave per topic (e.g. UNKNOWN_TOPIC_OR_PARTITION while auto-creation runs).
  private readonly topicErrors = new Map<string, number>();
  private readonly interested = new Set<string>();
  private inflight: Promise<void> | null = null;
  private queued: Promise<void> | null = null;
  private lastRefreshMs = Number.NEGATIVE_INFINITY;
  private lastAttemptMs = Number.NEGATIVE_INFINITY;
  private consecutiveFailures = 0;
  private listeners = new Set<() => void>();
  private closed = false;
  private readonly log: Logger;
  /** Why the last refresh failed; null once one succeeded. */
  private lastFailure: Error | null = null;

  constructor(options: MetadataCacheOptions) {
    this.options = options;
    this.now = options.now ?? Date.now;
    this.log = options.logger ?? SILENT_LOGGER;
  }

  /** Why the last metadata refresh failed (null when it succeeded): what batches waiting for a leader wait on. */
  get lastRefreshError(): Error | null {
    return this.lastFailure;
  }

  /** True once any broker answered a Metadata request. */
  private get answered(): boolean {
    return Number.isFinite(this.lastRefreshMs);
  }

  get brokers(): ReadonlyMap<number, BrokerAddress> {
    return this.brokersById;
  }

  topic(name: string): TopicMetadata | undefined {
    if (name === this.lastName) return this.lastTopic;
    const topic = this.topics.get(name);
    this.lastName = name;
    this.lastTopic = topic;
    return topic;
  }

  private setTopic(name: string, topic: TopicMetadata): void {
    this.topics.set(name, topic);
    this.lastName = undefined;
    this.lastTopic = undefined;
  }

  /** True when metadata is older than metadataMaxAgeMs and should be refreshed in the background. */
  isStale(): boolean {
    return this.now() - this.lastRefreshMs >= this.options.metadataMaxAgeMs;
  }

  /** Milliseconds until the metadata becomes stale (Infinity before the first fetch and after close). */
  staleInMs(): number {
    if (this.closed || !Number.isFinite(this.lastRefreshMs)) return Number.POSITIVE_INFINITY;
    return this.lastRefreshMs + this.options.metadataMaxAgeMs - this.now();
  }

  /** Called after every successful refresh (the sender re-checks leaders of waiting batches). */
  onUpdate(listener: () => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  /**
   * Fetches fresh metadata for every topic in use. Callers share one request; a call made while one is
   * in flight gets the next one, because the in-flight request may predate the caller's reason to ask
   * (a new topic, a leader that just moved).
   */
  refresh(): Promise<void> {
    if (this.inflight === null) {
      const run = this.fetchOnce().finally(() => {
        if (this.inflight === run) this.inflight = null;
      });
      this.inflight = run;
      return run;
    }
    if (this.queued === null) {
      const queued = this.inflight
        .catch(() => undefined)
        .then(() => {
          this.queued = null;
          return this.refresh();
        });
      this.queued = queued;
    }
    return this.queued;
  }

  /**
   * Resolves with the topic's metadata once it has partitions, refreshing as needed. Rejects with a clear
   * error when the topic cannot be used (authorization, invalid name) or is still missing at `deadlineMs`.
   *
   * Refused credentials or TLS (an AuthenticationError from the connection) reject at once rather than at the
   * deadline, as Java's producer throws an AuthenticationException from send(): waiting cannot fix a
   * configuration, and the connection pool makes one attempt per reconnect backoff, so a later send tries again
   * without a storm of connections.
   */
  async waitForTopic(topic: string, deadlineMs: number): Promise<TopicMetadata> {
    const known = this.topics.get(topic);
    if (known !== undefined && this.interested.has(topic)) return known;
    this.interested.add(topic);
    let lastError: unknown;
    for (;;) {
      if (this.closed)
        throw new ClientClosedError(
          `The producer was closed while this record waited for metadata of topic '${topic}': it was not sent.`,
        );
      const current = this.topics.get(topic);
      if (current !== undefined) return current;
      const code = this.topicErrors.get(topic);
      if (code !== undefined && code !== 0) {
        const error = kafkaErrorFor(code, { api: 'Metadata', topic });
        // Its message already names the topic and the ACL to grant.
        if (error instanceof AuthorizationError) throw error;
        // Missing topics (being auto-created) and leaderless ones are worth waiting for; the rest are final.
        if (!error.retriable) {
          throw new TopicNotAvailableError(
            topic,
            `Cannot write to topic '${topic}': ${error.message}`,
            error,
          );
        }
        lastError = error;
      }
      const remaining = deadlineMs - this.now();
      if (remaining <= 0) throw this.notAvailable(topic, lastError);
      try {
        await withTimeout(this.refresh(), remaining);
      } catch (error) {
        lastError = error;
        if (error instanceof AuthenticationError) throw error;
        if (error instanceof KafkaWireError && error.fatal) throw error;
      }
    }
  }

  /**
   * Why a topic's metadata did not come within maxBlockMs. When no broker answered, the brokers the client
   * could not connect to, each with its cause, rather than the wait that ran out.
   */
  private notAvailable(topic: string, lastError: unknown): TopicNotAvailableError {
    const unreachable = this.options.connectFailures?.() ?? [];
    if (!this.answered && unreachable.length > 0) {
      const causes = unreachable.map(({ address, error }) => {
        const text = error.message.trimEnd();
        const sentence = /[.?!]$/.test(text) ? text : `${text}.`;
        return sentence.includes(address) ? sentence : `${address}: ${sentence}`;
      });
      return new TopicNotAvailableError(
        topic,
        `No metadata for topic '${topic}' within maxBlockMs: the client could not connect to any broker. ${causes.join(' ')} Once that is fixed, send again (or raise maxBlockMs to wait longer for the brokers).`,
        unreachable[unreachable.length - 1]!.error,
      );
    }
    const reason =
      lastError instanceof Error ? ` Last error: ${lastError.message}` : ' No broker answered in time.';
    return new TopicNotAvailableError(
      topic,
      `Topic '${topic}' is not present in the cluster's metadata after waiting maxBlockMs.${reason} Create the topic (or enable auto.create.topics.enable on the brokers), check the bootstrapServers, or raise maxBlockMs.`,
      lastError,
    );
  }

  /**
   * KIP-951: a Produce response listed the endpoints of the leaders it names. Returns true when one was new
   * or moved, so the caller can tell the connection pool about it.
   */
  addBrokers(endpoints: BrokerAddress[]): boolean {
    let changed = false;
    for (const endpoint of endpoints) {
      const known = this.brokersById.get(endpoint.nodeId);
      if (known?.host === endpoint.host && known.port === endpoint.port) continue;
      this.brokersById.set(endpoint.nodeId, endpoint);
      changed = true;
    }
    return changed;
  }

  /**
   * KIP-951: a Produce response named the new leader; use it now instead of waiting for a refresh. Returns
   * true when the partition now points at that leader, false when the hint was stale (an older leader
   * epoch) or names a broker we have no address for: then only a metadata refresh can help.
   */
  applyLeaderHint(topic: string, partition: number, leaderId: number, leaderEpoch: number): boolean {
    const meta = this.topics.get(topic);
    const current = meta?.partitions[partition];
    if (meta === undefined || current === undefined || leaderId < 0) return false;
    if (leaderEpoch < current.leaderEpoch) return false;
    if (!this.brokersById.has(leaderId)) return false;
    const partitions = meta.partitions.slice();
    partitions[partition] = { partition, leaderId, leaderEpoch };
    this.setTopic(topic, buildTopic(meta.topic, meta.topicId, partitions));
    if (current.leaderId !== leaderId) {
      this.log.info(
        {
          topic,
          partition,
          leader: leaderId,
          previousLeader: current.leaderId,
          leaderEpoch,
          source: 'produce response',
        },
        'partition leader moved',
      );
    }
    return true;
  }

  close(): void {
    this.closed = true;
    this.listeners.clear();
  }

  private async fetchOnce(): Promise<void> {
    // Space attempts out exponentially after failures, and by retryBackoffMs in any case.
    const backoff =
      this.consecutiveFailures === 0
        ? this.options.retryBackoffMs
        : Math.min(
            this.options.retryBackoffMaxMs,
            this.options.retryBackoffMs * 2 ** this.consecutiveFailures,
          );
    const wait = this.lastAttemptMs + backoff - this.now();
    if (wait > 0) await new Promise((resolve) => setTimeout(resolve, wait).unref?.());
    this.lastAttemptMs = this.now();
    try {
      const snapshot = await this.options.fetch([...this.interested], this.options.allowAutoCreateTopics);
      this.apply(snapshot);
      this.consecutiveFailures = 0;
      this.lastFailure = null;
    } catch (error) {
      this.consecutiveFailures++;
      // Refused credentials or ACLs need the user; a broker being away is routine. Warned once per run of them.
      const warned = needsUser(this.lastFailure);
      this.lastFailure = error instanceof Error ? error : new KafkaWireError(String(error));
      this.log[needsUser(error) && !warned ? 'warn' : 'debug'](
        { err: this.lastFailure, attempt: this.consecutiveFailures, topics: [...this.interested] },
        'metadata refresh failed',
      );
      throw error;
    }
  }

  private apply(snapshot: MetadataSnapshot): void {
    this.brokersById.clear();
    for (const b of snapshot.brokers) {
      this.brokersById.set(b.nodeId, { nodeId: b.nodeId, host: b.host, port: b.port, rack: b.rack ?? null });
    }
    for (const t of snapshot.topics) {
      if (t.name === null) continue;
      const known = this.topics.get(t.name);
      this.topicErrors.set(t.name, t.errorCode);
      if (t.errorCode !== 0 || t.partitions.length === 0) {
        // Keep what we knew while a topic is briefly unavailable (e.g. every leader offline): keyed records
        // must keep hashing over the same partition count.
        if (t.errorCode !== 0 && !this.topics.has(t.name)) continue;
        if (t.partitions.length === 0) continue;
      }
      const partitions: PartitionMetadata[] = [];
      for (const p of t.partitions) {
        partitions[p.partitionIndex] = {
          partition: p.partitionIndex,
          leaderId: p.errorCode === 0 || p.leaderId >= 0 ? p.leaderId : -1,
          leaderEpoch: p.leaderEpoch ?? -1,
        };
      }
      // A response with holes in the partition list is not usable for hashing; wait for a complete one.
      if (partitions.length !== t.partitions.length) continue;
      const topicId = t.topicId === undefined || t.topicId === ZERO_UUID ? null : t.topicId;
      this.setTopic(t.name, buildTopic(t.name, topicId, partitions));
      this.logChanges(t.name, known, partitions);
    }
    this.lastRefreshMs = this.now();
    for (const listener of this.listeners) listener();
  }

  /** Info entries for what changed in a topic's metadata: first sight, added partitions, moved leaders. */
  private logChanges(
    topic: string,
    known: TopicMetadata | undefined,
    partitions: readonly PartitionMetadata[],
  ): void {
    if (known === undefined) {
      this.log.info(
        { topic, partitions: partitions.length, leaders: partitions.map((p) => p.leaderId) },
        'topic metadata',
      );
      return;
    }
    if (partitions.length > known.partitions.length) {
      this.log.info(
        { topic, partitions: partitions.length, previousPartitions: known.partitions.length },
        'topic has new partitions',
      );
    }
    for (const p of partitions) {
      const before = known.partitions[p.partition];
      if (before === undefined || before.leaderId === p.leaderId) continue;
      this.log.info(
        {
          topic,
          partition: p.partition,
          leader: p.leaderId,
          previousLeader: before.leaderId,
          leaderEpoch: p.leaderEpoch,
        },
        p.leaderId < 0 ? 'partition has no leader' : 'partition leader moved',
      );
    }
  }
}

function needsUser(error: unknown): boolean {
  return error instanceof AuthenticationError || error instanceof AuthorizationError;
}

function buildTopic(topic: string, topicId: string | null, partitions: PartitionMetadata[]): TopicMetadata {
  const availablePartitions: number[] = [];
  for (const p of partitions) if (p.leaderId >= 0) availablePartitions.push(p.partition);
  return { topic, topicId, partitions, numPartitions: partitions.length, availablePartitions };
}

function withTimeout<T>(promise: Promise<T>, ms: number): Promise<T> {
  return new Promise<T>((resolve, reject) => {
    const timer = setTimeout(() => reject(new KafkaWireError('Timed out waiting for metadata.')), ms);
    promise.then(
      (value) => {
        clearTimeout(timer);
        resolve(value);
      },
      (error: unknown) => {
        clearTimeout(timer);
        reject(error);
      },
    );
  });
}
