// Test certificates for a secured local broker, made with the openssl command line at start-up (nothing
// secret is ever committed): one CA, the broker's certificate, a client certificate for mutual TLS, and the
// broken ones TLS error tests need (expired, issued for another host name). PEM throughout: Kafka reads PEM
// key stores itself (ssl.keystore.type=PEM, an unencrypted PKCS#8 key followed by the certificate) and Node's
// tls module takes PEM directly.
import { execFile } from 'node:child_process';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

/** Subject common names; the client's CN becomes its Kafka principal (User:<CN>) through the broker's mapping rule. */
export const CLIENT_CN = 'kafka-wire-client';
export const EXPIRED_CLIENT_CN = 'kafka-wire-expired-client';
/** A name that never resolves (RFC 2606): the wrong-host certificate is valid for it only. */
export const WRONG_HOST = 'wrong-host.kafka-wire.invalid';

function openssl(args, cwd) {
  return new Promise((resolve, reject) => {
    execFile('openssl', args, { cwd }, (error, _stdout, stderr) => {
      if (!error) resolve(undefined);
      else if (error.code === 'ENOENT')
        reject(
          new Error('openssl is not installed; the secured test broker needs it (apt-get install openssl)'),
        );
      else
        reject(
          new Error(`openssl ${args[0]} failed while making test certificates in ${cwd}: ${stderr.trim()}`),
        );
    });
  });
}

// openssl's `ca` command is the only one in OpenSSL 3.0 that takes explicit validity dates (x509 and req
// only take a positive -days), and an expired certificate needs a start and end in the past.
function caConfig(dir) {
  return [
    '[ca]',
    'default_ca = test_ca',
    '[test_ca]',
    `database = ${join(dir, 'index.txt')}`,
    `new_certs_dir = ${join(dir, 'issued')}`,
    `serial = ${join(dir, 'serial')}`,
    'default_md = sha256',
    'policy = any_subject',
    'unique_subject = no',
    'copy_extensions = none',
    '[any_subject]',
    'commonName = supplied',
    '[server]',
    'basicConstraints = CA:FALSE',
    'keyUsage = critical, digitalSignature, keyEncipherment',
    'extendedKeyUsage = serverAuth, clientAuth',
    'subjectAltName = @server_names',
    '[server_names]',
    'DNS.1 = localhost',
    'IP.1 = 127.0.0.1',
    '[wrong_host]',
    'basicConstraints = CA:FALSE',
    'keyUsage = critical, digitalSignature, keyEncipherment',
    'extendedKeyUsage = serverAuth',
    `subjectAltName = DNS:${WRONG_HOST}`,
    '[client]',
    'basicConstraints = CA:FALSE',
    'keyUsage = critical, digitalSignature, keyEncipherment',
    'extendedKeyUsage = clientAuth',
    '',
  ].join('\n');
}

/** openssl `ca` date form (YYYYMMDDHHMMSSZ). */
function asn1Time(ms) {
  return `${new Date(ms).toISOString().replace(/[-:T]/g, '').slice(0, 14)}Z`;
}

const DAY = 86_400_000;

/**
 * Makes every certificate in `dir` and returns their paths. Each leaf has `cert` (PEM certificate), `key`
 * (PEM PKCS#8 key, unencrypted) and `keystore` (key then certificate: what Kafka's PEM key store reads).
 * @param {string} dir
 */
export async function makeTestCertificates(dir) {
  mkdirSync(join(dir, 'issued'), { recursive: true });
  writeFileSync(join(dir, 'index.txt'), '');
  writeFileSync(join(dir, 'serial'), '1000\n');
  writeFileSync(join(dir, 'ca.cnf'), caConfig(dir));
  const ca = { cert: join(dir, 'ca.pem'), key: join(dir, 'ca.key') };
  await openssl(
    [
      'req',
      '-x509',
      '-newkey',
      'rsa:2048',
      '-nodes',
      '-keyout',
      ca.key,
      '-out',
      ca.cert,
      '-days',
      '365',
      '-subj',
      '/O=kafka-wire tests/CN=kafka-wire test CA',
    ],
    dir,
  );
  // Valid ones start a day back so that a clock a little behind never sees a certificate "not yet valid".
  const now = Date.now();
  const valid = { start: now - DAY, end: now + 365 * DAY };
  const expired = { start: now - 30 * DAY, end: now - DAY };
  // Keys are made in parallel; signing goes one at a time because `ca` keeps its serial number and index in files.
  let signing = Promise.resolve();
  const leaf = async (name, cn, extensions, dates) => {
    const key = join(dir, `${name}.key`);
    const cert = join(dir, `${name}.pem`);
    const csr = join(dir, `${name}.csr`);
    await openssl(
      ['req', '-new', '-newkey', 'rsa:2048', '-nodes', '-keyout', key, '-out', csr, '-subj', `/CN=${cn}`],
      dir,
    );
    const sign = () =>
      openssl(
        [
          'ca',
          '-batch',
          '-notext',
          '-config',
          join(dir, 'ca.cnf'),
          '-cert',
          ca.cert,
          '-keyfile',
          ca.key,
          '-in',
          csr,
          '-out',
          cert,
          '-extensions',
          extensions,
          '-startdate',
          asn1Time(dates.start),
          '-enddate',
          asn1Time(dates.end),
        ],
        dir,
      );
    signing = signing.then(sign);
    await signing;
    const keystore = join(dir, `${name}.keystore.pem`);
    writeFileSync(keystore, readFileSync(key, 'utf8') + readFileSync(cert, 'utf8'), { mode: 0o600 });
    return { cert, key, keystore };
  };
  const [broker, client, expiredBroker, wrongHostBroker, expiredClient] = await Promise.all([
    leaf('broker', 'localhost', 'server', valid),
    leaf('client', CLIENT_CN, 'client', valid),
    leaf('broker-expired', 'localhost', 'server', expired),
    leaf('broker-wrong-host', WRONG_HOST, 'wrong_host', valid),
    leaf('client-expired', EXPIRED_CLIENT_CN, 'client', expired),
  ]);
  return { ca, broker, client, expiredBroker, wrongHostBroker, expiredClient };
}
