import type { ConnectionOptions } from 'node:tls';
import { isLogger, type Logger, shieldLogger } from '../logger.js';
import { SaslConfigError } from '../net/sasl/config-error.js';
import type { SaslMechanism } from '../net/sasl/mechanism.js';
import { resolveSaslMechanism, type SaslOption } from '../net/sasl/options.js';
import type { TopicPartitionsView } from '../partition/types.js';
import { INT32_MAX } from '../protocol/int-limits.js';
import type { CompressionType } from '../records/types.js';
import type { Serializer } from '../serializers/types.js';
import { ProducerConfigError } from './errors.js';
import type { RecordMetadata } from './producer-batch.js';
import type { KeyValue, ProducerRecord } from './record-input.js';
import { withSecretsHidden } from './redacted.js';

export { ProducerConfigError };

// Producer options carry the Java producer's names, camel-cased (`linger.ms` -> `lingerMs`), with the Java
// 4.x defaults, so that settings carry over from Java documentation and tuning guides unchanged.

export type { CompressionType };
export type Acks = 0 | 1 | -1 | 'all';

/** What a custom partitioner sees for one record. Return a partition id in [0, numPartitions). */
export interface PartitionerInput {
  topic: string;
  key: Uint8Array | null;
  value: Uint8Array | null;
  /** The topic's partitions, and which of them have a leader right now. */
  cluster: TopicPartitionsView;
}
export type CustomPartitioner = (input: PartitionerInput) => number;

/**
 * Sees every record on its way in and its outcome on its way out (Java's `ProducerInterceptor`). Every
 * method is optional.
 */
export interface ProducerInterceptor<K = KeyValue, V = KeyValue> {
  /**
   * Called once with the producer's resolved configuration (its `clientId`, say) when the producer is
   * created, before any record (Java's `configure`).
   */
  configure?(config: ResolvedProducerConfig): void;
  /**
   * Called in `send()`/`produce()` before the record is serialized and partitioned; returns the record to
   * send (the same one, or a copy with headers added, say). The next interceptor gets what this one
   * returned. If it throws, the record goes on as it was before this interceptor.
   */
  onSend?(record: ProducerRecord<K, V>): ProducerRecord<K, V>;
  /**
   * Called with the record's outcome just before the caller hears it: `metadata` once the broker
   * acknowledged it, `error` if it failed (before or after reaching the broker). `record` is the record as
   * the interceptors returned it from `onSend`, so an interceptor can tell which of its records this is.
   */
  onAcknowledgement?(
    metadata: RecordMetadata | undefined,
    error: Error | undefined,
    record: ProducerRecord<K, V>,
  ): void;
  /** Called once when the producer has closed (Java's `close`). */
  close?(): void;
}

export interface ProducerOptions<K = KeyValue, V = KeyValue> {
  /** Turns record keys into bytes. Default: bytes as they are, strings UTF-8, numbers/bigints as text. */
  keySerializer?: Serializer<K>;
  /** Turns record values into bytes. Default as for keys. */
  valueSerializer?: Serializer<V>;
  /**
   * `interceptor.classes`: objects whose `onSend(record)` sees (and may replace) every record before it is
   * serialized and partitioned, and whose `onAcknowledgement(metadata, error, record)` sees its outcome
   * before the caller does; run in order. An interceptor that throws is reported as a warning and skipped.
   * Typed for any record (an interceptor written for this producer's key and value types fits too), so
   * options shared between producers of different types still type-check.
   */
  interceptors?: readonly ProducerInterceptor<unknown, unknown>[];
  /** `bootstrap.servers`: 'host:port' entries, comma-separated or as an array. Required. */
  bootstrapServers: string | readonly string[];
  /** `client.id`: sent with every request, shows up in broker logs and quotas. Default: `kafka-wire-producer-N`. */
  clientId?: string;
  /** `acks`: 0 (no response), 1 (leader wrote it), -1/'all' (all in-sync replicas have it). Default 'all'. */
  acks?: Acks;
  /** `compression.type`. Default 'none'. */
  compressionType?: CompressionType;
  /** `compression.<codec>.level`: gzip 1-9 (default -1 = zlib's), lz4 1-17 (default 9), zstd -131072..22 (default 3). */
  compressionLevel?: number;
  /** `linger.ms`: how long a partition's batch may wait for more records before it is sent. Default 5. */
  lingerMs?: number;
  /**
   * `batch.size`: the most record bytes one partition's batch collects before it is sent. Default 131072
   * (Java's is 16384; PRODUCER_OPTIONS says why). With compression it bounds the estimated compressed size,
   * and 2 x batchSize the uncompressed records. Without idempotence, a batch waiting behind its partition's
   * batch in flight may grow to 8 x batchSize (at most maxRequestSize and 1 MiB); see the README.
   */
  batchSize?: number;
  /** `request.timeout.ms`: how long to wait for a broker's response; also the Produce timeout. Default 30000. */
  requestTimeoutMs?: number;
  /**
   * `delivery.timeout.ms`: the upper bound on the time between `send()` and its promise settling, retries
   * included. Must be >= lingerMs + requestTimeoutMs. Default 120000.
   */
  deliveryTimeoutMs?: number;
  /** `retries`: how many times a failed batch is retried (still bounded by deliveryTimeoutMs). Default 2147483647. */
  retries?: number;
  /** `retry.backoff.ms`: the first wait before a retry; doubles per attempt with ±20% jitter. Default 100. */
  retryBackoffMs?: number;
  /** `retry.backoff.max.ms`: the longest wait between retries. Default 1000. */
  retryBackoffMaxMs?: number;
  /** `max.request.size`: the largest Produce request, and so the largest record, we send. Default 1048576. */
  maxRequestSize?: number;
  /**
   * `max.block.ms`: how long a record may wait inside `send()`/`produce()` before it is accepted: for its
   * topic's metadata (e.g. a topic being created), and for room in bufferMemory. Default 60000.
   */
  maxBlockMs?: number;
  /**
   * `buffer.memory`: the most bytes of records the producer holds at once, waiting to be sent or awaiting
   * the broker's answer (exact encoded sizes, counted until each record's outcome is known). When a record
   * does not fit, it waits (in send order) until earlier records are delivered; after maxBlockMs it is
   * rejected with a `BufferExhaustedError`. A record larger than bufferMemory is rejected at once.
   * `produce()` returns false while records wait, like a stream's `write()`. Default 33554432 (32 MiB).
   */
  bufferMemory?: number;
  /** `metadata.max.age.ms`: metadata older than this is refreshed even without errors. Default 300000. */
  metadataMaxAgeMs?: number;
  /** `max.in.flight.requests.per.connection`: at most 5 with idempotence. Default 5. */
  maxInFlightRequestsPerConnection?: number;
  /**
   * `enable.idempotence`: the broker drops retried duplicates and keeps per-partition order with up to 5
   * requests in flight. Needs acks 'all', retries > 0 and maxInFlightRequestsPerConnection <= 5. Default
   * true; when left unset and another option conflicts, it is turned off (as in Java); set explicitly
   * with a conflict, it is a configuration error.
   */
  enableIdempotence?: boolean;
  /** `reconnect.backoff.ms`: first wait before reconnecting to a broker. Default 50. */
  reconnectBackoffMs?: number;
  /** `reconnect.backoff.max.ms`: longest wait before reconnecting. Default 1000. */
  reconnectBackoffMaxMs?: number;
  /** `connections.max.idle.ms`: idle connections are closed after this. Default 540000. */
  connectionsMaxIdleMs?: number;
  /** `metrics.sample.window.ms`: how long one sample of the windowed metrics covers. Default 30000. */
  metricsSampleWindowMs?: number;
  /** `metrics.num.samples`: samples the windowed metrics keep. Default 2. */
  metricsNumSamples?: number;
  /** `socket.connection.setup.timeout.ms`: how long a TCP (+TLS) connect may take. Default 10000. */
  socketConnectionSetupTimeoutMs?: number;
  /**
   * `partitioner.class`: 'default' (murmur2 of the key as Java does, uniform sticky for null keys),
   * 'round-robin' (every record to the next partition), or a function. Default 'default'.
   */
  partitioner?: 'default' | 'round-robin' | CustomPartitioner;
  /** `partitioner.ignore.keys`: partition keyed records like keyless ones. Default false. */
  partitionerIgnoreKeys?: boolean;
  /** `partitioner.adaptive.partitioning.enable`: steer keyless records away from slow brokers. Default true. */
  partitionerAdaptivePartitioningEnable?: boolean;
  /** `allow.auto.create.topics`: let metadata requests create missing topics (if the broker allows it). Default true. */
  allowAutoCreateTopics?: boolean;
  /** TLS: `true` for default options, or Node's `tls.connect` options (ca, cert, key, servername, ...). Default off. */
  ssl?: boolean | ConnectionOptions;
  /**
   * SASL authentication on every connection (with `ssl`: Java's SASL_SSL, without: SASL_PLAINTEXT), kafkajs's shape:
   * `{ mechanism: 'plain' | 'scram-sha-256' | 'scram-sha-512', username, password }`,
   * `{ mechanism: 'oauthbearer', oauthBearerProvider }` or `{ mechanism: 'oauthbearer', oidc: { tokenEndpointUrl,
   * clientId, clientSecret, scope? } }`, `{ mechanism: 'custom', name, authenticate }`, or `awsMskIam()` from
   * kafka-wire/aws. Default none.
   */
  sasl?: SaslOption;
  /**
   * `transactional.id`: makes the producer transactional (initTransactions, beginTransaction, commitTransaction,
   * ...). One producer per id at a time: a new one fences the old. Needs idempotence (acks 'all'). Default none.
   */
  transactionalId?: string;
  /**
   * `transaction.timeout.ms`: how long the coordinator lets a transaction stay open before aborting it; at most
   * the brokers' transaction.max.timeout.ms. Default 60000.
   */
  transactionTimeoutMs?: number;
  /**
   * Where the producer logs (connections, metadata changes, retries, epoch bumps, throttling, transactions):
   * a pino-compatible logger (`debug/info/warn/error(fields, message)`; pino, bunyan and `console` fit).
   * Default: warnings and errors only, as Node process warnings (`KafkaWireWarning`).
   */
  logger?: Logger;
}

/** Options with serializers of any type: validation does not look at what they take. */
type AnyProducerOptions = ProducerOptions<unknown, unknown>;

export interface ResolvedProducerConfig {
  bootstrapServers: Array<{ host: string; port: number }>;
  clientId: string;
  acks: 0 | 1 | -1;
  compressionType: CompressionType;
  compressionLevel: number | undefined;
  lingerMs: number;
  batchSize: number;
  requestTimeoutMs: number;
  deliveryTimeoutMs: number;
  retries: number;
  retryBackoffMs: number;
  retryBackoffMaxMs: number;
  maxRequestSize: number;
  maxBlockMs: number;
  bufferMemory: number;
  metadataMaxAgeMs: number;
  maxInFlightRequestsPerConnection: number;
  enableIdempotence: boolean;
  reconnectBackoffMs: number;
  reconnectBackoffMaxMs: number;
  connectionsMaxIdleMs: number;
  metricsSampleWindowMs: number;
  metricsNumSamples: number;
  socketConnectionSetupTimeoutMs: number;
  partitioner: 'default' | 'round-robin' | CustomPartitioner;
  partitionerIgnoreKeys: boolean;
  partitionerAdaptivePartitioningEnable: boolean;
  allowAutoCreateTopics: boolean;
  /** TLS options as given (`{}` for `ssl: true`); the private key and passphrase show as `[redacted]` when logged. */
  ssl: ConnectionOptions | undefined;
  /** The SASL mechanism built from the `sasl` option; it keeps its secrets to itself (logs show name and principal). */
  sasl: SaslMechanism | undefined;
  /** Set: the producer is transactional (and idempotent). */
  transactionalId: string | undefined;
  transactionTimeoutMs: number;
  /** The `logger` option, or the default (warnings as process warnings), shielded against throwing. */
  logger: Logger;
}

let clientIdCounter = 0;

const LEVEL_RANGES: Record<CompressionType, [number, number] | null> = {
  none: null,
  snappy: null,
  gzip: [-1, 9],
  lz4: [1, 17],
  zstd: [-131072, 22],
};

function integer(options: AnyProducerOptions, name: IntegerOption, min: number, max = INT32_MAX): number {
  const value = options[name] ?? PRODUCER_OPTIONS[name].default;
  if (typeof value !== 'number' || !Number.isInteger(value) || value < min || value > max) {
    throw new ProducerConfigError(name, `expected an integer in [${min}, ${max}], got ${String(value)}.`);
  }
  return value;
}

function boolean(options: AnyProducerOptions, name: BooleanOption): boolean {
  const value = options[name] ?? PRODUCER_OPTIONS[name].default;
  if (typeof value !== 'boolean')
    throw new ProducerConfigError(name, `expected true or false, got ${String(value)}.`);
  return value;
}

/** Parses 'host:port' (IPv6 as '[::1]:9092'); a missing port means 9092. */
export function parseBrokerAddress(entry: string): { host: string; port: number } {
  const trimmed = entry.trim();
  const match = /^(?:\[([^\]]+)\]|([^:\s]+))(?::(\d+))?$/.exec(trimmed);
  const host = match?.[1] ?? match?.[2];
  const port = match?.[3] === undefined ? 9092 : Number(match[3]);
  if (host === undefined || !Number.isInteger(port) || port < 1 || port > 65535) {
    throw new ProducerConfigError('bootstrapServers', `'${entry}' is not a 'host:port' address.`);
  }
  return { host, port };
}

/**
 * One producer option: the Java setting it mirrors (as Java's documentation names it), and either the value
 * an unset option stands for (resolveProducerConfig falls back to it) or, where the default is no single
 * value (required, generated, per codec), the default in words.
 */
export type OptionDefinition<T> =
  | { readonly java: string; readonly default: T }
  | { readonly java: string; readonly defaultText: string };

type OptionTable = {
  readonly [K in keyof Required<AnyProducerOptions>]: OptionDefinition<NonNullable<AnyProducerOptions[K]>>;
};

/**
 * Every producer option. The type makes it list exactly the options ProducerOptions declares; the names
 * accepted and the defaults applied come from here, and a unit test holds the README's Configuration section
 * to it (names, Java names, defaults). A new option is a member of ProducerOptions, a row here and a bullet
 * in the README.
 */
export const PRODUCER_OPTIONS = {
  bootstrapServers: { java: 'bootstrap.servers', defaultText: 'none (required)' },
  clientId: { java: 'client.id', defaultText: 'kafka-wire-producer-N' },
  acks: { java: 'acks', default: 'all' },
  enableIdempotence: { java: 'enable.idempotence', default: true },
  compressionType: { java: 'compression.type', default: 'none' },
  compressionLevel: { java: 'compression.<codec>.level', defaultText: 'per codec' },
  lingerMs: { java: 'linger.ms', default: 5 },
  // 128 KiB, not Java's 16 KiB: our sender runs on the application's event loop, not a thread of its own, so
  // what each batch's request costs is the caller's CPU. Measured against one broker over 6 partitions,
  // 16 KiB batches took 1.2-1.8x the CPU per record of 128 KiB ones; 256 KiB-1 MiB saved little
  // more while the event loop's p99 delay and many-partition latency grew (produce() yields once per
  // batchSize bytes). The cost: every open batch holds a batchSize buffer, which over hundreds of partitions
  // with few records each costs more than it saves. One batch stays far below the broker's default
  // message.max.bytes (1 MiB + 12).
  batchSize: { java: 'batch.size', default: 131072 },
  maxRequestSize: { java: 'max.request.size', default: 1048576 },
  requestTimeoutMs: { java: 'request.timeout.ms', default: 30000 },
  deliveryTimeoutMs: { java: 'delivery.timeout.ms', default: 120000 },
  retries: { java: 'retries', default: INT32_MAX },
  retryBackoffMs: { java: 'retry.backoff.ms', default: 100 },
  retryBackoffMaxMs: { java: 'retry.backoff.max.ms', default: 1000 },
  maxInFlightRequestsPerConnection: { java: 'max.in.flight.requests.per.connection', default: 5 },
  maxBlockMs: { java: 'max.block.ms', default: 60000 },
  bufferMemory: { java: 'buffer.memory', default: 33554432 },
  metadataMaxAgeMs: { java: 'metadata.max.age.ms', default: 300000 },
  allowAutoCreateTopics: { java: 'allow.auto.create.topics', default: true },
  partitioner: { java: 'partitioner.class', default: 'default' },
  partitionerIgnoreKeys: { java: 'partitioner.ignore.keys', default: false },
  partitionerAdaptivePartitioningEnable: { java: 'partitioner.adaptive.partitioning.enable', default: true },
  reconnectBackoffMs: { java: 'reconnect.backoff.ms', default: 50 },
  reconnectBackoffMaxMs: { java: 'reconnect.backoff.max.ms', default: 1000 },
  socketConnectionSetupTimeoutMs: { java: 'socket.connection.setup.timeout.ms', default: 10000 },
  connectionsMaxIdleMs: { java: 'connections.max.idle.ms', default: 540000 },
  metricsSampleWindowMs: { java: 'metrics.sample.window.ms', default: 30000 },
  metricsNumSamples: { java: 'metrics.num.samples', default: 2 },
  ssl: { java: 'security.protocol=SSL', default: false },
  sasl: { java: 'sasl.mechanism, sasl.jaas.config', defaultText: 'none' },
  transactionalId: { java: 'transactional.id', defaultText: 'none' },
  transactionTimeoutMs: { java: 'transaction.timeout.ms', default: 60000 },
  logger: { java: 'log4j/slf4j configuration', defaultText: 'warnings as process warnings' },
  keySerializer: { java: 'key.serializer', defaultText: 'none' },
  valueSerializer: { java: 'value.serializer', defaultText: 'none' },
  interceptors: { java: 'interceptor.classes', defaultText: 'none' },
} as const satisfies OptionTable;

type OptionName = keyof typeof PRODUCER_OPTIONS;
type OptionWithDefault<T> = {
  [K in OptionName]: (typeof PRODUCER_OPTIONS)[K] extends { readonly default: T } ? K : never;
}[OptionName];
type IntegerOption = OptionWithDefault<number>;
type BooleanOption = OptionWithDefault<boolean>;

// A misspelt or Java-style name (`linger.ms`) would otherwise be ignored without a word and the producer
// would run on a default the user meant to change.
const KNOWN_OPTIONS: ReadonlySet<string> = new Set(Object.keys(PRODUCER_OPTIONS));

function rejectUnknownOptions(options: object): void {
  for (const name of Object.keys(options)) {
    if (KNOWN_OPTIONS.has(name)) continue;
    const guess = closestOption(name);
    throw new ProducerConfigError(
      name,
      `no such option${guess === undefined ? '.' : `; did you mean ${guess}?`} Options use the Java producer's names camel-cased (linger.ms -> lingerMs); the README lists them all.`,
    );
  }
}

/** The known option a misspelling or a Java name most likely meant, if any is close. */
function closestOption(name: string): string | undefined {
  // linger.ms, max.in.flight.requests.per.connection, buffer_memory: Java's words, camel-cased.
  const camel = name.toLowerCase().replace(/[._-]+([a-z0-9])/g, (_, c: string) => c.toUpperCase());
  const folded = camel.toLowerCase();
  let best: string | undefined;
  let bestDistance = 3;
  for (const known of KNOWN_OPTIONS) {
    if (known.toLowerCase() === folded) return known;
    const distance = editDistance(known.toLowerCase(), folded, bestDistance);
    if (distance < bestDistance) {
      best = known;
      bestDistance = distance;
    }
  }
  return best;
}

/** Levenshtein distance, giving up (returning `limit`) once it cannot be below `limit`. */
function editDistance(a: string, b: string, limit: number): number {
  if (Math.abs(a.length - b.length) >= limit) return limit;
  let previous = Array.from({ length: b.length + 1 }, (_, i) => i);
  for (let i = 1; i <= a.length; i++) {
    const current = [i];
    let rowBest = i;
    for (let j = 1; j <= b.length; j++) {
      const cost = a[i - 1] === b[j - 1] ? 0 : 1;
      const value = Math.min(previous[j]! + 1, current[j - 1]! + 1, previous[j - 1]! + cost);
      current.push(value);
      rowBest = Math.min(rowBest, value);
    }
    if (rowBest >= limit) return limit;
    previous = current;
  }
  return Math.min(previous[b.length]!, limit);
}

export function resolveProducerConfig<K, V>(input: ProducerOptions<K, V>): ResolvedProducerConfig {
  const options: AnyProducerOptions = input;
  if (options === null || typeof options !== 'object') {
    throw new ProducerConfigError(
      'bootstrapServers',
      'pass an options object, e.g. { bootstrapServers: "localhost:9092" }.',
    );
  }
  rejectUnknownOptions(options);
  const rawServers = options.bootstrapServers;
  const entries = (
    typeof rawServers === 'string' ? rawServers.split(',') : Array.isArray(rawServers) ? rawServers : []
  )
    .map((s) => String(s).trim())
    .filter((s) => s.length > 0);
  if (entries.length === 0) {
    throw new ProducerConfigError(
      'bootstrapServers',
      'give at least one broker address, e.g. "localhost:9092".',
    );
  }
  const bootstrapServers = entries.map(parseBrokerAddress);

  const rawAcks = options.acks ?? PRODUCER_OPTIONS.acks.default;
  if (rawAcks !== 0 && rawAcks !== 1 && rawAcks !== -1 && rawAcks !== 'all') {
    throw new ProducerConfigError('acks', `expected 0, 1, -1 or 'all', got ${String(rawAcks)}.`);
  }
  const acks = rawAcks === 'all' ? -1 : rawAcks;

  const compressionType = options.compressionType ?? PRODUCER_OPTIONS.compressionType.default;
  if (!(compressionType in LEVEL_RANGES)) {
    throw new ProducerConfigError(
      'compressionType',
      `expected 'none', 'gzip', 'snappy', 'lz4' or 'zstd', got ${String(compressionType)}.`,
    );
  }
  const compressionLevel = options.compressionLevel;
  if (compressionLevel !== undefined) {
    const range = LEVEL_RANGES[compressionType];
    if (range === null) {
      throw new ProducerConfigError('compressionLevel', `compression '${compressionType}' has no levels.`);
    }
    if (!Number.isInteger(compressionLevel) || compressionLevel < range[0] || compressionLevel > range[1]) {
      throw new ProducerConfigError(
        'compressionLevel',
        `${compressionType} levels go from ${range[0]} to ${range[1]}, got ${String(compressionLevel)}.`,
      );
    }
  }

  const lingerMs = integer(options, 'lingerMs', 0);
  // Java treats batch.size 0 as 1 (every record its own batch).
  const batchSize = Math.max(1, integer(options, 'batchSize', 0));
  const requestTimeoutMs = integer(options, 'requestTimeoutMs', 0);
  const deliveryTimeoutMs = integer(options, 'deliveryTimeoutMs', 0);
  if (deliveryTimeoutMs < lingerMs + requestTimeoutMs) {
    throw new ProducerConfigError(
      'deliveryTimeoutMs',
      `must be at least lingerMs + requestTimeoutMs (${lingerMs + requestTimeoutMs}) so a batch can be sent once before it expires; got ${deliveryTimeoutMs}.`,
    );
  }
  const retryBackoffMs = integer(options, 'retryBackoffMs', 0);
  const reconnectBackoffMs = integer(options, 'reconnectBackoffMs', 0);

  const partitioner = options.partitioner ?? PRODUCER_OPTIONS.partitioner.default;
  if (partitioner !== 'default' && partitioner !== 'round-robin' && typeof partitioner !== 'function') {
    throw new ProducerConfigError(
      'partitioner',
      `expected 'default', 'round-robin' or a function, got ${String(partitioner)}.`,
    );
  }

  const rawSsl = options.ssl;
  if (
    rawSsl !== undefined &&
    typeof rawSsl !== 'boolean' &&
    (rawSsl === null || typeof rawSsl !== 'object')
  ) {
    throw new ProducerConfigError('ssl', 'expected true, false or tls.connect options.');
  }
  const wantSsl = rawSsl ?? PRODUCER_OPTIONS.ssl.default;
  // A copy, so that hiding the secrets from logs leaves the caller's object as it was.
  const ssl =
    wantSsl === true
      ? {}
      : wantSsl === false
        ? undefined
        : withSecretsHidden({ ...wantSsl }, ['key', 'pfx', 'passphrase']);
  const sasl = options.sasl === undefined ? undefined : saslMechanism(options.sasl);

  const retries = integer(options, 'retries', 0);
  const maxInFlightRequestsPerConnection = integer(options, 'maxInFlightRequestsPerConnection', 1);
  const transactionalId = options.transactionalId;
  if (transactionalId !== undefined && (typeof transactionalId !== 'string' || transactionalId === '')) {
    throw new ProducerConfigError(
      'transactionalId',
      `expected a non-empty string (one per producer instance), got ${JSON.stringify(transactionalId)}.`,
    );
  }
  const enableIdempotence = resolveIdempotence(
    options,
    acks,
    retries,
    maxInFlightRequestsPerConnection,
    transactionalId !== undefined,
  );

  const clientId = options.clientId ?? `kafka-wire-producer-${++clientIdCounter}`;
  if (typeof clientId !== 'string') throw new ProducerConfigError('clientId', 'expected a string.');

  return {
    bootstrapServers,
    clientId,
    acks,
    compressionType,
    compressionLevel,
    lingerMs,
    batchSize,
    requestTimeoutMs,
    deliveryTimeoutMs,
    retries,
    retryBackoffMs,
    retryBackoffMaxMs: Math.max(retryBackoffMs, integer(options, 'retryBackoffMaxMs', 0)),
    maxRequestSize: integer(options, 'maxRequestSize', 1),
    maxBlockMs: integer(options, 'maxBlockMs', 0),
    bufferMemory: integer(options, 'bufferMemory', 1, Number.MAX_SAFE_INTEGER),
    metadataMaxAgeMs: integer(options, 'metadataMaxAgeMs', 0),
    maxInFlightRequestsPerConnection,
    enableIdempotence,
    reconnectBackoffMs,
    reconnectBackoffMaxMs: Math.max(reconnectBackoffMs, integer(options, 'reconnectBackoffMaxMs', 0)),
    connectionsMaxIdleMs: integer(options, 'connectionsMaxIdleMs', 0),
    metricsSampleWindowMs: integer(options, 'metricsSampleWindowMs', 1),
    metricsNumSamples: integer(options, 'metricsNumSamples', 1),
    socketConnectionSetupTimeoutMs: integer(options, 'socketConnectionSetupTimeoutMs', 1),
    partitioner,
    partitionerIgnoreKeys: boolean(options, 'partitionerIgnoreKeys'),
    partitionerAdaptivePartitioningEnable: boolean(options, 'partitionerAdaptivePartitioningEnable'),
    allowAutoCreateTopics: boolean(options, 'allowAutoCreateTopics'),
    ssl,
    sasl,
    transactionalId,
    transactionTimeoutMs: integer(options, 'transactionTimeoutMs', 1),
    logger: logger(options.logger),
  };
}

function logger(option: unknown): Logger {
  if (option !== undefined && !isLogger(option)) {
    throw new ProducerConfigError(
      'logger',
      'expected an object with debug, info, warn and error methods (a pino logger, console, ...).',
    );
  }
  return shieldLogger(option);
}

/** The mechanism for the `sasl` option; a wrong option is a ProducerConfigError naming the field at fault. */
function saslMechanism(option: SaslOption): SaslMechanism {
  try {
    return resolveSaslMechanism(option);
  } catch (error) {
    if (error instanceof SaslConfigError) throw new ProducerConfigError(error.option, error.reason, error);
    throw error;
  }
}

// Java's rule: idempotence is on unless something conflicts; an explicit `true` with a conflict is an error
// rather than a silent downgrade, because the user asked for a guarantee we could not give. A transactional
// producer asks for it too: transactions are built on producer ids and sequences.
function resolveIdempotence(
  options: ProducerOptions,
  acks: number,
  retries: number,
  maxInFlight: number,
  transactional: boolean,
): boolean {
  const explicit = options.enableIdempotence;
  if (explicit !== undefined && typeof explicit !== 'boolean') {
    throw new ProducerConfigError('enableIdempotence', `expected true or false, got ${String(explicit)}.`);
  }
  const conflicts: string[] = [];
  if (acks !== -1) conflicts.push(`acks 'all' (got ${acks})`);
  if (retries === 0) conflicts.push('retries greater than 0 (got 0)');
  if (maxInFlight > 5) conflicts.push(`maxInFlightRequestsPerConnection at most 5 (got ${maxInFlight})`);
  if (transactional && (explicit === false || conflicts.length > 0)) {
    throw new ProducerConfigError(
      'transactionalId',
      explicit === false
        ? 'a transactional producer is idempotent: remove enableIdempotence: false, or the transactionalId.'
        : `a transactional producer is idempotent, which needs ${conflicts.join(', ')}. Change those options, or remove the transactionalId.`,
    );
  }
  if (explicit === false) return false;
  if (conflicts.length === 0) return explicit ?? PRODUCER_OPTIONS.enableIdempotence.default;
  if (explicit === true) {
    throw new ProducerConfigError(
      'enableIdempotence',
      `idempotence needs ${conflicts.join(', ')}. Change those options, or set enableIdempotence: false.`,
    );
  }
  return false;
}
