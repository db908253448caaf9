// kafka-wire/aws: Amazon MSK IAM authentication (SASL AWS_MSK_IAM). Kept out of the core import; SigV4 signing
// (@smithy/signature-v4) and the default credential chain (@aws-sdk/credential-provider-node) are optional peer
// dependencies loaded on the first authentication.
export type { AwsCredentialsProvider } from './credentials.js';
export {
  AwsMskIamMechanism,
  type AwsMskIamOptions,
  awsMskIam,
  MSK_IAM_VERSION,
  mskIamPayload,
  regionOfHost,
} from './msk-iam.js';
export type { AwsCredentials } from './sigv4.js';
