// The Java helper programs in scripts/java (Kafka's own consumer, producer, admin client and message
// decoder). javac compiles them once per Kafka version into the cache; every later run only starts a JVM.
import { execFile, spawn } from 'node:child_process';
import { createHash, randomBytes } from 'node:crypto';
import {
  existsSync,
  mkdirSync,
  mkdtempSync,
  readFileSync,
  renameSync,
  rmSync,
  statSync,
  writeFileSync,
} from 'node:fs';
import { join } from 'node:path';
import { kafkaLibs } from './jars.mjs';
import { writeLoggingConfig } from './logging.mjs';
import { cacheDir, DEFAULT_KAFKA_VERSION, javaSourceDir, kafkaVersion } from './paths.mjs';

/** The helpers this harness owns; other files in scripts/java belong to other tools and are not compiled here. */
export const HELPER_SOURCES = [
  'ConsumeJson.java',
  'KafkaAdminJson.java',
  'ProduceJson.java',
  'KafkaMessageJson.java',
  'ConsumeDigest.java',
  // Shared by ConsumeJson and ConsumeDigest.
  'ConsumerArgs.java',
  'TopicReader.java',
  // --config-file for the consumers and the producer.
  'ClientProps.java',
];

/** Helpers that need a newer kafka-clients: the JwtValidator plug-in point exists since Kafka 4.1. */
const VERSIONED_SOURCES = [{ name: 'UnsecuredJwtValidator.java', since: [4, 1] }];

function sourcesFor(version) {
  const [major, minor] = version.split('.').map(Number);
  const atLeast = ([a, b]) => major > a || (major === a && minor >= b);
  return [...HELPER_SOURCES, ...VERSIONED_SOURCES.filter((s) => atLeast(s.since)).map((s) => s.name)];
}

/**
 * The Kafka version whose Java client can log in with the test token endpoint's unsecured JWTs: `version`
 * itself from 4.1 on, else the default one (a newer client talks to an older broker just as well).
 */
export function oauthJavaClientVersion(version) {
  const v = kafkaVersion(version);
  return sourcesFor(v).includes('UnsecuredJwtValidator.java') ? v : DEFAULT_KAFKA_VERSION;
}

// Short-lived client JVMs: C1 only and serial GC start faster and use less CPU on a small box.
// JVM warnings (class-data sharing ones included) go to stderr: stdout carries the helpers' JSON.
const CLIENT_JVM_FLAGS = [
  '-XX:TieredStopAtLevel=1',
  '-XX:+UseSerialGC',
  '-Xmx512m',
  '-Djava.awt.headless=true',
  '-Xlog:disable',
  '-Xlog:all=warning:stderr',
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
  // 'jar-1': the cache layout (classes packed into helpers.jar); bump it when the layout changes.
  const hash = createHash('sha256').update('jar-1');
  const names = sourcesFor(version);
  for (const name of names) hash.update(name).update(readFileSync(join(javaSourceDir, name)));
  const root = join(cacheDir, 'java-helpers');
  const dir = join(root, `${version}-${hash.digest('hex').slice(0, 12)}`);
  if (!existsSync(join(dir, '.complete'))) {
    mkdirSync(root, { recursive: true });
    const tmp = mkdtempSync(join(root, '.tmp-'));
    try {
      const sources = names.map((name) => join(javaSourceDir, name));
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
      // A jar, not a class folder: class-data sharing only archives classes that come from jars.
      await run('jar', ['--create', '--file', join(tmp, 'helpers.jar'), '-C', join(tmp, 'classes'), '.']);
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
  // Archives of loaded classes are only valid for the exact jars they were made with: a fresh download of the
  // Kafka jars (a new .complete marker) gets fresh archives.
  const jarsStamp = Math.floor(statSync(join(libs, '..', '.complete')).mtimeMs).toString(36);
  return {
    classpath: `${join(dir, 'helpers.jar')}:${libs}/*`,
    archiveDir: join(dir, `cds-${jarsStamp}`),
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
  const { classpath, jvmFlags, archiveDir } = await javaHelpers(options.version);
  const timeoutMs = options.timeoutMs ?? 120_000;
  // Class-data sharing per main class: the first successful run writes the archive, later runs start from it
  // (about a third less start-up work for these short-lived JVMs).
  const archive = join(archiveDir, `${mainClass}.jsa`);
  const haveArchive = existsSync(archive);
  const making = haveArchive
    ? null
    : join(archiveDir, `.${mainClass}-${process.pid}-${randomBytes(4).toString('hex')}.jsa`);
  if (making) mkdirSync(archiveDir, { recursive: true });
  const cds = haveArchive ? [`-XX:SharedArchiveFile=${archive}`] : [`-XX:ArchiveClassesAtExit=${making}`];
  return new Promise((resolve, reject) => {
    const child = spawn('java', [...jvmFlags, ...cds, '-cp', classpath, mainClass, ...args], {
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
      if (making) {
        try {
          if (code === 0 && existsSync(making) && !existsSync(archive)) renameSync(making, archive);
        } catch {
          // Another run got there first; either archive will do.
        }
        rmSync(making, { force: true });
      }
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
