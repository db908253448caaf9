// The root of every error kafka-wire throws or rejects with. Each layer subclasses it (protocol decode
// errors, Kafka error codes, network failures, producer configuration), and every subclass says what the
// caller can do about it through three flags, so retry logic never has to parse messages or guess:
//   retriable       - sending the same thing again may succeed (after a backoff);
//   refreshMetadata - the client's view of the cluster is probably stale: refresh before retrying;
//   fatal           - the producer cannot continue; close it and fix the cause.
// The default is the safe one: not retriable (retrying an unknown failure risks duplicates).

export interface KafkaWireErrorOptions {
  retriable?: boolean;
  refreshMetadata?: boolean;
  fatal?: boolean;
  cause?: unknown;
}

export class KafkaWireError extends Error {
  override name = 'KafkaWireError';
  readonly retriable: boolean;
  readonly refreshMetadata: boolean;
  readonly fatal: boolean;

  constructor(message: string, options: KafkaWireErrorOptions = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.retriable = options.retriable ?? false;
    this.refreshMetadata = options.refreshMetadata ?? false;
    this.fatal = options.fatal ?? false;
  }
}
