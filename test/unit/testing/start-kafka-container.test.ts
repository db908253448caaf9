// startKafkaContainer without Docker: what can be checked here is the missing-package error (the package is not
// installed in this project) and, through a recording KafkaContainer in place of @testcontainers/kafka, how the
// options become KafkaContainer calls and that stop() stops the container. Whether a real container starts is
// not checked: no Docker engine was available where kafka-wire is tested.
import { existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import { describe, expect, it } from 'vitest';
import { StartKafkaError } from '../../../src/testing/start-kafka.js';
import {
  confluentEnvName,
  DEFAULT_KAFKA_IMAGE,
  type KafkaContainerLike,
  type StartedKafkaContainerLike,
  startKafkaContainer,
  startKafkaContainerWith,
  type TestcontainersKafkaModule,
} from '../../../src/testing/start-kafka-container.js';

interface Recording {
  calls: unknown[][];
  stops: number;
}

/** A KafkaContainer that records the calls made on it; start() fails with `startError` when given. */
function recordingModule(recording: Recording, startError?: Error): TestcontainersKafkaModule {
  class RecordingContainer implements KafkaContainerLike {
    constructor(image: string) {
      recording.calls.push(['new', image]);
    }
    withKraft(): this {
      recording.calls.push(['withKraft']);
      return this;
    }
    withEnvironment(environment: Record<string, string>): this {
      recording.calls.push(['withEnvironment', environment]);
      return this;
    }
    withStartupTimeout(ms: number): this {
      recording.calls.push(['withStartupTimeout', ms]);
      return this;
    }
    async start(): Promise<StartedKafkaContainerLike> {
      recording.calls.push(['start']);
      if (startError) throw startError;
      return {
        getHost: () => 'localhost',
        getMappedPort: (port) => (port === 9093 ? 32_801 : -1),
        stop: async () => {
          recording.stops++;
        },
      };
    }
  }
  return { KafkaContainer: RecordingContainer };
}

describe('startKafkaContainer', () => {
  it('without @testcontainers/kafka installed, rejects with a StartKafkaError that says what to install', async () => {
    const require = createRequire(import.meta.url);
    expect(() => require.resolve('@testcontainers/kafka')).toThrow();
    expect(existsSync(new URL('../../../node_modules/@testcontainers/kafka', import.meta.url))).toBe(false);

    const error = await startKafkaContainer().catch((e: unknown) => e);
    expect(error).toBeInstanceOf(StartKafkaError);
    expect((error as Error).message).toContain('npm install --save-dev @testcontainers/kafka');
    expect((error as Error).message).toContain('startKafka()');
    // Node reports ERR_MODULE_NOT_FOUND; vitest, which runs this file's imports, says "Could not resolve".
    const cause = (error as Error).cause as { code?: string; message?: string };
    expect(cause.code === 'ERR_MODULE_NOT_FOUND' || /could not resolve/i.test(String(cause.message))).toBe(
      true,
    );
  });

  it('starts a KRaft KafkaContainer of the default image and reports its mapped client port', async () => {
    const recording: Recording = { calls: [], stops: 0 };
    const kafka = await startKafkaContainerWith(async () => recordingModule(recording));
    expect(recording.calls).toEqual([['new', DEFAULT_KAFKA_IMAGE], ['withKraft'], ['start']]);
    expect(kafka.bootstrapServers).toBe('localhost:32801');
    expect(kafka.image).toBe(DEFAULT_KAFKA_IMAGE);

    await kafka.stop();
    await kafka.stop();
    expect(recording.stops).toBe(1);
  });

  it('passes image, brokerConfig (as the image environment variables) and startTimeoutMs to the container', async () => {
    const recording: Recording = { calls: [], stops: 0 };
    const kafka = await startKafkaContainerWith(async () => recordingModule(recording), {
      image: 'confluentinc/cp-kafka:7.9.0',
      brokerConfig: { 'num.partitions': 3, 'auto.create.topics.enable': false },
      startTimeoutMs: 60_000,
    });
    expect(recording.calls).toEqual([
      ['new', 'confluentinc/cp-kafka:7.9.0'],
      ['withKraft'],
      ['withEnvironment', { KAFKA_NUM_PARTITIONS: '3', KAFKA_AUTO_CREATE_TOPICS_ENABLE: 'false' }],
      ['withStartupTimeout', 60_000],
      ['start'],
    ]);
    expect(kafka.image).toBe('confluentinc/cp-kafka:7.9.0');
    await kafka.stop();
    expect(recording.stops).toBe(1);
  });

  it('names Confluent environment variables for dotted config names and refuses names with - or _', async () => {
    expect(confluentEnvName('log.retention.ms')).toBe('KAFKA_LOG_RETENTION_MS');
    expect(() => confluentEnvName('listener.name.secure.scram-sha-256.sasl.jaas.config')).toThrow(
      StartKafkaError,
    );
    const recording: Recording = { calls: [], stops: 0 };
    const error = await startKafkaContainerWith(async () => recordingModule(recording), {
      brokerConfig: { 'some_name.x': 1 },
    }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(StartKafkaError);
    expect((error as Error).message).toMatch(
      /^startKafkaContainer: brokerConfig key 'some_name.x' has characters/,
    );
    expect(recording.calls).not.toContainEqual(['start']);
  });

  it('turns testcontainers finding no container runtime into a StartKafkaError that says so, keeping the cause', async () => {
    const cause = new Error('Could not find a working container runtime strategy');
    const error = await startKafkaContainerWith(async () =>
      recordingModule({ calls: [], stops: 0 }, cause),
    ).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(StartKafkaError);
    expect((error as Error).message).toContain('no Docker engine is reachable');
    expect((error as Error).cause).toBe(cause);
  });

  it('names the image when the container fails to start for another reason', async () => {
    const cause = new Error('(HTTP code 404) no such image');
    const error = await startKafkaContainerWith(async () => recordingModule({ calls: [], stops: 0 }, cause), {
      image: 'confluentinc/cp-kafka:0.0.1',
    }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(StartKafkaError);
    expect((error as Error).message).toBe(
      'startKafkaContainer: Kafka image confluentinc/cp-kafka:0.0.1 did not start: (HTTP code 404) no such image',
    );
    expect((error as Error).cause).toBe(cause);
  });
});
