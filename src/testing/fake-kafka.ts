// FakeKafka (kafka-wire/testing): a fake Kafka cluster in the test's own process, one TCP server on 127.0.0.1
// (port 0) per broker, speaking the real protocol so any client can be pointed at it (kafka-wire, kafkajs, Java,
// librdkafka/kcat): ApiVersions, Metadata, Produce, Fetch, InitProducerId, and on request the transaction
// coordinator APIs and SASL (PLAIN, SCRAM). It advertises only the versions its codecs handle (unless a test makes
// it play a broker of another age: `apiVersions`, `apiVersionsMax`). It keeps a log per
// partition of the records it accepted, decoded and given offsets the way a leader does, and it can be scripted
// per request so a test provokes exactly the failure it is about: an error code for one partition, a leader hint,
// a dropped connection, a broker that never answers, a stopped broker.
//
// What it does by itself, like a real cluster:
//   - a Produce for a partition this broker does not lead is answered NOT_LEADER_OR_FOLLOWER, with the
//     KIP-951 CurrentLeader + NodeEndpoints hint from Produce v10 on (unless `leaderHints: false`);
//   - requests of one connection are handled one at a time, in order (a broker mutes a connection while it
//     processes a request), so a request that is never answered holds back the ones behind it;
//   - acks=0 requests are stored and never answered;
//   - behind SASL, a connection may send nothing but ApiVersions and SASL until authenticated, must
//     re-authenticate alone on the connection (KIP-368) and before its session ends; a broken rule closes the
//     connection and is recorded in `violations`;
//   - Produce v3+ must carry exactly one RecordBatch v2 per partition (else INVALID_RECORD), as Kafka checks;
//   - Fetch returns the batches as written, waiting up to maxWaitMs for records at the end of the log; there are
//     no transaction markers, so read_committed sees every record;
//   - Metadata for a missing topic answers UNKNOWN_TOPIC_OR_PARTITION, or creates it when both the request
//     and the cluster allow auto-creation; a partition without a leader answers LEADER_NOT_AVAILABLE;
//   - InitProducerId hands out producer ids (epoch 0), and batches that carry a producer id are checked the
//     way Kafka 4.x's ProducerStateManager checks them, per (producer id, partition): same epoch → the base
//     sequence must follow the last one (wrapping at Int32 MAX to 0), a retry of one of the last 5 batches
//     is answered with its original offset and not written again, anything else is
//     OUT_OF_ORDER_SEQUENCE_NUMBER; a newer epoch must start at sequence 0; an older epoch is
//     INVALID_PRODUCER_EPOCH; a producer the partition knows nothing of is accepted at any sequence (since
//     KIP-360; `idempotence.unknownProducer` makes it answer like an older broker). `forgetProducers`
//     drops that state, as retention or a lost leader would.
//
// Everything is logged on arrival (cluster.requests), before it is handled, so tests can count and inspect
// requests and await them (waitForRequests) instead of sleeping.

import { randomBytes } from 'node:crypto';
import { createServer, type Server, type Socket } from 'node:net';
import { AddOffsetsToTxnApi } from '../protocol/add-offsets-to-txn.js';
import { AddPartitionsToTxnApi } from '../protocol/add-partitions-to-txn.js';
import type { ApiCodec, Complete } from '../protocol/api.js';
import { type ApiVersion, ApiVersionsApi, type ApiVersionsResponse } from '../protocol/api-versions.js';
import { EndTxnApi } from '../protocol/end-txn.js';
import { KafkaErrorCode, type KafkaErrorName, kafkaErrorEntry } from '../protocol/errors.js';
import {
  FetchApi,
  type FetchPartitionResponse,
  type FetchRequest,
  type FetchResponse,
} from '../protocol/fetch.js';
import { FindCoordinatorApi } from '../protocol/find-coordinator.js';
import { decodeRequest, encodeResponse, peekRequestHeader } from '../protocol/frame.js';
import {
  InitProducerIdApi,
  type InitProducerIdRequest,
  type InitProducerIdResponse,
} from '../protocol/init-producer-id.js';
import { INT32_MAX, MAX_PRODUCER_EPOCH } from '../protocol/int-limits.js';
import {
  ListOffsetsApi,
  type ListOffsetsRequest,
  type ListOffsetsResponse,
} from '../protocol/list-offsets.js';
import {
  MetadataApi,
  type MetadataRequest,
  type MetadataResponse,
  type MetadataResponseTopic,
} from '../protocol/metadata.js';
import {
  type NodeEndpoint,
  type PartitionProduceResponse,
  ProduceApi,
  type ProduceRequest,
  type ProduceResponse,
} from '../protocol/produce.js';
import { SaslAuthenticateApi } from '../protocol/sasl-authenticate.js';
import { SaslHandshakeApi } from '../protocol/sasl-handshake.js';
import { TxnOffsetCommitApi } from '../protocol/txn-offset-commit.js';
import { uuidToString, ZERO_UUID } from '../protocol/uuid.js';
import { decodeRecordBatchesSync } from '../records/decode.js';
import type { CompressionType, DecodedRecord, DecodedRecordBatch } from '../records/types.js';
import { readFrames } from './frames.js';
import { type FakeSaslMechanism, type FakeSaslOptions, SaslSession, SaslUsers } from './sasl-server.js';
import { FakeTransactionCoordinator } from './transaction-coordinator.js';

export type { FakeSaslMechanism, FakeSaslOptions } from './sasl-server.js';

/** A Kafka error by name (`'NOT_LEADER_OR_FOLLOWER'`) or code. */
export type ErrorRef = KafkaErrorName | number;

export interface TopicSpec {
  partitions: number;
  /** Leader of each partition (-1: none). Default: brokers round-robin. */
  leaders?: number[];
  /** Offset of the first record of every partition (distinctive offsets show the producer reports ours). */
  firstOffset?: bigint;
}

export interface FakeKafkaOptions {
  /** How many brokers, with node ids 0 to brokers - 1. Default 3. */
  brokers?: number;
  /** Broker node ids, when they should be others than 0 to brokers - 1 (wins over `brokers`). */
  nodeIds?: number[];
  /** Topics that exist from the start: a partition count or a full spec. */
  topics?: Record<string, number | TopicSpec>;
  /** auto.create.topics.enable. Default false. */
  autoCreateTopics?: boolean;
  /** num.partitions for auto-created topics. Default 1. */
  autoCreatePartitions?: number;
  /** Highest Produce version advertised (KIP-951 hints need 10+, topic ids 13). Default 13. */
  maxProduceVersion?: number;
  /** Highest Metadata version advertised. Default 13. */
  maxMetadataVersion?: number;
  /**
   * Highest ApiVersions version the brokers speak, to play an older broker: 4 for Kafka 3.9+, 3 for 2.4-3.8, 2 for
   * 2.0-2.3. A request above it is answered UNSUPPORTED_VERSION in a v0 body, as Kafka answers a version it does
   * not know. Default 4.
   */
  apiVersionsMax?: number;
  /**
   * Whether that UNSUPPORTED_VERSION answer lists the broker's ApiVersions range, so the client can retry at the
   * highest version it knows (Kafka 2.4+ lists it; older brokers list nothing and the client falls back to v0).
   * Default true.
   */
  apiVersionsRangeInError?: boolean;
  /**
   * The version ranges ApiVersions advertises, instead of the fake's own, to see how a client negotiates with a
   * broker of another age (Kafka 4.x advertises Produce from 0; a broker without InitProducerId lacks it): a list,
   * or a function from the fake's own ranges. ApiVersions' own range still comes from `apiVersionsMax`. The fake
   * goes on speaking only the versions it decodes: a request at any other closes its connection. Change it later
   * with `setApiVersions`.
   */
  apiVersions?: AdvertisedVersions;
  /** Answer NOT_LEADER_OR_FOLLOWER with CurrentLeader + NodeEndpoints (Produce v10+), as Kafka 3.7+ does. Default true. */
  leaderHints?: boolean;
  /** First producer id InitProducerId hands out (then +1 each). Default 4000. */
  firstProducerId?: bigint;
  /** How the broker answers idempotent batches it cannot accept; defaults are Kafka 4.x's. */
  idempotence?: IdempotenceBehaviour;
  /**
   * Advertise the transaction and group coordinator APIs, and `transaction.version` finalized at this level
   * (2+: transactions v2). Default: neither (a cluster for non-transactional tests).
   */
  transactionVersion?: number;
  /**
   * Put every broker behind a SASL listener (SASL_PLAINTEXT): a connection must authenticate (SaslHandshake v1,
   * then SaslAuthenticate) before any request but ApiVersions, or it is closed, as Kafka closes it.
   */
  sasl?: FakeSaslOptions;
}

/** Ranges for ApiVersions to advertise: a list, or a function from the fake's own ranges. */
export type AdvertisedVersions = ApiVersion[] | ((own: ApiVersion[]) => ApiVersion[]);

/** One successful SASL authentication (a re-authentication counts again). */
export interface SaslAuthentication {
  nodeId: number;
  /** LoggedRequest.connection of the connection that authenticated. */
  connection: number;
  user: string;
  mechanism: FakeSaslMechanism;
}

export interface IdempotenceBehaviour {
  /**
   * A batch with a non-zero sequence from a producer the partition has no state for. Kafka 2.5+ accepts it
   * ('accept', the default: the state may have been lost to retention); older brokers answered
   * UNKNOWN_PRODUCER_ID.
   */
  unknownProducer?: 'accept' | ErrorRef;
  /** A sequence older than the 5 batches remembered. Default OUT_OF_ORDER_SEQUENCE_NUMBER (Kafka 4.x). */
  olderSequence?: ErrorRef;
  /** A batch of an epoch older than the partition's. Default INVALID_PRODUCER_EPOCH. */
  staleEpoch?: ErrorRef;
}

/** What a partition remembers of one producer (Kafka's ProducerStateEntry). */
export interface ProducerStateEntry {
  producerEpoch: number;
  /** The last (up to) 5 batches written, oldest first, with the offsets they got. */
  batches: Array<{ firstSequence: number; lastSequence: number; firstOffset: bigint; lastOffset: bigint }>;
}

export interface InitProducerIdReply {
  /** Answer this error; without one, hand out a new producer id at `producerEpoch`. */
  error?: ErrorRef;
  /** Epoch of the new producer id (e.g. 32767, to see the producer run out of epochs). Default 0. */
  producerEpoch?: number;
  /** How many InitProducerId requests to answer this way. Default 1; Infinity for every one. */
  times?: number;
}

/** What one Produce request carried for one partition. */
export interface ProducedPartition {
  topic: string;
  partition: number;
  nodeId: number;
  batches: DecodedRecordBatch[];
  records: DecodedRecord[];
  recordCount: number;
  /** The record bytes as sent. */
  bytes: Uint8Array | null;
  /**
   * The error its records were refused with before any check of the partition (nothing stored): INVALID_RECORD
   * for anything but exactly one RecordBatch v2, CORRUPT_MESSAGE for one that does not decode.
   */
  refusedWith?: number;
  /** What the fake answered for it (set once handled; acks=0 requests are handled too, just not answered). */
  result?: { errorCode: number; errorName: string; baseOffset: bigint };
}

export type RequestOutcome =
  | 'pending'
  | 'answered'
  | 'not-answered' // acks=0, or scripted 'no-response'
  | 'dropped' // connection closed before handling
  | 'dropped-mid-response' // handled (records stored), connection closed halfway through the response
  | 'raw' // handled (records stored), answered with scripted bytes (onRequest's `raw` action)
  | 'refused'; // an API or version the fake does not speak, or a request SASL does not admit (FakeKafka.violations): connection closed

export interface LoggedRequest {
  /** Position in cluster.requests. */
  index: number;
  nodeId: number;
  /** Per-cluster connection number: requests of one connection share it. */
  connection: number;
  api: string;
  apiKey: number;
  version: number;
  correlationId: number;
  clientId: string | null;
  /** performance.now() on arrival. */
  atMs: number;
  /** Requests of this connection not yet answered when this one arrived, itself included (1 = nothing else). */
  outstandingOnArrival: number;
  /** The decoded request body, for every API the fake speaks (undefined for others and versions it does not). */
  body?: unknown;
  metadata?: Complete<MetadataRequest>;
  initProducerId?: Complete<InitProducerIdRequest>;
  produce?: {
    acks: number;
    timeoutMs: number;
    partitions: ProducedPartition[];
    transactionalId: string | null;
  };
  outcome: RequestOutcome;
  /** Why the fake could not answer (a bug in the fake; please report it with this message). */
  fakeError?: string;
}

export interface StoredRecord {
  topic: string;
  partition: number;
  offset: bigint;
  key: Uint8Array | null;
  value: Uint8Array | null;
  headers: Array<{ key: string; value: Uint8Array | null }>;
  timestamp: bigint;
  /** Index in cluster.requests of the Produce request that carried it. */
  requestIndex: number;
  /** The producer stamp of its batch (-1 without idempotence); `sequence` is the record's own. */
  producerId: bigint;
  producerEpoch: number;
  sequence: number;
  /** The codec its batch was compressed with. */
  compression: CompressionType;
  /** Whether its batch belonged to a transaction. */
  transactional: boolean;
}

export interface ProduceReply {
  error: ErrorRef;
  /** Produce v8+ ErrorMessage. */
  errorMessage?: string;
  /** Produce v8+ RecordErrors: the records of the batch that made the broker refuse it. */
  recordErrors?: Array<{ batchIndex: number; message?: string | null }>;
  /** Produce v10+ CurrentLeader; its endpoint goes into NodeEndpoints. */
  currentLeader?: { leaderId: number; leaderEpoch?: number };
}

export interface ProduceRuleMatch {
  topic?: string;
  partition?: number;
  nodeId?: number;
  /** How many matching partitions to answer this way. Default 1; Infinity for every one. */
  times?: number;
  /** Further condition on what the request carried for the partition. */
  when?: (produced: ProducedPartition) => boolean;
}

export type RequestAction =
  /** Close the connection as soon as the request arrives: nothing is stored, nothing answered. */
  | 'drop'
  /** Handle the request (records are stored), write half the response, then close the connection. */
  | 'drop-mid-response'
  /** Never handle or answer it (a hung broker); later requests on the connection wait behind it. */
  | 'no-response'
  /** Handle it after this many milliseconds. */
  | { delayMs: number }
  /** Handle it once this promise settles. */
  | { until: Promise<unknown> }
  /**
   * Handle it (records are stored), then write `bytes(response)` in place of the response frame (size prefix
   * included; empty when none would be sent): garbage, a frame cut short, a 2 GiB size prefix, another
   * correlation id. `close` (or `raw` returning `{ bytes, close }`, to decide per request) closes the
   * connection once they are written; otherwise it stays open and later requests on it are answered as usual.
   */
  | {
      raw: (
        response: Uint8Array,
        request: LoggedRequest,
      ) => Uint8Array | { bytes: Uint8Array; close: boolean };
      close?: boolean;
    };

/** Every API the fake cluster speaks. */
// biome-ignore lint/suspicious/noExplicitAny: a table of differently typed codecs, each used with its own frames
const APIS: ReadonlyArray<ApiCodec<any, any>> = [
  ProduceApi,
  FetchApi,
  ListOffsetsApi,
  MetadataApi,
  ApiVersionsApi,
  InitProducerIdApi,
  FindCoordinatorApi,
  AddPartitionsToTxnApi,
  AddOffsetsToTxnApi,
  TxnOffsetCommitApi,
  EndTxnApi,
  SaslHandshakeApi,
  SaslAuthenticateApi,
];

export type ApiName =
  | 'Produce'
  | 'Fetch'
  | 'ListOffsets'
  | 'Metadata'
  | 'ApiVersions'
  | 'InitProducerId'
  | 'FindCoordinator'
  | 'AddPartitionsToTxn'
  | 'AddOffsetsToTxn'
  | 'TxnOffsetCommit'
  | 'EndTxn'
  | 'SaslHandshake'
  | 'SaslAuthenticate';

/**
 * How `control()` answers a request: `error` puts that error in every part of the answer (each partition of a
 * Produce, each topic of a Metadata, the top-level code elsewhere; nothing is stored), `delayMs` handles it (or
 * answers the error) that much later, `'drop'` closes the connection at once, `'no-response'` never answers.
 */
export type ControlAnswer =
  | { error: ErrorRef; delayMs?: number }
  | { delayMs: number }
  | 'drop'
  | 'no-response';

export interface ControlOptions {
  /** How many requests to answer this way (those for which the function returns an answer). Default 1; Infinity for always. */
  times?: number;
  /** Only requests to this broker. */
  nodeId?: number;
}

export interface RequestRuleMatch {
  api: ApiName;
  nodeId?: number;
  /** How many matching requests to treat this way. Default 1; Infinity for every one. */
  times?: number;
  when?: (request: LoggedRequest) => boolean;
}

/** A scripted behaviour: how often it fired, and a way to retire it early. */
export interface Rule {
  /** How many requests it answered. */
  readonly hits: number;
  /** How many more it will answer (Infinity: every one). */
  readonly remaining: number;
  /** Retires the rule at once. */
  remove(): void;
}

interface RuleState<M, A> extends Rule {
  match: M;
  action: A;
  hits: number;
  remaining: number;
}

interface PartitionState {
  index: number;
  leaderId: number;
  leaderEpoch: number;
  nextOffset: bigint;
  log: StoredRecord[];
  /** The batches as written (base offset and leader epoch stamped, as a leader does), which Fetch serves. */
  batches: Array<{ baseOffset: bigint; lastOffset: bigint; bytes: Uint8Array }>;
  producers: Map<bigint, ProducerStateEntry>;
}

interface TopicState {
  name: string;
  topicId: string;
  partitions: PartitionState[];
  /** Metadata answers this error for the topic (e.g. TOPIC_AUTHORIZATION_FAILED) while set. */
  metadataError: number;
}

interface BrokerState {
  nodeId: number;
  port: number;
  server: Server;
  sockets: Set<Socket>;
  /** Listed in Metadata responses (false: a broker the cluster has but does not tell clients about yet). */
  listed: boolean;
  /** False between stopBroker and startBroker. */
  running: boolean;
}

const HOST = '127.0.0.1';
/** Kafka's ProducerStateEntry.NUM_BATCHES_TO_RETAIN. */
const BATCHES_RETAINED = 5;

function errorCode(error: ErrorRef): number {
  if (typeof error === 'number') return error;
  const code = (KafkaErrorCode as Record<string, number>)[error];
  if (code === undefined) throw new Error(`unknown Kafka error name ${error}`);
  return code;
}

function errorName(code: number): string {
  return code === 0 ? 'NONE' : (kafkaErrorEntry(code)?.name ?? `ERROR_${code}`);
}

/**
 * Kafka's ProduceRequest.validateRecords for v3+: exactly one batch, of magic 2 (Kafka 4 has no older formats; a
 * client that sends a MessageSet v0/v1, as librdkafka does for a broker it takes for an old one, is refused).
 */
function refusedRecords(records: Uint8Array | null): number | undefined {
  // baseOffset (8), batchLength (4), partitionLeaderEpoch (4), then the magic byte
  if (records === null || records.length < 17 || records[16] !== 2) return KafkaErrorCode.INVALID_RECORD;
  const batchLength = new DataView(records.buffer, records.byteOffset).getInt32(8);
  return records.length > 12 + batchLength ? KafkaErrorCode.INVALID_RECORD : undefined;
}

/** Sequences wrap from Int32 MAX to 0. */
function wrapSequence(sequence: number): number {
  return sequence > INT32_MAX ? sequence - INT32_MAX - 1 : sequence;
}

/** `a` comes before `b` in wrapping sequence space (judged within half the range). */
function isBefore(a: number, b: number): boolean {
  const diff = b - a;
  return (diff > 0 && diff < 2 ** 30) || diff < -(2 ** 30);
}

function newTopicId(): string {
  for (;;) {
    const id = uuidToString(randomBytes(16));
    if (id !== ZERO_UUID) return id;
  }
}

/**
 * A fake Kafka cluster for tests, listening on 127.0.0.1; any Kafka client can produce to it.
 *
 * ```ts
 * const cluster = await FakeKafka.start({ brokers: 3, topics: { orders: 6 } });
 * const producer = new Producer({ bootstrapServers: cluster.bootstrapServers });
 * await producer.send({ topic: 'orders', key: 'o-1', value: 'paid' });
 * cluster.records('orders');                                            // what was written, decoded
 * cluster.control('Produce', () => ({ error: 'NOT_ENOUGH_REPLICAS' })); // the next Produce fails once
 * await producer.close();
 * await cluster.close();
 * ```
 */
export class FakeKafka {
  readonly requests: LoggedRequest[] = [];
  private readonly brokers = new Map<number, BrokerState>();
  private readonly topics = new Map<string, TopicState>();
  private readonly produceRules: RuleState<ProduceRuleMatch, ProduceReply>[] = [];
  private readonly requestRules: RuleState<RequestRuleMatch, RequestAction>[] = [];
  /** ThrottleTimeMs for the next Produce responses, one entry each (then 0). */
  private readonly produceThrottles: number[] = [];
  private readonly initProducerIdRules: RuleState<{ times?: number }, InitProducerIdReply>[] = [];
  private readonly controlRules: RuleState<
    ControlOptions & { apiKey: number },
    (request: LoggedRequest) => ControlAnswer | undefined
  >[] = [];
  private readonly sasl: SaslUsers | undefined;
  /**
   * Re-authentication rules (KIP-368) the clients broke, one line each naming broker and connection: a
   * SaslHandshake while requests were unanswered, a request in the middle of a re-authentication, a
   * SaslAuthenticate without a SaslHandshake before it, a request after
   * the session ran out (past `sasl.expiryGraceMs`). Each also closed its connection. A correct client leaves it empty.
   */
  readonly violations: string[] = [];
  /** Every successful SASL authentication, re-authentications included, in order. */
  readonly authentications: SaslAuthentication[] = [];
  private apiVersionsOverride: AdvertisedVersions | undefined;
  /** Producer ids handed out, with their current epoch. */
  private readonly producerIds = new Map<bigint, number>();
  private nextProducerId: bigint;
  private readonly idempotence: Required<IdempotenceBehaviour>;
  private readonly listeners = new Set<() => void>();
  private readonly timers = new Set<NodeJS.Timeout>();
  private readonly options: Required<
    Omit<
      FakeKafkaOptions,
      | 'topics'
      | 'brokers'
      | 'nodeIds'
      | 'sasl'
      | 'idempotence'
      | 'firstProducerId'
      | 'transactionVersion'
      | 'apiVersions'
    >
  >;
  private connections = 0;
  private readonly sessions = new WeakMap<Socket, SaslSession>();
  /** Connections to close once their current answer is written (after a failed authentication, as Kafka does). */
  private readonly closeAfterAnswer = new WeakSet<Socket>();
  private readonly openConnectionIds = new Set<number>();
  private closed = false;

  /** Coordinates every transactional id and group, on the first broker. */
  readonly coordinator: FakeTransactionCoordinator;

  private constructor(options: FakeKafkaOptions) {
    this.coordinator = new FakeTransactionCoordinator(() => {
      const nodeId = this.nodeIds()[0]!;
      return { nodeId, host: HOST, port: this.portOf(nodeId) };
    }, options.transactionVersion);
    this.options = {
      autoCreateTopics: options.autoCreateTopics ?? false,
      autoCreatePartitions: options.autoCreatePartitions ?? 1,
      maxProduceVersion: options.maxProduceVersion ?? 13,
      maxMetadataVersion: options.maxMetadataVersion ?? 13,
      leaderHints: options.leaderHints ?? true,
      apiVersionsMax: options.apiVersionsMax ?? ApiVersionsApi.maxVersion,
      apiVersionsRangeInError: options.apiVersionsRangeInError ?? true,
    };
    this.apiVersionsOverride = options.apiVersions;
    this.sasl = options.sasl === undefined ? undefined : new SaslUsers(options.sasl);
    this.nextProducerId = options.firstProducerId ?? 4000n;
    this.idempotence = {
      unknownProducer: options.idempotence?.unknownProducer ?? 'accept',
      olderSequence: options.idempotence?.olderSequence ?? 'OUT_OF_ORDER_SEQUENCE_NUMBER',
      staleEpoch: options.idempotence?.staleEpoch ?? 'INVALID_PRODUCER_EPOCH',
    };
  }

  /** Starts the brokers (node ids 0 to `brokers` - 1 unless `nodeIds` says otherwise) and creates the topics. */
  static async start(options: FakeKafkaOptions = {}): Promise<FakeKafka> {
    const cluster = new FakeKafka(options);
    const nodeIds = options.nodeIds ?? Array.from({ length: options.brokers ?? 3 }, (_, i) => i);
    for (const nodeId of nodeIds) await cluster.addBroker(nodeId);
    for (const [name, spec] of Object.entries(options.topics ?? {})) cluster.createTopic(name, spec);
    return cluster;
  }

  /** 'host:port' of every listed broker, for ProducerOptions.bootstrapServers. */
  get bootstrapServers(): string {
    return [...this.brokers.values()]
      .filter((b) => b.listed)
      .map((b) => `${HOST}:${b.port}`)
      .join(',');
  }

  /** Node ids of every broker, stopped ones included. */
  nodeIds(): number[] {
    return [...this.brokers.keys()];
  }

  /** The port a broker listens on (kept across stopBroker/startBroker). */
  portOf(nodeId: number): number {
    return this.broker(nodeId).port;
  }

  // ---- cluster state ----

  /** Starts another broker; `listed: false` keeps it out of Metadata responses (it joined after the client looked). */
  async addBroker(nodeId: number, options: { listed?: boolean } = {}): Promise<void> {
    if (this.brokers.has(nodeId)) throw new Error(`broker ${nodeId} exists`);
    const { server, port } = await this.listen(nodeId, 0);
    this.brokers.set(nodeId, {
      nodeId,
      port,
      server,
      sockets: new Set(),
      listed: options.listed ?? true,
      running: true,
    });
  }

  private async listen(nodeId: number, port: number): Promise<{ server: Server; port: number }> {
    const server = createServer((socket) => this.accept(nodeId, socket));
    await new Promise<void>((resolve, reject) => {
      server.once('error', (error) =>
        reject(new Error(`fake broker ${nodeId} could not listen on ${HOST}:${port}: ${error.message}`)),
      );
      server.listen(port, HOST, () => resolve());
    });
    const address = server.address();
    if (address === null || typeof address === 'string')
      throw new Error(`fake broker ${nodeId} has no TCP address`);
    return { server, port: address.port };
  }

  /** Starts or stops listing a broker in Metadata responses. */
  setListed(nodeId: number, listed: boolean): void {
    this.broker(nodeId).listed = listed;
  }

  /** Creates a topic: a partition count, or a spec with leaders and a first offset. */
  createTopic(name: string, spec: number | TopicSpec): void {
    const { partitions, leaders, firstOffset } = typeof spec === 'number' ? { partitions: spec } : spec;
    if (this.topics.has(name)) throw new Error(`topic ${name} exists`);
    const ids = this.nodeIds();
    this.topics.set(name, {
      name,
      topicId: newTopicId(),
      metadataError: 0,
      partitions: Array.from({ length: partitions }, (_, index) => ({
        index,
        leaderId: leaders?.[index] ?? ids[index % ids.length]!,
        leaderEpoch: 0,
        nextOffset: firstOffset ?? 0n,
        log: [],
        batches: [],
        producers: new Map(),
      })),
    });
  }

  /**
   * Makes `nodeId` (-1: nobody) the partition's leader, with a new leader epoch. The old leader then answers
   * Produce requests for it with NOT_LEADER_OR_FOLLOWER and, from Produce v10, the KIP-951 hint naming the new one.
   */
  moveLeader(topic: string, partition: number, nodeId: number): void {
    const p = this.partition(topic, partition);
    p.leaderId = nodeId;
    p.leaderEpoch++;
  }

  /** The partition's leader and leader epoch as the cluster holds them. */
  leaderOf(topic: string, partition: number): { leaderId: number; leaderEpoch: number } {
    const p = this.partition(topic, partition);
    return { leaderId: p.leaderId, leaderEpoch: p.leaderEpoch };
  }

  /** Adds partitions to a topic (kafka-topics --alter --partitions). */
  addPartitions(topic: string, count: number): void {
    const t = this.topic(topic);
    const ids = this.nodeIds();
    for (let i = 0; i < count; i++) {
      const index = t.partitions.length;
      t.partitions.push({
        index,
        leaderId: ids[index % ids.length]!,
        leaderEpoch: 0,
        nextOffset: 0n,
        log: [],
        batches: [],
        producers: new Map(),
      });
    }
  }

  /**
   * Replaces the ranges ApiVersions advertises from now on (a broker upgraded or downgraded in place); undefined
   * goes back to the fake's own. Connections already open keep what they negotiated, as with a real broker.
   */
  setApiVersions(ranges: AdvertisedVersions | undefined): void {
    this.apiVersionsOverride = ranges;
  }

  /** Metadata answers `error` for the topic (0 to stop). */
  setTopicMetadataError(topic: string, error: ErrorRef | 0): void {
    this.topic(topic).metadataError = error === 0 ? 0 : errorCode(error);
  }

  // ---- scripting ----

  /** The next `times` Produce responses say the client is throttled for `ms` (a quota, KIP-219). */
  throttleProduce(ms: number, times = 1): void {
    for (let i = 0; i < times; i++) this.produceThrottles.push(ms);
  }

  /**
   * Answers matching partitions of Produce requests with `reply` instead of handling them (nothing is
   * stored). Rules are tried in the order they were added; the first with hits left wins.
   */
  onProduce(match: ProduceRuleMatch, reply: ProduceReply): Rule {
    return this.addRule(this.produceRules, match, reply);
  }

  /** Answers InitProducerId requests with `reply.error`, or a new producer id at `reply.producerEpoch`. */
  onInitProducerId(reply: InitProducerIdReply): Rule {
    return this.addRule(this.initProducerIdRules, { times: reply.times ?? 1 }, reply);
  }

  /**
   * Forgets what the partition (or every partition of the topic, or every partition) knows of producers,
   * as when retention deleted their batches: a known producer's next batch then counts as an unknown
   * producer's (see `idempotence.unknownProducer`).
   */
  forgetProducers(topic?: string, partition?: number): void {
    for (const t of this.topics.values()) {
      if (topic !== undefined && t.name !== topic) continue;
      for (const p of t.partitions) if (partition === undefined || p.index === partition) p.producers.clear();
    }
  }

  /** What the partition remembers of a producer (a copy), or undefined. */
  producerState(topic: string, partition: number, producerId: bigint): ProducerStateEntry | undefined {
    const entry = this.partition(topic, partition).producers.get(producerId);
    return entry === undefined
      ? undefined
      : { producerEpoch: entry.producerEpoch, batches: entry.batches.map((b) => ({ ...b })) };
  }

  /**
   * Sets what the partition remembers of a producer, as if it had written a batch ending at
   * `lastSequence` (e.g. just below Int32 MAX, to see sequences wrap).
   */
  setProducerState(
    topic: string,
    partition: number,
    producerId: bigint,
    state: { producerEpoch: number; lastSequence: number },
  ): void {
    const p = this.partition(topic, partition);
    p.producers.set(producerId, {
      producerEpoch: state.producerEpoch,
      batches: [
        {
          firstSequence: state.lastSequence,
          lastSequence: state.lastSequence,
          firstOffset: p.nextOffset - 1n,
          lastOffset: p.nextOffset - 1n,
        },
      ],
    });
  }

  /** Producer ids InitProducerId handed out, in order. */
  producerIdsIssued(): bigint[] {
    return [...this.producerIds.keys()];
  }

  /**
   * Answers requests of one API (by name or API key) the way `fn` decides: `fn` sees each request as logged
   * (header fields, `body` decoded, and for Produce the decoded records) and returns a ControlAnswer (an error,
   * a delay, a dropped connection, no answer) or undefined to let the cluster answer it as usual. By default
   * only the first request `fn` answers is affected; `times: Infinity` keeps the rule for every one.
   *
   *   cluster.control('Produce', () => ({ error: 'NOT_ENOUGH_REPLICAS' }));              // once
   *   cluster.control('Metadata', () => ({ delayMs: 200 }), { times: Infinity });      // always
   */
  control(
    api: ApiName | number,
    fn: (request: LoggedRequest) => ControlAnswer | undefined,
    options: ControlOptions = {},
  ): Rule {
    const apiKey = typeof api === 'number' ? api : APIS.find((a) => a.name === api)?.apiKey;
    if (apiKey === undefined)
      throw new Error(`FakeKafka.control: the fake cluster does not speak an API named ${api}`);
    return this.addRule(this.controlRules, { ...options, apiKey }, fn);
  }

  /** Treats matching requests specially: drop the connection, never answer, answer late. */
  onRequest(match: RequestRuleMatch, action: RequestAction): Rule {
    return this.addRule(this.requestRules, match, action);
  }

  private addRule<M extends { times?: number }, A>(list: RuleState<M, A>[], match: M, action: A): Rule {
    const rule: RuleState<M, A> = {
      match,
      action,
      hits: 0,
      remaining: match.times ?? 1,
      remove: () => {
        rule.remaining = 0;
        const i = list.indexOf(rule);
        if (i >= 0) list.splice(i, 1);
      },
    };
    list.push(rule);
    return rule;
  }

  // ---- what the cluster saw and stored ----

  /**
   * Records the cluster accepted for the partition, in offset order; without a partition, those of every
   * partition of the topic (partition by partition). Decoded: key, value, headers, timestamp, offset, the
   * producer id, epoch and sequence, and the codec of their batch.
   */
  records(topic: string, partition?: number): StoredRecord[] {
    if (partition !== undefined) return this.partition(topic, partition).log;
    return this.topic(topic).partitions.flatMap((p) => p.log);
  }

  /** Values accepted for the partition as UTF-8 text (null stays null), in offset order. */
  values(topic: string, partition: number): Array<string | null> {
    return this.records(topic, partition).map((r) =>
      r.value === null ? null : Buffer.from(r.value).toString(),
    );
  }

  /** Requests of one API (to one broker, or to all) in arrival order. */
  requestsFor(api: ApiName, nodeId?: number): LoggedRequest[] {
    return this.requests.filter((r) => r.api === api && (nodeId === undefined || r.nodeId === nodeId));
  }

  /** Every partition entry of every Produce request for topic-partition, in arrival order. */
  produced(topic: string, partition: number): ProducedPartition[] {
    return this.requestsFor('Produce').flatMap((r) =>
      r.produce!.partitions.filter((p) => p.topic === topic && p.partition === partition),
    );
  }

  /** Resolves once `count` requests matching `filter` have arrived (counting those already logged). */
  waitForRequests(filter: (request: LoggedRequest) => boolean, count = 1): Promise<LoggedRequest[]> {
    return this.waitUntil(() => {
      const seen = this.requests.filter(filter);
      return seen.length >= count ? seen : undefined;
    });
  }

  /** Resolves once the partition holds at least `count` records. */
  waitForRecords(topic: string, partition: number, count: number): Promise<StoredRecord[]> {
    return this.waitUntil(() => {
      const log = this.topics.get(topic)?.partitions[partition]?.log;
      return log !== undefined && log.length >= count ? log : undefined;
    });
  }

  /** Resolves with the first non-undefined value of `check`, re-evaluated after every request event. */
  waitUntil<T>(check: () => T | undefined): Promise<T> {
    const now = check();
    if (now !== undefined) return Promise.resolve(now);
    return new Promise<T>((resolve) => {
      const listener = () => {
        const value = check();
        if (value === undefined) return;
        this.listeners.delete(listener);
        resolve(value);
      };
      this.listeners.add(listener);
    });
  }

  private notify(): void {
    for (const listener of [...this.listeners]) listener();
  }

  /** Stops every broker: closes all connections and listening sockets, cancels pending delays. */
  async close(): Promise<void> {
    this.closed = true;
    for (const timer of this.timers) clearTimeout(timer);
    this.timers.clear();
    this.listeners.clear();
    await Promise.all([...this.brokers.values()].map((b) => this.shutDown(b)));
  }

  /**
   * Stops one broker: its connections close and new ones are refused. Metadata stops listing it and the
   * partitions it leads have no leader (LEADER_NOT_AVAILABLE) until it is started again or `moveLeader` moves them,
   * as with a single-replica partition on a real cluster.
   */
  async stopBroker(nodeId: number): Promise<void> {
    const b = this.broker(nodeId);
    if (!b.running) return;
    this.bumpLeaderEpochs(nodeId);
    await this.shutDown(b);
  }

  /** Starts a stopped broker again, on its old port; it leads its partitions again, with a new leader epoch. */
  async startBroker(nodeId: number): Promise<void> {
    const b = this.broker(nodeId);
    if (b.running || this.closed) return;
    b.server = (await this.listen(nodeId, b.port)).server;
    b.running = true;
    this.bumpLeaderEpochs(nodeId);
  }

  /** Closes every client connection (of one broker, or of all) at once, as a broker restart or a network cut would. */
  dropConnections(nodeId?: number): void {
    for (const b of this.brokers.values()) {
      if (nodeId === undefined || b.nodeId === nodeId) for (const socket of b.sockets) socket.destroy();
    }
  }

  private bumpLeaderEpochs(nodeId: number): void {
    for (const t of this.topics.values())
      for (const p of t.partitions) if (p.leaderId === nodeId) p.leaderEpoch++;
  }

  private shutDown(b: BrokerState): Promise<void> {
    const wasRunning = b.running;
    b.running = false;
    for (const socket of b.sockets) socket.destroy();
    if (!wasRunning) return Promise.resolve();
    return new Promise<void>((resolve) => b.server.close(() => resolve()));
  }

  // ---- request handling ----

  private sessionOf(socket: Socket): SaslSession | undefined {
    return this.sessions.get(socket);
  }

  private accept(nodeId: number, socket: Socket): void {
    const broker = this.broker(nodeId);
    if (this.closed) {
      socket.destroy();
      return;
    }
    broker.sockets.add(socket);
    socket.on('close', () => broker.sockets.delete(socket));
    socket.on('error', () => {});
    if (this.sasl !== undefined) this.sessions.set(socket, new SaslSession(this.sasl));
    const connection = ++this.connections;
    this.openConnectionIds.add(connection);
    socket.on('close', () => {
      this.openConnectionIds.delete(connection);
      this.notify();
    });
    // One request at a time per connection, in arrival order, as a broker does.
    let queue: Promise<void> = Promise.resolve();
    let outstanding = 0;
    readFrames(socket, (frame) => {
      const logged = this.log(nodeId, connection, ++outstanding, frame);
      if (this.refusedBySasl(socket, logged)) {
        outstanding--;
        return;
      }
      queue = queue
        .then(() => this.handle(broker, socket, logged, frame))
        .finally(() => {
          outstanding--;
        });
    });
  }

  /** Whether connection number `connection` (LoggedRequest.connection) is still open on the broker side. */
  isOpen(connection: number): boolean {
    return this.openConnectionIds.has(connection);
  }

  /** Connections accepted so far by every broker, open or closed (LoggedRequest.connection counts the same way). */
  connectionsAccepted(): number {
    return this.connections;
  }

  /** Connections (of one broker, or all) still open on the broker side. */
  openConnections(nodeId?: number): number {
    let open = 0;
    for (const b of this.brokers.values())
      if (nodeId === undefined || b.nodeId === nodeId) open += b.sockets.size;
    return open;
  }

  private log(nodeId: number, connection: number, outstanding: number, frame: Buffer): LoggedRequest {
    const header = peekRequestHeader(frame);
    const logged: LoggedRequest = {
      index: this.requests.length,
      nodeId,
      connection,
      api: APIS.find((a) => a.apiKey === header.apiKey)?.name ?? `api ${header.apiKey}`,
      apiKey: header.apiKey,
      version: header.apiVersion,
      correlationId: header.correlationId,
      clientId: header.clientId,
      atMs: performance.now(),
      outstandingOnArrival: outstanding,
      outcome: 'pending',
    };
    const api = APIS.find((a) => a.apiKey === header.apiKey);
    if (api !== undefined && header.apiVersion >= api.minVersion && header.apiVersion <= api.maxVersion) {
      try {
        logged.body = decodeRequest(api, frame).request;
      } catch {
        // A request the fake cannot decode is refused (the connection closed) when its turn comes.
      }
    }
    if (header.apiKey === MetadataApi.apiKey && logged.body !== undefined)
      logged.metadata = logged.body as Complete<MetadataRequest>;
    if (header.apiKey === InitProducerIdApi.apiKey && logged.body !== undefined) {
      logged.initProducerId = logged.body as Complete<InitProducerIdRequest>;
    }
    if (header.apiKey === ProduceApi.apiKey && logged.body !== undefined) {
      const request = logged.body as Complete<ProduceRequest>;
      logged.produce = {
        acks: request.acks,
        timeoutMs: request.timeoutMs,
        partitions: this.producedPartitions(nodeId, request),
        transactionalId: request.transactionalId,
      };
    }
    this.requests.push(logged);
    this.notify();
    return logged;
  }

  private producedPartitions(nodeId: number, request: Complete<ProduceRequest>): ProducedPartition[] {
    const out: ProducedPartition[] = [];
    for (const t of request.topicData) {
      const topic =
        t.topicId !== undefined && t.topicId !== ZERO_UUID ? this.topicNameById(t.topicId) : t.name;
      for (const p of t.partitionData) {
        let batches: DecodedRecordBatch[] = [];
        let refusal = refusedRecords(p.records);
        if (refusal === undefined) {
          try {
            batches = decodeRecordBatchesSync(p.records!);
          } catch {
            refusal = KafkaErrorCode.CORRUPT_MESSAGE; // a bad CRC, length or codec
          }
        }
        const records = batches.flatMap((b) => b.records);
        out.push({
          topic: topic ?? `<unknown topic id ${t.topicId}>`,
          partition: p.index,
          nodeId,
          batches,
          records,
          recordCount: records.length,
          bytes: p.records,
          ...(refusal === undefined ? {} : { refusedWith: refusal }),
        });
      }
    }
    return out;
  }

  /**
   * Applies the SASL listener's rules to a request as it arrives (before the requests queued ahead of it are
   * handled, so a request pipelined behind a SaslHandshake is judged as the client sent it): a refused one closes
   * the connection at once, and a broken re-authentication rule is recorded in `violations`.
   */
  private refusedBySasl(socket: Socket, logged: LoggedRequest): boolean {
    const session = this.sessionOf(socket);
    if (session === undefined || socket.destroyed) return false;
    const kind =
      logged.apiKey === ApiVersionsApi.apiKey ||
      logged.apiKey === SaslHandshakeApi.apiKey ||
      logged.apiKey === SaslAuthenticateApi.apiKey
        ? (logged.api as 'ApiVersions' | 'SaslHandshake' | 'SaslAuthenticate')
        : 'other';
    const refusal = session.admit(kind, logged.outstandingOnArrival - 1, performance.now());
    if (refusal === undefined) return false;
    if (refusal.violation) {
      this.violations.push(
        `broker ${logged.nodeId}, connection ${logged.connection}: ${refusal.reason} (${logged.api} v${logged.version})`,
      );
    }
    logged.outcome = 'refused';
    socket.destroy();
    this.notify();
    return true;
  }

  private async handle(broker: BrokerState, socket: Socket, logged: LoggedRequest, frame: Buffer) {
    if (socket.destroyed || this.closed) {
      logged.outcome = 'dropped';
      this.notify();
      return;
    }
    // ApiVersions is answered at any version (an unknown one with UNSUPPORTED_VERSION and its range, as Kafka
    // does); anything else the fake does not decode closes the connection.
    if (logged.body === undefined && logged.apiKey !== ApiVersionsApi.apiKey) {
      logged.outcome = 'refused';
      socket.destroy();
      this.notify();
      return;
    }
    let action = this.requestAction(logged);
    let forced: number | undefined;
    if (action === undefined) {
      const answer = this.controlAnswer(logged);
      if (answer === 'drop' || answer === 'no-response') action = answer;
      else if (answer !== undefined) {
        if (answer.delayMs !== undefined) action = { delayMs: answer.delayMs };
        if ('error' in answer) forced = errorCode(answer.error);
      }
    }
    if (action === 'drop') {
      logged.outcome = 'dropped';
      socket.destroy();
      this.notify();
      return;
    }
    if (action === 'no-response') {
      logged.outcome = 'not-answered';
      this.notify();
      // Never settles: the connection stays muted, as a hung broker's would.
      return new Promise<void>(() => {});
    }
    if (action !== undefined && typeof action === 'object' && !('raw' in action)) {
      if ('delayMs' in action) {
        await new Promise<void>((resolve) => {
          const timer = setTimeout(() => {
            this.timers.delete(timer);
            resolve();
          }, action.delayMs);
          this.timers.add(timer);
        });
      } else await action.until.catch(() => undefined);
      if (socket.destroyed || this.closed) {
        logged.outcome = 'dropped';
        this.notify();
        return;
      }
    }

    if (logged.apiKey === FetchApi.apiKey && forced === undefined) {
      await this.fetchWait(broker, logged.body as FetchRequest);
      if (socket.destroyed || this.closed) {
        logged.outcome = 'dropped';
        this.notify();
        return;
      }
    }
    let response: Uint8Array | undefined;
    try {
      response = this.respond(broker, socket, logged, frame, forced);
    } catch (error) {
      // A bug of the fake's, not the client's: close the connection rather than throw in the socket handler.
      logged.outcome = 'refused';
      logged.fakeError = error instanceof Error ? error.message : String(error);
      socket.destroy();
      this.notify();
      return;
    }
    if (action !== undefined && typeof action === 'object' && 'raw' in action) {
      const raw = action.raw(response ?? new Uint8Array(0), logged);
      const bytes = raw instanceof Uint8Array ? raw : raw.bytes;
      socket.write(bytes);
      if (raw instanceof Uint8Array ? action.close === true : raw.close) socket.end();
      logged.outcome = 'raw';
    } else if (response === undefined) {
      logged.outcome = 'not-answered';
    } else if (action === 'drop-mid-response') {
      socket.write(response.subarray(0, Math.max(1, response.length >> 1)));
      socket.destroy();
      logged.outcome = 'dropped-mid-response';
    } else {
      socket.write(response);
      logged.outcome = 'answered';
      if (this.closeAfterAnswer.delete(socket)) socket.end();
    }
    this.notify();
  }

  private controlAnswer(logged: LoggedRequest): ControlAnswer | undefined {
    for (const rule of this.controlRules) {
      const m = rule.match;
      if (rule.remaining <= 0 || m.apiKey !== logged.apiKey) continue;
      if (m.nodeId !== undefined && m.nodeId !== logged.nodeId) continue;
      const answer = rule.action(logged);
      if (answer === undefined) continue;
      rule.remaining--;
      rule.hits++;
      return answer;
    }
    return undefined;
  }

  private requestAction(logged: LoggedRequest): RequestAction | undefined {
    for (const rule of this.requestRules) {
      const m = rule.match;
      if (rule.remaining <= 0 || m.api !== logged.api) continue;
      if (m.nodeId !== undefined && m.nodeId !== logged.nodeId) continue;
      if (m.when !== undefined && !m.when(logged)) continue;
      rule.remaining--;
      rule.hits++;
      return rule.action;
    }
    return undefined;
  }

  /** The response frame, or undefined when none is sent (acks=0). */
  private respond(
    broker: BrokerState,
    socket: Socket,
    logged: LoggedRequest,
    frame: Buffer,
    forced: number | undefined,
  ): Uint8Array | undefined {
    const { version, correlationId } = logged;
    switch (logged.apiKey) {
      case ApiVersionsApi.apiKey:
        return this.apiVersions(logged, forced);
      case MetadataApi.apiKey:
        return encodeResponse(MetadataApi, version, correlationId, this.metadata(logged, forced));
      case InitProducerIdApi.apiKey:
        return encodeResponse(
          InitProducerIdApi,
          version,
          correlationId,
          forced === undefined
            ? this.initProducerId(logged)
            : { throttleTimeMs: 0, errorCode: forced, producerId: -1n, producerEpoch: -1 },
        );
      case ProduceApi.apiKey: {
        const response = this.produce(broker, logged, forced);
        return logged.produce!.acks === 0
          ? undefined
          : encodeResponse(ProduceApi, version, correlationId, response);
      }
      case FetchApi.apiKey:
        return encodeResponse(FetchApi, version, correlationId, this.fetch(broker, logged, forced));
      case ListOffsetsApi.apiKey:
        return encodeResponse(
          ListOffsetsApi,
          version,
          correlationId,
          this.listOffsets(broker, logged, forced),
        );
      case SaslHandshakeApi.apiKey: {
        const session = this.sessionOf(socket);
        const { mechanism } = logged.body as { mechanism: string };
        const code = forced ?? session?.handshake(mechanism) ?? KafkaErrorCode.UNSUPPORTED_SASL_MECHANISM;
        return encodeResponse(SaslHandshakeApi, version, correlationId, {
          errorCode: code,
          mechanisms: this.sasl?.mechanisms ?? [],
        });
      }
      case SaslAuthenticateApi.apiKey: {
        const session = this.sessionOf(socket);
        const { authBytes } = logged.body as { authBytes: Uint8Array };
        const answer =
          forced !== undefined || session === undefined
            ? {
                errorCode: forced ?? KafkaErrorCode.ILLEGAL_SASL_STATE,
                errorMessage: null,
                authBytes: new Uint8Array(0),
                sessionLifetimeMs: 0n,
                close: true,
              }
            : session.authenticate(authBytes, performance.now());
        if (answer.close) this.closeAfterAnswer.add(socket);
        if (answer.authenticated !== undefined) {
          this.authentications.push({
            nodeId: logged.nodeId,
            connection: logged.connection,
            ...answer.authenticated,
          });
        }
        return encodeResponse(SaslAuthenticateApi, version, correlationId, answer);
      }
      default: {
        const answer = this.coordinator.answer(logged.apiKey, frame, this.producerIds, forced);
        if (answer === undefined) throw new Error(`the fake cluster does not speak api key ${logged.apiKey}`);
        return answer;
      }
    }
  }

  /** The APIs this cluster advertises: only versions its own decoders and encoders handle. */
  private advertised(): ApiVersion[] {
    const own = this.ownVersions();
    const override = this.apiVersionsOverride;
    if (override === undefined) return own;
    const chosen = typeof override === 'function' ? override(own.map((a) => ({ ...a }))) : override;
    return [...chosen.filter((a) => a.apiKey !== ApiVersionsApi.apiKey), this.apiVersionsRange()];
  }

  private apiVersionsRange(): ApiVersion {
    return {
      apiKey: ApiVersionsApi.apiKey,
      minVersion: 0,
      maxVersion: Math.min(this.options.apiVersionsMax, ApiVersionsApi.maxVersion),
    };
  }

  /** The ranges the fake speaks itself. */
  private ownVersions(): ApiVersion[] {
    const range = (
      api: { apiKey: number; minVersion: number; maxVersion: number },
      max = api.maxVersion,
    ) => ({
      apiKey: api.apiKey,
      minVersion: api.minVersion,
      maxVersion: Math.min(max, api.maxVersion),
    });
    return [
      range(ProduceApi, this.options.maxProduceVersion),
      range(FetchApi),
      range(ListOffsetsApi),
      range(MetadataApi, this.options.maxMetadataVersion),
      range(ApiVersionsApi, this.options.apiVersionsMax),
      range(InitProducerIdApi),
      ...this.coordinator.apiVersions().apiKeys,
      // Handshake v0 would carry the SASL tokens without Kafka framing, which the fake does not speak.
      ...(this.sasl === undefined
        ? []
        : [{ ...range(SaslHandshakeApi), minVersion: 1 }, range(SaslAuthenticateApi)]),
    ];
  }

  private apiVersions(logged: LoggedRequest, forced: number | undefined): Uint8Array {
    const { version, correlationId } = logged;
    if (logged.body === undefined || version > this.options.apiVersionsMax) {
      // A version the broker does not know: a v0 answer with UNSUPPORTED_VERSION and its range, as Kafka sends.
      return encodeResponse(ApiVersionsApi, 0, correlationId, {
        errorCode: KafkaErrorCode.UNSUPPORTED_VERSION,
        apiKeys: this.options.apiVersionsRangeInError ? [this.apiVersionsRange()] : [],
      });
    }
    const response: ApiVersionsResponse =
      forced === undefined
        ? {
            errorCode: 0,
            apiKeys: this.advertised(),
            throttleTimeMs: 0,
            ...this.coordinator.apiVersions().features,
          }
        : { errorCode: forced, apiKeys: [], throttleTimeMs: 0 };
    return encodeResponse(ApiVersionsApi, version, correlationId, response);
  }

  /**
   * A new producer id at epoch 0; from v3 a request naming its current id and epoch gets the next epoch
   * (a new id once the epoch is exhausted), as the transaction coordinator does for KIP-360 bumps.
   */
  private initProducerId(logged: LoggedRequest): InitProducerIdResponse {
    const request = logged.initProducerId!;
    for (const rule of this.initProducerIdRules) {
      if (rule.remaining <= 0) continue;
      rule.remaining--;
      rule.hits++;
      const { error, producerEpoch = 0 } = rule.action;
      if (error !== undefined) {
        return { throttleTimeMs: 0, errorCode: errorCode(error), producerId: -1n, producerEpoch: -1 };
      }
      const producerId = this.nextProducerId++;
      this.producerIds.set(producerId, producerEpoch);
      return { throttleTimeMs: 0, errorCode: 0, producerId, producerEpoch };
    }
    const current = request.producerId >= 0n ? this.producerIds.get(request.producerId) : undefined;
    if (request.producerId >= 0n) {
      if (current === undefined || current !== request.producerEpoch) {
        return {
          throttleTimeMs: 0,
          errorCode: KafkaErrorCode.INVALID_PRODUCER_EPOCH,
          producerId: -1n,
          producerEpoch: -1,
        };
      }
      if (current < MAX_PRODUCER_EPOCH) {
        this.producerIds.set(request.producerId, current + 1);
        return {
          throttleTimeMs: 0,
          errorCode: 0,
          producerId: request.producerId,
          producerEpoch: current + 1,
        };
      }
    }
    const producerId = this.nextProducerId++;
    this.producerIds.set(producerId, 0);
    return { throttleTimeMs: 0, errorCode: 0, producerId, producerEpoch: 0 };
  }

  /** Bytes of stored batches the fetch would return now, over the partitions this broker leads. */
  private fetchableBytes(broker: BrokerState, request: FetchRequest): number {
    let bytes = 0;
    for (const t of request.topics) {
      for (const p of t.partitions) {
        const partition = this.topics.get(t.topic)?.partitions[p.partition];
        if (partition === undefined || partition.leaderId !== broker.nodeId) return 1; // an error answers at once
        for (const b of partition.batches) if (b.lastOffset >= p.fetchOffset) bytes += b.bytes.length;
      }
    }
    return bytes;
  }

  /** Holds a fetch until it has minBytes to return or maxWaitMs passed, as a broker's purgatory does. */
  private fetchWait(broker: BrokerState, request: FetchRequest): Promise<void> {
    const enough = () => this.fetchableBytes(broker, request) >= Math.max(1, request.minBytes);
    if (request.maxWaitMs <= 0 || enough()) return Promise.resolve();
    return new Promise<void>((resolve) => {
      const done = () => {
        clearTimeout(timer);
        this.timers.delete(timer);
        this.listeners.delete(listener);
        resolve();
      };
      const listener = () => {
        if (enough()) done();
      };
      const timer = setTimeout(done, request.maxWaitMs);
      this.timers.add(timer);
      this.listeners.add(listener);
    });
  }

  /**
   * Whole stored batches from each partition's fetch offset on, at least one batch and then up to the byte limits
   * (KIP-74). Every record is visible: the fake writes no transaction markers, so read_committed sees what
   * read_uncommitted sees.
   */
  private fetch(broker: BrokerState, logged: LoggedRequest, forced: number | undefined): FetchResponse {
    const request = logged.body as FetchRequest;
    let budget = request.maxBytes ?? INT32_MAX;
    const responses = request.topics.map((t) => ({
      topic: t.topic,
      partitions: t.partitions.map((p): FetchPartitionResponse => {
        const partition = this.topics.get(t.topic)?.partitions[p.partition];
        const answer = (errorCode: number, highWatermark = -1n, records: Uint8Array | null = null) => ({
          partitionIndex: p.partition,
          errorCode,
          highWatermark,
          lastStableOffset: highWatermark,
          // v5+ only; below it the field does not exist
          logStartOffset:
            highWatermark < 0n || logged.version < 5
              ? -1n
              : (partition?.batches[0]?.baseOffset ?? highWatermark),
          abortedTransactions: errorCode === 0 ? [] : null,
          preferredReadReplica: -1,
          records,
        });
        if (forced !== undefined) return answer(forced);
        if (partition === undefined) return answer(KafkaErrorCode.UNKNOWN_TOPIC_OR_PARTITION);
        if (partition.leaderId !== broker.nodeId) return answer(KafkaErrorCode.NOT_LEADER_OR_FOLLOWER);
        const highWatermark = partition.nextOffset;
        const logStart = partition.batches[0]?.baseOffset ?? highWatermark;
        if (p.fetchOffset > highWatermark || p.fetchOffset < logStart) {
          return answer(KafkaErrorCode.OFFSET_OUT_OF_RANGE, highWatermark);
        }
        const chosen: Uint8Array[] = [];
        let size = 0;
        for (const b of partition.batches) {
          if (b.lastOffset < p.fetchOffset) continue;
          const fits = size + b.bytes.length <= Math.min(p.partitionMaxBytes, budget);
          if (!fits && (chosen.length > 0 || size > 0 || budget < (request.maxBytes ?? INT32_MAX))) break;
          chosen.push(b.bytes);
          size += b.bytes.length;
        }
        budget -= size;
        return answer(0, highWatermark, Buffer.concat(chosen));
      }),
    }));
    return { throttleTimeMs: 0, errorCode: 0, sessionId: 0, responses };
  }

  /** Earliest (-2), latest (-1) or the first offset at or after a timestamp, per partition, from its leader. */
  private listOffsets(
    broker: BrokerState,
    logged: LoggedRequest,
    forced: number | undefined,
  ): ListOffsetsResponse {
    const request = logged.body as ListOffsetsRequest;
    const topics = request.topics.map((t) => ({
      name: t.name,
      partitions: t.partitions.map((p) => {
        const partition = this.topics.get(t.name)?.partitions[p.partitionIndex];
        const answer = (errorCode: number, offset = -1n, timestamp = -1n) => ({
          partitionIndex: p.partitionIndex,
          errorCode,
          timestamp,
          offset,
          // v4+ only; below it the field does not exist
          leaderEpoch: errorCode === 0 && logged.version >= 4 ? (partition?.leaderEpoch ?? -1) : -1,
        });
        if (forced !== undefined) return answer(forced);
        if (partition === undefined) return answer(KafkaErrorCode.UNKNOWN_TOPIC_OR_PARTITION);
        if (partition.leaderId !== broker.nodeId) return answer(KafkaErrorCode.NOT_LEADER_OR_FOLLOWER);
        const end = partition.nextOffset;
        if (p.timestamp === -1n) return answer(0, end);
        if (p.timestamp === -2n) return answer(0, partition.batches[0]?.baseOffset ?? end);
        const found = partition.log.find((r) => r.timestamp >= p.timestamp);
        return found === undefined ? answer(0) : answer(0, found.offset, found.timestamp);
      }),
    }));
    return { throttleTimeMs: 0, topics };
  }

  private metadata(logged: LoggedRequest, forced: number | undefined): MetadataResponse {
    const version = logged.version;
    const request = logged.metadata!;
    const names = request.topics === null ? [...this.topics.keys()] : request.topics.map((t) => t.name ?? '');
    const topics: MetadataResponseTopic[] = names.map((name) => {
      if (forced !== undefined) return this.topicEntry(version, { errorCode: forced, name, partitions: [] });
      const topic = this.topics.get(name);
      if (topic === undefined) {
        const create = this.options.autoCreateTopics && request.allowAutoTopicCreation;
        if (create) this.createTopic(name, this.options.autoCreatePartitions);
        // The request that creates a topic sees it without leaders yet, as with a real broker.
        return this.topicEntry(version, {
          errorCode: create ? KafkaErrorCode.LEADER_NOT_AVAILABLE : KafkaErrorCode.UNKNOWN_TOPIC_OR_PARTITION,
          name,
          partitions: [],
        });
      }
      if (topic.metadataError !== 0) {
        return this.topicEntry(version, { errorCode: topic.metadataError, name, partitions: [] });
      }
      return this.topicEntry(version, {
        errorCode: 0,
        name,
        topicId: topic.topicId,
        partitions: topic.partitions.map((p) => {
          const leaderId = this.brokers.get(p.leaderId)?.running === true ? p.leaderId : -1;
          return {
            errorCode: leaderId < 0 ? KafkaErrorCode.LEADER_NOT_AVAILABLE : 0,
            partitionIndex: p.index,
            leaderId,
            ...(version >= 7 ? { leaderEpoch: p.leaderEpoch } : {}),
            replicaNodes: p.leaderId < 0 ? [] : [p.leaderId],
            isrNodes: leaderId < 0 ? [] : [leaderId],
          };
        }),
      });
    });
    const listed = [...this.brokers.values()].filter((b) => b.listed && b.running);
    return {
      throttleTimeMs: 0,
      brokers: listed.map((b) => ({ nodeId: b.nodeId, host: HOST, port: b.port, rack: null })),
      clusterId: 'fake-cluster',
      controllerId: listed[0]?.nodeId ?? -1,
      topics,
    };
  }

  private topicEntry(version: number, topic: MetadataResponseTopic): MetadataResponseTopic {
    if (version < 10) delete topic.topicId;
    return topic;
  }

  private produce(broker: BrokerState, logged: LoggedRequest, forced: number | undefined): ProduceResponse {
    const version = logged.version;
    const byTopic = new Map<string, PartitionProduceResponse[]>();
    const endpoints = new Map<number, NodeEndpoint>();
    for (const produced of logged.produce!.partitions) {
      const answer: ReturnType<typeof this.producePartition> =
        forced === undefined
          ? this.producePartition(broker, logged, produced)
          : { errorCode: forced, baseOffset: -1n };
      const result: PartitionProduceResponse = {
        index: produced.partition,
        errorCode: answer.errorCode,
        baseOffset: answer.baseOffset,
        logAppendTimeMs: -1n,
      };
      if (version >= 5) result.logStartOffset = 0n;
      if (version >= 8) {
        result.recordErrors = (answer.recordErrors ?? []).map((e) => ({
          batchIndex: e.batchIndex,
          batchIndexErrorMessage: e.message ?? null,
        }));
        result.errorMessage = answer.errorMessage ?? null;
      }
      if (version >= 10 && answer.currentLeader !== undefined) {
        result.currentLeader = answer.currentLeader;
        const leader = this.brokers.get(answer.currentLeader.leaderId);
        if (leader !== undefined) {
          endpoints.set(leader.nodeId, { nodeId: leader.nodeId, host: HOST, port: leader.port, rack: null });
        }
      }
      produced.result = {
        errorCode: answer.errorCode,
        errorName: errorName(answer.errorCode),
        baseOffset: answer.baseOffset,
      };
      const key = version >= 13 ? (this.topics.get(produced.topic)?.topicId ?? ZERO_UUID) : produced.topic;
      let list = byTopic.get(key);
      if (list === undefined) {
        list = [];
        byTopic.set(key, list);
      }
      list.push(result);
    }
    const throttle = this.produceThrottles.shift() ?? 0;
    const response: ProduceResponse = {
      responses: [...byTopic].map(([key, partitionResponses]) =>
        version >= 13 ? { topicId: key, partitionResponses } : { name: key, partitionResponses },
      ),
      throttleTimeMs: throttle,
    };
    if (version >= 10 && endpoints.size > 0) response.nodeEndpoints = [...endpoints.values()];
    return response;
  }

  private producePartition(
    broker: BrokerState,
    logged: LoggedRequest,
    produced: ProducedPartition,
  ): {
    errorCode: number;
    baseOffset: bigint;
    errorMessage?: string;
    recordErrors?: ProduceReply['recordErrors'];
    currentLeader?: { leaderId: number; leaderEpoch: number };
  } {
    const scripted = this.produceReply(produced);
    if (scripted !== undefined) {
      return {
        errorCode: errorCode(scripted.error),
        baseOffset: -1n,
        ...(scripted.errorMessage === undefined ? {} : { errorMessage: scripted.errorMessage }),
        ...(scripted.recordErrors === undefined ? {} : { recordErrors: scripted.recordErrors }),
        ...(scripted.currentLeader === undefined
          ? {}
          : {
              currentLeader: {
                leaderId: scripted.currentLeader.leaderId,
                leaderEpoch: scripted.currentLeader.leaderEpoch ?? -1,
              },
            }),
      };
    }
    const topic = this.topics.get(produced.topic);
    const partition = topic?.partitions[produced.partition];
    if (topic === undefined || partition === undefined) {
      return {
        errorCode:
          logged.version >= 13 ? KafkaErrorCode.UNKNOWN_TOPIC_ID : KafkaErrorCode.UNKNOWN_TOPIC_OR_PARTITION,
        baseOffset: -1n,
      };
    }
    if (produced.refusedWith !== undefined) return { errorCode: produced.refusedWith, baseOffset: -1n };
    if (partition.leaderId !== broker.nodeId) {
      const hint = this.options.leaderHints && this.brokers.get(partition.leaderId)?.running === true;
      return {
        errorCode: KafkaErrorCode.NOT_LEADER_OR_FOLLOWER,
        baseOffset: -1n,
        ...(hint
          ? { currentLeader: { leaderId: partition.leaderId, leaderEpoch: partition.leaderEpoch } }
          : {}),
      };
    }
    // Like Kafka, check every batch before writing any: the partition's batches are written all or none.
    const updates = new Map<bigint, ProducerStateEntry>();
    let nextOffset = partition.nextOffset;
    for (const batch of produced.batches) {
      if (batch.producerId < 0n) {
        nextOffset += BigInt(batch.records.length);
        continue;
      }
      const current = updates.get(batch.producerId) ?? partition.producers.get(batch.producerId);
      const verdict = this.checkSequence(current, batch);
      if (typeof verdict === 'bigint') {
        // A retry of a batch already written: answered with its original offset, nothing appended (Kafka
        // answers the whole partition entry this way; the producer sends one batch per partition).
        return { errorCode: 0, baseOffset: verdict };
      }
      if (verdict !== 0) return { errorCode: verdict, baseOffset: -1n };
      const count = BigInt(batch.records.length);
      const entry: ProducerStateEntry =
        current === undefined || current.producerEpoch !== batch.producerEpoch
          ? { producerEpoch: batch.producerEpoch, batches: [] }
          : { producerEpoch: current.producerEpoch, batches: [...current.batches] };
      entry.batches.push({
        firstSequence: batch.baseSequence,
        lastSequence: batch.lastSequence,
        firstOffset: nextOffset,
        lastOffset: nextOffset + count - 1n,
      });
      if (entry.batches.length > BATCHES_RETAINED) entry.batches.shift();
      updates.set(batch.producerId, entry);
      nextOffset += count;
    }
    for (const [producerId, entry] of updates) partition.producers.set(producerId, entry);

    const baseOffset = partition.nextOffset;
    if (produced.bytes !== null && produced.records.length > 0) {
      // Base offset and partition leader epoch lie outside the batch's CRC: the leader stamps them in place.
      const bytes = Uint8Array.from(produced.bytes);
      const view = new DataView(bytes.buffer);
      view.setBigInt64(0, baseOffset);
      view.setInt32(12, partition.leaderEpoch);
      const lastOffset = baseOffset + BigInt(produced.batches[0]!.lastOffsetDelta);
      partition.batches.push({ baseOffset, lastOffset, bytes });
    }
    for (const batch of produced.batches) {
      batch.records.forEach((record, i) => {
        partition.log.push({
          topic: produced.topic,
          partition: produced.partition,
          offset: partition.nextOffset++,
          key: record.key,
          value: record.value,
          headers: record.headers,
          timestamp: record.timestamp,
          requestIndex: logged.index,
          producerId: batch.producerId,
          producerEpoch: batch.producerEpoch,
          sequence: batch.baseSequence < 0 ? -1 : wrapSequence(batch.baseSequence + i),
          compression: batch.compression,
          transactional: batch.transactional,
        });
      });
    }
    return { errorCode: 0, baseOffset };
  }

  /**
   * Kafka's duplicate check and ProducerAppendInfo.checkProducerEpoch/checkSequence for one batch: the
   * original first offset of a duplicate, 0 to accept, or an error code.
   */
  private checkSequence(current: ProducerStateEntry | undefined, batch: DecodedRecordBatch): bigint | number {
    if (current === undefined) {
      const unknown = this.idempotence.unknownProducer;
      return unknown === 'accept' || batch.baseSequence === 0 ? 0 : errorCode(unknown);
    }
    if (batch.producerEpoch < current.producerEpoch) return errorCode(this.idempotence.staleEpoch);
    if (batch.producerEpoch > current.producerEpoch) {
      return batch.baseSequence === 0 ? 0 : KafkaErrorCode.OUT_OF_ORDER_SEQUENCE_NUMBER;
    }
    const duplicate = current.batches.find(
      (b) => b.firstSequence === batch.baseSequence && b.lastSequence === batch.lastSequence,
    );
    if (duplicate !== undefined) return duplicate.firstOffset;
    const last = current.batches.at(-1)?.lastSequence;
    if (last === undefined || batch.baseSequence === wrapSequence(last + 1)) return 0;
    const first = current.batches[0]?.firstSequence ?? last;
    // Older than every batch remembered: a duplicate the broker can no longer answer with an offset.
    const older = isBefore(batch.baseSequence, first);
    return older ? errorCode(this.idempotence.olderSequence) : KafkaErrorCode.OUT_OF_ORDER_SEQUENCE_NUMBER;
  }

  private produceReply(produced: ProducedPartition): ProduceReply | undefined {
    for (const rule of this.produceRules) {
      const m = rule.match;
      if (rule.remaining <= 0) continue;
      if (m.topic !== undefined && m.topic !== produced.topic) continue;
      if (m.partition !== undefined && m.partition !== produced.partition) continue;
      if (m.nodeId !== undefined && m.nodeId !== produced.nodeId) continue;
      if (m.when !== undefined && !m.when(produced)) continue;
      rule.remaining--;
      rule.hits++;
      return rule.action;
    }
    return undefined;
  }

  private topicNameById(topicId: string): string | undefined {
    for (const t of this.topics.values()) if (t.topicId === topicId) return t.name;
    return undefined;
  }

  private broker(nodeId: number): BrokerState {
    const b = this.brokers.get(nodeId);
    if (b === undefined) throw new Error(`no broker ${nodeId}`);
    return b;
  }

  private topic(name: string): TopicState {
    const t = this.topics.get(name);
    if (t === undefined) throw new Error(`no topic ${name}`);
    return t;
  }

  private partition(topic: string, partition: number): PartitionState {
    const p = this.topic(topic).partitions[partition];
    if (p === undefined) throw new Error(`no partition ${topic}-${partition}`);
    return p;
  }
}
