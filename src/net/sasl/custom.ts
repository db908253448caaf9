// A mechanism the user writes (GSSAPI/Kerberos, or anything a broker plugs in): kafka-wire runs SaslHandshake with
// its name and hands its `authenticate` the same exchange the built-in mechanisms get. Whatever it rejects with
// reaches the connection as an AuthenticationError naming the broker, so failures look alike for every mechanism.

import { KafkaWireError } from '../../errors.js';
import { AuthenticationError } from '../errors.js';
import { requireString, SaslConfigError } from './config-error.js';
import type { SaslAuthenticationContext, SaslMechanism } from './mechanism.js';

/** RFC 4422 section 3.1: mechanism names are 1-20 characters of A-Z, 0-9, '-' and '_'. */
const MECHANISM_NAME = /^[A-Z0-9_-]{1,20}$/;

export interface CustomMechanismOptions {
  /** Sent in SaslHandshake, as the broker's sasl.enabled.mechanisms spells it ('GSSAPI'). Java: `sasl.mechanism`. */
  name: string;
  /** Who authenticates, for error messages; never a secret. */
  principal?: string;
  /** Runs the whole exchange through `context.exchange`; resolves once the broker accepted. */
  authenticate(context: SaslAuthenticationContext): Promise<void>;
}

/** Java: `sasl.mechanism=<name>` with the mechanism's own `sasl.jaas.config` and callback handler. */
export class CustomMechanism implements SaslMechanism {
  readonly name: string;
  readonly principal: string | undefined;
  readonly #authenticate: (context: SaslAuthenticationContext) => Promise<void>;

  constructor(options: CustomMechanismOptions) {
    const name = requireString(options.name, 'sasl.name', 'The SASL mechanism name sent to the broker');
    if (!MECHANISM_NAME.test(name)) {
      throw new SaslConfigError(
        'sasl.name',
        `'${name}' is not a SASL mechanism name: 1-20 characters of A-Z, 0-9, '-' and '_', as the broker's sasl.enabled.mechanisms spells it (e.g. 'GSSAPI').`,
      );
    }
    if (typeof options.authenticate !== 'function') {
      throw new SaslConfigError(
        'sasl.authenticate',
        `a custom mechanism needs an authenticate(context) function.`,
      );
    }
    this.name = name;
    this.principal = options.principal;
    const authenticate = options.authenticate;
    this.#authenticate = (context) => authenticate.call(options, context);
  }

  async authenticate(context: SaslAuthenticationContext): Promise<void> {
    try {
      await this.#authenticate(context);
    } catch (error) {
      if (error instanceof KafkaWireError) throw error;
      const who = this.principal === undefined ? '' : ` of '${this.principal}'`;
      throw new AuthenticationError(
        `${this.name} authentication${who} with ${context.broker} failed: ${(error as Error)?.message ?? String(error)}`,
        { cause: error },
      );
    }
  }
}
