// The secured broker's settings: its listeners, TLS material, SASL users and OAuth clients, and the client
// settings (Java names) that reach each listener. Secrets are random per start and only ever written into the
// cluster's own folder (ignored by git) and returned to the process that started it.
import { randomBytes } from 'node:crypto';
import { join } from 'node:path';
import { CLIENT_CN, makeTestCertificates } from './certs.mjs';

/**
 * Listener name -> port offset from the cluster's base port. PLAINTEXT stays first: the harness itself (and
 * waitForBrokers) talks to it, and its principal (ANONYMOUS) is a super user.
 */
export const SECURE_LISTENERS = {
  PLAINTEXT: 0,
  /** TLS with a client certificate required (mutual TLS); principal User:<certificate CN>. */
  SSL: 1,
  /** SASL over TLS: PLAIN, SCRAM-SHA-256, SCRAM-SHA-512, OAUTHBEARER. */
  SASL_SSL: 2,
  /** The same mechanisms without TLS. */
  SASL_PLAINTEXT: 3,
  /** TLS without client certificates (principal ANONYMOUS, a super user). */
  SSL_ONE_WAY: 4,
  /** TLS with an expired broker certificate: a client must refuse it. */
  SSL_EXPIRED: 5,
  /** TLS with a certificate for another host name: a client must refuse it. */
  SSL_WRONG_HOST: 6,
};
const PROTOCOL = {
  PLAINTEXT: 'PLAINTEXT',
  SSL: 'SSL',
  SASL_SSL: 'SASL_SSL',
  SASL_PLAINTEXT: 'SASL_PLAINTEXT',
  SSL_ONE_WAY: 'SSL',
  SSL_EXPIRED: 'SSL',
  SSL_WRONG_HOST: 'SSL',
};
export const SASL_MECHANISMS = ['PLAIN', 'SCRAM-SHA-256', 'SCRAM-SHA-512', 'OAUTHBEARER'];
const SCRAM_MECHANISMS = ['SCRAM-SHA-256', 'SCRAM-SHA-512'];

/** A super user for every SASL mechanism (besides ANONYMOUS, the plaintext listener's principal). */
export const ADMIN_USER = 'admin';
/** An ordinary user: may do nothing until a test grants it ACLs. */
export const PLAIN_USER = 'alice';
/**
 * A SCRAM user whose name needs SCRAM's escaping (',' as =2C, '=' as =3D). SCRAM only: PLAIN carries no such
 * escaping, and `kafka-storage format --add-scram` splits its argument on ',', so it is added through the Admin
 * client once the broker runs.
 */
export const ODD_USER = 'odd,user=name';
export const OAUTH_CLIENT = 'kafka-wire-oauth-client';
/** The scope the broker requires in OAUTHBEARER tokens (and the one the token endpoint issues by default). */
export const OAUTH_SCOPE = 'kafka';

const secret = () => randomBytes(18).toString('base64url');

/**
 * Makes certificates in `<dir>/secure` and fresh passwords.
 * @param {string} dir the cluster folder
 * @param {{ basePort: number, reauthMs: number, tokenLifetimeSeconds: number }} settings
 */
export async function prepareSecurity(dir, { basePort, reauthMs, tokenLifetimeSeconds }) {
  const certs = await makeTestCertificates(join(dir, 'secure'));
  const users = {
    [ADMIN_USER]: secret(),
    [PLAIN_USER]: secret(),
    [ODD_USER]: secret(),
  };
  const listeners = Object.fromEntries(
    Object.entries(SECURE_LISTENERS).map(([name, offset]) => [name, `127.0.0.1:${basePort + offset}`]),
  );
  return {
    listeners,
    reauthMs,
    users,
    /** Users with PLAIN passwords in the broker's JAAS config. */
    plainUsers: [ADMIN_USER, PLAIN_USER],
    oauth: {
      tokenEndpointUrl: '', // set once the endpoint listens
      clientId: OAUTH_CLIENT,
      clientSecret: secret(),
      scope: OAUTH_SCOPE,
      tokenLifetimeSeconds,
    },
    tls: {
      ca: certs.ca.cert,
      clientCert: certs.client.cert,
      clientKey: certs.client.key,
      clientKeystore: certs.client.keystore,
      clientPrincipal: `User:${CLIENT_CN}`,
      expiredClientCert: certs.expiredClient.cert,
      expiredClientKey: certs.expiredClient.key,
      expiredClientKeystore: certs.expiredClient.keystore,
      brokerKeystore: certs.broker.keystore,
      expiredBrokerKeystore: certs.expiredBroker.keystore,
      wrongHostBrokerKeystore: certs.wrongHostBroker.keystore,
    },
  };
}

/** JAAS option values are double-quoted strings; our secrets are base64url and need no escaping. */
const jaas = (module, options) =>
  `${module} required ${Object.entries(options)
    .map(([k, v]) => `${k}="${v}"`)
    .join(' ')};`;

/**
 * server.properties entries for the secured broker (override the plain cluster's listeners).
 * @param {ReturnType<typeof prepareSecurity> extends Promise<infer S> ? S : never} security
 * @param {number} controllerPort
 */
export function secureBrokerProperties(security, controllerPort) {
  const names = Object.keys(SECURE_LISTENERS);
  const props = {
    listeners: [
      ...names.map((n) => `${n}://${security.listeners[n]}`),
      `CONTROLLER://127.0.0.1:${controllerPort}`,
    ].join(','),
    'advertised.listeners': names.map((n) => `${n}://${security.listeners[n]}`).join(','),
    'listener.security.protocol.map': [
      ...names.map((n) => `${n}:${PROTOCOL[n]}`),
      'CONTROLLER:PLAINTEXT',
    ].join(','),
    'authorizer.class.name': 'org.apache.kafka.metadata.authorizer.StandardAuthorizer',
    // ANONYMOUS: the controller and inter-broker listeners are plaintext, and KRaft needs them authorized.
    'super.users': `User:ANONYMOUS;User:${ADMIN_USER}`,
    'allow.everyone.if.no.acl.found': 'false',
    // Short, so a test sees its client re-authenticate (KIP-368) without waiting an hour.
    'connections.max.reauth.ms': security.reauthMs,
    'ssl.keystore.type': 'PEM',
    'ssl.keystore.location': security.tls.brokerKeystore,
    'ssl.truststore.type': 'PEM',
    'ssl.truststore.location': security.tls.ca,
    'listener.name.ssl.ssl.client.auth': 'required',
    'listener.name.ssl_expired.ssl.keystore.location': security.tls.expiredBrokerKeystore,
    'listener.name.ssl_wrong_host.ssl.keystore.location': security.tls.wrongHostBrokerKeystore,
    // The certificate's CN alone, so a test grants ACLs to User:kafka-wire-client, not to a whole DN.
    'ssl.principal.mapping.rules': 'RULE:^CN=([^,]+)$/$1/,DEFAULT',
    'sasl.enabled.mechanisms': SASL_MECHANISMS.join(','),
  };
  for (const listener of ['sasl_ssl', 'sasl_plaintext']) {
    const prefix = `listener.name.${listener}`;
    props[`${prefix}.plain.sasl.jaas.config`] = jaas(
      'org.apache.kafka.common.security.plain.PlainLoginModule',
      {
        username: ADMIN_USER,
        password: security.users[ADMIN_USER],
        ...Object.fromEntries(security.plainUsers.map((u) => [`user_${u}`, security.users[u]])),
      },
    );
    for (const m of SCRAM_MECHANISMS)
      props[`${prefix}.${m.toLowerCase()}.sasl.jaas.config`] =
        'org.apache.kafka.common.security.scram.ScramLoginModule required;';
    // No server callback handler configured: Kafka validates OAUTHBEARER tokens with its unsecured-JWT
    // validator (alg "none"), which reads these unsecuredValidator* options.
    props[`${prefix}.oauthbearer.sasl.jaas.config`] = jaas(
      'org.apache.kafka.common.security.oauthbearer.OAuthBearerLoginModule',
      {
        unsecuredLoginStringClaim_sub: ADMIN_USER,
        unsecuredValidatorRequiredScope: security.oauth.scope,
        unsecuredValidatorAllowableClockSkewMs: '5000',
      },
    );
  }
  return props;
}

/**
 * `kafka-storage format` arguments that create the SCRAM users whose names the format tool can parse (the
 * rest: setScramCredentials once the broker runs). The passwords are on that command line: callers must
 * never echo it.
 */
export function scramFormatArgs(security) {
  return formatUsers(security)
    .flatMap((u) =>
      SCRAM_MECHANISMS.map((m) => ['--add-scram', `${m}=[name=${u},password=${security.users[u]}]`]),
    )
    .flat();
}

const formatUsers = (security) => Object.keys(security.users).filter((u) => !u.includes(','));

/** SCRAM credentials to add through the Admin client after start. */
export function lateScramCredentials(security) {
  return Object.keys(security.users)
    .filter((u) => u.includes(','))
    .flatMap((u) =>
      SCRAM_MECHANISMS.map((mechanism) => ({ mechanism, username: u, password: security.users[u] })),
    );
}

/**
 * Java client settings that reach `listener` as `as` (Java config names: for the Java helpers; the same
 * facts tell a test how to configure kafka-wire).
 * @param {ReturnType<typeof prepareSecurity> extends Promise<infer S> ? S : never} security
 * @param {import('./index.mjs').SecureClientSpec} spec
 * @returns {Record<string, string>}
 */
export function javaClientConfig(security, spec) {
  const listener = spec.listener;
  const protocol = PROTOCOL[listener];
  if (!protocol)
    throw new Error(
      `Unknown listener ${listener}; the secured broker has ${Object.keys(PROTOCOL).join(', ')}`,
    );
  const config = { 'security.protocol': protocol };
  if (protocol === 'SSL' || protocol === 'SASL_SSL') {
    config['ssl.truststore.type'] = 'PEM';
    config['ssl.truststore.location'] = security.tls.ca;
  }
  if (listener === 'SSL') {
    config['ssl.keystore.type'] = 'PEM';
    config['ssl.keystore.location'] = spec.keystore ?? security.tls.clientKeystore;
  }
  if (protocol.startsWith('SASL_')) {
    const mechanism = spec.mechanism;
    if (!SASL_MECHANISMS.includes(mechanism ?? ''))
      throw new Error(`Listener ${listener} needs a SASL mechanism: one of ${SASL_MECHANISMS.join(', ')}`);
    config['sasl.mechanism'] = mechanism;
    if (mechanism === 'OAUTHBEARER') {
      config['sasl.login.callback.handler.class'] =
        'org.apache.kafka.common.security.oauthbearer.OAuthBearerLoginCallbackHandler';
      config['sasl.oauthbearer.token.endpoint.url'] = security.oauth.tokenEndpointUrl;
      // Our token endpoint issues unsecured JWTs, which Kafka's client-side check would refuse.
      config['sasl.oauthbearer.jwt.validator.class'] = 'UnsecuredJwtValidator';
      config['sasl.jaas.config'] = jaas(
        'org.apache.kafka.common.security.oauthbearer.OAuthBearerLoginModule',
        {
          clientId: spec.clientId ?? security.oauth.clientId,
          clientSecret: spec.clientSecret ?? security.oauth.clientSecret,
        },
      );
    } else {
      const username = spec.username ?? ADMIN_USER;
      const password = spec.password ?? security.users[username];
      if (password === undefined) throw new Error(`No password for user ${username} on the secured broker`);
      const module =
        mechanism === 'PLAIN'
          ? 'org.apache.kafka.common.security.plain.PlainLoginModule'
          : 'org.apache.kafka.common.security.scram.ScramLoginModule';
      config['sasl.jaas.config'] = jaas(module, {
        username: jaasEscape(username),
        password: jaasEscape(password),
      });
    }
  }
  return config;
}

// JAAS quoted strings take backslash escapes; a wrong password in a test may contain anything.
const jaasEscape = (value) => value.replace(/\\/g, '\\\\').replace(/"/g, '\\"');
