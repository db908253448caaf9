// The API version ranges one broker advertised in its ApiVersions response, and the choice of version per API:
// min(our max, broker max), which must be >= our min and >= the broker's min. Our minimums already skip versions
// brokers advertise but refuse (Kafka 4.x advertises Produce min 0 yet closes the connection on v0-2; our Produce
// min is 3), so the broker's minimum only ever rules out APIs a newer broker has dropped.

import { UnsupportedVersionError } from './errors.js';

/** What the table needs to know about an API we speak: an API descriptor from src/protocol satisfies it. */
export interface VersionedApi {
  readonly apiKey: number;
  readonly name: string;
  readonly minVersion: number;
  readonly maxVersion: number;
}

export interface ApiVersionRange {
  readonly apiKey: number;
  readonly minVersion: number;
  readonly maxVersion: number;
}

export class ApiVersionTable {
  /** Names the broker in errors, e.g. "node 3 (broker1:9092)". */
  readonly broker: string;
  readonly #ranges = new Map<number, ApiVersionRange>();
  readonly #chosen = new Map<number, number>();

  constructor(ranges: Iterable<ApiVersionRange>, broker: string) {
    this.broker = broker;
    for (const range of ranges) {
      this.#ranges.set(range.apiKey, {
        apiKey: range.apiKey,
        minVersion: range.minVersion,
        maxVersion: range.maxVersion,
      });
    }
  }

  /** The broker's advertised range for an API key, if it listed the API. */
  brokerRange(apiKey: number): ApiVersionRange | undefined {
    return this.#ranges.get(apiKey);
  }

  /** All advertised ranges, in api key order. */
  ranges(): ApiVersionRange[] {
    return [...this.#ranges.values()].sort((a, b) => a.apiKey - b.apiKey);
  }

  /** Whether we and the broker share a version of `api`. */
  supports(api: VersionedApi): boolean {
    return this.#choose(api) >= 0;
  }

  /** The version to use for `api` with this broker. Throws a fatal UnsupportedVersionError if there is none. */
  versionFor(api: VersionedApi): number {
    const cached = this.#chosen.get(api.apiKey);
    if (cached !== undefined) return cached;
    const version = this.#choose(api);
    if (version < 0) {
      const range = this.#ranges.get(api.apiKey);
      throw new UnsupportedVersionError(
        range === undefined
          ? `${this.broker} does not support ${api.name} (api key ${api.apiKey}) at all, and kafka-wire needs it ` +
              `(versions ${api.minVersion}-${api.maxVersion}); upgrade the broker`
          : `${this.broker} supports ${api.name} (api key ${api.apiKey}) versions ${range.minVersion}-` +
              `${range.maxVersion}, kafka-wire supports ${api.minVersion}-${api.maxVersion}: no version in common; ` +
              (range.maxVersion < api.minVersion ? 'upgrade the broker' : 'upgrade kafka-wire'),
      );
    }
    this.#chosen.set(api.apiKey, version);
    return version;
  }

  #choose(api: VersionedApi): number {
    const range = this.#ranges.get(api.apiKey);
    if (range === undefined) return -1;
    const version = Math.min(api.maxVersion, range.maxVersion);
    return version >= api.minVersion && version >= range.minVersion ? version : -1;
  }
}
