// startKafka (kafka-wire/testing): one real broker from the jar list (copied from the local Maven repository
// the CI's jar step filled, so no second download), started by a user's script through the built package,
// produced to by kafka-wire and read back by Kafka's own consumer; the errors a user meets; and the jar
// fetching itself against a mirror on loopback (download, SHA-256 check, HTTP errors).
import { spawn } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { mkdtemp, readdir, rm, writeFile } from 'node:fs/promises';
import { createServer, type Server } from 'node:http';
import { connect } from 'node:net';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Producer } from '../../src/index.js';
import { kafkaJars } from '../../src/testing/kafka-jars.js';
import { KAFKA_JARS } from '../../src/testing/kafka-jars-manifest.js';
import { StartKafkaError, startKafka } from '../../src/testing/start-kafka.js';
import { consumeAll, createTopic, eventually, repoRoot, uniqueTopic } from '../harness/index.js';

const here = dirname(fileURLToPath(import.meta.url));
const m2 = join(repoRoot, '.cache', 'm2');
const VERSION = '4.4.0';
let scratch: string;
const savedEnv = { ...process.env };

beforeAll(async () => {
  scratch = await mkdtemp(join(tmpdir(), 'kafka-wire-start-kafka-'));
  process.env.KAFKA_WIRE_MAVEN_LOCAL = m2;
});

afterAll(async () => {
  process.env = savedEnv;
  await rm(scratch, { recursive: true, force: true });
});

function accepts(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = connect({ host: '127.0.0.1', port });
    socket.once('connect', () => {
      socket.destroy();
      resolve(true);
    });
    socket.once('error', () => resolve(false));
  });
}

describe('startKafka from the built package', () => {
  it('runs a broker that kafka-wire produces to and Kafka’s consumer reads back; stop() frees it all', async () => {
    const topic = uniqueTopic('start-kafka');
    const child = spawn(
      process.execPath,
      [join(here, 'testing-start-kafka-user.mjs'), VERSION, join(scratch, 'cache'), topic],
      { stdio: ['pipe', 'pipe', 'inherit'] },
    );
    const exited = new Promise<number | null>((resolve) => child.once('exit', resolve));
    const lines = createInterface({ input: child.stdout! })[Symbol.asyncIterator]();
    const first = await lines.next();
    if (first.done) throw new Error(`the user script ended early (exit code ${await exited})`);
    const started = JSON.parse(first.value) as {
      bootstrapServers: string;
      brokers: { nodeId: number; port: number }[];
      dir: string;
      version: string;
      offset: string;
    };
    expect(started.version).toBe(VERSION);
    expect(started.brokers.map((b) => b.nodeId)).toEqual([1]);
    expect(started.bootstrapServers).toBe(`127.0.0.1:${started.brokers[0]!.port}`);
    expect(started.offset).toBe('0');
    const [record] = await consumeAll({
      bootstrap: started.bootstrapServers,
      version: VERSION,
      topic,
      count: 1,
    });
    expect(record!.key!.toString()).toBe('k');
    expect(record!.value!.toString()).toBe('v');
    expect(record!.headers.map((h) => [h.key, h.value?.toString()])).toEqual([['h', 'x']]);

    child.stdin!.end('stop\n');
    expect((await lines.next()).value).toBe('stopped'); // stop() finished before Node could exit
    expect(await exited).toBe(0);
    expect(await accepts(started.brokers[0]!.port)).toBe(false);
    expect(existsSync(started.dir)).toBe(false);
  }, 180_000);
});

describe('startKafka keeps what it was given', () => {
  // Tests write fixed timestamps from years ago; under Kafka's 7-day time retention the broker's periodic check
  // deletes them, and a read moments later finds nothing (this test suite failed that way once). The check runs
  // here every 200 ms from the start; a topic given Kafka's default retention shows when it has.
  it('keeps records with old timestamps through retention checks that delete them under the 7-day default', async () => {
    const kafka = await startKafka({
      version: VERSION,
      cacheDir: join(scratch, 'cache'),
      brokerConfig: { 'log.initial.task.delay.ms': 0, 'log.retention.check.interval.ms': 200 },
    });
    try {
      const bootstrap = kafka.bootstrapServers;
      const [kept, expiring] = [uniqueTopic('kept'), uniqueTopic('expiring')];
      await createTopic({ bootstrap, topic: kept });
      await createTopic({
        bootstrap,
        topic: expiring,
        configs: { 'retention.ms': String(7 * 24 * 3600 * 1000) },
      });
      const producer = new Producer({ bootstrapServers: bootstrap });
      const old = (topic: string) =>
        Promise.all(
          [0, 1, 2].map((i) => producer.send({ topic, value: `v${i}`, timestamp: 1_600_000_000_000 + i })),
        );
      const deletions = () =>
        readFileSync(kafka.brokers[0]!.logFile, 'utf8')
          .split('\n')
          .filter((line) => line.includes(`${expiring}-0`) && line.includes('retention time')).length;
      try {
        await old(kept);
        await old(expiring);
        // The first deletion may come from a check that had not yet reached `kept`; the second comes from a later
        // check, so the one before it looked at every topic.
        await eventually(() => expect(deletions()).toBeGreaterThan(0), { timeoutMs: 60_000 });
        const first = deletions();
        await old(expiring);
        await eventually(() => expect(deletions()).toBeGreaterThan(first), { timeoutMs: 60_000 });
      } finally {
        await producer.close();
      }
      const read = await consumeAll({ bootstrap, version: VERSION, topic: kept, count: 3 });
      expect(read.map((r) => [r.offset, r.timestamp, r.value!.toString()])).toEqual(
        [0, 1, 2].map((i) => [BigInt(i), BigInt(1_600_000_000_000 + i), `v${i}`]),
      );
    } finally {
      await kafka.stop();
    }
  }, 180_000);
});

describe('startKafka errors', () => {
  it('says that Java 17+ is needed when there is no java', async () => {
    const error = await startKafka({ java: join(scratch, 'no-such-java') }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(StartKafkaError);
    expect((error as Error).message).toMatch(/needs Java 17 or newer.*was not found.*JAVA_HOME/s);
  });

  it.each([
    ['openjdk version "11.0.20" 2023-07-18', 'Java 11'],
    ['java version "1.8.0_392"', 'Java 8'],
  ])('says which Java it found when it is too old (%s)', async (banner, found) => {
    const java = join(scratch, `java-${found.replace(' ', '')}`);
    await writeFile(java, `#!/bin/sh\necho '${banner}' >&2\n`, { mode: 0o755 });
    const error = await startKafka({ java }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(StartKafkaError);
    expect((error as Error).message).toContain(
      `needs Java 17 or newer to run the Kafka broker, but '${java}' is ${found}.`,
    );
  });

  it('names the versions it knows and the libs escape hatch for another one', async () => {
    const error = await startKafka({ version: '2.8.2' }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(StartKafkaError);
    expect((error as Error).message).toContain('4.4.0, 3.9.2');
    expect((error as Error).message).toContain('KAFKA_WIRE_KAFKA_LIBS');
  });
});

describe('kafkaJars from a Maven mirror', () => {
  let server: Server;
  let url: string;
  const requests: string[] = [];
  const corrupt = new Set<string>();

  beforeAll(async () => {
    // A Maven repository layout on loopback, served from the local repository.
    server = createServer((req, res) => {
      const path = decodeURIComponent((req.url ?? '/').slice(1));
      requests.push(path);
      const file = join(m2, path);
      if (path.includes('..') || !existsSync(file)) {
        res.writeHead(404).end();
        return;
      }
      const body = readFileSync(file);
      if (corrupt.has(path)) body.writeUInt8(body.readUInt8(body.length - 1) ^ 0xff, body.length - 1);
      res.writeHead(200, { 'content-length': body.length }).end(body);
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const address = server.address();
    url = `http://127.0.0.1:${typeof address === 'object' && address ? address.port : 0}`;
    process.env.KAFKA_WIRE_MAVEN_LOCAL = ''; // no local repository: everything is downloaded
  });

  afterAll(async () => {
    process.env.KAFKA_WIRE_MAVEN_LOCAL = m2;
    delete process.env.KAFKA_WIRE_MAVEN_REPOSITORY;
    await new Promise((resolve) => server.close(resolve));
  });

  it('downloads every listed jar once, checks it, and reuses the cache afterwards', async () => {
    process.env.KAFKA_WIRE_MAVEN_REPOSITORY = `${url}/`;
    const cacheDir = join(scratch, 'mirror-cache');
    const messages: string[] = [];
    const libs = await kafkaJars('3.9.2', { cacheDir, log: (m) => messages.push(m) });
    const expected = KAFKA_JARS['3.9.2']!.map(([path]) => path);
    expect(requests.sort()).toEqual([...expected].sort());
    expect((await readdir(libs)).sort()).toEqual(expected.map((p) => p.split('/').pop()).sort());
    expect(messages).toEqual([
      `startKafka: downloading Apache Kafka 3.9.2's jars into ${join(cacheDir, 'kafka-3.9.2')}`,
    ]);
    requests.length = 0;
    await kafkaJars('3.9.2', { cacheDir: join(scratch, 'mirror-cache') });
    expect(requests).toEqual([]);
  });

  it('refuses a jar whose SHA-256 differs and leaves no folder behind', async () => {
    process.env.KAFKA_WIRE_MAVEN_REPOSITORY = url;
    const [path] = KAFKA_JARS[VERSION]![0]!;
    corrupt.add(path);
    const cacheDir = join(scratch, 'corrupt-cache');
    const error = await kafkaJars(VERSION, { cacheDir }).catch((e: unknown) => e);
    corrupt.clear();
    expect((error as Error).message).toContain(`${url}/${path} has SHA-256`);
    expect((error as Error).message).toContain('KAFKA_WIRE_MAVEN_REPOSITORY');
    expect(existsSync(join(cacheDir, `kafka-${VERSION}`, 'libs'))).toBe(false);
  });

  it('says which jar it could not download, and what to do', async () => {
    process.env.KAFKA_WIRE_MAVEN_REPOSITORY = `${url}/nothing-here`;
    const error = await kafkaJars(VERSION, { cacheDir: join(scratch, 'missing-cache') }).catch(
      (e: unknown) => e,
    );
    expect((error as Error).message).toMatch(
      /Could not download Apache Kafka 4\.4\.0's jar http:\/\/127\.0\.0\.1:\d+\/nothing-here\/.*\.jar: HTTP 404/,
    );
    expect((error as Error).message).toContain('pass `libs`');
  });
});
