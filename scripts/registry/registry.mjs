#!/usr/bin/env node
// A local Confluent-compatible schema registry (Apicurio Registry 2.4.2, in-memory storage, no Kafka needed)
// for development and the schema-registry integration tests. No Docker: it runs the jar scripts/registry/build.sh
// builds from Maven Central.
//
//   node scripts/registry/registry.mjs up [--port 8081]   prints the registry URL (Confluent API) on stdout
//   node scripts/registry/registry.mjs down                stops it, and registries of test runs that are gone
//   node scripts/registry/registry.mjs status
//
// Tests use startRegistry() from this module: a registry of their own on a free port, stopped by stop().
import { execFile, spawn } from 'node:child_process';
import { mkdirSync, openSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';

const here = dirname(fileURLToPath(import.meta.url));
export const repoRoot = resolve(here, '..', '..');
const home = join(repoRoot, '.cache', 'apicurio-registry');
const runs = join(home, 'runs');
/** Apicurio serves Confluent's REST API under this path. */
export const CCOMPAT_PATH = '/apis/ccompat/v7';
// On every registry JVM's command line, so that `down` can tell ours (and whose they are) from anything else.
const OWNER_MARK = '-Dkafka.wire.registry.owner=';

/** Builds the registry if needed (scripts/registry/build.sh) and returns the runnable jar's path. */
export function buildRegistry() {
  return new Promise((resolvePath, reject) => {
    execFile(
      join(here, 'build.sh'),
      { maxBuffer: 1 << 20, timeout: 15 * 60_000 },
      (error, stdout, stderr) => {
        if (error) reject(new Error(`scripts/registry/build.sh failed: ${stderr.trim() || error.message}`));
        else resolvePath(stdout.trim().split('\n').at(-1));
      },
    );
  });
}

async function freePort() {
  const server = createServer();
  await new Promise((ok) => server.listen(0, '127.0.0.1', ok));
  const { port } = server.address();
  await new Promise((ok) => server.close(ok));
  return port;
}

/**
 * Starts a registry and resolves once its Confluent API answers.
 * @param {{ port?: number | 'auto', name?: string, timeoutMs?: number, detached?: boolean }} [options]
 *   detached: the registry outlives this process (the CLI's `up`); tests leave it false and call stop().
 * @returns {Promise<{ url: string, baseUrl: string, port: number, pid: number, logFile: string,
 *   stop(options?: { keepLogs?: boolean }): Promise<void> }>}
 */
export async function startRegistry({
  port = 'auto',
  name = `test-${process.pid}`,
  timeoutMs = 120_000,
  detached = false,
} = {}) {
  const jar = await buildRegistry();
  const chosen = port === 'auto' ? await freePort() : port;
  const dir = join(runs, name);
  mkdirSync(dir, { recursive: true });
  const logFile = join(dir, 'registry.log');
  const log = openSync(logFile, 'w');
  const child = spawn(
    'java',
    [
      `${OWNER_MARK}${process.pid}`,
      // Small and quick to start: the registry holds a handful of schemas in an in-memory H2 database.
      '-Xms64m',
      '-Xmx384m',
      '-XX:+UseSerialGC',
      '-XX:TieredStopAtLevel=1',
      `-Dquarkus.http.port=${chosen}`,
      '-Dquarkus.http.host=127.0.0.1',
      `-Djava.io.tmpdir=${dir}`,
      '-jar',
      jar,
    ],
    { cwd: dir, stdio: ['ignore', log, log], detached },
  );
  if (detached) child.unref();
  writeFileSync(join(dir, 'pid'), `${child.pid}\n`);
  const exited = new Promise((ok) => child.once('exit', (code, signal) => ok({ code, signal })));
  const baseUrl = `http://127.0.0.1:${chosen}`;
  const url = `${baseUrl}${CCOMPAT_PATH}`;
  const stop = async ({ keepLogs = false } = {}) => {
    if (child.exitCode === null && child.signalCode === null) {
      child.kill('SIGTERM');
      const timer = setTimeout(() => child.kill('SIGKILL'), 10_000);
      await exited;
      clearTimeout(timer);
    }
    if (keepLogs) rmSync(join(dir, 'pid'), { force: true });
    else rmSync(dir, { recursive: true, force: true });
  };
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const gone = await Promise.race([exited, new Promise((ok) => setTimeout(() => ok(null), 250))]);
    if (gone) {
      throw new Error(
        `The schema registry exited during start-up (${JSON.stringify(gone)}); its log:\n${tail(logFile)}`,
      );
    }
    try {
      const response = await fetch(`${url}/subjects`, { signal: AbortSignal.timeout(2000) });
      if (response.ok) break;
    } catch {
      // Not listening yet.
    }
    if (Date.now() > deadline) {
      await stop();
      throw new Error(
        `The schema registry did not answer at ${url} within ${timeoutMs} ms; its log:\n${tail(logFile)}`,
      );
    }
  }
  return { url, baseUrl, port: chosen, pid: child.pid, logFile, stop };
}

function runScript(script) {
  return new Promise((resolvePath, reject) => {
    execFile(join(here, script), { maxBuffer: 1 << 20, timeout: 15 * 60_000 }, (error, stdout, stderr) => {
      if (error) reject(new Error(`scripts/registry/${script} failed: ${stderr.trim() || error.message}`));
      else resolvePath(stdout.trim().split('\n').at(-1));
    });
  });
}

/**
 * Reads `count` records of `topic` with Kafka's Java consumer and decodes their values with Java libraries
 * (scripts/registry/ReadWithJava.java): Apicurio's deserializers in Confluent mode for Avro and JSON Schema,
 * protobuf-java for Protobuf. int64 values come back as decimal strings.
 * @param {{ bootstrap: string, topic: string, format: 'avro' | 'json' | 'protobuf', registryBaseUrl: string,
 *   count: number, timeoutMs?: number }} options
 * @returns {Promise<Array<{ offset: number, key: string | null, schemaId: number, type: string, value: unknown }>>}
 */
export async function readWithJava({ bootstrap, topic, format, registryBaseUrl, count, timeoutMs = 30_000 }) {
  const libs = await runScript('serdes.sh');
  const args = [
    '-cp',
    `${libs}/*`,
    join(here, 'ReadWithJava.java'),
    bootstrap,
    topic,
    format,
    registryBaseUrl,
    String(count),
    String(timeoutMs),
  ];
  return new Promise((ok, fail) => {
    execFile('java', args, { maxBuffer: 64 << 20, timeout: timeoutMs + 60_000 }, (error, stdout, stderr) => {
      if (error) {
        fail(
          new Error(`ReadWithJava failed (${error.message.split('\n')[0]}):\n${stderr.trim().slice(-4000)}`),
        );
        return;
      }
      ok(
        stdout
          .split('\n')
          .filter((line) => line.startsWith('{'))
          .map((line) => JSON.parse(line)),
      );
    });
  });
}

function tail(file, lines = 40) {
  try {
    return readFileSync(file, 'utf8').split('\n').slice(-lines).join('\n');
  } catch {
    return '(no log)';
  }
}

/** Registry JVMs started from this checkout: pid, owner pid, command line. */
function registryJvms() {
  const found = [];
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    let cmdline;
    try {
      cmdline = readFileSync(`/proc/${entry}/cmdline`, 'utf8').split('\0');
    } catch {
      continue;
    }
    const mark = cmdline.find((arg) => arg.startsWith(OWNER_MARK));
    if (mark === undefined || !cmdline.some((arg) => arg.startsWith(home))) continue;
    found.push({ pid: Number(entry), owner: Number(mark.slice(OWNER_MARK.length)), cmdline });
  }
  return found;
}

const alive = (pid) => {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
};

async function main() {
  const { positionals, values } = parseArgs({
    allowPositionals: true,
    options: { port: { type: 'string', default: '8081' } },
  });
  const say = (message) => process.stderr.write(`registry: ${message}\n`);
  switch (positionals[0]) {
    case 'up': {
      const pidFile = join(runs, 'dev', 'pid');
      let existing;
      try {
        existing = Number(readFileSync(pidFile, 'utf8'));
      } catch {}
      if (existing && alive(existing)) {
        say(`already running (pid ${existing})`);
        console.log(`http://127.0.0.1:${values.port}${CCOMPAT_PATH}`);
        return;
      }
      const started = Date.now();
      const registry = await startRegistry({ port: Number(values.port), name: 'dev', detached: true });
      // The CLI's registry outlives this process: leave it running, owned by nobody in particular.
      say(
        `Apicurio Registry up in ${Date.now() - started} ms (pid ${registry.pid}, log ${registry.logFile})`,
      );
      console.log(registry.url);
      process.exit(0);
      break;
    }
    case 'down': {
      for (const jvm of registryJvms()) {
        const dev = jvm.cmdline.some((arg) => arg.includes(join(runs, 'dev')));
        if (dev || !alive(jvm.owner)) {
          say(`stopping pid ${jvm.pid}${dev ? ' (dev)' : ` (its test run ${jvm.owner} is gone)`}`);
          process.kill(jvm.pid, 'SIGTERM');
        }
      }
      rmSync(join(runs, 'dev', 'pid'), { force: true });
      break;
    }
    case 'status': {
      const jvms = registryJvms();
      if (jvms.length === 0) say('no registry runs');
      for (const jvm of jvms)
        console.log(`pid ${jvm.pid} owner ${jvm.owner}${alive(jvm.owner) ? '' : ' (gone)'}`);
      break;
    }
    default:
      say('usage: registry.mjs up [--port 8081] | down | status');
      process.exit(2);
  }
}

if (process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  main().catch((error) => {
    process.stderr.write(`registry: ${error.message}\n`);
    process.exit(1);
  });
}
