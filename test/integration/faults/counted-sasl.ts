// A SASL mechanism that counts its own runs, for tests that must prove KIP-368 re-authentications happened: it
// is a user's `custom` mechanism (the path any user can take) sending the wrapped mechanism's name and running
// its exchange unchanged. The connection runs authenticate() once when it opens and once per re-authentication,
// so re-authentications = runs - connections opened (SocketCutter counts those); a connection that never got
// as far as authenticating only makes that an undercount.
import { NetworkError } from '../../../src/net/errors.js';
import type { SaslAuthenticationContext } from '../../../src/net/sasl/mechanism.js';
import {
  type CustomSaslOption,
  resolveSaslMechanism,
  type SaslOption,
} from '../../../src/net/sasl/options.js';

export interface CountedSasl {
  /** Pass as the producer's `sasl` option. */
  option: CustomSaslOption;
  /** Exchanges the broker accepted. */
  readonly succeeded: number;
  /** Exchanges that failed other than by a broken link: the broker refused, or the mechanism failed. */
  readonly failed: number;
  /** Exchanges cut short because the connection broke under them (a fault case cutting sockets does that). */
  readonly interrupted: number;
  /** Why each failed or interrupted exchange failed, so a failed check says whether the broker refused or the link broke. */
  readonly failures: readonly string[];
}

export function countedSasl(inner: SaslOption): CountedSasl {
  const mechanism = resolveSaslMechanism(inner);
  const counts = { succeeded: 0, failed: 0, interrupted: 0 };
  const failures: string[] = [];
  return {
    option: {
      mechanism: 'custom',
      name: mechanism.name,
      ...(mechanism.principal === undefined ? {} : { principal: mechanism.principal }),
      async authenticate(context: SaslAuthenticationContext) {
        try {
          await mechanism.authenticate(context);
          counts.succeeded++;
        } catch (error) {
          if (error instanceof NetworkError) counts.interrupted++;
          else counts.failed++;
          failures.push(
            error instanceof Error ? `${error.name}: ${error.message.slice(0, 200)}` : String(error),
          );
          throw error;
        }
      },
    },
    get succeeded() {
      return counts.succeeded;
    },
    get failed() {
      return counts.failed;
    },
    get interrupted() {
      return counts.interrupted;
    },
    failures,
  };
}
