// startKafka: a real Apache Kafka (KRaft, N combined broker+controller JVMs on 127.0.0.1) for integration
// tests, from Maven Central jars and the user's Java; no Docker, no Kafka download to unpack.
import { type ChildProcess, execFile, spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { closeSync, openSync, readFileSync } from 'node:fs';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { BROKER_JVM_FLAGS, type BrokerNode, brokerProperties, loggingConfigs } from './broker-config.js';
import { registeredBrokers } from './broker-probe.js';
import { checkJava, javaCommand } from './java-runtime.js';
import { KAFKA_VERSIONS, kafkaJars, looksLikeKafkaLibs } from './kafka-jars.js';

export { BROKER_JVM_FLAGS } from './broker-config.js';

/** The Kafka version startKafka runs unless told otherwise: the newest one kafka-wire is tested against. */
export const DEFAULT_KAFKA_VERSION: string = KAFKA_VERSIONS[0]!;

export interface StartKafkaOptions {
  /** Number of brokers, each also a KRaft controller (default 1). */
  brokers?: number;
  /**
   * Apache Kafka version (default {@link DEFAULT_KAFKA_VERSION}). Versions whose jars kafka-wire knows
   * ({@link KAFKA_VERSIONS}) are fetched by themselves; any other needs `libs`, and with `libs` it is only a
   * label (what `version` of the result says).
   */
  version?: string;
  /**
   * The libs/ folder of an unpacked Kafka download, used instead of fetching jars (default
   * $KAFKA_WIRE_KAFKA_LIBS). Lets you run a version kafka-wire has no jar list for.
   */
  libs?: string;
  /** Extra server.properties entries for every broker, e.g. `{ 'num.partitions': 3 }`. */
  brokerConfig?: Readonly<Record<string, string | number | boolean>>;
  /** Folder for data, configs and logs (default: a new folder in the OS temp dir, deleted by stop()). */
  dir?: string;
  /** Where downloaded jars are cached (default $KAFKA_WIRE_CACHE or the user cache folder + kafka-wire). */
  cacheDir?: string;
  /** The java command (default $JAVA_HOME/bin/java, else java from PATH); Java 17+ is needed. */
  java?: string;
  /** More JVM flags for every broker, after kafka-wire's own (a later `-Xmx1g` wins over its `-Xmx512m`). */
  jvmArgs?: readonly string[];
  /** How long to wait for the brokers to accept clients (default 90000 ms). */
  startTimeoutMs?: number;
  /** Progress messages (jar downloads, start), e.g. `console.error`. Silent by default. */
  log?: (message: string) => void;
}

export interface KafkaBroker {
  nodeId: number;
  host: string;
  port: number;
  /** The broker's log file (its stdout and stderr). */
  logFile: string;
}

/** A running Kafka started by {@link startKafka}. */
export interface RunningKafka {
  /** `'127.0.0.1:port,...'`: pass it as a client's bootstrapServers. */
  readonly bootstrapServers: string;
  readonly brokers: readonly KafkaBroker[];
  /** The Kafka version that runs. */
  readonly version: string;
  /** Its data, configs and logs. */
  readonly dir: string;
  /**
   * Kills the brokers and deletes their data (and `dir`, when startKafka made it). Safe to call twice. Brokers
   * still running when Node exits or gets SIGINT/SIGTERM/SIGHUP are killed too.
   */
  stop(): Promise<void>;
}

/** Thrown when startKafka cannot start Kafka: no suitable Java, jars that could not be fetched, a broker that died. */
export class StartKafkaError extends Error {
  override readonly name = 'StartKafkaError';
}

/** JVMs of clusters that are still running, killed if the process exits without stop(). */
const running = new Set<ChildProcess>();
let exitHookInstalled = false;
function killOnExit(child: ChildProcess): void {
  running.add(child);
  if (exitHookInstalled) return;
  exitHookInstalled = true;
  const killAll = () => {
    for (const jvm of running) killGroup(jvm, 'SIGKILL');
  };
  process.on('exit', killAll);
  // A signal (Ctrl-C) ends Node without 'exit', and the brokers run in process groups of their own: kill them,
  // then let the signal do what it would have done, unless someone else (a test runner) handles it.
  for (const signal of ['SIGINT', 'SIGTERM', 'SIGHUP'] as const) {
    process.once(signal, () => {
      killAll();
      if (process.listenerCount(signal) === 0) process.kill(process.pid, signal);
    });
  }
}

function killGroup(child: ChildProcess, signal: NodeJS.Signals): void {
  if (child.pid === undefined || child.exitCode !== null || child.signalCode !== null) return;
  try {
    process.kill(-child.pid, signal); // the JVM leads its own process group (spawned detached)
  } catch {
    child.kill(signal);
  }
}

/** A port on 127.0.0.1 that was free a moment ago (the OS picks it). */
function freePort(): Promise<number> {
  return new Promise((resolvePort, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen({ port: 0, host: '127.0.0.1', exclusive: true }, () => {
      const address = server.address();
      server.close(() => (typeof address === 'object' && address ? resolvePort(address.port) : reject()));
    });
  });
}

/** Kafka's Uuid.toString(): URL-safe base64 of 16 random bytes; one starting with '-' reads like a flag. */
function randomClusterId(): string {
  for (;;) {
    const id = randomBytes(16).toString('base64url');
    if (!id.startsWith('-')) return id;
  }
}

function tail(file: string, lines = 30): string {
  try {
    return readFileSync(file, 'utf8').trimEnd().split('\n').slice(-lines).join('\n');
  } catch {
    return '(no log written)';
  }
}

function runJava(java: string, args: string[], cwd: string): Promise<void> {
  return new Promise((resolveRun, reject) => {
    execFile(java, args, { cwd, maxBuffer: 16 << 20 }, (error, stdout, stderr) => {
      if (error) reject(new Error(`${error.message.split('\n')[0]}\n${stdout}${stderr}`.trim()));
      else resolveRun();
    });
  });
}

/**
 * Starts a real Apache Kafka on 127.0.0.1 for integration tests and resolves once every broker accepts
 * clients. Needs only Java 17+: the broker's jars are fetched from Maven Central on first use and cached.
 * Always `stop()` it (in `afterAll`); the brokers are also killed when the Node process exits.
 *
 * ```ts
 * const kafka = await startKafka({ brokers: 1 });
 * const producer = new Producer({ bootstrapServers: kafka.bootstrapServers });
 * // ...
 * await producer.close();
 * await kafka.stop();
 * ```
 */
export async function startKafka(options: StartKafkaOptions = {}): Promise<RunningKafka> {
  const count = options.brokers ?? 1;
  if (!Number.isInteger(count) || count < 1 || count > 9)
    throw new StartKafkaError(
      `startKafka: brokers must be an integer from 1 to 9, got ${String(options.brokers)}`,
    );
  const version = options.version ?? DEFAULT_KAFKA_VERSION;
  const log = options.log ?? (() => {});
  const java = javaCommand(options.java);
  const explicitLibs = options.libs ?? process.env.KAFKA_WIRE_KAFKA_LIBS;

  let libs: string;
  try {
    await checkJava(java);
    if (explicitLibs) {
      libs = resolve(explicitLibs);
      if (!(await looksLikeKafkaLibs(libs)))
        throw new Error(
          `startKafka: ${libs} holds no kafka_2.13-*.jar; point libs (or KAFKA_WIRE_KAFKA_LIBS) at the libs/ ` +
            'folder of an unpacked Kafka download.',
        );
    } else {
      libs = await kafkaJars(version, { cacheDir: options.cacheDir, log });
    }
  } catch (error) {
    throw new StartKafkaError((error as Error).message, { cause: error });
  }

  const ownDir = options.dir === undefined;
  const dir = ownDir ? await mkdtemp(join(tmpdir(), 'kafka-wire-')) : resolve(options.dir!);
  const nodes: BrokerNode[] = [];
  for (let id = 1; id <= count; id++)
    nodes.push({ id, port: await freePort(), controllerPort: await freePort() });
  const configDir = join(dir, 'config');
  const logDir = join(dir, 'logs');
  await mkdir(configDir, { recursive: true });
  await mkdir(logDir, { recursive: true });
  const logging = loggingConfigs();
  await writeFile(join(configDir, 'log4j2.properties'), logging.log4j2);
  await writeFile(join(configDir, 'log4j.properties'), logging.log4j);
  const clusterId = randomClusterId();
  const configFile = (id: number) => join(configDir, `broker-${id}.properties`);
  const logFile = (id: number) => join(logDir, `broker-${id}.log`);
  for (const node of nodes) {
    const data = join(dir, 'data', `broker-${node.id}`);
    await writeFile(configFile(node.id), brokerProperties(node, nodes, data, options.brokerConfig));
  }

  const jvms: ChildProcess[] = [];
  const exits = new Map<number, string>();
  let stopped = false;
  const kill = () =>
    Promise.all(
      jvms.map(
        (child) =>
          new Promise<void>((done) => {
            running.delete(child);
            if (child.exitCode !== null || child.signalCode !== null) return done();
            child.once('exit', () => done());
            // Unreferenced, its exit would not keep Node alive: a script awaiting stop() would just end.
            child.ref();
            killGroup(child, 'SIGKILL');
          }),
      ),
    );
  const stop = async (): Promise<void> => {
    if (stopped) return;
    stopped = true;
    await kill();
    await rm(ownDir ? dir : join(dir, 'data'), { recursive: true, force: true });
  };

  try {
    log(`startKafka: formatting storage for ${count} broker(s) (Kafka ${version}) in ${dir}`);
    const classpath = ['-cp', join(libs, '*')];
    await Promise.all(
      nodes.map((node) =>
        runJava(
          java,
          [...classpath, 'kafka.tools.StorageTool', 'format', '-t', clusterId, '-c', configFile(node.id)],
          dir,
        ).catch((error: Error) => {
          throw new Error(`startKafka: formatting storage for broker ${node.id} failed: ${error.message}`);
        }),
      ),
    );
    for (const node of nodes) {
      const out = openSync(logFile(node.id), 'a');
      try {
        const child = spawn(
          java,
          [
            ...BROKER_JVM_FLAGS,
            ...(options.jvmArgs ?? []),
            `-Dlog4j2.configurationFile=${join(configDir, 'log4j2.properties')}`,
            `-Dlog4j.configuration=file:${join(configDir, 'log4j.properties')}`,
            ...classpath,
            'kafka.Kafka',
            configFile(node.id),
          ],
          // Its own process group, so one signal reaches the JVM and whatever it forks.
          { cwd: dir, detached: true, stdio: ['ignore', out, out] },
        );
        child.on('exit', (code, signal) => exits.set(node.id, signal ?? `exit code ${code}`));
        child.on('error', (error) => exits.set(node.id, `could not start: ${error.message}`));
        child.unref(); // a broker never keeps the test process alive; stop() or the exit hook ends it
        jvms.push(child);
        killOnExit(child);
      } finally {
        closeSync(out);
      }
    }
    log(`startKafka: waiting for ${count} broker(s) on ${nodes.map((n) => `127.0.0.1:${n.port}`).join(',')}`);
    await waitUntilReady(nodes, exits, logFile, options.startTimeoutMs ?? 90_000, () => stopped);
  } catch (error) {
    // The logs stay for a look; the data goes.
    stopped = true;
    await kill();
    await rm(join(dir, 'data'), { recursive: true, force: true });
    throw error instanceof StartKafkaError
      ? error
      : new StartKafkaError((error as Error).message, { cause: error });
  }

  const brokers = nodes.map((n) => ({
    nodeId: n.id,
    host: '127.0.0.1',
    port: n.port,
    logFile: logFile(n.id),
  }));
  return {
    bootstrapServers: brokers.map((b) => `${b.host}:${b.port}`).join(','),
    brokers,
    version,
    dir,
    stop,
  };
}

async function waitUntilReady(
  nodes: readonly BrokerNode[],
  exits: ReadonlyMap<number, string>,
  logFile: (id: number) => string,
  timeoutMs: number,
  stopped: () => boolean,
): Promise<void> {
  const want = nodes.map((n) => n.id).join(',');
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    for (const node of nodes) {
      const exit = exits.get(node.id);
      if (exit !== undefined)
        throw new StartKafkaError(
          `Kafka broker ${node.id} (127.0.0.1:${node.port}) exited while starting (${exit}). ` +
            `Its log ${logFile(node.id)} ends with:\n${tail(logFile(node.id))}`,
        );
    }
    if (stopped()) throw new StartKafkaError('startKafka: stopped while starting');
    const seen = await Promise.all(
      nodes.map((n) =>
        registeredBrokers('127.0.0.1', n.port, 2000).then(
          (ids) => ids.join(','),
          (error: Error) => `error: ${error.message}`,
        ),
      ),
    );
    if (seen.every((s) => s === want)) return;
    if (Date.now() > deadline) {
      const slow = nodes[seen.findIndex((s) => s !== want)] ?? nodes[0]!;
      throw new StartKafkaError(
        `Kafka did not become ready within ${timeoutMs} ms (broker ${slow.id}: ${seen[nodes.indexOf(slow)]}). ` +
          `Its log ${logFile(slow.id)} ends with:\n${tail(logFile(slow.id))}`,
      );
    }
    await new Promise((r) => setTimeout(r, 200));
  }
}
