// What send() says when a real secured Kafka refuses the producer, and how soon: refused credentials, a mechanism
// the broker does not enable and every TLS mismatch reject at once (well inside maxBlockMs) with an
// AuthenticationError naming the broker; a missing ACL fails the records of its topic only, with an
// AuthorizationError naming the ACL, while another topic of the same producer is delivered; an idempotent producer
// whose principal may write nowhere is told to grant IDEMPOTENT_WRITE or turn idempotence off.

import { randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import { setScramCredentials } from '../../scripts/lib/index.mjs';
import { AuthenticationError, AuthorizationError, Producer, type ProducerOptions } from '../../src/index.js';
import { kafkaVersion, PLAIN_USER, type SecureKafka, secureKafka, uniqueTopic } from '../harness/index.js';

let kafka: SecureKafka;
const producers: Producer[] = [];

afterEach(async () => {
  await Promise.all(producers.splice(0).map((p) => p.close({ timeoutMs: 0 }).catch(() => undefined)));
});

/** The time budget the errors must beat by far: the producer's maxBlockMs (Java's default, 60 s). */
const MAX_BLOCK_MS = 60_000;
/** "At once" on a shared, loaded test machine: the first attempt's round trips plus a reconnect backoff. */
const PROMPT_MS = 10_000;

function producer(
  options: Pick<ProducerOptions, 'bootstrapServers' | 'ssl' | 'sasl'> & Partial<ProducerOptions>,
) {
  const p = new Producer({ maxBlockMs: MAX_BLOCK_MS, ...options });
  producers.push(p);
  return p;
}

/** The rejection of the first send, and how long it took. */
async function firstSendFails(p: Producer, topic = uniqueTopic('producer-errors')) {
  const start = performance.now();
  const error = await p.send({ topic, value: 'v' }).then(
    () => {
      throw new Error('send() resolved');
    },
    (e: unknown) => e as Error,
  );
  return { error, ms: performance.now() - start };
}

const ca = () => readFileSync(kafka.tls.ca);
const password = () => kafka.users[PLAIN_USER]!;

beforeAll(async () => {
  kafka = await secureKafka();
});

describe('refused credentials', () => {
  it('a wrong SCRAM password: AuthenticationError naming broker, mechanism and user, at once', async () => {
    const p = producer({
      bootstrapServers: kafka.listeners.SASL_SSL,
      ssl: { ca: ca() },
      sasl: { mechanism: 'scram-sha-512', username: PLAIN_USER, password: 'not-the-password' },
    });
    const { error, ms } = await firstSendFails(p);
    expect(error).toBeInstanceOf(AuthenticationError);
    expect(error.message).toMatch(
      new RegExp(
        `^SASL SCRAM-SHA-512 authentication as "${PLAIN_USER}" with bootstrap server \\(${kafka.listeners.SASL_SSL}\\) was refused by the broker with SASL_AUTHENTICATION_FAILED \\(58\\): Authentication failed during authentication due to invalid credentials with SASL mechanism SCRAM-SHA-512`,
      ),
    );
    expect(error.message).not.toContain('not-the-password');
    expect(ms).toBeLessThan(PROMPT_MS);
  });

  it('an unknown PLAIN user: AuthenticationError, at once', async () => {
    const p = producer({
      bootstrapServers: kafka.listeners.SASL_PLAINTEXT,
      sasl: { mechanism: 'plain', username: 'nobody-here', password: password() },
    });
    const { error, ms } = await firstSendFails(p);
    expect(error).toBeInstanceOf(AuthenticationError);
    expect(error.message).toMatch(
      new RegExp(
        `^SASL PLAIN authentication as "nobody-here" with bootstrap server \\(${kafka.listeners.SASL_PLAINTEXT}\\) was refused by the broker with SASL_AUTHENTICATION_FAILED \\(58\\): Authentication failed: Invalid username or password`,
      ),
    );
    expect(error.message).not.toContain(password());
    expect(ms).toBeLessThan(PROMPT_MS);
  });

  it("a mechanism the broker does not enable: the error lists the broker's, at once", async () => {
    const p = producer({
      bootstrapServers: kafka.listeners.SASL_PLAINTEXT,
      sasl: { mechanism: 'custom', name: 'GSSAPI', principal: 'kafka/client', authenticate: async () => {} },
    });
    const { error, ms } = await firstSendFails(p);
    expect(error).toBeInstanceOf(AuthenticationError);
    expect(error.message).toMatch(
      /^bootstrap server \([^)]+\) does not enable SASL mechanism GSSAPI; its listener enables [A-Z0-9-]+(, [A-Z0-9-]+)*\. Use one of those mechanisms, or add GSSAPI to the listener's sasl\.enabled\.mechanisms on the broker/,
    );
    for (const mechanism of ['PLAIN', 'SCRAM-SHA-256', 'SCRAM-SHA-512', 'OAUTHBEARER']) {
      expect(error.message).toContain(mechanism);
    }
    expect(ms).toBeLessThan(PROMPT_MS);
  });
});

describe('TLS that does not match', () => {
  const cases: [string, () => Pick<ProducerOptions, 'bootstrapServers' | 'ssl'>, RegExp][] = [
    [
      'a broker certificate from a CA the client was not given',
      () => ({ bootstrapServers: kafka.listeners.SSL_ONE_WAY, ssl: true }),
      /^TLS handshake with bootstrap server \([^)]+\) failed: the broker's certificate is not signed by a certificate authority this client trusts \([A-Z_]+: .*\)\. Pass the CA certificate that signed the broker's certificate \(PEM\) as ssl\.ca$/,
    ],
    [
      'a certificate for another host name',
      () => ({ bootstrapServers: kafka.listeners.SSL_WRONG_HOST, ssl: { ca: ca() } }),
      /^TLS handshake with bootstrap server \([^)]+\) failed: the broker's certificate does not name the host the client connected to \(ERR_TLS_CERT_ALTNAME_INVALID: .*wrong-host\.kafka-wire\.invalid.*set ssl\.servername/,
    ],
    [
      'an expired broker certificate',
      () => ({ bootstrapServers: kafka.listeners.SSL_EXPIRED, ssl: { ca: ca() } }),
      /^TLS handshake with bootstrap server \([^)]+\) failed: the broker's certificate has expired \(CERT_HAS_EXPIRED\)\. Renew the certificate on the broker$/,
    ],
    [
      'a mutual-TLS listener without a client certificate',
      () => ({ bootstrapServers: kafka.listeners.SSL, ssl: { ca: ca() } }),
      /^TLS handshake with bootstrap server \([^)]+\) failed: the broker refused the handshake \(ERR_SSL_[A-Z0-9_]+: .*\)\. It probably requires a client certificate \(ssl\.client\.auth=required\) that it trusts: set ssl\.cert and ssl\.key$/s,
    ],
    [
      'TLS against a plaintext listener',
      () => ({ bootstrapServers: kafka.listeners.PLAINTEXT, ssl: { ca: ca() } }),
      /^TLS handshake with bootstrap server \([^)]+\) failed: .*does not speak TLS.*[Rr]emove the ssl option, or use the port of the SSL \/ SASL_SSL listener$/,
    ],
  ];
  it.each(cases)('%s: AuthenticationError naming the broker, at once', async (_, options, message) => {
    const { error, ms } = await firstSendFails(producer(options()));
    expect(error).toBeInstanceOf(AuthenticationError);
    expect(error.message).toMatch(message);
    expect(ms).toBeLessThan(PROMPT_MS);
  });

  it('plaintext against a TLS listener: AuthenticationError naming the broker and the ssl option, at once', async () => {
    // The listener answers our first request with a TLS alert: every attempt would get the same, so it is a
    // setting to change, refused for good like the reverse case.
    const p = producer({ bootstrapServers: kafka.listeners.SSL_ONE_WAY });
    const { error, ms } = await firstSendFails(p, 'plaintext-against-tls');
    expect(error).toBeInstanceOf(AuthenticationError);
    expect(error.message).toMatch(
      /^bootstrap server \([^)]+\) answered with a TLS record: it is a TLS listener \(SSL or SASL_SSL\) and this client speaks plaintext to it\. Enable the ssl option/,
    );
    expect(ms).toBeLessThan(PROMPT_MS);
  });
});

type User = { username: string; password: string };

/** A SCRAM user of its own, so no other test's grants (WRITE anywhere allows idempotence) reach it. */
async function newUser(): Promise<User> {
  const user = {
    username: `p1-${randomBytes(4).toString('hex')}`,
    password: randomBytes(12).toString('hex'),
  };
  await setPassword(user);
  return user;
}

const setPassword = (user: User) =>
  setScramCredentials(kafka.adminBootstrap, [{ mechanism: 'SCRAM-SHA-256', ...user }], {
    version: kafkaVersion(),
  });

/** Creates the topics through the admin listener (its principal is a super user) by auto-creation. */
async function createTopics(...topics: string[]): Promise<void> {
  const admin = producer({ bootstrapServers: kafka.adminBootstrap });
  await Promise.all(topics.map((topic) => admin.send({ topic, value: 'created' })));
}

const asUser = (user: User) =>
  producer({
    bootstrapServers: kafka.listeners.SASL_PLAINTEXT,
    sasl: { mechanism: 'scram-sha-256', ...user },
  });

describe('credentials changed under a running producer', () => {
  it('records fail with an AuthenticationError once the session ends, each at once, not at deliveryTimeoutMs', async () => {
    const user = await newUser();
    const topic = uniqueTopic('password-changed');
    await createTopics(topic);
    await kafka.allowTopic(`User:${user.username}`, topic);
    const p = asUser(user);
    await p.send({ topic, value: 'before' });

    await setPassword({ ...user, password: randomBytes(12).toString('hex') });
    // The broker keeps the session until connections.max.reauth.ms ends it; the re-authentication with the old
    // password is refused, and so is every new connection. Records keep flowing until then.
    const giveUpAt = performance.now() + kafka.reauthMs + 30_000;
    let refused: { error: Error; ms: number } | undefined;
    let delivered = 0;
    while (refused === undefined) {
      expect(performance.now()).toBeLessThan(giveUpAt);
      const start = performance.now();
      const error = await p.send({ topic, value: 'after' }).then(
        () => undefined,
        (e: unknown) => e as Error,
      );
      if (error === undefined) delivered++;
      else refused = { error, ms: performance.now() - start };
    }
    expect(delivered).toBeGreaterThan(0);
    expect(refused.error).toBeInstanceOf(AuthenticationError);
    expect(refused.error.message).toMatch(
      new RegExp(
        `^SASL SCRAM-SHA-256 authentication as "${user.username}" with (node \\d+|bootstrap server) \\([^)]+\\) was refused by the broker with SASL_AUTHENTICATION_FAILED \\(58\\)`,
      ),
    );
    expect(refused.ms).toBeLessThan(PROMPT_MS);
    // Later records too, without waiting for their delivery timeout.
    const { error, ms } = await firstSendFails(p, topic);
    expect(error).toBeInstanceOf(AuthenticationError);
    expect(ms).toBeLessThan(PROMPT_MS);
  });
});

describe('missing ACLs', () => {
  it("fail the records of the topic concerned with an AuthorizationError naming the ACL; another topic's are delivered", async () => {
    const user = await newUser();
    const [allowed, readOnly, closed] = ['acl-allowed', 'acl-describe-only', 'acl-closed'].map((t) =>
      uniqueTopic(t),
    );
    await createTopics(allowed!, readOnly!, closed!);
    await kafka.allowTopic(`User:${user.username}`, allowed!);
    await kafka.addAcls([
      {
        principal: `User:${user.username}`,
        resourceType: 'TOPIC',
        resourceName: readOnly!,
        operation: 'DESCRIBE',
      },
    ]);

    const p = asUser(user);
    const start = performance.now();
    const results = await Promise.allSettled([
      p.send({ topic: allowed!, value: 'delivered' }),
      p.send({ topic: readOnly!, value: 'no WRITE' }),
      p.send({ topic: closed!, value: 'no DESCRIBE' }),
    ]);
    expect(performance.now() - start).toBeLessThan(PROMPT_MS);

    expect(results[0]).toMatchObject({ status: 'fulfilled', value: { topic: allowed, offset: 1n } });
    const noWrite = (results[1] as PromiseRejectedResult).reason as AuthorizationError;
    expect(noWrite).toBeInstanceOf(AuthorizationError);
    expect(noWrite.acl).toEqual({ operation: 'WRITE', resourceType: 'TOPIC', resourceName: readOnly });
    expect(noWrite.message).toBe(
      `TOPIC_AUTHORIZATION_FAILED (29) from Produce for topic "${readOnly}" partition 0: the client's principal is not authorized. To fix it, grant WRITE (and DESCRIBE) on topic '${readOnly}' to the client's principal (kafka-acls.sh --add --allow-principal User:<name> --operation WRITE ...).`,
    );
    const noDescribe = (results[2] as PromiseRejectedResult).reason as AuthorizationError;
    expect(noDescribe).toBeInstanceOf(AuthorizationError);
    expect(noDescribe.acl).toEqual({ operation: 'DESCRIBE', resourceType: 'TOPIC', resourceName: closed });
    expect(noDescribe.message).toBe(
      `TOPIC_AUTHORIZATION_FAILED (29) from Metadata for topic "${closed}": the client's principal is not authorized. To fix it, grant DESCRIBE on topic '${closed}' to the client's principal (kafka-acls.sh --add --allow-principal User:<name> --operation DESCRIBE ...).`,
    );

    // The producer goes on: the allowed topic still takes records.
    await expect(p.send({ topic: allowed!, value: 'still fine' })).resolves.toMatchObject({ offset: 2n });
  });

  it('an idempotent producer whose principal may write nowhere is told to grant IDEMPOTENT_WRITE or turn idempotence off', async () => {
    const user = await newUser();
    const topic = uniqueTopic('acl-no-idempotent-write');
    await createTopics(topic);
    await kafka.addAcls([
      {
        principal: `User:${user.username}`,
        resourceType: 'TOPIC',
        resourceName: topic,
        operation: 'DESCRIBE',
      },
    ]);
    const { error, ms } = await firstSendFails(asUser(user), topic);
    expect(error).toBeInstanceOf(AuthorizationError);
    expect((error as AuthorizationError).acl).toEqual({
      operation: 'IDEMPOTENT_WRITE',
      resourceType: 'CLUSTER',
      resourceName: 'kafka-cluster',
    });
    expect(error.message).toBe(
      "CLUSTER_AUTHORIZATION_FAILED (31) from InitProducerId: the client's principal is not authorized. To fix it, grant IDEMPOTENT_WRITE on the cluster to the client's principal (kafka-acls.sh --add --allow-principal User:<name> --operation IDEMPOTENT_WRITE ...), or disable idempotence (enableIdempotence: false). The producer cannot continue: close it, grant the ACL, and start a new one.",
    );
    expect(ms).toBeLessThan(PROMPT_MS);
  });
});
