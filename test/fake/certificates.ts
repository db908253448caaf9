// Throwaway certificates for TLS tests, made at test time by the openssl CLI (never committed): a CA, a broker
// certificate it signed for localhost and 127.0.0.1, an expired one, and a client certificate for mutual TLS.

import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export interface TestCertificates {
  readonly ca: Buffer;
  /** Signed by `ca`, for DNS:localhost and IP:127.0.0.1, valid for a day. */
  readonly broker: { cert: Buffer; key: Buffer };
  /** Signed by `ca`, same names, valid only in January 2020. */
  readonly expired: { cert: Buffer; key: Buffer };
  /** Signed by `ca`, for a client named "producer". */
  readonly client: { cert: Buffer; key: Buffer };
  /** Deletes the files. */
  remove(): void;
}

const SAN = 'subjectAltName=DNS:localhost,IP:127.0.0.1';

export function makeCertificates(): TestCertificates {
  const dir = mkdtempSync(join(tmpdir(), 'kafka-wire-certs-'));
  const at = (name: string) => join(dir, name);
  const openssl = (...args: string[]) => execFileSync('openssl', args, { stdio: 'pipe', cwd: dir });
  const key = (name: string) =>
    openssl('genpkey', '-algorithm', 'EC', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-out', at(name));

  key('ca-key.pem');
  openssl(
    'req',
    '-x509',
    '-key',
    at('ca-key.pem'),
    '-out',
    at('ca.pem'),
    '-days',
    '1',
    '-subj',
    '/CN=kafka-wire test CA',
  );

  // `openssl ca` is the one command of OpenSSL 3.0 that sets arbitrary validity dates (for the expired one).
  writeFileSync(at('index.txt'), '');
  writeFileSync(at('serial'), '1000\n');
  writeFileSync(
    at('ca.cnf'),
    [
      '[ca]',
      'default_ca = test',
      '[test]',
      `database = ${at('index.txt')}`,
      `new_certs_dir = ${dir}`,
      `serial = ${at('serial')}`,
      'default_md = sha256',
      'policy = any',
      'copy_extensions = copy',
      'unique_subject = no',
      '[any]',
      'commonName = supplied',
      '',
    ].join('\n'),
  );
  const issue = (name: string, subject: string, dates: string[], extension?: string) => {
    key(`${name}-key.pem`);
    openssl(
      'req',
      '-new',
      '-key',
      at(`${name}-key.pem`),
      '-out',
      at(`${name}.csr`),
      '-subj',
      subject,
      ...(extension === undefined ? [] : ['-addext', extension]),
    );
    openssl(
      'ca',
      '-batch',
      '-notext',
      '-config',
      at('ca.cnf'),
      '-cert',
      at('ca.pem'),
      '-keyfile',
      at('ca-key.pem'),
      '-in',
      at(`${name}.csr`),
      '-out',
      at(`${name}.pem`),
      ...dates,
    );
    return { cert: readFileSync(at(`${name}.pem`)), key: readFileSync(at(`${name}-key.pem`)) };
  };
  return {
    ca: readFileSync(at('ca.pem')),
    broker: issue('broker', '/CN=localhost', ['-days', '1'], SAN),
    expired: issue(
      'expired',
      '/CN=localhost',
      ['-startdate', '20200101000000Z', '-enddate', '20200131000000Z'],
      SAN,
    ),
    client: issue('client', '/CN=producer', ['-days', '1']),
    remove: () => rmSync(dir, { recursive: true, force: true }),
  };
}
