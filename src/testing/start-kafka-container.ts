// startKafkaContainer: a real Kafka in Docker through testcontainers' KafkaContainer, for users whose test setup
// already has a Docker engine. @testcontainers/kafka is an optional peer, imported on first use, so the jar path
// (startKafka) and the producer never need it. Written against @testcontainers/kafka 12.2.0's published types;
// no Docker engine was available where kafka-wire is tested, so this path runs untested there.
import { loadOptionalPackage } from '../optional-package.js';
import { type RunningKafka, StartKafkaError } from './start-kafka.js';

/**
 * The Confluent Platform image startKafkaContainer runs unless told otherwise. @testcontainers/kafka's
 * KafkaContainer drives the startup scripts of confluentinc/cp-kafka images (not apache/kafka ones);
 * Confluent Platform 8.1 ships Apache Kafka 4.1 and runs KRaft only.
 */
export const DEFAULT_KAFKA_IMAGE = 'confluentinc/cp-kafka:8.1.0';

/** The container port KafkaContainer advertises to clients outside Docker (its PLAINTEXT listener). */
const CLIENT_PORT = 9093;

export interface StartKafkaContainerOptions {
  /** A confluentinc/cp-kafka image, 7.0.0 or newer for KRaft (default {@link DEFAULT_KAFKA_IMAGE}). */
  image?: string;
  /**
   * Extra broker configuration, e.g. `{ 'num.partitions': 3 }`, passed as the image's `KAFKA_*` environment
   * variables (`num.partitions` becomes `KAFKA_NUM_PARTITIONS`); names of letters, digits and dots only.
   */
  brokerConfig?: Readonly<Record<string, string | number | boolean>>;
  /** How long to wait for the broker to accept clients (default: KafkaContainer's own, 180000 ms). */
  startTimeoutMs?: number;
}

/** A Kafka container started by {@link startKafkaContainer}. */
export interface RunningKafkaContainer extends Pick<RunningKafka, 'bootstrapServers'> {
  /** The image that runs. */
  readonly image: string;
  /** Stops and removes the container. Safe to call twice. */
  stop(): Promise<void>;
}

// The parts of @testcontainers/kafka (12.x) and testcontainers' GenericContainer that startKafkaContainer calls,
// declared here so that kafka-wire builds without the package.
export interface KafkaContainerLike {
  withKraft(): this;
  withEnvironment(environment: Record<string, string>): this;
  withStartupTimeout(startupTimeoutMs: number): this;
  start(): Promise<StartedKafkaContainerLike>;
}
export interface StartedKafkaContainerLike {
  getHost(): string;
  getMappedPort(port: number): number;
  stop(): Promise<unknown>;
}
export interface TestcontainersKafkaModule {
  KafkaContainer: new (image: string) => KafkaContainerLike;
}

const PACKAGE = '@testcontainers/kafka';

function notInstalled(cause: unknown): StartKafkaError {
  return new StartKafkaError(
    `startKafkaContainer needs ${PACKAGE}, which is not installed: run \`npm install --save-dev ${PACKAGE}\` ` +
      '(it needs a Docker engine too), or use startKafka(), which needs only Java 17+.',
    { cause },
  );
}

function loadTestcontainersKafka(): Promise<TestcontainersKafkaModule> {
  return loadOptionalPackage<TestcontainersKafkaModule & { default?: TestcontainersKafkaModule }>(
    PACKAGE,
    notInstalled,
  ).then(
    (module) => (module.KafkaContainer ? module : (module.default ?? module)),
    (error: unknown) => {
      // Vite's module runner (vitest, when it transforms kafka-wire's code instead of leaving it to Node)
      // reports a missing package as a plain Error, without Node's ERR_MODULE_NOT_FOUND code.
      if (error instanceof StartKafkaError) throw error;
      const message = String((error as Error).message);
      if (/could not resolve/i.test(message)) throw notInstalled(error);
      // testcontainers 12 declares Node 22.22+; on Node 20 its HTTP client (undici 8) fails while loading.
      throw new StartKafkaError(
        `startKafkaContainer: ${PACKAGE} is installed but failed to load on Node ${process.version} ` +
          `(${message}); testcontainers 12 needs Node 22.22 or newer. Use a newer Node, or startKafka().`,
        { cause: error },
      );
    },
  );
}

/**
 * A broker config name as a Confluent image's environment variable: `num.partitions` -> `KAFKA_NUM_PARTITIONS`.
 * Names with '-' or '_' are refused: Confluent's documents disagree on how the image encodes those two.
 */
export function confluentEnvName(key: string): string {
  if (!/^[A-Za-z0-9.]+$/.test(key))
    throw new StartKafkaError(
      `startKafkaContainer: brokerConfig key '${key}' has characters other than letters, digits and dots, ` +
        "which a Confluent image's KAFKA_* environment variables cannot carry unambiguously; use startKafka() " +
        '(its brokerConfig takes any name), or set the variable on a KafkaContainer of your own.',
    );
  return `KAFKA_${key.replaceAll('.', '_').toUpperCase()}`;
}

/**
 * Starts a single-broker Kafka (KRaft) in a Docker container with testcontainers' KafkaContainer, and resolves
 * once it accepts clients. Needs `@testcontainers/kafka` installed and a Docker engine testcontainers can reach.
 * Always `stop()` it (in `afterAll`); testcontainers' reaper removes it if the process ends first.
 *
 * ```ts
 * const kafka = await startKafkaContainer();
 * const producer = new Producer({ bootstrapServers: kafka.bootstrapServers });
 * // ...
 * await kafka.stop();
 * ```
 */
export function startKafkaContainer(
  options: StartKafkaContainerOptions = {},
): Promise<RunningKafkaContainer> {
  return startKafkaContainerWith(loadTestcontainersKafka, options);
}

/** startKafkaContainer with the module loader given: the seam kafka-wire's unit tests use. */
export async function startKafkaContainerWith(
  load: () => Promise<TestcontainersKafkaModule>,
  options: StartKafkaContainerOptions = {},
): Promise<RunningKafkaContainer> {
  const image = options.image ?? DEFAULT_KAFKA_IMAGE;
  const { KafkaContainer } = await load();
  const environment = Object.entries(options.brokerConfig ?? {}).map(
    ([key, value]) => [confluentEnvName(key), String(value)] as const,
  );
  let started: StartedKafkaContainerLike;
  try {
    const container = new KafkaContainer(image).withKraft();
    if (environment.length > 0) container.withEnvironment(Object.fromEntries(environment));
    if (options.startTimeoutMs !== undefined) container.withStartupTimeout(options.startTimeoutMs);
    started = await container.start();
  } catch (error) {
    const message = (error as Error).message ?? String(error);
    if (/container runtime strategy/i.test(message))
      throw new StartKafkaError(
        `startKafkaContainer: no Docker engine is reachable (${message}). Start Docker (or point DOCKER_HOST ` +
          'at one), or use startKafka(), which runs Kafka from its jars with Java 17+.',
        { cause: error },
      );
    throw new StartKafkaError(`startKafkaContainer: Kafka image ${image} did not start: ${message}`, {
      cause: error,
    });
  }

  let stopping: Promise<void> | undefined;
  return {
    bootstrapServers: `${started.getHost()}:${started.getMappedPort(CLIENT_PORT)}`,
    image,
    stop() {
      stopping ??= started.stop().then(() => {});
      return stopping;
    },
  };
}
