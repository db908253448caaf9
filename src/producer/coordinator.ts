import type { BrokerAddress } from '../net/pool.js';
import type { ApiCodec, Complete } from '../protocol/api.js';
import { KafkaErrorCode, kafkaErrorFor } from '../protocol/errors.js';
import {
  type CoordinatorKeyType,
  coordinatorsOf,
  FindCoordinatorApi,
  findCoordinatorRequest,
} from '../protocol/find-coordinator.js';

// Which broker coordinates a transactional id or a consumer group (FindCoordinator), remembered until a request
// to it says it no longer does (NOT_COORDINATOR, COORDINATOR_NOT_AVAILABLE, a dropped connection): then the next
// request looks it up again, as Java's TransactionManager does with lookupCoordinator. Concurrent lookups of one
// key share one request. What to do about a failed lookup (retry, abort, give up) is the caller's decision.
//
// @locality: event loop.

/**
 * How the transactional producer reaches brokers without knowing sockets: the producer wires it to its
 * connection pool, tests to scripted answers.
 */
export interface BrokerChannel {
  /**
   * Sends a request built for the version negotiated with the broker (capped at `maxVersion`) to `nodeId`, or
   * to any broker when `nodeId` is undefined; resolves with the response and the version used. Rejects with
   * the network layer's errors (retriable when the request may be sent again).
   */
  request<Req extends object, Res extends object>(
    nodeId: number | undefined,
    api: ApiCodec<Req, Res>,
    build: (version: number) => Req,
    maxVersion?: number,
  ): Promise<{ response: Complete<Res>; version: number }>;
  /** A coordinator's address, so that requests can reach it by node id even if metadata did not list it. */
  learnBroker(broker: BrokerAddress): void;
}

export class Coordinators {
  private readonly known = new Map<string, number>();
  private readonly lookups = new Map<string, Promise<number>>();

  constructor(private readonly channel: BrokerChannel) {}

  /**
   * The node id of the broker coordinating `key`: the remembered one, or one FindCoordinator. Rejects with the
   * typed Kafka error the lookup answered (COORDINATOR_NOT_AVAILABLE while the coordinator starts, an
   * authorization failure) or the network error.
   */
  find(keyType: CoordinatorKeyType, key: string): Promise<number> {
    const id = cacheKey(keyType, key);
    const known = this.known.get(id);
    if (known !== undefined) return Promise.resolve(known);
    let lookup = this.lookups.get(id);
    if (lookup === undefined) {
      lookup = this.lookUp(keyType, key).then((nodeId) => {
        this.known.set(id, nodeId);
        return nodeId;
      });
      this.lookups.set(id, lookup);
      const done = () => this.lookups.delete(id);
      lookup.then(done, done);
    }
    return lookup;
  }

  /** `key`'s coordinator moved or is unreachable: the next find() asks again. */
  invalidate(keyType: CoordinatorKeyType, key: string): void {
    this.known.delete(cacheKey(keyType, key));
  }

  private async lookUp(keyType: CoordinatorKeyType, key: string): Promise<number> {
    const { response, version } = await this.channel.request(undefined, FindCoordinatorApi, (v) =>
      findCoordinatorRequest(v, keyType, [key]),
    );
    const coordinator = coordinatorsOf(response, version, key).find((c) => c.key === key);
    if (coordinator === undefined) {
      // Treated like a coordinator that is not there yet: retried.
      throw kafkaErrorFor(KafkaErrorCode.COORDINATOR_NOT_AVAILABLE, {
        api: 'FindCoordinator',
        brokerMessage: `the answer named no coordinator for ${keyType} '${key}'`,
      });
    }
    if (coordinator.errorCode !== 0) {
      throw kafkaErrorFor(coordinator.errorCode, {
        api: 'FindCoordinator',
        brokerMessage: coordinator.errorMessage,
        ...(keyType === 'transaction' ? { transactionalId: key } : { group: key }),
      });
    }
    this.channel.learnBroker({ nodeId: coordinator.nodeId, host: coordinator.host, port: coordinator.port });
    return coordinator.nodeId;
  }
}

function cacheKey(keyType: CoordinatorKeyType, key: string): string {
  return `${keyType}\u0000${key}`;
}
