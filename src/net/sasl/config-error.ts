// The `sasl` option is resolved in the network layer (the connection pool builds one mechanism per client), below
// the producer, so it cannot throw the producer's ProducerConfigError. This error carries the same facts: which
// option is wrong and what to write instead. It is fatal: nothing the client retries will fix a configuration.

import { KafkaWireError } from '../../errors.js';

/** The `sasl` option (or one of its fields) is missing or invalid. */
export class SaslConfigError extends KafkaWireError {
  override name = 'SaslConfigError';

  /** The option at fault, as the user spells it: 'sasl.username', 'sasl.mechanism', ... */
  readonly option: string;
  /** What is wrong and what to write instead, without the option's name (a client layer states that its way). */
  readonly reason: string;

  constructor(option: string, message: string) {
    super(`Invalid option '${option}': ${message}`, { fatal: true });
    this.option = option;
    this.reason = message;
  }
}

/** A required, non-empty string option; `what` says what the option is for. */
export function requireString(value: unknown, option: string, what: string): string {
  if (typeof value !== 'string' || value.length === 0) {
    const got =
      value === undefined
        ? 'it is missing'
        : `got ${typeof value === 'string' ? 'an empty string' : typeof value}`;
    throw new SaslConfigError(option, `${what} is required as a non-empty string (${got}).`);
  }
  return value;
}
