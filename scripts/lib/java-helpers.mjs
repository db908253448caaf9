// The Java helper programs in scripts/java (Kafka's own consumer, producer, admin client and message
// decoder). javac compiles them once per Kafka version into the cache; every later run only starts a JVM.
import { execFile, spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { kafkaLibs } from './jars.mjs';
import { writeLoggingConfig } from './logging.mjs';
import { cacheDir, javaSourceDir, kafkaVersion } from './paths.mjs';

/** The helpers this harness owns; other files in scripts/java belong to other tools and are not compiled here. */
export const HELPER_SOURCES = [
  'ConsumeJson.java',
  'KafkaAdminJson.java',
  'ProduceJson.java',
  'KafkaMessageJson.java',
];

// Short-lived client JVMs: C1 only and serial GC start faster and use less CPU on a small box.
const CLIENT_JVM_FLAGS = [
  '-XX:TieredStopAtLevel=1',
  '-XX:+UseSerialGC',
  '-Xmx512m',
  '-Djava.awt.headless=true',
];

const compiled = new Map();

/**
 * Compiles the helpers against Kafka `version`'s jars (once; cached under .cache/java-helpers).
 * @returns {Promise<{ classpath: string, jvmFlags: string[] }>}
 */
export function javaHelpers(version) {
  const v = kafkaVersion(version);
  let pending = compiled.get(v);
  if (!pending) {
    pending = compile(v);
    pending.catch(() => compiled.delete(v));
    compiled.set(v, pending);
  }
  return pending;
}

async function compile(version) {
  const libs = await kafkaLibs(version);
  const hash = createHash('sha256');
  for (const name of HELPER_SOURCES) hash.update(name).update(readFileSync(join(javaSourceDir, name)));
  const root = join(cacheDir, 'java-helpers');
  const dir = join(root, `${version}-${hash.digest('hex').slice(0, 12)}`);
  if (!existsSync(join(dir, '.complete'))) {
    mkdirSync(root, { recursive: true });
    const tmp = mkdtempSync(join(root, '.tmp-'));
    try {
      const sources = HELPER_SOURCES.map((name) => join(javaSourceDir, name));
      await run('javac', [
        '-nowarn',
        '-encoding',
        'UTF-8',
        '-d',
        join(tmp, 'classes'),
        '-cp',
        `${libs}/*`,
        ...sources,
      ]);
      writeLoggingConfig(tmp, { level: 'WARN', target: 'stderr' });
      // Written last: a folder without it is a compile that was cut off.
      writeFileSync(join(tmp, '.complete'), '');
      rmSync(dir, { recursive: true, force: true });
      try {
        renameSync(tmp, dir);
      } catch (error) {
        // Another process compiled the same sources at the same moment; its copy is as good as ours.
        if (!existsSync(join(dir, '.complete'))) throw error;
      }
    } catch (error) {
      throw new Error(
        `javac could not compile the scripts/java helpers for Kafka ${version}: ${error.message}`,
      );
    } finally {
      rmSync(tmp, { recursive: true, force: true });
    }
  }
  return {
    classpath: `${join(dir, 'classes')}:${libs}/*`,
    jvmFlags: [
      ...CLIENT_JVM_FLAGS,
      `-Dlog4j2.configurationFile=${join(dir, 'log4j2.properties')}`,
      `-Dlog4j.configuration=file:${join(dir, 'log4j.properties')}`,
    ],
  };
}

function run(command, args) {
  return new Promise((resolve, reject) => {
    execFile(command, args, { maxBuffer: 16 << 20 }, (error, _stdout, stderr) => {
      if (error) reject(new Error(`${command} failed (${error.message.split('\n')[0]}):\n${stderr}`));
      else resolve(undefined);
    });
  });
}

/**
 * Runs one helper's main class and collects its output. Rejects when it exits non-zero or times out,
 * with the helper's stderr in the message.
 * @param {string} mainClass e.g. 'ConsumeJson'
 * @param {string[]} args
 * @param {{ version?: string, input?: string | Buffer, timeoutMs?: number }} [options]
 * @returns {Promise<{ stdout: string, stderr: string }>}
 */
export async function runJavaHelper(mainClass, args, options = {}) {
  const { classpath, jvmFlags } = await javaHelpers(options.version);
  const timeoutMs = options.timeoutMs ?? 120_000;
  return new Promise((resolve, reject) => {
    const child = spawn('java', [...jvmFlags, '-cp', classpath, mainClass, ...args], {
      stdio: ['pipe', 'pipe', 'pipe'],
    });
    const out = [];
    const err = [];
    child.stdout.on('data', (chunk) => out.push(chunk));
    child.stderr.on('data', (chunk) => err.push(chunk));
    const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
    child.on('error', (error) => {
      clearTimeout(timer);
      reject(
        new Error(`Could not start java for ${mainClass}: ${error.message}. Is a JDK (17+) on the PATH?`),
      );
    });
    child.on('close', (code, signal) => {
      clearTimeout(timer);
      const stdout = Buffer.concat(out).toString('utf8');
      const stderr = Buffer.concat(err).toString('utf8');
      if (code === 0) {
        resolve({ stdout, stderr });
        return;
      }
      const why = signal === 'SIGKILL' ? `was killed after ${timeoutMs} ms` : `exited with ${code ?? signal}`;
      const error = new Error(`${mainClass} ${args.join(' ')} ${why}:\n${stderr.trim()}`);
      Object.assign(error, { exitCode: code, stdout, stderr });
      reject(error);
    });
    child.stdin.on('error', () => {
      // The helper may exit before reading all input (bad arguments); its exit code tells the story.
    });
    child.stdin.end(options.input ?? '');
  });
}
