// TLS and SASL as flags. Certificates and keys are read from files; passwords and client secrets come from
// an environment variable or a file, because a value on the command line is visible to every user of the
// machine (ps, /proc/<pid>/cmdline) and lands in shell history. --sasl-password is accepted for quick local
// tries, with a warning saying so.
import { readFileSync } from 'node:fs';
import type { ConnectionOptions } from 'node:tls';
import { type Command, InvalidArgumentError } from 'commander';
import type { ProducerOptions, SaslOption } from '../index.js';
import { CliError, EXIT_USAGE } from './cli-error.js';

export interface SecurityFlags {
  ssl?: boolean;
  sslCa?: string;
  sslCert?: string;
  sslKey?: string;
  sslKeyPasswordEnv?: string;
  sslServername?: string;
  saslMechanism?: string;
  saslUsername?: string;
  saslPassword?: string;
  saslPasswordEnv?: string;
  saslPasswordFile?: string;
  saslOauthTokenEndpointUrl?: string;
  saslOauthClientId?: string;
  saslOauthClientSecretEnv?: string;
  saslOauthClientSecretFile?: string;
  saslOauthScope?: string;
}

const MECHANISMS = ['plain', 'scram-sha-256', 'scram-sha-512', 'oauthbearer'];

function mechanism(text: string): string {
  const name = text.toLowerCase();
  if (!MECHANISMS.includes(name)) {
    throw new InvalidArgumentError(`expected one of ${MECHANISMS.join(', ')} (any case).`);
  }
  return name;
}

export function addSecurityFlags(command: Command): Command {
  return command
    .optionsGroup('TLS and SASL (secrets come from environment variables or files):')
    .option('--ssl', "connect over TLS (Java's security.protocol=SSL, or SASL_SSL with --sasl-mechanism)")
    .option('--ssl-ca <file>', 'PEM file of the CAs to trust instead of the system ones (implies --ssl)')
    .option('--ssl-cert <file>', 'PEM client certificate for mutual TLS (implies --ssl)')
    .option('--ssl-key <file>', 'PEM private key of --ssl-cert (implies --ssl)')
    .option('--ssl-key-password-env <var>', 'environment variable holding the passphrase of --ssl-key')
    .option(
      '--ssl-servername <name>',
      'host name the broker certificate must carry, if not the one connected to',
    )
    .option('--sasl-mechanism <mechanism>', `authenticate with SASL: ${MECHANISMS.join(', ')}`, mechanism)
    .option('--sasl-username <name>', 'user for PLAIN and SCRAM')
    .option('--sasl-password-env <var>', 'environment variable holding the PLAIN/SCRAM password')
    .option('--sasl-password-file <file>', 'file holding the PLAIN/SCRAM password (one line)')
    .option(
      '--sasl-password <password>',
      'the password itself: visible in ps and shell history, prefer the two above',
    )
    .option('--sasl-oauth-token-endpoint-url <url>', "OAUTHBEARER: the OIDC provider's token endpoint")
    .option('--sasl-oauth-client-id <id>', 'OAUTHBEARER: client id for the client-credentials grant')
    .option(
      '--sasl-oauth-client-secret-env <var>',
      'OAUTHBEARER: environment variable holding the client secret',
    )
    .option('--sasl-oauth-client-secret-file <file>', 'OAUTHBEARER: file holding the client secret')
    .option('--sasl-oauth-scope <scope>', 'OAUTHBEARER: scope to ask for');
}

function readFlagFile(flag: string, file: string): string {
  try {
    return readFileSync(file, 'utf8');
  } catch (error) {
    throw new CliError(
      `${flag}: cannot read '${file}' (${(error as Error).message}). Check the path and its permissions.`,
      EXIT_USAGE,
    );
  }
}

function fromEnv(flag: string, variable: string): string {
  const value = process.env[variable];
  if (value === undefined || value === '') {
    throw new CliError(`${flag}: the environment variable ${variable} is not set (or empty).`, EXIT_USAGE);
  }
  return value;
}

/** A secret from exactly one of an environment variable, a file (first line) or the command line. */
function secret(
  what: string,
  sources: {
    env?: string;
    envFlag: string;
    file?: string;
    fileFlag: string;
    inline?: string;
    inlineFlag?: string;
  },
  warn: (message: string) => void,
): string {
  const given = [sources.env, sources.file, sources.inline].filter((s) => s !== undefined).length;
  const flags = [sources.envFlag, sources.fileFlag, sources.inlineFlag].filter(Boolean).join(' or ');
  if (given === 0) throw new CliError(`${what} is missing: pass ${flags}.`, EXIT_USAGE);
  if (given > 1)
    throw new CliError(`${what} was given more than once: pass only one of ${flags}.`, EXIT_USAGE);
  if (sources.env !== undefined) return fromEnv(sources.envFlag, sources.env);
  if (sources.file !== undefined) {
    // A trailing newline is how editors and `echo` save a one-line file, never part of the secret.
    return readFlagFile(sources.fileFlag, sources.file).replace(/\r?\n$/, '');
  }
  warn(
    `warning: ${sources.inlineFlag} shows the secret to every user of this machine (ps) and in your shell history; use ${sources.envFlag} or ${sources.fileFlag} instead.`,
  );
  return sources.inline!;
}

function sslFrom(flags: SecurityFlags): ProducerOptions['ssl'] {
  const options: ConnectionOptions = {};
  if (flags.sslCa !== undefined) options.ca = readFlagFile('--ssl-ca', flags.sslCa);
  if (flags.sslCert !== undefined) options.cert = readFlagFile('--ssl-cert', flags.sslCert);
  if (flags.sslKey !== undefined) options.key = readFlagFile('--ssl-key', flags.sslKey);
  if ((options.cert === undefined) !== (options.key === undefined)) {
    throw new CliError('Mutual TLS needs both --ssl-cert and --ssl-key.', EXIT_USAGE);
  }
  if (flags.sslKeyPasswordEnv !== undefined) {
    options.passphrase = fromEnv('--ssl-key-password-env', flags.sslKeyPasswordEnv);
  }
  if (flags.sslServername !== undefined) options.servername = flags.sslServername;
  if (Object.keys(options).length > 0) return options;
  return flags.ssl === true ? true : undefined;
}

function saslFrom(flags: SecurityFlags, warn: (message: string) => void): SaslOption | undefined {
  const mechanism = flags.saslMechanism?.toLowerCase();
  if (mechanism === undefined) {
    const stray = Object.entries(flags).find(([name, v]) => name.startsWith('sasl') && v !== undefined);
    if (stray !== undefined) {
      throw new CliError('SASL flags were given without --sasl-mechanism: add it.', EXIT_USAGE);
    }
    return undefined;
  }
  if (mechanism === 'oauthbearer') {
    const tokenEndpointUrl = flags.saslOauthTokenEndpointUrl;
    const clientId = flags.saslOauthClientId;
    if (tokenEndpointUrl === undefined || clientId === undefined) {
      throw new CliError(
        'OAUTHBEARER needs --sasl-oauth-token-endpoint-url and --sasl-oauth-client-id (and the client secret).',
        EXIT_USAGE,
      );
    }
    const clientSecret = secret(
      'The OAuth client secret',
      {
        env: flags.saslOauthClientSecretEnv,
        envFlag: '--sasl-oauth-client-secret-env',
        file: flags.saslOauthClientSecretFile,
        fileFlag: '--sasl-oauth-client-secret-file',
      },
      warn,
    );
    const oidc = { tokenEndpointUrl, clientId, clientSecret };
    return {
      mechanism: 'oauthbearer',
      oidc: flags.saslOauthScope === undefined ? oidc : { ...oidc, scope: flags.saslOauthScope },
    };
  }
  const username = flags.saslUsername;
  if (username === undefined) {
    throw new CliError(`${mechanism.toUpperCase()} needs --sasl-username.`, EXIT_USAGE);
  }
  const password = secret(
    'The SASL password',
    {
      env: flags.saslPasswordEnv,
      envFlag: '--sasl-password-env',
      file: flags.saslPasswordFile,
      fileFlag: '--sasl-password-file',
      inline: flags.saslPassword,
      inlineFlag: '--sasl-password',
    },
    warn,
  );
  return { mechanism: mechanism as 'plain' | 'scram-sha-256' | 'scram-sha-512', username, password };
}

/** The producer's `ssl` and `sasl` options from the flags (absent when no flag asks for them). */
export function securityOptionsFrom(
  flags: SecurityFlags,
  warn: (message: string) => void,
): Pick<ProducerOptions, 'ssl' | 'sasl'> {
  const options: Pick<ProducerOptions, 'ssl' | 'sasl'> = {};
  const ssl = sslFrom(flags);
  if (ssl !== undefined) options.ssl = ssl;
  const sasl = saslFrom(flags, warn);
  if (sasl !== undefined) options.sasl = sasl;
  return options;
}
