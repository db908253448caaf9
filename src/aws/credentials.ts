// Where AWS_MSK_IAM's credentials come from: given ones (fixed, or a function the user refreshes them with), or,
// when none are given, the AWS SDK's default provider chain (environment, shared config and SSO profiles, web
// identity, ECS and EC2 instance roles), which caches them and refreshes temporary ones before they expire. The
// chain lives in @aws-sdk/credential-provider-node, an optional peer dependency imported on the first
// authentication, so users who pass credentials (and all core users) never load it.

import { AuthenticationError } from '../net/errors.js';
import { SaslConfigError } from '../net/sasl/config-error.js';
import { loadOptionalPackage } from '../optional-package.js';
import type { AwsCredentials } from './sigv4.js';

export type AwsCredentialsProvider = () => Promise<AwsCredentials>;

export const CREDENTIAL_PROVIDER_PACKAGE = '@aws-sdk/credential-provider-node';

interface CredentialProviderModule {
  defaultProvider(): AwsCredentialsProvider;
}

/** A function giving credentials for each authentication; checks given credentials at once. */
export function credentialsSource(
  credentials: AwsCredentials | AwsCredentialsProvider | undefined,
): AwsCredentialsProvider {
  if (typeof credentials === 'function')
    return async () => checked(await credentials(), 'the credentials function');
  if (credentials !== undefined) {
    const fixed = checked(credentials, 'sasl.credentials');
    return async () => fixed;
  }
  let chain: Promise<AwsCredentialsProvider> | undefined;
  return async () => {
    chain ??= loadOptionalPackage<CredentialProviderModule>(
      CREDENTIAL_PROVIDER_PACKAGE,
      (cause) =>
        new AuthenticationError(
          `AWS_MSK_IAM without sasl.credentials takes them from the AWS default provider chain, which needs the '${CREDENTIAL_PROVIDER_PACKAGE}' package. Install it next to kafka-wire (npm install ${CREDENTIAL_PROVIDER_PACKAGE}) or pass credentials.`,
          { cause },
        ),
    ).then((module) => module.defaultProvider());
    chain.catch(() => {
      chain = undefined;
    });
    return checked(await (await chain)(), 'the AWS default credential provider chain');
  };
}

function checked(credentials: AwsCredentials, source: string): AwsCredentials {
  const valid =
    typeof credentials === 'object' &&
    credentials !== null &&
    typeof credentials.accessKeyId === 'string' &&
    credentials.accessKeyId.length > 0 &&
    typeof credentials.secretAccessKey === 'string' &&
    credentials.secretAccessKey.length > 0 &&
    (credentials.sessionToken === undefined || typeof credentials.sessionToken === 'string');
  if (valid) return credentials;
  const what = `${source} must give { accessKeyId, secretAccessKey, sessionToken? } as non-empty strings.`;
  if (source === 'sasl.credentials') throw new SaslConfigError('sasl.credentials', what);
  throw new AuthenticationError(`AWS_MSK_IAM: ${what}`);
}
