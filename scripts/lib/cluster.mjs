// A local Apache Kafka cluster in KRaft mode: N JVMs, each a combined broker + controller (N voters), on
// loopback. Used by `npm run kafka:up`, the integration tests' global setup and fault tests.
import { execFile, spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import {
  closeSync,
  existsSync,
  mkdirSync,
  openSync,
  readdirSync,
  readFileSync,
  rmSync,
  writeFileSync,
} from 'node:fs';
import { basename, dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { setScramCredentials } from './admin.mjs';
import { brokerClassArchive } from './class-archive.mjs';
import { kafkaLibs } from './jars.mjs';
import { writeLoggingConfig } from './logging.mjs';
import { fetchMetadata } from './metadata.mjs';
import { startTokenEndpoint } from './oidc-server.mjs';
import { kafkaHome, kafkaVersion } from './paths.mjs';
import {
  CLUSTER_MARK,
  findHarnessJvms,
  isHarnessJvm,
  isRunning,
  killJvms,
  NODE_MARK,
  portIsFree,
  signalGroup,
  waitForExit,
} from './processes.mjs';
import {
  lateScramCredentials,
  prepareSecurity,
  SECURE_LISTENERS,
  scramFormatArgs,
  secureBrokerProperties,
} from './secure.mjs';

const STATE_FILE = 'cluster.json';

/**
 * The broker JVM flags and server.properties (src/testing/broker-config.ts) and the reading of a bind failure
 * (src/testing/bind-failure.ts) are kafka-wire/testing's, the one definition startKafka uses too: from the
 * source where TypeScript is compiled on the fly (vitest), else from the build (plain Node: scripts/kafka.mjs,
 * benchmarks), which then must exist.
 */
const testingModules = new Map();
function loadTesting(name) {
  let loading = testingModules.get(name);
  if (loading === undefined) {
    loading = import(`../../src/testing/${name}.ts`).catch(() =>
      import(`../../dist/testing/${name}.js`).catch((error) => {
        testingModules.delete(name);
        throw new Error(
          `Starting a broker needs kafka-wire built (dist/testing/${name}.js): run \`npm run build\` first (${error.message})`,
        );
      }),
    );
    testingModules.set(name, loading);
  }
  return loading;
}

/** @returns {Promise<typeof import('../../src/testing/broker-config.ts')>} */
const loadBrokerSetup = () => loadTesting('broker-config');
/** @returns {Promise<typeof import('../../src/testing/bind-failure.ts')>} */
const loadBindFailure = () => loadTesting('bind-failure');

/** Clusters this process started and must not outlive it (see the exit hook below). */
const owned = new Set();
let exitHookInstalled = false;
function installExitHook() {
  if (exitHookInstalled) return;
  exitHookInstalled = true;
  // Synchronous on purpose ('exit' handlers cannot wait): SIGKILL every group we own; the kernel does the rest.
  const killOwned = () => {
    for (const cluster of owned) {
      for (const node of cluster.nodes) if (node.pid) signalGroup(node.pid, 'SIGKILL');
      if (cluster.tokenEndpointPid) signalGroup(cluster.tokenEndpointPid, 'SIGKILL');
    }
  };
  process.on('exit', killOwned);
  // A signal ends Node without 'exit' handlers. Kill our brokers, then let the signal do what it would have
  // done: re-raise it unless someone else (a test runner) handles it.
  for (const signal of ['SIGINT', 'SIGTERM', 'SIGHUP']) {
    process.once(signal, () => {
      killOwned();
      if (process.listenerCount(signal) === 0) process.kill(process.pid, signal);
    });
  }
}

/** Kafka's Uuid.toString(): URL-safe base64 of 16 random bytes; one starting with '-' reads like a flag. */
function randomClusterId() {
  for (;;) {
    const id = randomBytes(16).toString('base64url');
    if (!id.startsWith('-')) return id;
  }
}

function tail(file, lines = 40) {
  try {
    return readFileSync(file, 'utf8').trimEnd().split('\n').slice(-lines).join('\n');
  } catch {
    return '(no log written)';
  }
}

function execJava(args, cwd) {
  return new Promise((resolvePromise, reject) => {
    execFile('java', args, { cwd, maxBuffer: 16 << 20 }, (error, stdout, stderr) => {
      if (error) reject(new Error(`${error.message.split('\n')[0]}\n${stdout}${stderr}`));
      else resolvePromise(stdout);
    });
  });
}

export class KafkaCluster {
  /** @internal use startCluster() or attachCluster() */
  constructor({
    dir,
    version,
    libs,
    clusterId,
    nodes,
    detached,
    classArchive = null,
    security = null,
    tokenEndpointPid = null,
  }) {
    this.dir = dir;
    this.version = version;
    this.libs = libs;
    this.clusterId = clusterId;
    /** @type {{ id: number, port: number, controllerPort: number, pid: number | null, paused: boolean, exited: string | null }[]} */
    this.nodes = nodes;
    this.detached = detached;
    /** AppCDS archive the JVMs start with (null: none). */
    this.classArchive = classArchive;
    /** Listeners, users, OAuth client and TLS files of a secured cluster (null: plaintext only). */
    this.security = security;
    /** The token endpoint's own process (a detached secured cluster's), or null. */
    this.tokenEndpointPid = tokenEndpointPid;
    /** @type {(() => Promise<void>) | null} stops an in-process token endpoint */
    this.closeTokenEndpoint = null;
  }

  get bootstrapServers() {
    return this.nodes.map((n) => `127.0.0.1:${n.port}`).join(',');
  }

  get brokerIds() {
    return this.nodes.map((n) => n.id);
  }

  node(id) {
    const node = this.nodes.find((n) => n.id === id);
    if (!node) throw new Error(`No broker ${id} in this cluster (brokers: ${this.brokerIds.join(', ')})`);
    return node;
  }

  logFile(id) {
    return join(this.dir, 'logs', `broker-${id}.log`);
  }

  configFile(id) {
    return join(this.dir, 'config', `broker-${id}.properties`);
  }

  /** Nodes whose JVM runs (paused ones included). */
  runningIds() {
    return this.nodes.filter((n) => n.pid !== null && isRunning(n.pid)).map((n) => n.id);
  }

  saveState() {
    const state = {
      version: this.version,
      clusterId: this.clusterId,
      bootstrapServers: this.bootstrapServers,
      classArchive: this.classArchive,
      security: this.security,
      tokenEndpointPid: this.tokenEndpointPid,
      nodes: this.nodes.map(({ id, port, controllerPort, pid, paused }) => ({
        id,
        port,
        controllerPort,
        pid,
        paused,
      })),
    };
    // Private: a secured cluster's state holds its test passwords.
    writeFileSync(join(this.dir, STATE_FILE), `${JSON.stringify(state, null, 2)}\n`, { mode: 0o600 });
  }

  /**
   * Starts the JVM of broker `id` (its storage must be formatted) with `jvmFlags` without waiting for it.
   * @param {number} id
   * @param {readonly string[]} jvmFlags
   */
  spawnBroker(id, jvmFlags) {
    const node = this.node(id);
    if (node.pid !== null && isRunning(node.pid))
      throw new Error(`Broker ${id} already runs (pid ${node.pid})`);
    const log = openSync(this.logFile(id), 'a');
    let child;
    try {
      const logging = [
        `-Dlog4j2.configurationFile=${join(this.dir, 'config', 'log4j2.properties')}`,
        `-Dlog4j.configuration=file:${join(this.dir, 'config', 'log4j.properties')}`,
      ];
      const args = [
        ...jvmFlags,
        ...(this.classArchive ? [`-XX:SharedArchiveFile=${this.classArchive}`] : []),
        ...logging,
        `${CLUSTER_MARK}${this.dir}`,
        `${NODE_MARK}${id}`,
        '-cp',
        `${this.libs}/*`,
        'kafka.Kafka',
        this.configFile(id),
      ];
      // detached: its own process group, so one signal reaches the JVM and anything it forks.
      child = spawn('java', args, { cwd: this.dir, detached: true, stdio: ['ignore', log, log] });
    } finally {
      closeSync(log);
    }
    node.pid = child.pid ?? null;
    node.paused = false;
    node.exited = child.pid === undefined ? 'could not start java' : null;
    const pid = child.pid ?? null;
    // Only this JVM's end counts: a restart must not inherit the exit of the JVM it replaced.
    child.on('exit', (code, signal) => {
      if (node.pid === pid) node.exited = signal ?? `exit code ${code}`;
    });
    child.on('error', (error) => {
      if (node.pid === pid) node.exited = `could not start java: ${error.message}`;
    });
    // Never keep this process alive for a broker; the exit hook or stop() ends brokers we own.
    child.unref();
    this.saveState();
  }

  /**
   * Waits until every running, unpaused broker lists exactly `ids` as its registered (unfenced) brokers.
   * @param {number[]} ids
   */
  async waitForBrokers(ids, { timeoutMs = 60_000 } = {}) {
    const want = [...ids].sort((a, b) => a - b).join(',');
    const deadline = Date.now() + timeoutMs;
    let last = 'no answer yet';
    for (;;) {
      for (const node of this.nodes) {
        if (node.pid !== null && node.exited !== null) {
          throw new Error(
            `Kafka broker ${node.id} (port ${node.port}) exited (${node.exited}). See ${this.logFile(node.id)}:\n` +
              tail(this.logFile(node.id)),
          );
        }
      }
      const asked = this.nodes.filter((n) => n.pid !== null && !n.paused && isRunning(n.pid));
      const answers = await Promise.all(
        asked.map((n) =>
          fetchMetadata(`127.0.0.1:${n.port}`, { topics: [], timeoutMs: 2000 }).then(
            (m) => ({
              id: n.id,
              seen: m.brokers
                .map((b) => b.nodeId)
                .sort((a, b) => a - b)
                .join(','),
            }),
            (error) => ({ id: n.id, seen: `error: ${error.message}` }),
          ),
        ),
      );
      if (answers.length > 0 && answers.every((a) => a.seen === want)) return;
      last = answers.map((a) => `broker ${a.id} sees [${a.seen}]`).join('; ') || 'no broker runs';
      if (Date.now() > deadline) {
        const slow = answers.find((a) => a.seen !== want)?.id ?? asked[0]?.id ?? ids[0];
        throw new Error(
          `Kafka cluster in ${this.dir} did not reach brokers [${want}] within ${timeoutMs} ms (${last}). ` +
            `See ${this.logFile(slow)}:\n${tail(this.logFile(slow))}`,
        );
      }
      await new Promise((r) => setTimeout(r, 100));
    }
  }

  /** SIGKILLs broker `id` (like a crash or power loss) and waits until its JVM is gone. */
  async stopBroker(id) {
    const node = this.node(id);
    if (node.pid !== null) {
      signalGroup(node.pid, 'SIGKILL');
      await waitForExit(node.pid);
    }
    node.pid = null;
    node.paused = false;
    this.saveState();
  }

  /** SIGSTOPs broker `id`: it keeps its sockets open but answers nothing (a hung or partitioned broker). */
  pauseBroker(id) {
    const node = this.node(id);
    if (node.pid === null || !isRunning(node.pid))
      throw new Error(`Broker ${id} does not run; cannot pause it`);
    signalGroup(node.pid, 'SIGSTOP');
    node.paused = true;
    this.saveState();
  }

  /** SIGCONTs a paused broker `id`. */
  resumeBroker(id) {
    const node = this.node(id);
    if (node.pid === null || !isRunning(node.pid))
      throw new Error(`Broker ${id} does not run; cannot resume it`);
    signalGroup(node.pid, 'SIGCONT');
    node.paused = false;
    this.saveState();
  }

  /** Starts a stopped broker `id` again (same data) and waits until the cluster lists every running broker. */
  async startBroker(id, { timeoutMs = 60_000 } = {}) {
    this.spawnBroker(id, (await loadBrokerSetup()).BROKER_JVM_FLAGS);
    await this.waitForBrokers(this.runningIds(), { timeoutMs });
  }

  /** stopBroker then startBroker. */
  async restartBroker(id, options) {
    await this.stopBroker(id);
    await this.startBroker(id, options);
  }

  /** Raw Metadata from the first broker that answers. */
  async metadata(topics = null) {
    let lastError;
    for (const node of this.nodes) {
      if (node.pid === null || node.paused) continue;
      try {
        return await fetchMetadata(`127.0.0.1:${node.port}`, { topics });
      } catch (error) {
        lastError = error;
      }
    }
    throw lastError ?? new Error(`No broker of the cluster in ${this.dir} runs`);
  }

  /** Kills every broker of this cluster (also ones a previous process left behind) and deletes its data. */
  async destroy({ keepLogs = true } = {}) {
    const ours = this.nodes.filter((n) => n.pid !== null).map((n) => ({ pid: n.pid }));
    // findHarnessJvms also finds a detached token endpoint process: it carries the same marks.
    await killJvms([...ours, ...findHarnessJvms({ dir: this.dir })]);
    for (const node of this.nodes) node.pid = null;
    this.tokenEndpointPid = null;
    await this.closeTokenEndpoint?.();
    this.closeTokenEndpoint = null;
    owned.delete(this);
    removeClusterFiles(this.dir, { keepLogs });
  }
}

function removeClusterFiles(dir, { keepLogs }) {
  for (const name of ['data', 'config', 'secure', STATE_FILE])
    rmSync(join(dir, name), { recursive: true, force: true });
  if (!keepLogs) rmSync(join(dir, 'logs'), { recursive: true, force: true });
}

/**
 * How many port ranges an 'auto' start tries: another process (a parallel test file, another cluster) can bind
 * a port between our check and the broker's bind, and then only fresh ports help.
 */
const AUTO_PORT_ATTEMPTS = 4;

/** A broker exited before it was ready because a port it listens on was taken. */
class PortTakenError extends Error {
  constructor(message, { port, cause }) {
    super(message, { cause });
    this.port = port;
  }
}

/**
 * Starts a fresh cluster (any broker JVM left in `dir` by an earlier run is killed, its data wiped). With
 * basePort 'auto', a start whose broker finds a port taken at bind time is stopped, wiped and made again on
 * new ports; with a caller-given port it fails, naming the port.
 * @param {import('./index.mjs').StartClusterOptions} [options]
 * @returns {Promise<KafkaCluster>}
 */
export async function startCluster(options = {}) {
  const brokers = options.brokers ?? 1;
  if (!Number.isInteger(brokers) || brokers < 1)
    throw new Error(`brokers must be a positive integer, got ${brokers}`);
  const secure = options.secure ? { ...(options.secure === true ? {} : options.secure) } : null;
  if (secure && brokers !== 1)
    throw new Error(
      `A secured cluster has exactly one broker (its listeners take consecutive ports); got brokers: ${brokers}`,
    );
  const dir = resolve(options.dir ?? kafkaHome);
  const version = kafkaVersion(options.version);
  const log = options.log ?? (() => {});

  const libs = await kafkaLibs(version);
  const setup = await loadBrokerSetup();
  await killJvms(findHarnessJvms({ dir }));
  removeClusterFiles(dir, { keepLogs: false });

  const start = { options, brokers, secure, dir, version, log, libs, setup };
  if (options.basePort !== 'auto') return startOnce(start, 1);
  // A retry must be visible even to a caller that asked for no progress messages: it explains a slow start.
  const warn = options.log ?? ((message) => process.stderr.write(`${message}\n`));
  for (let attempt = 1; ; attempt++) {
    try {
      return await startOnce(start, attempt);
    } catch (error) {
      if (!(error instanceof PortTakenError)) throw error;
      if (attempt === AUTO_PORT_ATTEMPTS)
        throw new Error(
          `Cannot start Kafka in ${dir}: ${AUTO_PORT_ATTEMPTS} times in a row another process took a port the ` +
            `harness had found free before the broker bound it (last: ${error.port}). Something on this machine ` +
            'is binding ports in 20000-40000 at a high rate; find it (ss -ltnp) or run fewer tests at once.',
          { cause: error },
        );
      warn(
        `Kafka in ${dir}: port ${error.port} was taken before the broker bound it (attempt ${attempt} of ` +
          `${AUTO_PORT_ATTEMPTS}); starting again on new ports`,
      );
    }
  }
}

/** One start on one set of ports; whatever fails leaves no JVM, token endpoint or data behind. */
async function startOnce({ options, brokers, secure, dir, version, log, libs, setup }, attempt) {
  const { BROKER_JVM_FLAGS, brokerProperties } = setup;
  const auto = options.basePort === 'auto';
  // A secured broker listens on one port per listener, from the base port on.
  const span = secure ? Object.keys(SECURE_LISTENERS).length : brokers;
  const basePort = auto ? await findFreeBasePort(span) : (options.basePort ?? 9092);
  const controllerBasePort = auto ? basePort + 100 : (options.controllerBasePort ?? basePort + 100);
  const nodes = [];
  for (let i = 0; i < brokers; i++) {
    nodes.push({
      id: i + 1,
      port: basePort + i,
      controllerPort: controllerBasePort + i,
      pid: null,
      paused: false,
      exited: null,
    });
  }
  const extraPorts = secure ? Object.values(SECURE_LISTENERS).map((offset) => basePort + offset) : [];
  const ports = await ensurePortsFree(nodes, dir, extraPorts);
  await options.portsChecked?.({ attempt, basePort, ports });

  for (const sub of ['config', 'logs', 'data']) mkdirSync(join(dir, sub), { recursive: true });
  writeLoggingConfig(join(dir, 'config'), {
    level: 'INFO',
    target: 'stdout',
    // Per-request and per-fetch chatter: noise for our purpose, and it slows the broker down.
    quietLoggers: ['kafka.request.logger', 'org.apache.kafka.clients.NetworkClient'],
  });
  const classArchive =
    options.classArchive === false
      ? null
      : await brokerClassArchive(libs, BROKER_JVM_FLAGS, { freePorts: () => findFreeBasePort(1), log });
  const security = secure
    ? await prepareSecurity(dir, {
        basePort,
        reauthMs: secure.reauthMs ?? 10_000,
        tokenLifetimeSeconds: secure.tokenLifetimeSeconds ?? 3600,
      })
    : null;
  const cluster = new KafkaCluster({
    dir,
    version,
    libs,
    clusterId: randomClusterId(),
    nodes,
    detached: !!options.detached,
    classArchive,
    security,
  });
  for (const node of nodes) {
    const dataDir = join(dir, 'data', `broker-${node.id}`);
    const overrides = {
      ...(security ? secureBrokerProperties(security, node.controllerPort) : {}),
      ...options.brokerConfig,
    };
    writeFileSync(cluster.configFile(node.id), brokerProperties(node, nodes, dataDir, overrides), {
      mode: 0o600,
    });
    writeFileSync(cluster.logFile(node.id), '');
  }
  if (!cluster.detached) {
    installExitHook();
    owned.add(cluster);
  }
  const started = Date.now();
  // Whatever fails from here on must not leave a JVM or a token endpoint behind.
  try {
    if (security) await startClusterTokenEndpoint(cluster);
    log(`Formatting storage for ${brokers} broker(s) (Kafka ${version}, cluster id ${cluster.clusterId})`);
    await Promise.all(
      nodes.map((node) =>
        execJava(
          [
            // The broker's own flags, so the broker class archive fits this JVM too.
            ...BROKER_JVM_FLAGS,
            ...(cluster.classArchive ? [`-XX:SharedArchiveFile=${cluster.classArchive}`] : []),
            '-cp',
            `${libs}/*`,
            'kafka.tools.StorageTool',
            'format',
            '-t',
            cluster.clusterId,
            '-c',
            cluster.configFile(node.id),
            ...(security ? scramFormatArgs(security) : []),
          ],
          dir,
        ).catch((error) => {
          throw new Error(
            `Formatting Kafka storage for broker ${node.id} failed: ${redact(error.message, security)}`,
          );
        }),
      ),
    );

    log(`Starting ${brokers} broker(s) on ${cluster.bootstrapServers}`);
    for (const node of nodes) cluster.spawnBroker(node.id, BROKER_JVM_FLAGS);
    await cluster.waitForBrokers(cluster.brokerIds, { timeoutMs: options.startTimeoutMs ?? 90_000 });
    const late = security ? lateScramCredentials(security) : [];
    if (late.length > 0) await setScramCredentials(cluster.bootstrapServers, late, { version });
  } catch (error) {
    const taken = await takenPort(cluster);
    // Wipes this attempt's data and config; the logs stay for whoever reads the error.
    await cluster.destroy();
    if (!taken) throw error;
    const where = `See ${cluster.logFile(taken.id)}:\n${tail(cluster.logFile(taken.id))}`;
    if (auto)
      throw new PortTakenError(`Port ${taken.port} was taken before broker ${taken.id} bound it. ${where}`, {
        port: taken.port,
        cause: error,
      });
    throw new Error(
      `Cannot start Kafka in ${dir}: broker ${taken.id} could not bind port ${taken.port} on 127.0.0.1 ` +
        `(Address already in use): another process took it after the harness found it free. ` +
        `${portInUseHint(dir)} Or let the harness choose free ports (basePort 'auto'). ${where}`,
      { cause: error },
    );
  }
  log(`Kafka is up after ${((Date.now() - started) / 1000).toFixed(1)} s`);
  return cluster;
}

/**
 * The broker that exited because one of its ports was in use, and that port (as Kafka's "Socket server
 * failed to bind to host:port: Address already in use" names it; else the broker's own port), or null when
 * no broker exited for that reason.
 */
async function takenPort(cluster) {
  const { bindFailure } = await loadBindFailure();
  for (const node of cluster.nodes) {
    if (node.exited === null) continue;
    let text;
    try {
      text = readFileSync(cluster.logFile(node.id), 'utf8');
    } catch {
      continue;
    }
    const failure = bindFailure(text, node.port);
    if (failure) return { id: node.id, port: failure.port };
  }
  return null;
}

/**
 * A base port P in 20000-39999 with P..P+n-1 and P+100..P+100+n-1 free, so that test runs in several
 * checkouts (or several runs in one) never fight over ports. Another process can still bind one of them before
 * the broker does; startCluster then starts again on new ones.
 */
export async function findFreeBasePort(n) {
  for (let attempt = 0; attempt < 100; attempt++) {
    const base = 20_000 + Math.floor(Math.random() * 19_800);
    const ports = [];
    for (let i = 0; i < n; i++) ports.push(base + i, base + 100 + i);
    let free = true;
    for (const port of ports) {
      if (!(await portIsFree(port))) {
        free = false;
        break;
      }
    }
    if (free) return base;
  }
  throw new Error(`Found no ${n} free port pairs on 127.0.0.1 between 20000 and 40000`);
}

/**
 * A cluster folder in .kafka that belongs to this process (`name-<pid>`), so concurrent test runs in one
 * checkout each get their own. Folders of the same name whose process is gone are cleaned up here: their
 * brokers killed, their data and logs deleted.
 */
export async function processClusterDir(name) {
  if (existsSync(kafkaHome)) {
    for (const entry of readdirSync(kafkaHome)) {
      const match = entry.match(/^(.+)-(\d+)$/);
      if (!match || match[1] !== name || Number(match[2]) === process.pid || isRunning(Number(match[2])))
        continue;
      const stale = join(kafkaHome, entry);
      await killJvms(findHarnessJvms({ dir: stale }));
      rmSync(stale, { recursive: true, force: true });
    }
  }
  return join(kafkaHome, `${name}-${process.pid}`);
}

/** The ports the nodes will listen on, after checking that each is free now. */
async function ensurePortsFree(nodes, dir, extraPorts) {
  const ports = [...new Set([...nodes.flatMap((n) => [n.port, n.controllerPort]), ...extraPorts])];
  for (const port of ports) {
    if (await portIsFree(port)) continue;
    throw new Error(
      `Cannot start Kafka in ${dir}: port ${port} on 127.0.0.1 is in use. ${portInUseHint(dir)}`,
    );
  }
  return ports;
}

/** What to do about a port in use: another harness cluster is the likely holder, else someone else. */
function portInUseHint(dir) {
  const other = findHarnessJvms().find((p) => p.dir !== dir);
  return other
    ? `A kafka-wire broker of ${other.dir} may hold it: stop it with \`npm run kafka:down\` or kill pid ${other.pid}.`
    : 'Stop whatever listens there, or choose other ports.';
}

/**
 * Re-attaches to a cluster started earlier (e.g. by `npm run kafka:up`) from its state file, or returns null
 * when there is none. Brokers recorded there but no longer running have pid null.
 * @returns {Promise<KafkaCluster | null>}
 */
export async function attachCluster(dir = kafkaHome) {
  const abs = resolve(dir);
  const file = join(abs, STATE_FILE);
  if (!existsSync(file)) return null;
  const state = JSON.parse(readFileSync(file, 'utf8'));
  const libs = await kafkaLibs(state.version);
  const nodes = state.nodes.map((n) => ({
    id: n.id,
    port: n.port,
    controllerPort: n.controllerPort,
    pid: n.pid !== null && isHarnessJvm(n.pid, abs, n.id) ? n.pid : null,
    paused: !!n.paused,
    exited: null,
  }));
  return new KafkaCluster({
    dir: abs,
    version: state.version,
    libs,
    clusterId: state.clusterId,
    nodes,
    detached: true,
    classArchive: state.classArchive && existsSync(state.classArchive) ? state.classArchive : null,
    security: state.security ?? null,
    tokenEndpointPid:
      state.tokenEndpointPid && isHarnessJvm(state.tokenEndpointPid, abs, TOKEN_ENDPOINT_NODE)
        ? state.tokenEndpointPid
        : null,
  });
}

/** The node id the token endpoint process carries in its marks (brokers count from 1). */
const TOKEN_ENDPOINT_NODE = 0;
const tokenEndpointScript = join(dirname(fileURLToPath(import.meta.url)), 'oidc-server.mjs');

/**
 * Starts the OAuth token endpoint of a secured cluster: inside this process, or, for a detached cluster that
 * outlives it, as a process of its own that carries the brokers' marks (so destroy() and stopAll() end it
 * like a broker JVM).
 */
async function startClusterTokenEndpoint(cluster) {
  const { oauth } = cluster.security;
  const settings = {
    clients: { [oauth.clientId]: oauth.clientSecret },
    lifetimeSeconds: oauth.tokenLifetimeSeconds,
    scope: oauth.scope,
  };
  if (!cluster.detached) {
    const endpoint = await startTokenEndpoint(settings);
    oauth.tokenEndpointUrl = endpoint.url;
    cluster.closeTokenEndpoint = endpoint.close;
    return;
  }
  const settingsFile = join(cluster.dir, 'secure', 'token-endpoint.json');
  writeFileSync(settingsFile, JSON.stringify(settings), { mode: 0o600 });
  const log = openSync(join(cluster.dir, 'logs', 'token-endpoint.log'), 'a');
  let child;
  try {
    child = spawn(
      process.execPath,
      [
        tokenEndpointScript,
        settingsFile,
        `${CLUSTER_MARK}${cluster.dir}`,
        `${NODE_MARK}${TOKEN_ENDPOINT_NODE}`,
      ],
      { detached: true, stdio: ['ignore', 'pipe', log] },
    );
  } finally {
    closeSync(log);
  }
  const url = await new Promise((resolveUrl, reject) => {
    let out = '';
    child.stdout.on('data', (chunk) => {
      out += chunk;
      if (out.includes('\n')) resolveUrl(out.split('\n')[0]);
    });
    child.once('error', reject);
    child.once('exit', (code, signal) =>
      reject(
        new Error(
          `The token endpoint process for ${cluster.dir} ended (${signal ?? `exit code ${code}`}) before listening; ` +
            `see ${join(cluster.dir, 'logs', 'token-endpoint.log')}`,
        ),
      ),
    );
  });
  child.stdout.destroy();
  child.unref();
  oauth.tokenEndpointUrl = url;
  cluster.tokenEndpointPid = child.pid ?? null;
}

/** An error message with the cluster's passwords (which a failed command line would show) blanked out. */
function redact(message, security) {
  if (!security) return message;
  let out = message;
  for (const value of [...Object.values(security.users), security.oauth.clientSecret])
    out = out.split(value).join('***');
  return out;
}

/**
 * The process that owns a cluster folder `<home>/<name>-<pid>` (see processClusterDir), or null when the
 * folder does not follow that pattern.
 */
function ownerPid(clusterDir, home) {
  if (dirname(clusterDir) !== home) return null;
  const match = basename(clusterDir).match(/-(\d+)$/);
  return match ? Number(match[1]) : null;
}

/**
 * Stops the cluster in `dir` (default .kafka, the CLI's) and deletes its data; also kills broker JVMs of
 * other harness clusters below it whose owning process is gone (an interrupted test run), whatever the pid
 * files say. Clusters of processes that still run (a test run next door) are left alone unless `all`.
 * @returns {Promise<{ killed: number[], spared: { pid: number, dir: string, owner: number | null }[] }>}
 */
export async function stopAll({ dir = kafkaHome, all = false, keepLogs = true } = {}) {
  const home = resolve(dir);
  const killed = [];
  const spared = [];
  for (const jvm of findHarnessJvms({ under: home })) {
    const owner = ownerPid(jvm.dir, home);
    if (all || jvm.dir === home || (owner !== null && !isRunning(owner))) killed.push(jvm);
    else spared.push({ pid: jvm.pid, dir: jvm.dir, owner });
  }
  await killJvms(killed);
  removeClusterFiles(home, { keepLogs });
  return { killed: killed.map((j) => j.pid), spared };
}
