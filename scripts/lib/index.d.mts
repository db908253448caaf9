// Types for index.mjs (the harness is plain JavaScript so `node scripts/kafka.mjs` runs without a build).

export declare const DEFAULT_KAFKA_VERSION: string;
/** Absolute path of the checkout. */
export declare const repoRoot: string;
/** Absolute path of the `.kafka` folder (data, configs and logs of local brokers). */
export declare const kafkaHome: string;
/** `explicit`, else $KAFKA_VERSION, else DEFAULT_KAFKA_VERSION. */
export declare function kafkaVersion(explicit?: string): string;
/** Folder with Kafka `version`'s jars (downloaded from Maven Central on first use). */
export declare function kafkaLibs(version?: string): Promise<string>;
/**
 * The broker class archive (AppCDS) for these jars and JVM flags, made on first use by a throwaway broker;
 * null when it cannot be made (brokers then start without one).
 */
export declare function brokerClassArchive(
  libs: string,
  jvmFlags: readonly string[],
  options: { freePorts: () => Promise<number>; log?: (message: string) => void },
): Promise<string | null>;

export interface StartClusterOptions {
  /** Number of combined broker+controller nodes (node ids 1..N). Default 1. */
  brokers?: number;
  /**
   * Broker i listens on basePort + i - 1. Default 9092. 'auto': a random free range in 20000-39999, chosen
   * again (a few times) when another process binds one of its ports before the broker does.
   */
  basePort?: number | 'auto';
  /** Controller i listens on controllerBasePort + i - 1. Default basePort + 100. */
  controllerBasePort?: number;
  /** Folder for config/, data/, logs/ and cluster.json. Default: the checkout's .kafka. */
  dir?: string;
  /** Apache Kafka version. Default $KAFKA_VERSION or DEFAULT_KAFKA_VERSION. */
  version?: string;
  /** Extra or overriding server.properties entries for every node. */
  brokerConfig?: Record<string, string | number | boolean>;
  /** How long to wait for every broker to be registered. Default 90 s. */
  startTimeoutMs?: number;
  /** false: no AppCDS class archive (default: made once per Kafka version and JDK, then reused). */
  classArchive?: boolean;
  /** true: brokers outlive this process (the CLI). false (default): killed when this process exits. */
  detached?: boolean;
  /** Progress messages. A start again on new ports is said here, else on stderr. */
  log?: (message: string) => void;
  /**
   * For tests of the harness: called once per attempt after the ports were found free and before any broker
   * binds them, so a test can take one in between. `ports`: every port the brokers will listen on.
   */
  portsChecked?: (check: { attempt: number; basePort: number; ports: number[] }) => void | Promise<void>;
  /**
   * A secured broker (brokers must be 1): listeners PLAINTEXT (admin; principal ANONYMOUS is a super user),
   * SSL (client certificate required), SASL_SSL and SASL_PLAINTEXT (PLAIN, SCRAM-SHA-256/512, OAUTHBEARER),
   * SSL_ONE_WAY, SSL_EXPIRED and SSL_WRONG_HOST on consecutive ports from basePort, ACLs enforced
   * (StandardAuthorizer), certificates and passwords made fresh at start. See KafkaCluster.security.
   */
  secure?: boolean | SecureOptions;
}

export interface SecureOptions {
  /** connections.max.reauth.ms of the broker: sessions older than this must re-authenticate. Default 10000. */
  reauthMs?: number;
  /** Lifetime (exp - iat) of the tokens the OAuth token endpoint issues. Default 3600. */
  tokenLifetimeSeconds?: number;
}

export type SecureListener =
  | 'PLAINTEXT'
  | 'SSL'
  | 'SASL_SSL'
  | 'SASL_PLAINTEXT'
  | 'SSL_ONE_WAY'
  | 'SSL_EXPIRED'
  | 'SSL_WRONG_HOST';
export type SaslMechanism = 'PLAIN' | 'SCRAM-SHA-256' | 'SCRAM-SHA-512' | 'OAUTHBEARER';
/** Listener name -> offset of its port from the base port. */
export declare const SECURE_LISTENERS: Record<SecureListener, number>;
export declare const SASL_MECHANISMS: SaslMechanism[];
/** Super user (SCRAM and PLAIN). */
export declare const ADMIN_USER: 'admin';
/** Ordinary user without ACLs (SCRAM and PLAIN). */
export declare const PLAIN_USER: 'alice';
/** SCRAM-only user whose name needs SCRAM escaping. */
export declare const ODD_USER: 'odd,user=name';
/** The OAuth client id (and so the OAUTHBEARER principal's name). */
export declare const OAUTH_CLIENT: 'kafka-wire-oauth-client';

/** What a secured cluster tells its users (JSON-serializable: handed to test workers as is). */
export interface SecurityInfo {
  /** host:port of every listener. */
  listeners: Record<SecureListener, string>;
  /** connections.max.reauth.ms */
  reauthMs: number;
  /** User name -> password. SCRAM-SHA-256 and -512 for all; PLAIN for those in plainUsers. */
  users: Record<string, string>;
  plainUsers: string[];
  oauth: {
    /** client-credentials grant; issues unsecured JWTs (sub = client id, scope, iat, exp). GET <origin>/issued counts them. */
    tokenEndpointUrl: string;
    clientId: string;
    clientSecret: string;
    /** Scope the broker requires (unsecuredValidatorRequiredScope) and the endpoint's default. */
    scope: string;
    tokenLifetimeSeconds: number;
  };
  /** PEM files. Keystores are key followed by certificate (Kafka's PEM key store layout). */
  tls: {
    ca: string;
    clientCert: string;
    clientKey: string;
    clientKeystore: string;
    /** The mTLS client's principal: User:<certificate CN>. */
    clientPrincipal: string;
    expiredClientCert: string;
    expiredClientKey: string;
    expiredClientKeystore: string;
    brokerKeystore: string;
    expiredBrokerKeystore: string;
    wrongHostBrokerKeystore: string;
  };
}

/** Who connects to which listener (for javaClientConfig). */
export interface SecureClientSpec {
  listener: SecureListener;
  /** Required on SASL_* listeners. */
  mechanism?: SaslMechanism;
  /** PLAIN/SCRAM user (default admin) and password (default the user's). */
  username?: string;
  password?: string;
  /** OAUTHBEARER client (default the cluster's). */
  clientId?: string;
  clientSecret?: string;
  /** SSL listener: PEM key store (key then certificate). Default the valid client certificate. */
  keystore?: string;
}
/** Java client settings (security.protocol, ssl.*, sasl.*) for `spec` on a secured cluster. */
export declare function javaClientConfig(
  security: SecurityInfo,
  spec: SecureClientSpec,
): Record<string, string>;

export interface AclSpec {
  /** e.g. 'User:alice' */
  principal: string;
  resourceType: 'TOPIC' | 'GROUP' | 'CLUSTER' | 'TRANSACTIONAL_ID' | 'DELEGATION_TOKEN' | 'USER';
  /** Default: 'kafka-cluster' for CLUSTER; '*' matches every name with LITERAL. */
  resourceName?: string;
  /** Default LITERAL. */
  patternType?: 'LITERAL' | 'PREFIXED';
  /** Kafka's AclOperation name: READ, WRITE, CREATE, DESCRIBE, IDEMPOTENT_WRITE, ALL, ... */
  operation: string;
  /** Default ALLOW. */
  permission?: 'ALLOW' | 'DENY';
  /** Default '*'. */
  host?: string;
}
/** Adds ACLs with Kafka's Admin client; resolves once the broker's authorizer applies them. */
export declare function addAcls(
  bootstrap: string,
  acls: AclSpec[],
  options?: { version?: string },
): Promise<{ added: number }>;
/** Removes exactly these ACLs; resolves once the broker's authorizer dropped them. */
export declare function deleteAcls(
  bootstrap: string,
  acls: AclSpec[],
  options?: { version?: string },
): Promise<{ deleted: number }>;
/** Creates or replaces SCRAM credentials with Kafka's Admin client (any user name); resolves once the broker has them. */
export declare function setScramCredentials(
  bootstrap: string,
  credentials: { mechanism: 'SCRAM-SHA-256' | 'SCRAM-SHA-512'; username: string; password: string }[],
  options?: { version?: string },
): Promise<{ credentials: number }>;

/** Java properties file text for `config`, escaped so Properties.load reads every key and value back as given. */
export declare function propertiesText(config: Record<string, string>): string;

/** An unsecured JWT (alg "none", empty signature) with exactly these claims. */
export declare function unsecuredJwt(claims: Record<string, unknown>): string;
/** An OAuth client-credentials token endpoint on 127.0.0.1 issuing unsecured JWTs. */
export declare function startTokenEndpoint(options: {
  clients: Record<string, string>;
  lifetimeSeconds?: number;
  scope?: string;
  port?: number;
}): Promise<{ url: string; issued: () => number; close: () => Promise<void> }>;

/** Serves a loopback URL whose first POST starts `start()` once; close() stops what was started. */
export declare function serveOnDemand<T>(
  start: () => Promise<{ info: T; stop: () => Promise<void> }>,
): Promise<{ url: string; close: () => Promise<void> }>;
/** The info of a serveOnDemand cluster, starting it if needed. */
export declare function requestOnDemand<T>(url: string): Promise<T>;

export interface ClusterNode {
  id: number;
  port: number;
  controllerPort: number;
  /** null when the broker does not run. */
  pid: number | null;
  paused: boolean;
  /** Set when the JVM ended by itself (exit code or signal). */
  exited: string | null;
}

export declare class KafkaCluster {
  readonly dir: string;
  readonly version: string;
  readonly libs: string;
  readonly clusterId: string;
  readonly nodes: ClusterNode[];
  readonly detached: boolean;
  /** The AppCDS archive the broker JVMs start with, or null. */
  readonly classArchive: string | null;
  /** Listeners, users, OAuth client and TLS files of a secured cluster; null for a plaintext one. */
  readonly security: SecurityInfo | null;
  /** The OAuth token endpoint's own process (a detached secured cluster's), or null. */
  readonly tokenEndpointPid: number | null;
  /** e.g. "127.0.0.1:9092,127.0.0.1:9093" */
  get bootstrapServers(): string;
  get brokerIds(): number[];
  node(id: number): ClusterNode;
  logFile(id: number): string;
  configFile(id: number): string;
  /** Ids of brokers whose JVM runs (paused ones included). */
  runningIds(): number[];
  /** Until every running, unpaused broker lists exactly `ids` as registered (unfenced) brokers. */
  waitForBrokers(ids: number[], options?: { timeoutMs?: number }): Promise<void>;
  /** SIGKILL broker `id` and wait until its JVM is gone. */
  stopBroker(id: number): Promise<void>;
  /** SIGSTOP broker `id`. */
  pauseBroker(id: number): void;
  /** SIGCONT broker `id`. */
  resumeBroker(id: number): void;
  /** Start a stopped broker again (same data) and wait until every running broker is registered. */
  startBroker(id: number, options?: { timeoutMs?: number }): Promise<void>;
  restartBroker(id: number, options?: { timeoutMs?: number }): Promise<void>;
  /** Raw Metadata (v4) from the first broker that answers; topics null = all. */
  metadata(topics?: string[] | null): Promise<MetadataResponse>;
  /** Kill every broker and delete data and configs (logs kept unless keepLogs is false). */
  destroy(options?: { keepLogs?: boolean }): Promise<void>;
}

/** Formats storage and starts a fresh cluster; kills what an earlier run left in the same folder first. */
export declare function startCluster(options?: StartClusterOptions): Promise<KafkaCluster>;
/** A base port P in 20000-39999 with P..P+n-1 and P+100..P+100+n-1 free on 127.0.0.1. */
export declare function findFreeBasePort(n: number): Promise<number>;
/**
 * `.kafka/<name>-<pid of this process>`, after cleaning up `<name>-<pid>` folders (and their brokers) of
 * processes that are gone: concurrent test runs in one checkout each get their own cluster folder.
 */
export declare function processClusterDir(name: string): Promise<string>;
/** The cluster recorded in `dir`/cluster.json (default .kafka), or null. */
export declare function attachCluster(dir?: string): Promise<KafkaCluster | null>;
/**
 * Stop the cluster in `dir` (default .kafka) and delete its data; also kill brokers of clusters below it whose
 * owning process (`<name>-<pid>` folders) is gone. Clusters of live processes are spared unless `all`.
 */
export declare function stopAll(options?: { dir?: string; all?: boolean; keepLogs?: boolean }): Promise<{
  killed: number[];
  spared: { pid: number; dir: string; owner: number | null }[];
}>;
/** `-Dkafka.wire.cluster=`: followed by the cluster folder, it marks a JVM's command line as the harness's. */
export declare const CLUSTER_MARK: string;
export declare function findHarnessJvms(filter?: { dir?: string; under?: string }): {
  pid: number;
  dir: string;
  nodeId: number;
}[];

export interface MetadataResponse {
  correlationId: number;
  throttleTimeMs: number;
  brokers: { nodeId: number; host: string; port: number; rack: string | null }[];
  clusterId: string | null;
  controllerId: number;
  topics: {
    errorCode: number;
    name: string;
    isInternal: boolean;
    partitions: {
      errorCode: number;
      partitionIndex: number;
      leaderId: number;
      replicaNodes: number[];
      isrNodes: number[];
    }[];
  }[];
}
/** One Metadata v4 request to `address` (host:port) on a fresh connection. topics null = all. */
export declare function fetchMetadata(
  address: string,
  options?: { topics?: string[] | null; timeoutMs?: number },
): Promise<MetadataResponse>;

export interface TopicDescription {
  topic: string;
  topicId: string | null;
  internal: boolean;
  partitions: { partition: number; leader: number | null; replicas: number[]; isr: number[] }[];
}
export interface CreateTopicSpec {
  topic: string;
  /** Default 1. */
  partitions?: number;
  /** Default 1. */
  replicationFactor?: number;
  configs?: Record<string, string>;
  ifNotExists?: boolean;
  /** Kafka version whose Admin client runs. */
  version?: string;
}
/** Creates a topic with Kafka's Admin client; resolves once every partition has a leader. */
export declare function createTopic(bootstrap: string, spec: CreateTopicSpec): Promise<TopicDescription>;
export declare function describeTopic(
  bootstrap: string,
  topic: string,
  options?: { version?: string },
): Promise<TopicDescription>;
export declare function deleteTopic(
  bootstrap: string,
  topic: string,
  options?: { version?: string },
): Promise<{ deleted: string }>;
/** The end offset of every partition of `topic`, from Kafka's Admin client. */
export declare function endOffsets(
  bootstrap: string,
  topic: string,
  options?: { version?: string },
): Promise<{ partition: number; endOffset: number }[]>;
/** A consumer group's committed offsets, from Kafka's Admin client. */
export declare function groupOffsets(
  bootstrap: string,
  group: string,
  options?: { version?: string },
): Promise<{ topic: string; partition: number; offset: number; metadata: string | null }[]>;
export declare function listTopics(bootstrap: string, options?: { version?: string }): Promise<string[]>;
export declare function describeCluster(
  bootstrap: string,
  options?: { version?: string },
): Promise<{
  clusterId: string;
  controller: number | null;
  brokers: { id: number; host: string; port: number; rack: string | null }[];
}>;

export interface ConsumedRecord {
  topic: string;
  partition: number;
  offset: bigint;
  timestamp: bigint;
  timestampType: 'CREATE_TIME' | 'LOG_APPEND_TIME' | 'NO_TIMESTAMP_TYPE';
  leaderEpoch: number | null;
  key: Buffer | null;
  value: Buffer | null;
  headers: { key: string; value: Buffer | null }[];
}
export interface ConsumeOptions {
  bootstrap: string;
  topic: string;
  /** Keep reading until exactly this many records arrived (fails on timeout or more). Default: read to the end offsets at start. */
  count?: number;
  /** Default 30 s. */
  timeoutMs?: number;
  /** Only this partition. */
  partition?: number;
  isolation?: 'read_committed' | 'read_uncommitted';
  /** Extra consumer configs. */
  config?: Record<string, string>;
  /** Kafka version whose consumer runs. */
  version?: string;
}
/** Reads a topic from the beginning with Kafka's own Java consumer (no group), ordered by partition then offset. */
export declare function consumeAll(options: ConsumeOptions): Promise<ConsumedRecord[]>;

/** Per-partition summary from ConsumeDigest: count, offsets, SHA-256 (layout: scripts/java/ConsumeDigest.java). */
export declare function consumeDigest(options: {
  bootstrap: string;
  topic: string;
  /** Keep reading until exactly this many records arrived (fails on timeout or more). Default: the end offsets at start. */
  expected?: number;
  /** Default 60 s. */
  timeoutMs?: number;
  /** Extra consumer configs. */
  config?: Record<string, string>;
  /** Kafka version whose consumer runs. */
  version?: string;
}): Promise<
  {
    partition: number;
    count: number;
    /** null for an empty partition. */
    firstOffset: bigint | null;
    lastOffset: bigint | null;
    /** Every offset was the previous one plus one. */
    consecutive: boolean;
    /** Hex SHA-256 over the partition's records in offset order. */
    sha256: string;
  }[]
>;

export interface JavaProducedRecord {
  key?: string | Uint8Array | null;
  value?: string | Uint8Array | null;
  headers?: { key: string; value: string | Uint8Array | null }[];
  partition?: number;
  timestamp?: number | bigint;
}
/** Writes records with Kafka's own Java producer; returns where each landed, in input order. */
export declare function produceWithJava(options: {
  bootstrap: string;
  topic: string;
  records: JavaProducedRecord[];
  /** Producer configs (Java names), e.g. { acks: 'all', 'compression.type': 'zstd' }. */
  config?: Record<string, string>;
  version?: string;
}): Promise<{ partition: number; offset: bigint; timestamp: bigint }[]>;

/** Kafka's own decoding of a request/response body (no size prefix, no header) as JSON (lowerCamelCase fields). */
export declare function decodeWithKafka(
  kind: 'request' | 'response',
  apiKey: number,
  version: number,
  body: Uint8Array,
  options?: { version?: string; allowTrailing?: boolean },
): Promise<Record<string, unknown>>;

/** Compiles the scripts/java helpers for Kafka `version` once; returns how to run them. */
export declare function javaHelpers(
  version?: string,
): Promise<{ classpath: string; jvmFlags: string[]; archiveDir: string }>;
/**
 * The Kafka version whose Java client logs in with the test token endpoint's unsecured JWTs (Kafka's own
 * client refuses unsigned tokens unless given the helpers' UnsecuredJwtValidator, which needs 4.1+): `version`
 * from 4.1 on, else DEFAULT_KAFKA_VERSION.
 */
export declare function oauthJavaClientVersion(version?: string): string;
/** Runs a helper main class; rejects with its stderr on a non-zero exit or timeout. */
export declare function runJavaHelper(
  mainClass: string,
  args: string[],
  options?: { version?: string; input?: string | Uint8Array; timeoutMs?: number },
): Promise<{ stdout: string; stderr: string }>;
