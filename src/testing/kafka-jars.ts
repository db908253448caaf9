// The jars a Kafka broker runs on, fetched without Maven: a fixed list per version (kafka-jars-manifest.ts,
// made by Maven from the harness pom), each checked against its SHA-256 and cached per user, so an installed
// kafka-wire needs only Java to run a real broker.
import { createHash } from 'node:crypto';
import { createReadStream, existsSync } from 'node:fs';
import { copyFile, mkdir, readdir, readFile, rename, rm, writeFile } from 'node:fs/promises';
import { homedir } from 'node:os';
import { basename, delimiter, join } from 'node:path';
import { KAFKA_JARS } from './kafka-jars-manifest.js';

/** Where Maven Central serves artifacts from; KAFKA_WIRE_MAVEN_REPOSITORY names a mirror instead. */
const MAVEN_CENTRAL = 'https://repo1.maven.org/maven2';

/** Kafka versions startKafka can fetch by itself (newest first); others need `libs`. */
export const KAFKA_VERSIONS: readonly string[] = Object.keys(KAFKA_JARS);

/**
 * The folder kafka-wire caches Kafka's jars in: $KAFKA_WIRE_CACHE, else the platform's user cache folder
 * ($XDG_CACHE_HOME or ~/.cache on Linux, ~/Library/Caches on macOS, %LOCALAPPDATA% on Windows) + kafka-wire.
 */
export function userCacheDir(): string {
  const explicit = process.env.KAFKA_WIRE_CACHE;
  if (explicit) return explicit;
  if (process.platform === 'darwin') return join(homedir(), 'Library', 'Caches', 'kafka-wire');
  if (process.platform === 'win32')
    return join(process.env.LOCALAPPDATA ?? join(homedir(), 'AppData', 'Local'), 'kafka-wire');
  return join(process.env.XDG_CACHE_HOME || join(homedir(), '.cache'), 'kafka-wire');
}

/**
 * Local Maven repositories to copy jars from before downloading: ~/.m2/repository, or the folders
 * $KAFKA_WIRE_MAVEN_LOCAL lists (path-delimited; set but empty: none).
 */
function localRepositories(): string[] {
  const listed = process.env.KAFKA_WIRE_MAVEN_LOCAL;
  if (listed === undefined) return [join(homedir(), '.m2', 'repository')];
  return listed.split(delimiter).filter(Boolean);
}

function sha256Of(file: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const hash = createHash('sha256');
    createReadStream(file)
      .on('data', (chunk) => hash.update(chunk))
      .on('error', reject)
      .on('end', () => resolve(hash.digest('hex')));
  });
}

export interface KafkaJarsOptions {
  /** Cache folder (default userCacheDir()). */
  cacheDir?: string;
  /** Progress messages (downloads), e.g. console.error. */
  log?: (message: string) => void;
}

const pending = new Map<string, Promise<string>>();

/**
 * The folder holding Apache Kafka `version`'s broker jars, fetched on first use: copied from a local Maven
 * repository when one has them, else downloaded from Maven Central ($KAFKA_WIRE_MAVEN_REPOSITORY for a
 * mirror). Every jar is checked against the SHA-256 recorded for it; a failed fetch leaves nothing behind.
 */
export function kafkaJars(version: string, options: KafkaJarsOptions = {}): Promise<string> {
  const jars = KAFKA_JARS[version];
  if (!jars) {
    return Promise.reject(
      new Error(
        `startKafka cannot fetch Apache Kafka ${version} by itself: it knows the jars of ${KAFKA_VERSIONS.join(', ')}. ` +
          'Choose one of those, or pass `libs` (or set KAFKA_WIRE_KAFKA_LIBS) to the libs/ folder of an unpacked ' +
          `Kafka ${version} download.`,
      ),
    );
  }
  const dir = join(options.cacheDir ?? userCacheDir(), `kafka-${version}`);
  let found = pending.get(dir);
  if (!found) {
    found = fetchJars(dir, version, jars, options.log ?? (() => {}));
    found.catch(() => pending.delete(dir));
    pending.set(dir, found);
  }
  return found;
}

async function fetchJars(
  dir: string,
  version: string,
  jars: readonly (readonly [string, string])[],
  log: (message: string) => void,
): Promise<string> {
  const libs = join(dir, 'libs');
  // The marker holds the manifest's own digest: a manifest change (a new kafka-wire) means a fresh fetch.
  const stamp = createHash('sha256').update(JSON.stringify(jars)).digest('hex');
  const marker = join(dir, '.complete');
  if (existsSync(marker) && (await readFile(marker, 'utf8')) === stamp) return libs;
  await mkdir(dir, { recursive: true });
  const tmp = join(dir, `.libs-${process.pid}-${Date.now()}`);
  await mkdir(tmp, { recursive: true });
  try {
    const repository = (process.env.KAFKA_WIRE_MAVEN_REPOSITORY || MAVEN_CENTRAL).replace(/\/+$/, '');
    let downloaded = 0;
    for (const [path, sha256] of jars) {
      const target = join(tmp, basename(path));
      const local = localRepositories()
        .map((repo) => join(repo, path))
        .find((file) => existsSync(file));
      if (local && (await sha256Of(local)) === sha256) {
        await copyFile(local, target);
        continue;
      }
      if (downloaded++ === 0) log(`startKafka: downloading Apache Kafka ${version}'s jars into ${dir}`);
      await download(`${repository}/${path}`, target, version);
      const actual = await sha256Of(target);
      if (actual !== sha256) {
        throw new Error(
          `Downloading Apache Kafka ${version}'s jars: ${repository}/${path} has SHA-256 ${actual}, expected ${sha256}. ` +
            'A proxy or mirror served a different file; check KAFKA_WIRE_MAVEN_REPOSITORY or your network.',
        );
      }
    }
    await rm(libs, { recursive: true, force: true });
    await rename(tmp, libs);
    await writeFile(marker, stamp);
    return libs;
  } finally {
    await rm(tmp, { recursive: true, force: true });
  }
}

async function download(url: string, target: string, version: string): Promise<void> {
  const hint =
    'startKafka downloads them from Maven Central once; check the network (a proxy?), set ' +
    'KAFKA_WIRE_MAVEN_REPOSITORY to a Maven mirror, or pass `libs` with the libs/ folder of an unpacked Kafka download.';
  let response: Response;
  try {
    response = await fetch(url, { signal: AbortSignal.timeout(120_000) });
  } catch (error) {
    const cause = (error as Error & { cause?: Error }).cause?.message ?? (error as Error).message;
    throw new Error(`Could not download Apache Kafka ${version}'s jar ${url} (${cause}). ${hint}`);
  }
  if (!response.ok) {
    throw new Error(
      `Could not download Apache Kafka ${version}'s jar ${url}: HTTP ${response.status} ${response.statusText}. ${hint}`,
    );
  }
  await writeFile(target, new Uint8Array(await response.arrayBuffer()));
}

/** True when `dir` holds a Kafka broker's jars (kafka_2.13-*.jar). */
export async function looksLikeKafkaLibs(dir: string): Promise<boolean> {
  try {
    return (await readdir(dir)).some((name) => /^kafka_2\.1\d-.*\.jar$/.test(name));
  } catch {
    return false;
  }
}
