// SASL/PLAIN (RFC 4616) as Kafka speaks it: one message, `authzid NUL username NUL password` in UTF-8, and the broker
// answers with empty bytes when it accepts (a refusal arrives as a SaslAuthenticate error, which the exchange
// rejects with). Kafka's PlainSaslServer refuses an empty username or password and a NUL would shift the fields,
// so both are checked here, where the user can be told which option to fix.

import { requireString, SaslConfigError } from './config-error.js';
import type { SaslAuthenticationContext, SaslMechanism } from './mechanism.js';

export interface PlainOptions {
  /** Java: `username` in `sasl.jaas.config` (PlainLoginModule). */
  username: string;
  /** Java: `password` in `sasl.jaas.config` (PlainLoginModule). */
  password: string;
}

/** Java: `sasl.mechanism=PLAIN` with `org.apache.kafka.common.security.plain.PlainLoginModule`. */
export class PlainMechanism implements SaslMechanism {
  readonly name = 'PLAIN';
  readonly principal: string;
  // Private fields stay out of util.inspect, JSON.stringify and Object.keys.
  readonly #message: Uint8Array;

  constructor(options: PlainOptions) {
    const username = requireString(options.username, 'sasl.username', 'The SASL/PLAIN username');
    const password = requireString(options.password, 'sasl.password', 'The SASL/PLAIN password');
    refuseNul(username, 'sasl.username');
    refuseNul(password, 'sasl.password');
    this.principal = username;
    // Kafka's client sends an empty authorization id: the broker then authorizes as the authenticated user.
    this.#message = Buffer.from(`\0${username}\0${password}`, 'utf8');
  }

  async authenticate(context: SaslAuthenticationContext): Promise<void> {
    await context.exchange(this.#message);
  }
}

function refuseNul(value: string, option: string): void {
  if (value.includes('\0')) {
    throw new SaslConfigError(
      option,
      'SASL/PLAIN separates its fields with NUL characters, so the value cannot contain one.',
    );
  }
}
