// Class-data sharing (AppCDS) for broker JVMs. A broker loads ~10k classes at start; with a dynamic CDS archive
// of them its start costs about a third of the CPU (measured: ~3 s -> ~1 s per broker on this box), which is
// what makes three brokers plus tests bearable on two cores. The archive is made once per Kafka version and
// JDK by one throwaway broker that starts and shuts down cleanly (JDK 17 writes it at a clean exit), and lives
// in .cache/kafka-VERSION/, so fresh jars (a new download replaces that folder) never meet a stale archive.
// Any failure here only means "no archive": brokers then start as before.
import { execFile, spawn } from 'node:child_process';
import { createHash, randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, realpathSync, renameSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { delimiter, dirname, join } from 'node:path';
import { fetchMetadata } from './metadata.mjs';
import { kafkaHome } from './paths.mjs';
import { CLUSTER_MARK, isRunning, signalGroup } from './processes.mjs';

const pending = new Map();

function clusterId() {
  for (;;) {
    const id = randomBytes(16).toString('base64url');
    if (!id.startsWith('-')) return id;
  }
}

function javaBinary() {
  for (const dir of (process.env.PATH ?? '').split(delimiter)) {
    const candidate = join(dir, 'java');
    if (existsSync(candidate)) return realpathSync(candidate);
  }
  return null;
}

/**
 * Path of the broker class archive for the jars in `libs` and these JVM flags, making it on first use;
 * null when it cannot be made (then brokers run without one).
 * @param {string} libs
 * @param {string[]} jvmFlags
 * @param {{ freePorts: () => Promise<number>, log?: (message: string) => void }} options
 */
export function brokerClassArchive(libs, jvmFlags, options) {
  const java = javaBinary();
  if (!java) return Promise.resolve(null);
  const key = createHash('sha256')
    .update(`${java}\0${statSync(java).mtimeMs}\0${jvmFlags.join('\0')}`)
    .digest('hex')
    .slice(0, 12);
  const file = join(dirname(libs), 'cds', `broker-${key}.jsa`);
  if (existsSync(file)) return Promise.resolve(file);
  let making = pending.get(file);
  if (!making) {
    making = makeArchive(libs, jvmFlags, file, options).catch((error) => {
      options.log?.(`no class archive for brokers (${error.message}); starting without one`);
      return null;
    });
    pending.set(file, making);
  }
  return making;
}

async function makeArchive(libs, jvmFlags, file, { freePorts, log }) {
  mkdirSync(dirname(file), { recursive: true });
  // In .kafka, with the harness mark on its command line: `npm run kafka:down` finds it if we die midway.
  mkdirSync(kafkaHome, { recursive: true });
  // Named <name>-<pid> like test clusters, so `kafka:down` knows when its owner is gone.
  const work = join(
    kafkaHome,
    `class-archive-${createHash('sha256').update(file).digest('hex').slice(0, 8)}-${process.pid}`,
  );
  rmSync(work, { recursive: true, force: true });
  mkdirSync(work);
  let child;
  try {
    log?.('Making a class archive for faster broker starts (once per Kafka version)');
    const port = await freePorts();
    const config = join(work, 'server.properties');
    writeFileSync(
      config,
      [
        'process.roles=broker,controller',
        'node.id=1',
        `controller.quorum.voters=1@127.0.0.1:${port + 100}`,
        `listeners=PLAINTEXT://127.0.0.1:${port},CONTROLLER://127.0.0.1:${port + 100}`,
        `advertised.listeners=PLAINTEXT://127.0.0.1:${port}`,
        'controller.listener.names=CONTROLLER',
        'listener.security.protocol.map=PLAINTEXT:PLAINTEXT,CONTROLLER:PLAINTEXT',
        `log.dirs=${join(work, 'data')}`,
        'offsets.topic.replication.factor=1',
        '',
      ].join('\n'),
    );
    await new Promise((resolve, reject) => {
      execFile(
        'java',
        ['-cp', `${libs}/*`, 'kafka.tools.StorageTool', 'format', '-t', clusterId(), '-c', config],
        (error, _stdout, stderr) =>
          error ? reject(new Error(`format failed: ${stderr.trim()}`)) : resolve(undefined),
      );
    });
    const tmp = join(work, 'broker.jsa');
    child = spawn(
      'java',
      [
        ...jvmFlags,
        `-XX:ArchiveClassesAtExit=${tmp}`,
        `${CLUSTER_MARK}${work}`,
        '-cp',
        `${libs}/*`,
        'kafka.Kafka',
        config,
      ],
      { cwd: work, detached: true, stdio: 'ignore' },
    );
    const deadline = Date.now() + 120_000;
    for (;;) {
      try {
        await fetchMetadata(`127.0.0.1:${port}`, { topics: [], timeoutMs: 1000 });
        break;
      } catch (error) {
        if (child.exitCode !== null || Date.now() > deadline)
          throw new Error(`training broker did not start (${error.message})`);
        await new Promise((r) => setTimeout(r, 100));
      }
    }
    // A clean shutdown is what makes the JVM write the archive.
    const exited = new Promise((resolve) => child.once('exit', resolve));
    child.kill('SIGTERM');
    const timeout = setTimeout(() => signalGroup(child.pid, 'SIGKILL'), 60_000);
    await exited;
    clearTimeout(timeout);
    if (!existsSync(tmp)) throw new Error('the training broker wrote no archive');
    renameSync(tmp, file);
    return file;
  } finally {
    if (child?.pid && isRunning(child.pid)) signalGroup(child.pid, 'SIGKILL');
    rmSync(work, { recursive: true, force: true });
  }
}
