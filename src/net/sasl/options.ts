// Turns the user's `sasl` option into the SaslMechanism the connection runs, refusing a wrong option at once with
// the option's name and what to write instead (rather than as a refusal by the broker on the first connection).
// Mechanism names are matched without regard to case, so Kafka's spelling ('SCRAM-SHA-512') works as well as
// kafkajs's ('scram-sha-512'). AWS_MSK_IAM is built by kafka-wire/aws (so that the core never loads AWS code): its
// factory returns an object that is both the option and the mechanism, which is passed through.

import { SaslConfigError } from './config-error.js';
import { CustomMechanism, type CustomMechanismOptions } from './custom.js';
import type { SaslMechanism } from './mechanism.js';
import { OAuthBearerMechanism } from './oauthbearer.js';
import { type OidcClientCredentialsOptions, oidcClientCredentialsProvider } from './oidc.js';
import { PlainMechanism } from './plain.js';
import { ScramMechanism } from './scram.js';
import type { OAuthBearerTokenProvider } from './token-cache.js';

/** Java: `sasl.mechanism=PLAIN`, `PlainLoginModule required username=... password=...`. */
export interface PlainSaslOption {
  mechanism: 'plain';
  username: string;
  password: string;
}

/** Java: `sasl.mechanism=SCRAM-SHA-256|512`, `ScramLoginModule required username=... password=...`. */
export interface ScramSaslOption {
  mechanism: 'scram-sha-256' | 'scram-sha-512';
  username: string;
  password: string;
  /** Delegation-token credentials (Java: `tokenauth=true`). */
  tokenAuth?: boolean;
}

/**
 * Java: `sasl.mechanism=OAUTHBEARER`, with either your own token source (`sasl.login.callback.handler.class`) or
 * the built-in OIDC client-credentials login (`sasl.oauthbearer.token.endpoint.url`, KIP-768).
 */
export type OAuthBearerSaslOption =
  | { mechanism: 'oauthbearer'; oauthBearerProvider: OAuthBearerTokenProvider; principal?: string }
  | { mechanism: 'oauthbearer'; oidc: OidcClientCredentialsOptions };

/** Your own mechanism (GSSAPI, ...). */
export interface CustomSaslOption extends CustomMechanismOptions {
  mechanism: 'custom';
}

/** What kafka-wire/aws's awsMskIam() returns: the option and the mechanism in one. */
export interface ProvidedSaslOption extends SaslMechanism {
  mechanism: 'aws-msk-iam';
}

export type SaslOption =
  | PlainSaslOption
  | ScramSaslOption
  | OAuthBearerSaslOption
  | CustomSaslOption
  | ProvidedSaslOption;

export const SUPPORTED_SASL_MECHANISMS = [
  'plain',
  'scram-sha-256',
  'scram-sha-512',
  'oauthbearer',
  'aws-msk-iam',
  'custom',
] as const;

const ALLOWED_FIELDS: Record<(typeof SUPPORTED_SASL_MECHANISMS)[number], readonly string[]> = {
  plain: ['mechanism', 'username', 'password'],
  'scram-sha-256': ['mechanism', 'username', 'password', 'tokenAuth'],
  'scram-sha-512': ['mechanism', 'username', 'password', 'tokenAuth'],
  oauthbearer: ['mechanism', 'oauthBearerProvider', 'oidc', 'principal'],
  custom: ['mechanism', 'name', 'principal', 'authenticate'],
  'aws-msk-iam': [],
};

/** Validates the user's `sasl` option and builds its mechanism; throws SaslConfigError naming the faulty field. */
export function resolveSaslMechanism(option: SaslOption): SaslMechanism {
  if (option === null || typeof option !== 'object') {
    throw new SaslConfigError(
      'sasl',
      `expected an object such as { mechanism: 'scram-sha-512', username, password } (got ${option === null ? 'null' : typeof option}).`,
    );
  }
  const given = (option as { mechanism?: unknown }).mechanism;
  const mechanism = typeof given === 'string' ? given.toLowerCase().replaceAll('_', '-') : given;
  const supported = SUPPORTED_SASL_MECHANISMS.find((name) => name === mechanism);
  if (supported === undefined) {
    throw new SaslConfigError(
      'sasl.mechanism',
      `${given === undefined ? 'it is missing' : `'${String(given)}' is not a mechanism kafka-wire knows`}; use one of ${SUPPORTED_SASL_MECHANISMS.map((name) => `'${name}'`).join(', ')} (a 'custom' mechanism takes your own authenticate function).`,
    );
  }
  refuseUnknownFields(option as unknown as Record<string, unknown>, supported);
  switch (supported) {
    case 'plain':
      return new PlainMechanism(option as PlainSaslOption);
    case 'scram-sha-256':
      return new ScramMechanism('sha256', option as ScramSaslOption);
    case 'scram-sha-512':
      return new ScramMechanism('sha512', option as ScramSaslOption);
    case 'oauthbearer':
      return oauthBearer(option as OAuthBearerSaslOption);
    case 'custom':
      return new CustomMechanism(option as CustomSaslOption);
    case 'aws-msk-iam':
      return provided(option as ProvidedSaslOption);
  }
}

function oauthBearer(option: OAuthBearerSaslOption): SaslMechanism {
  const hasProvider = 'oauthBearerProvider' in option && option.oauthBearerProvider !== undefined;
  const hasOidc = 'oidc' in option && option.oidc !== undefined;
  if (hasProvider === hasOidc) {
    throw new SaslConfigError(
      'sasl.oauthBearerProvider',
      `OAUTHBEARER needs exactly one token source: oauthBearerProvider (an async function returning { value }) or oidc ({ tokenEndpointUrl, clientId, clientSecret, scope? }); ${hasProvider ? 'both were given' : 'neither was given'}.`,
    );
  }
  if ('oidc' in option) {
    if (typeof option.oidc !== 'object' || option.oidc === null) {
      throw new SaslConfigError(
        'sasl.oidc',
        'expected { tokenEndpointUrl, clientId, clientSecret, scope? }.',
      );
    }
    const provider = oidcClientCredentialsProvider(option.oidc);
    return new OAuthBearerMechanism({ oauthBearerProvider: provider, principal: provider.clientId });
  }
  return new OAuthBearerMechanism(option);
}

function provided(option: ProvidedSaslOption): SaslMechanism {
  if (typeof option.authenticate !== 'function' || typeof option.name !== 'string') {
    throw new SaslConfigError(
      'sasl',
      `AWS_MSK_IAM comes from the kafka-wire/aws entry point: import { awsMskIam } from 'kafka-wire/aws' and pass sasl: awsMskIam({ region: 'eu-west-1' }).`,
    );
  }
  return option;
}

function refuseUnknownFields(
  option: Record<string, unknown>,
  mechanism: (typeof SUPPORTED_SASL_MECHANISMS)[number],
): void {
  const allowed = ALLOWED_FIELDS[mechanism];
  if (allowed.length === 0) return;
  for (const key of Object.keys(option)) {
    if (!allowed.includes(key)) {
      throw new SaslConfigError(
        `sasl.${key}`,
        `'${mechanism}' takes no option '${key}'; it takes ${allowed.map((name) => `'${name}'`).join(', ')}.`,
      );
    }
  }
}
