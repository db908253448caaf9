// startKafka (kafka-wire/testing) when a port is taken between its free-port check and the broker's bind:
// another process (a parallel test, another broker) can do that at any time. These tests take the port in
// exactly that gap, through startKafka's portsChecked hook, and hold it with a listener of their own.
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { CLUSTER_MARK, findHarnessJvms, kafkaLibs } from '../../scripts/lib/index.mjs';
import { Producer } from '../../src/index.js';
import { type RunningKafka, StartKafkaError, startKafka } from '../../src/testing/start-kafka.js';
import { findFreeBasePort, kafkaVersion, uniqueTopic } from '../harness/index.js';
import { releasePorts, takePort } from '../harness/port-squatter.js';

let scratch: string;
let libs: string;

beforeAll(async () => {
  scratch = await mkdtemp(join(tmpdir(), 'kafka-wire-start-kafka-ports-'));
  libs = await kafkaLibs(kafkaVersion()); // the harness's jars: no download
});

afterEach(releasePorts);

afterAll(async () => {
  await rm(scratch, { recursive: true, force: true });
});

/** startKafka's options for a broker in `dir` that findHarnessJvms can find (and so tell that it is gone). */
function inDir(name: string) {
  const dir = join(scratch, name);
  return { dir, version: kafkaVersion(), libs, jvmArgs: [`${CLUSTER_MARK}${dir}`] };
}

describe('startKafka when a port is taken after its check', () => {
  it('on ports it chose starts again on new ones, says so once, and the broker takes records', async () => {
    const options = inDir('chosen');
    const checks: { attempt: number; ports: readonly number[] }[] = [];
    const said: string[] = [];
    let kafka: RunningKafka | undefined;
    try {
      kafka = await startKafka({
        ...options,
        log: (message) => said.push(message),
        portsChecked: async ({ attempt, ports }) => {
          checks.push({ attempt, ports });
          if (attempt === 1) await takePort(ports[0]!);
        },
      });
      expect(checks.map((c) => c.attempt)).toEqual([1, 2]);
      const taken = checks[0]!.ports[0]!;
      expect(said.filter((m) => m.includes('starting again'))).toEqual([
        `startKafka: port ${taken} was taken before broker 1 bound it (attempt 1 of 4); starting again on new ports`,
      ]);
      expect(kafka.brokers.map((b) => b.port)).toEqual([checks[1]!.ports[0]]);
      expect(kafka.bootstrapServers).not.toContain(`:${taken}`);

      const producer = new Producer({ bootstrapServers: kafka.bootstrapServers });
      try {
        const sent = await producer.send({ topic: uniqueTopic('start-kafka-ports'), value: 'v' });
        expect(sent.offset).toBe(0n);
      } finally {
        await producer.close();
      }
    } finally {
      await kafka?.stop();
    }
    expect(findHarnessJvms({ dir: options.dir })).toEqual([]);
  });

  it('on the port the caller gave fails, naming the port and what to do, and leaves no JVM behind', async () => {
    const options = inDir('given');
    const port = await findFreeBasePort(1);
    const attempts: number[] = [];
    const error = await startKafka({
      ...options,
      port,
      portsChecked: async ({ attempt, ports }) => {
        attempts.push(attempt);
        expect(ports[0]).toBe(port);
        await takePort(port);
      },
    }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(StartKafkaError);
    const message = (error as Error).message;
    expect(message).toMatch(
      new RegExp(
        `^startKafka: broker 1 could not bind port ${port} on 127\\.0\\.0\\.1 \\(Address already in use\\): ` +
          'another process took it after startKafka found it free\\. Stop whatever listens there .*, or leave ' +
          'out `port` so that startKafka chooses free ports\\. Its log .*broker-1\\.log says: ' +
          // Kafka's own account of it, quoted.
          `.*failed to bind to \\S*:${port}: Address already in use`,
      ),
    );
    expect(attempts).toEqual([1]);
    expect(findHarnessJvms({ dir: options.dir })).toEqual([]);
  });

  it('on a given port already in use fails before starting any broker', async () => {
    const options = inDir('busy');
    const port = await findFreeBasePort(1);
    await takePort(port);
    const checked: number[] = [];
    const error = await startKafka({
      ...options,
      port,
      portsChecked: ({ attempt }) => void checked.push(attempt),
    }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(StartKafkaError);
    expect((error as Error).message).toMatch(
      new RegExp(
        `^startKafka: port ${port} on 127\\.0\\.0\\.1 \\(broker 1's\\) is not free \\(.*EADDRINUSE.*\\)\\. ` +
          'Stop whatever listens there .*, or leave out `port` so that startKafka chooses free ports\\.$',
      ),
    );
    expect(checked).toEqual([]);
  });
});
