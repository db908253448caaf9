// The test harness: a local Kafka and Kafka's own Java clients as independent witnesses.
// Types: index.d.mts. Used by scripts/kafka.mjs, scripts/demo.mjs and test/harness.
export {
  addAcls,
  createTopic,
  deleteAcls,
  deleteTopic,
  describeCluster,
  describeTopic,
  endOffsets,
  groupOffsets,
  listTopics,
  setScramCredentials,
} from './admin.mjs';
export { brokerClassArchive } from './class-archive.mjs';
export { propertiesText } from './client-config.mjs';
export {
  attachCluster,
  findFreeBasePort,
  KafkaCluster,
  processClusterDir,
  startCluster,
  stopAll,
} from './cluster.mjs';
export { consumeAll } from './consume.mjs';
export { consumeDigest } from './digest.mjs';
export { kafkaLibs } from './jars.mjs';
export { javaHelpers, oauthJavaClientVersion, runJavaHelper } from './java-helpers.mjs';
export { decodeWithKafka } from './messages.mjs';
export { fetchMetadata } from './metadata.mjs';
export { startTokenEndpoint, unsecuredJwt } from './oidc-server.mjs';
export { requestOnDemand, serveOnDemand } from './on-demand.mjs';
export { DEFAULT_KAFKA_VERSION, kafkaHome, kafkaVersion, repoRoot } from './paths.mjs';
export { CLUSTER_MARK, findHarnessJvms } from './processes.mjs';
export { produceWithJava } from './produce.mjs';
export {
  ADMIN_USER,
  javaClientConfig,
  OAUTH_CLIENT,
  ODD_USER,
  PLAIN_USER,
  SASL_MECHANISMS,
  SECURE_LISTENERS,
} from './secure.mjs';
