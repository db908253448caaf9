// Topic and cluster administration through Kafka's own Admin client (scripts/java/KafkaAdminJson.java).
import { runJavaHelper } from './java-helpers.mjs';

async function admin(bootstrap, args, version, input) {
  const { stdout } = await runJavaHelper('KafkaAdminJson', [bootstrap, ...args], {
    version,
    input,
    timeoutMs: 90_000,
  });
  return JSON.parse(stdout);
}

/**
 * Creates a topic and returns its description once every partition has a leader.
 * @param {string} bootstrap
 * @param {{ topic: string, partitions?: number, replicationFactor?: number, configs?: Record<string, string>,
 *   ifNotExists?: boolean, version?: string }} spec
 */
export function createTopic(bootstrap, spec) {
  const args = [
    'create-topic',
    spec.topic,
    String(spec.partitions ?? 1),
    String(spec.replicationFactor ?? 1),
  ];
  if (spec.ifNotExists) args.push('--if-not-exists');
  for (const [k, v] of Object.entries(spec.configs ?? {})) args.push('--config', `${k}=${v}`);
  return admin(bootstrap, args, spec.version);
}

export function describeTopic(bootstrap, topic, { version } = {}) {
  return admin(bootstrap, ['describe-topic', topic], version);
}

export function deleteTopic(bootstrap, topic, { version } = {}) {
  return admin(bootstrap, ['delete-topic', topic], version);
}

/** The end offset of every partition of `topic`, from Kafka's Admin client: `[{ partition, endOffset }]`. */
export function endOffsets(bootstrap, topic, { version } = {}) {
  return admin(bootstrap, ['end-offsets', topic], version);
}

/** A consumer group's committed offsets, from Kafka's Admin client: `[{ topic, partition, offset, metadata }]`. */
export function groupOffsets(bootstrap, group, { version } = {}) {
  return admin(bootstrap, ['group-offsets', group], version);
}

export function listTopics(bootstrap, { version } = {}) {
  return admin(bootstrap, ['list-topics'], version);
}

export function describeCluster(bootstrap, { version } = {}) {
  return admin(bootstrap, ['cluster'], version);
}

/**
 * Creates or replaces SCRAM credentials (Kafka's Admin client, so any user name works, ',' and '=' included);
 * resolves once the broker authenticates with them. Passwords travel on the helper's stdin.
 * @param {string} bootstrap
 * @param {{ mechanism: 'SCRAM-SHA-256' | 'SCRAM-SHA-512', username: string, password: string }[]} credentials
 */
export function setScramCredentials(bootstrap, credentials, { version } = {}) {
  const lines = credentials.map((c) => tabbed([c.mechanism, c.username, c.password], 'SCRAM credential'));
  return admin(bootstrap, ['set-scram'], version, `${lines.join('\n')}\n`);
}

/** The name Kafka gives the cluster resource in ACLs. */
const CLUSTER_RESOURCE = 'kafka-cluster';

function aclLines(acls) {
  const lines = acls.map((a) =>
    tabbed(
      [
        a.permission ?? 'ALLOW',
        a.principal,
        a.resourceType,
        a.resourceName ?? (a.resourceType === 'CLUSTER' ? CLUSTER_RESOURCE : ''),
        a.patternType ?? 'LITERAL',
        a.operation,
        a.host ?? '*',
      ],
      'ACL',
    ),
  );
  return `${lines.join('\n')}\n`;
}

function tabbed(fields, what) {
  if (fields.some((f) => /[\t\n]/.test(f)))
    throw new Error(`A ${what} field contains a tab or line break, which the admin helper cannot take`);
  return fields.join('\t');
}

/**
 * Adds ACLs through Kafka's Admin client; resolves once the broker's authorizer applies them.
 * @param {string} bootstrap
 * @param {import('./index.mjs').AclSpec[]} acls
 */
export function addAcls(bootstrap, acls, { version } = {}) {
  return admin(bootstrap, ['add-acls'], version, aclLines(acls));
}

/** Removes exactly these ACLs; resolves once the broker's authorizer no longer has them. */
export function deleteAcls(bootstrap, acls, { version } = {}) {
  return admin(bootstrap, ['delete-acls'], version, aclLines(acls));
}
