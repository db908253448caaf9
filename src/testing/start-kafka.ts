// startKafka: a real Apache Kafka (KRaft, N combined broker+controller JVMs on 127.0.0.1) for integration
// tests, from Maven Central jars and the user's Java; no Docker, no Kafka download to unpack.
import { type ChildProcess, execFile, spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { closeSync, fstatSync, openSync, readFileSync } from 'node:fs';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { bindFailure } from './bind-failure.js';
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
  /**
   * Client port of broker 1; broker i listens on port + i - 1 (default: ports the OS finds free, chosen again,
   * a few times, when another process takes one before the broker binds it). A given port that is in use, or
   * taken before the broker binds it, fails the start. Controller ports are always chosen by startKafka.
   */
  port?: number;
  /** How long to wait for the brokers to accept clients (default 90000 ms). */
  startTimeoutMs?: number;
  /** Progress messages (jar downloads, start, a start again on new ports), e.g. `console.error`. Silent by default. */
  log?: (message: string) => void;
  /**
   * For tests of startKafka itself: called once per start attempt after the ports were found free and before
   * any broker binds them, so a test can take one in between. `ports`: every port the brokers will listen on,
   * each broker's client port followed by its controller port.
   */
  portsChecked?: (check: { attempt: number; ports: readonly number[] }) => void | Promise<void>;
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

/**
 * Listens on `port` of 127.0.0.1 (0: one the OS picks) and closes again: the port, free a moment ago. Rejects
 * with the listen error (EADDRINUSE) when it is not free.
 */
function freePort(port = 0): Promise<number> {
  return new Promise((resolvePort, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen({ port, host: '127.0.0.1', exclusive: true }, () => {
      const address = server.address();
      server.close(() => (typeof address === 'object' && address ? resolvePort(address.port) : reject()));
    });
  });
}

/**
 * How many sets of ports a start on ports it chose itself tries: another process (a parallel test, another
 * broker) can bind one between our check and the broker's bind, and only fresh ports help then.
 */
const CHOSEN_PORT_ATTEMPTS = 4;

/** An attempt's broker exited before it was ready because a port it was to listen on was in use. */
class PortTakenError extends Error {
  constructor(
    readonly port: number,
    readonly nodeId: number,
    /** true when startKafka chose the port, false when the caller gave it. */
    readonly chosen: boolean,
    /** Where the broker's log says so, quoted. */
    readonly evidence: string,
    cause: unknown,
  ) {
    super(`port ${port} was taken before broker ${nodeId} bound it`, { cause });
  }
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

  if (options.port !== undefined) {
    if (!Number.isInteger(options.port) || options.port < 1 || options.port + count - 1 > 65535)
      throw new StartKafkaError(
        `startKafka: port must be an integer from 1 to ${65536 - count} (with ${count} broker(s)), got ` +
          String(options.port),
      );
    await checkGivenPorts(options.port, count);
  }

  const ownDir = options.dir === undefined;
  const dir = ownDir ? await mkdtemp(join(tmpdir(), 'kafka-wire-')) : resolve(options.dir!);
  const start: StartContext = { options, count, version, java, libs, dir, ownDir, log };
  for (let attempt = 1; ; attempt++) {
    try {
      return await startAttempt(start, attempt);
    } catch (error) {
      if (!(error instanceof PortTakenError)) throw error;
      if (!error.chosen)
        throw new StartKafkaError(
          `startKafka: broker ${error.nodeId} could not bind port ${error.port} on 127.0.0.1 (Address already ` +
            `in use): another process took it after startKafka found it free. ${givenPortAdvice(error.port)} ` +
            error.evidence,
          { cause: error },
        );
      if (attempt === CHOSEN_PORT_ATTEMPTS)
        throw new StartKafkaError(
          `startKafka: ${CHOSEN_PORT_ATTEMPTS} times in a row another process took a port startKafka had found ` +
            `free before the broker bound it (last: ${error.port}). Something on this machine binds ports at a ` +
            `high rate; find it (\`ss -ltnp\`) or start fewer brokers and servers at once. ${error.evidence}`,
          { cause: error },
        );
      log(
        `startKafka: port ${error.port} was taken before broker ${error.nodeId} bound it (attempt ${attempt} ` +
          `of ${CHOSEN_PORT_ATTEMPTS}); starting again on new ports`,
      );
    }
  }
}

/** What every start attempt of one startKafka call shares. */
interface StartContext {
  options: StartKafkaOptions;
  count: number;
  version: string;
  java: string;
  libs: string;
  dir: string;
  ownDir: boolean;
  log: (message: string) => void;
}

/** What to do about a port the caller gave that another process holds. */
function givenPortAdvice(port: number): string {
  return (
    `Stop whatever listens there (\`ss -ltnp\` or \`lsof -i :${port}\` shows it), or leave out \`port\` so ` +
    'that startKafka chooses free ports.'
  );
}

/** Fails, saying what to do, unless every client port the caller gave is free now. */
async function checkGivenPorts(first: number, count: number): Promise<void> {
  for (let id = 1; id <= count; id++) {
    const port = first + id - 1;
    await freePort(port).catch((error: Error) => {
      throw new StartKafkaError(
        `startKafka: port ${port} on 127.0.0.1 (broker ${id}'s) is not free (${error.message}). ` +
          givenPortAdvice(port),
      );
    });
  }
}

/** Each broker's client port (the caller's, else a free one) and a free controller port. */
async function choosePorts(given: number | undefined, count: number): Promise<BrokerNode[]> {
  const nodes: BrokerNode[] = [];
  for (let id = 1; id <= count; id++)
    nodes.push({
      id,
      port: given === undefined ? await freePort() : given + id - 1,
      controllerPort: await freePort(),
    });
  return nodes;
}

/**
 * One start on one set of ports. Whatever fails leaves no JVM and no data behind (the logs stay for a look);
 * a broker that exited because a port was taken rejects with a PortTakenError.
 */
async function startAttempt(start: StartContext, attempt: number): Promise<RunningKafka> {
  const { options, count, version, java, libs, dir, ownDir, log } = start;
  const nodes = await choosePorts(options.port, count);
  await options.portsChecked?.({ attempt, ports: nodes.flatMap((n) => [n.port, n.controllerPort]) });
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
  // Where this attempt's output starts in each log: a log is appended to, and an earlier attempt's or run's
  // bind failure must not be read as this one's.
  const logStarts = new Map<number, number>();
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
        logStarts.set(node.id, fstatSync(out).size);
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
    // Only a broker that exited by itself can have failed to bind; kill() makes every one exit.
    const exited = new Set(exits.keys());
    await kill();
    await rm(join(dir, 'data'), { recursive: true, force: true });
    for (const node of nodes) {
      if (!exited.has(node.id)) continue;
      const failure = bindFailure(logSince(logFile(node.id), logStarts.get(node.id) ?? 0), node.port);
      if (failure === undefined) continue;
      const { port, line } = failure;
      const chosen = options.port === undefined || port < options.port || port >= options.port + count;
      throw new PortTakenError(port, node.id, chosen, `Its log ${logFile(node.id)} says: ${line}`, error);
    }
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

/** What `file` holds from byte `start` on ('' when it cannot be read). */
function logSince(file: string, start: number): string {
  try {
    return readFileSync(file).subarray(start).toString('utf8');
  } catch {
    return '';
  }
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
