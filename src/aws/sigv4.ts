// AWS Signature Version 4 query presigning (what AWS_MSK_IAM sends is a presigned GET of the broker's host) via
// @smithy/signature-v4, the signer of AWS's own JavaScript SDK, loaded on first use because it is an optional peer
// dependency. Its SHA-256 comes from node:crypto (the SDK's pure-JS sha256 is several times slower, and
// @smithy/hash-node only re-exports a deprecated adapter).

import { createHash, createHmac, type Hash, type Hmac } from 'node:crypto';
import { AuthenticationError } from '../net/errors.js';
import { loadOptionalPackage } from '../optional-package.js';

/** AWS credentials as the AWS SDK for JavaScript v3 shapes them (AwsCredentialIdentity). */
export interface AwsCredentials {
  accessKeyId: string;
  secretAccessKey: string;
  /** Present for temporary credentials (roles, SSO, instance profiles). */
  sessionToken?: string;
  /** When temporary credentials expire. */
  expiration?: Date;
}

type Data = string | ArrayBuffer | ArrayBufferView;

function toBuffer(data: Data): Buffer {
  if (typeof data === 'string') return Buffer.from(data, 'utf8');
  if (ArrayBuffer.isView(data)) return Buffer.from(data.buffer, data.byteOffset, data.byteLength);
  return Buffer.from(data);
}

/** SHA-256, or HMAC-SHA-256 when given a key: the Checksum shape @smithy/signature-v4 expects. */
export class NodeSha256 {
  readonly #key: Buffer | undefined;
  #hash: Hash | Hmac;

  constructor(key?: Data) {
    this.#key = key === undefined ? undefined : toBuffer(key);
    this.#hash = this.#fresh();
  }

  update(data: Data): void {
    this.#hash.update(toBuffer(data));
  }

  async digest(): Promise<Uint8Array> {
    return this.#hash.digest();
  }

  reset(): void {
    this.#hash = this.#fresh();
  }

  #fresh(): Hash | Hmac {
    return this.#key === undefined ? createHash('sha256') : createHmac('sha256', this.#key);
  }
}

interface SignatureV4Module {
  SignatureV4: new (init: {
    service: string;
    region: string;
    credentials: AwsCredentials;
    sha256: typeof NodeSha256;
    uriEscapePath?: boolean;
    applyChecksum?: boolean;
  }) => {
    presign(
      request: {
        method: string;
        protocol: string;
        hostname: string;
        path: string;
        query: Record<string, string>;
        headers: Record<string, string>;
      },
      options: { expiresIn: number; signingDate: Date },
    ): Promise<{ query: Record<string, string | string[] | null> }>;
  };
}

export const SIGNATURE_V4_PACKAGE = '@smithy/signature-v4';

export interface PresignInput {
  /** Signed as the `host` header; the only signed header. */
  host: string;
  path?: string;
  region: string;
  service: string;
  query: Record<string, string>;
  credentials: AwsCredentials;
  signingDate: Date;
  expiresInSeconds: number;
}

/**
 * The query parameters of a presigned GET (`X-Amz-Algorithm`, `-Credential`, `-Date`, `-Expires`,
 * `-SignedHeaders`, `-Security-Token` for temporary credentials, `-Signature`, plus `input.query`).
 */
export async function presignQuery(input: PresignInput): Promise<Record<string, string>> {
  const { SignatureV4 } = await loadOptionalPackage<SignatureV4Module>(
    SIGNATURE_V4_PACKAGE,
    (cause) =>
      new AuthenticationError(
        `AWS_MSK_IAM signing needs the '${SIGNATURE_V4_PACKAGE}' package, which is not installed. Install it next to kafka-wire: npm install ${SIGNATURE_V4_PACKAGE}@'^5.0.0'`,
        { cause },
      ),
  );
  const signer = new SignatureV4({
    service: input.service,
    region: input.region,
    credentials: input.credentials,
    sha256: NodeSha256,
    uriEscapePath: true,
    applyChecksum: false,
  });
  const signed = await signer.presign(
    {
      method: 'GET',
      protocol: 'https:',
      hostname: input.host,
      path: input.path ?? '/',
      query: { ...input.query },
      headers: { host: input.host },
    },
    { expiresIn: input.expiresInSeconds, signingDate: input.signingDate },
  );
  const query: Record<string, string> = {};
  for (const [key, value] of Object.entries(signed.query)) {
    if (typeof value === 'string') query[key] = value;
  }
  return query;
}
