import { describe, expect, it } from 'vitest';
import {
  ProducerConfigError,
  parseBrokerAddress,
  resolveProducerConfig,
} from '../../../src/producer/config.js';

describe('producer configuration', () => {
  it("takes Java's 4.x defaults, except batchSize", () => {
    const c = resolveProducerConfig({ bootstrapServers: 'localhost:9092' });
    expect(c).toMatchObject({
      acks: -1,
      compressionType: 'none',
      lingerMs: 5,
      batchSize: 131072,
      requestTimeoutMs: 30000,
      deliveryTimeoutMs: 120000,
      retries: 2147483647,
      retryBackoffMs: 100,
      retryBackoffMaxMs: 1000,
      maxRequestSize: 1048576,
      maxBlockMs: 60000,
      metadataMaxAgeMs: 300000,
      maxInFlightRequestsPerConnection: 5,
      reconnectBackoffMs: 50,
      reconnectBackoffMaxMs: 1000,
      connectionsMaxIdleMs: 540000,
      socketConnectionSetupTimeoutMs: 10000,
      partitioner: 'default',
      partitionerIgnoreKeys: false,
      partitionerAdaptivePartitioningEnable: true,
      allowAutoCreateTopics: true,
    });
    expect(c.clientId).toMatch(/^kafka-wire-producer-\d+$/);
  });

  it('sends batches of 128 KiB by default, not 16 KiB, and a full one is a valid request', () => {
    // The sender shares the event loop with the application, so Java's 16 KiB batches cost it far more
    // CPU per record than they cost Java's sender thread (bench/README.md, "Choosing the defaults").
    const c = resolveProducerConfig({ bootstrapServers: 'localhost:9092' });
    expect(c.batchSize).toBe(128 * 1024);
    expect(c.lingerMs).toBe(5);
    // A batch the size of batchSize, plus its 12-byte log overhead, within the broker's default
    // message.max.bytes (1048588) and within one request of maxRequestSize.
    expect(c.batchSize + 12).toBeLessThanOrEqual(1_048_588);
    expect(c.batchSize).toBeLessThan(c.maxRequestSize);
    // Java's 16 KiB stays one option away.
    expect(resolveProducerConfig({ bootstrapServers: 'localhost:9092', batchSize: 16384 }).batchSize).toBe(
      16384,
    );
  });

  it('parses bootstrap lists as strings or arrays, IPv6 included', () => {
    expect(resolveProducerConfig({ bootstrapServers: 'a:1, b:2' }).bootstrapServers).toEqual([
      { host: 'a', port: 1 },
      { host: 'b', port: 2 },
    ]);
    expect(parseBrokerAddress('[::1]:9093')).toEqual({ host: '::1', port: 9093 });
    expect(parseBrokerAddress('kafka')).toEqual({ host: 'kafka', port: 9092 });
    expect(() => resolveProducerConfig({ bootstrapServers: '' })).toThrow(/at least one broker address/);
    expect(() => parseBrokerAddress('host:99999')).toThrow(ProducerConfigError);
  });

  it('maps acks "all" to -1 and refuses other values', () => {
    expect(resolveProducerConfig({ bootstrapServers: 'a', acks: 'all' }).acks).toBe(-1);
    expect(resolveProducerConfig({ bootstrapServers: 'a', acks: 0 }).acks).toBe(0);
    expect(() => resolveProducerConfig({ bootstrapServers: 'a', acks: 2 as never })).toThrow(/'acks'/);
  });

  it('checks compression levels against the codec', () => {
    expect(
      resolveProducerConfig({ bootstrapServers: 'a', compressionType: 'zstd', compressionLevel: 19 })
        .compressionLevel,
    ).toBe(19);
    expect(() =>
      resolveProducerConfig({ bootstrapServers: 'a', compressionType: 'gzip', compressionLevel: 12 }),
    ).toThrow(/gzip levels go from -1 to 9/);
    expect(() =>
      resolveProducerConfig({ bootstrapServers: 'a', compressionType: 'snappy', compressionLevel: 1 }),
    ).toThrow(/has no levels/);
    expect(() =>
      resolveProducerConfig({ bootstrapServers: 'a', compressionType: 'brotli' as never }),
    ).toThrow(/compressionType/);
  });

  it('requires deliveryTimeoutMs >= lingerMs + requestTimeoutMs, as Java does', () => {
    expect(() =>
      resolveProducerConfig({
        bootstrapServers: 'a',
        lingerMs: 10,
        requestTimeoutMs: 1000,
        deliveryTimeoutMs: 1009,
      }),
    ).toThrow(/deliveryTimeoutMs.*at least lingerMs \+ requestTimeoutMs \(1010\)/);
  });

  it('treats batchSize 0 as 1 and rejects non-integers with the option name', () => {
    expect(resolveProducerConfig({ bootstrapServers: 'a', batchSize: 0 }).batchSize).toBe(1);
    expect(() => resolveProducerConfig({ bootstrapServers: 'a', lingerMs: -1 })).toThrow(
      /Invalid producer option 'lingerMs'/,
    );
    expect(() => resolveProducerConfig({ bootstrapServers: 'a', lingerMs: 1.5 })).toThrow(/'lingerMs'/);
  });
});

describe('unknown options', () => {
  it('are refused, with the camel-cased name when a Java name was used', () => {
    expect(() => resolveProducerConfig({ bootstrapServers: 'h:9092', 'linger.ms': 20 } as never)).toThrow(
      /Invalid producer option 'linger\.ms': no such option; did you mean lingerMs\?/,
    );
    expect(() =>
      resolveProducerConfig({
        bootstrapServers: 'h:9092',
        'max.in.flight.requests.per.connection': 1,
      } as never),
    ).toThrow(/did you mean maxInFlightRequestsPerConnection\?/);
  });

  it('are refused, with the nearest known name for a typo', () => {
    expect(() => resolveProducerConfig({ bootstrapServers: 'h:9092', lingerMS: 20 } as never)).toThrow(
      /did you mean lingerMs\?/,
    );
    expect(() => resolveProducerConfig({ bootstrapServers: 'h:9092', batchSise: 1 } as never)).toThrow(
      /did you mean batchSize\?/,
    );
    expect(() => resolveProducerConfig({ bootstrapServers: 'h:9092', banana: 1 } as never)).toThrow(
      /Invalid producer option 'banana': no such option\. Options use the Java producer's names/,
    );
  });

  it('every documented option is accepted', () => {
    expect(() =>
      resolveProducerConfig({
        bootstrapServers: 'h:9092',
        clientId: 'c',
        acks: 'all',
        compressionType: 'lz4',
        lingerMs: 1,
        batchSize: 100,
        partitionerIgnoreKeys: false,
        partitionerAdaptivePartitioningEnable: true,
        allowAutoCreateTopics: true,
        connectionsMaxIdleMs: 1000,
        socketConnectionSetupTimeoutMs: 1000,
        reconnectBackoffMaxMs: 1000,
        metadataMaxAgeMs: 1000,
      }),
    ).not.toThrow();
  });
});
