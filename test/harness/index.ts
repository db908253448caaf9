// What integration tests use to reach Kafka: the cluster global-setup.ts started (or KAFKA_BOOTSTRAP_SERVERS),
// Kafka's own Java clients as independent witnesses, and local clusters of their own for fault tests.
// Everything here defaults `bootstrap` and the Kafka `version` to the shared cluster's.
import { randomBytes } from 'node:crypto';
import { inject } from 'vitest';
import * as lib from '../../scripts/lib/index.mjs';

export type {
  AclSpec,
  ClusterNode,
  ConsumedRecord,
  CreateTopicSpec,
  JavaProducedRecord,
  KafkaCluster,
  MetadataResponse,
  SaslMechanism,
  SecureClientSpec,
  SecureListener,
  SecurityInfo,
  StartClusterOptions,
  TopicDescription,
} from '../../scripts/lib/index.mjs';
export {
  ADMIN_USER,
  decodeWithKafka,
  fetchMetadata,
  findFreeBasePort,
  findHarnessJvms,
  kafkaHome,
  OAUTH_CLIENT,
  ODD_USER,
  PLAIN_USER,
  processClusterDir,
  repoRoot,
  SASL_MECHANISMS,
  startCluster,
  unsecuredJwt,
} from '../../scripts/lib/index.mjs';

declare module 'vitest' {
  export interface ProvidedContext {
    /** host:port[,host:port...] of the shared cluster. */
    kafkaBootstrapServers: string;
    /** The Kafka version whose jars the Java helpers use (the local cluster's, or $KAFKA_VERSION). */
    kafkaVersion: string;
    /** true when KAFKA_BOOTSTRAP_SERVERS pointed at a cluster the tests did not start. */
    kafkaExternal: boolean;
    /** Where global-setup starts the shared secured broker on first request (see secureKafka()). */
    kafkaSecureUrl: string;
  }
}

/** Bootstrap servers of the shared cluster. */
export function kafkaBootstrap(): string {
  return inject('kafkaBootstrapServers');
}

/** Kafka version of the shared cluster (its jars run the Java helpers). */
export function kafkaVersion(): string {
  return inject('kafkaVersion');
}

/** A topic name no other test (or earlier run against the same cluster) uses. */
export function uniqueTopic(prefix = 'test'): string {
  return `${prefix}-${Date.now().toString(36)}-${randomBytes(3).toString('hex')}`;
}

type WithCluster<T> = Omit<T, 'bootstrap' | 'version'> & { bootstrap?: string; version?: string };
const defaults = <T extends { bootstrap?: string; version?: string }>(o: T) => ({
  ...o,
  bootstrap: o.bootstrap ?? kafkaBootstrap(),
  version: o.version ?? kafkaVersion(),
});

/** Reads `topic` from the beginning with Kafka's Java consumer (see scripts/java/ConsumeJson.java). */
export function consumeAll(options: WithCluster<lib.ConsumeOptions>): Promise<lib.ConsumedRecord[]> {
  return lib.consumeAll(defaults(options));
}

/** Writes records with Kafka's Java producer; returns partition, offset and timestamp of each. */
export function produceWithJava(
  options: WithCluster<Parameters<typeof lib.produceWithJava>[0]>,
): ReturnType<typeof lib.produceWithJava> {
  return lib.produceWithJava(defaults(options));
}

/** Creates a topic with Kafka's Admin client; resolves once every partition has a leader. */
export function createTopic(
  spec: lib.CreateTopicSpec & { bootstrap?: string },
): Promise<lib.TopicDescription> {
  const { bootstrap, ...rest } = spec;
  return lib.createTopic(bootstrap ?? kafkaBootstrap(), { version: kafkaVersion(), ...rest });
}

export function describeTopic(topic: string, bootstrap = kafkaBootstrap()): Promise<lib.TopicDescription> {
  return lib.describeTopic(bootstrap, topic, { version: kafkaVersion() });
}

export function deleteTopic(topic: string, bootstrap = kafkaBootstrap()): Promise<{ deleted: string }> {
  return lib.deleteTopic(bootstrap, topic, { version: kafkaVersion() });
}

/** A consumer group's committed offsets, read by Kafka's Admin client. */
export function groupOffsets(
  group: string,
  bootstrap = kafkaBootstrap(),
): ReturnType<typeof lib.groupOffsets> {
  return lib.groupOffsets(bootstrap, group, { version: kafkaVersion() });
}

export function describeCluster(bootstrap = kafkaBootstrap()): ReturnType<typeof lib.describeCluster> {
  return lib.describeCluster(bootstrap, { version: kafkaVersion() });
}

/**
 * Polls `check` until it returns without throwing (then returns its value) or `timeoutMs` passes (then throws
 * its last error). For conditions the cluster reaches on its own time: leadership moves, ISR shrinks.
 */
export async function eventually<T>(
  check: () => T | Promise<T>,
  { timeoutMs = 30_000, intervalMs = 100 }: { timeoutMs?: number; intervalMs?: number } = {},
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    try {
      return await check();
    } catch (error) {
      if (Date.now() > deadline) throw error;
    }
    await new Promise((resolve) => setTimeout(resolve, intervalMs));
  }
}

/** The shared secured broker (see secureKafka()): its facts plus helpers bound to it. */
export interface SecureKafka extends lib.SecurityInfo {
  /** The plaintext admin listener (principal ANONYMOUS, a super user): for setup, never for the test itself. */
  adminBootstrap: string;
  /** Java client settings for a listener / mechanism / user (for produceWithJava and consumeAll `config`). */
  javaConfig(spec: lib.SecureClientSpec): Record<string, string>;
  /**
   * The Kafka version whose Java client to run for `spec` (pass as `version`): OAUTHBEARER needs a 4.1+
   * client, so an older shared version is replaced by the default one there.
   */
  javaVersion(spec: lib.SecureClientSpec): string;
  /** Creates a topic through the admin listener; resolves once every partition has a leader. */
  createTopic(spec: lib.CreateTopicSpec): Promise<lib.TopicDescription>;
  addAcls(acls: lib.AclSpec[]): Promise<{ added: number }>;
  deleteAcls(acls: lib.AclSpec[]): Promise<{ deleted: number }>;
  /** ACLs for `principal` to produce to and read `topic` (WRITE, READ, DESCRIBE; idempotent writes come with WRITE). */
  allowTopic(principal: string, topic: string): Promise<{ added: number }>;
  /** Tokens the OAuth endpoint has issued so far (re-authentication tests count refreshes). */
  tokensIssued(): Promise<number>;
}

let secure: Promise<SecureKafka> | undefined;

/**
 * The secured broker the integration tests share, started by global-setup on the first call of a run
 * (about 15-20 s) and stopped at its end. Listeners: PLAINTEXT (admin), SSL (client certificate required),
 * SASL_SSL and SASL_PLAINTEXT (PLAIN, SCRAM-SHA-256, SCRAM-SHA-512, OAUTHBEARER), SSL_ONE_WAY, SSL_EXPIRED,
 * SSL_WRONG_HOST; ACLs enforced, super users ANONYMOUS and `admin`.
 */
export function secureKafka(): Promise<SecureKafka> {
  secure ??= lib.requestOnDemand<lib.SecurityInfo>(inject('kafkaSecureUrl')).then((info) => {
    const adminBootstrap = info.listeners.PLAINTEXT;
    const version = kafkaVersion();
    const addAcls = (acls: lib.AclSpec[]) => lib.addAcls(adminBootstrap, acls, { version });
    return {
      ...info,
      adminBootstrap,
      javaConfig: (spec) => lib.javaClientConfig(info, spec),
      javaVersion: (spec) =>
        spec.mechanism === 'OAUTHBEARER' ? lib.oauthJavaClientVersion(version) : version,
      createTopic: (spec) => lib.createTopic(adminBootstrap, { version, ...spec }),
      addAcls,
      deleteAcls: (acls) => lib.deleteAcls(adminBootstrap, acls, { version }),
      allowTopic: (principal, topic) =>
        addAcls(
          ['WRITE', 'READ', 'DESCRIBE'].map((operation) => ({
            principal,
            resourceType: 'TOPIC',
            resourceName: topic,
            operation,
          })),
        ),
      tokensIssued: async () => {
        const res = await fetch(new URL('/issued', info.oauth.tokenEndpointUrl));
        return ((await res.json()) as { issued: number }).issued;
      },
    } satisfies SecureKafka;
  });
  return secure;
}
