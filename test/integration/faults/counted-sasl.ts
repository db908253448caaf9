// A SASL mechanism that counts its own runs, for tests that must prove KIP-368 re-authentications happened: it
// is a user's `custom` mechanism (the path any user can take) sending the wrapped mechanism's name and running
// its exchange unchanged. The connection runs authenticate() once when it opens and once per re-authentication,
// so re-authentications = runs - connections opened (SocketCutter counts those); a connection that never got
// as far as authenticating only makes that an undercount.
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
  /** Exchanges that failed (their errors reach the connection unchanged). */
  readonly failed: number;
  /** Why each failed exchange failed, so a failed check says whether the broker refused or the link broke. */
  readonly failures: readonly string[];
}

export function countedSasl(inner: SaslOption): CountedSasl {
  const mechanism = resolveSaslMechanism(inner);
  const counts = { succeeded: 0, failed: 0 };
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
          counts.failed++;
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
    failures,
  };
}
