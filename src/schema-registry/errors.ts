import { KafkaWireError } from '../errors.js';

// What a schema registry answered, as typed errors. The registry's own error codes (Confluent's REST API, which
// Karapace and Apicurio's compatibility API follow) decide the class: 409 incompatible schema, 422xx invalid
// input, 404xx not found, 401/403 credentials. 5xx answers and network failures are retriable; the rest are not.

export interface SchemaRegistryErrorDetails {
  /** HTTP status, or undefined when no answer came (network failure, timeout). */
  status?: number;
  /** The registry's error_code (e.g. 40401 subject not found, 42201 invalid schema). */
  errorCode?: number;
  /** The request that failed, e.g. "POST /subjects/orders-value/versions". */
  request: string;
  retriable?: boolean;
  cause?: unknown;
}

export class SchemaRegistryError extends KafkaWireError {
  override name = 'SchemaRegistryError';
  readonly status: number | undefined;
  readonly errorCode: number | undefined;
  readonly request: string;

  constructor(message: string, details: SchemaRegistryErrorDetails) {
    super(message, {
      retriable: details.retriable ?? false,
      ...(details.cause === undefined ? {} : { cause: details.cause }),
    });
    this.status = details.status;
    this.errorCode = details.errorCode;
    this.request = details.request;
  }
}

/** The registry refused a schema that breaks the subject's compatibility rule with an earlier version. */
export class IncompatibleSchemaError extends SchemaRegistryError {
  override name = 'IncompatibleSchemaError';
}

/** The registry could not parse the schema (or a reference in it). */
export class InvalidSchemaError extends SchemaRegistryError {
  override name = 'InvalidSchemaError';
}

/** No such subject, version or schema (id) in the registry. */
export class SchemaNotFoundError extends SchemaRegistryError {
  override name = 'SchemaNotFoundError';
}

/** The registry refused our credentials (HTTP 401) or the operation (HTTP 403). */
export class SchemaRegistryAuthError extends SchemaRegistryError {
  override name = 'SchemaRegistryAuthError';
}
