import type { BrokerAddress } from '../../../src/net/pool.js';
import type { BrokerChannel } from '../../../src/producer/coordinator.js';
import type { ProducerIdAndEpoch } from '../../../src/producer/idempotence.js';
import {
  TransactionManager,
  type TransactionManagerOptions,
} from '../../../src/producer/transaction-manager.js';
import type { AddPartitionsToTxnRequest } from '../../../src/protocol/add-partitions-to-txn.js';
import type { ApiCodec, Complete } from '../../../src/protocol/api.js';
import { KafkaErrorCode } from '../../../src/protocol/errors.js';
import type { FindCoordinatorRequest } from '../../../src/protocol/find-coordinator.js';
import type { TxnOffsetCommitRequest } from '../../../src/protocol/txn-offset-commit.js';

// Drives the transaction manager with scripted coordinator answers: every request is logged with the node it
// went to and the version it was built for; an API answers from its script first (a response, an Error to throw,
// or a function of the request), then as a healthy coordinator would.

/** A response, an Error to throw, or a function of the request (typed by the caller) and the version. */
export type Answer = object | Error | ((request: never, version: number) => object | Error);

export interface SentRequest {
  api: string;
  nodeId: number | undefined;
  version: number;
  request: Record<string, unknown>;
}

/** The broker's highest version of each API (Kafka 4.x). */
const BROKER_VERSIONS: Record<string, number> = {
  FindCoordinator: 6,
  InitProducerId: 5,
  AddPartitionsToTxn: 3,
  AddOffsetsToTxn: 4,
  TxnOffsetCommit: 5,
  EndTxn: 5,
};

export class ScriptedChannel implements BrokerChannel {
  readonly sent: SentRequest[] = [];
  readonly learned: BrokerAddress[] = [];
  private readonly scripts = new Map<string, Answer[]>();
  /** Node id FindCoordinator names, per key type (0 group, 1 transaction). */
  coordinatorOf: Record<number, number> = { 0: 2, 1: 1 };
  producerId = 7n;
  producerEpoch = 0;
  /** Resolves the next time a request of this API is sent. */
  private readonly waiters: Array<{ api: string; resolve: (r: SentRequest) => void }> = [];

  script(api: string, ...answers: Answer[]): this {
    const list = this.scripts.get(api) ?? [];
    list.push(...answers);
    this.scripts.set(api, list);
    return this;
  }

  requests(api: string): SentRequest[] {
    return this.sent.filter((r) => r.api === api);
  }

  apis(): string[] {
    return this.sent.map((r) => r.api);
  }

  nextRequest(api: string): Promise<SentRequest> {
    return new Promise((resolve) => this.waiters.push({ api, resolve }));
  }

  async request<Req extends object, Res extends object>(
    nodeId: number | undefined,
    api: ApiCodec<Req, Res>,
    build: (version: number) => Req,
    maxVersion?: number,
  ): Promise<{ response: Complete<Res>; version: number }> {
    await Promise.resolve();
    const version = Math.min(BROKER_VERSIONS[api.name]!, maxVersion ?? Number.POSITIVE_INFINITY);
    const request = build(version);
    const sent = { api: api.name, nodeId, version, request: request as Record<string, unknown> };
    this.sent.push(sent);
    for (const waiter of this.waiters.splice(0)) {
      if (waiter.api === api.name) waiter.resolve(sent);
      else this.waiters.push(waiter);
    }
    let answer: Answer | undefined = this.scripts.get(api.name)?.shift();
    if (typeof answer === 'function')
      answer = (answer as (r: Req, v: number) => object | Error)(request, version);
    if (answer instanceof Error) throw answer;
    const response = answer ?? this.healthy(api.name, request, version);
    return { response: response as Complete<Res>, version };
  }

  learnBroker(broker: BrokerAddress): void {
    this.learned.push(broker);
  }

  private healthy(api: string, request: unknown, version: number): object {
    switch (api) {
      case 'FindCoordinator': {
        const find = request as FindCoordinatorRequest;
        const keyType = find.keyType ?? 0;
        const key = find.key ?? find.coordinatorKeys![0]!;
        return coordinatorAnswer(version, key, 0, this.coordinatorOf[keyType]!);
      }
      case 'InitProducerId':
        // The coordinator bumps the epoch on every InitProducerId for a transactional id.
        return {
          throttleTimeMs: 0,
          errorCode: 0,
          producerId: this.producerId,
          producerEpoch: this.producerEpoch++,
        };
      case 'AddPartitionsToTxn':
        return addPartitionsAnswer(request as AddPartitionsToTxnRequest, () => 0);
      case 'AddOffsetsToTxn':
        return { throttleTimeMs: 0, errorCode: 0 };
      case 'TxnOffsetCommit':
        return txnOffsetCommitAnswer(request as TxnOffsetCommitRequest, () => 0);
      case 'EndTxn':
        return version >= 5
          ? {
              throttleTimeMs: 0,
              errorCode: 0,
              producerId: this.producerId,
              producerEpoch: this.producerEpoch++,
            }
          : { throttleTimeMs: 0, errorCode: 0, producerId: -1n, producerEpoch: -1 };
      default:
        throw new Error(`no healthy answer for ${api}`);
    }
  }
}

export function coordinatorAnswer(version: number, key: string, errorCode: number, nodeId = 1): object {
  const entry = { nodeId, host: `broker-${nodeId}`, port: 9092, errorCode, errorMessage: null };
  return version >= 4
    ? { throttleTimeMs: 0, coordinators: [{ key, ...entry }] }
    : { throttleTimeMs: 0, ...entry };
}

export function addPartitionsAnswer(
  request: AddPartitionsToTxnRequest,
  codeOf: (topic: string, partition: number) => number,
): object {
  return {
    throttleTimeMs: 0,
    resultsByTopicV3AndBelow: request.v3AndBelowTopics.map((t) => ({
      name: t.name,
      resultsByPartition: t.partitions.map((p) => ({
        partitionIndex: p,
        partitionErrorCode: codeOf(t.name, p),
      })),
    })),
  };
}

export function txnOffsetCommitAnswer(
  request: TxnOffsetCommitRequest,
  codeOf: (topic: string, partition: number) => number,
): object {
  return {
    throttleTimeMs: 0,
    topics: request.topics.map((t) => ({
      name: t.name,
      partitions: t.partitions.map((p) => ({
        partitionIndex: p.partitionIndex,
        errorCode: codeOf(t.name, p.partitionIndex),
      })),
    })),
  };
}

/** An answer carrying just an error code (InitProducerId, AddOffsetsToTxn, EndTxn). */
export function errorAnswer(name: keyof typeof KafkaErrorCode): object {
  return { throttleTimeMs: 0, errorCode: KafkaErrorCode[name], producerId: -1n, producerEpoch: -1 };
}

export function setup(
  options: Omit<Partial<TransactionManagerOptions>, 'transactionVersion'> & {
    transactionVersion?: number;
  } = {},
) {
  const { transactionVersion: initialVersion, ...overrides } = options;
  const channel = new ScriptedChannel();
  const identities: ProducerIdAndEpoch[] = [];
  const records = {
    flushes: 0,
    aborted: [] as Error[],
    /** What flush() waits for before resolving (records still being delivered). */
    inFlight: Promise.resolve() as Promise<void>,
    /** Keeps records "in flight" (flush() waiting) until the returned function is called. */
    hold(): () => void {
      let release!: () => void;
      records.inFlight = new Promise((resolve) => {
        release = resolve;
      });
      return release;
    },
  };
  let transactionVersion = initialVersion ?? 0;
  const manager = new TransactionManager({
    transactionalId: 'tx-1',
    transactionTimeoutMs: 60_000,
    maxBlockMs: 5_000,
    channel,
    transactionVersion: () => transactionVersion,
    retryBackoff: { backoff: () => 1 },
    records: {
      flush: async () => {
        records.flushes++;
        await records.inFlight;
      },
      abortUndrained: (error) => records.aborted.push(error),
    },
    setIdentity: (identity) => identities.push(identity),
    ...overrides,
  });
  return {
    channel,
    manager,
    identities,
    records,
    setTransactionVersion: (level: number) => {
      transactionVersion = level;
    },
  };
}

/** Lets queued microtasks and immediate callbacks run (the manager batches partitions per turn). */
export function turn(): Promise<void> {
  return new Promise((resolve) => setImmediate(resolve));
}
