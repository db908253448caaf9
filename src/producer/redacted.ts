import { inspect } from 'node:util';

// Options that hold secrets (a TLS private key and its passphrase) stay usable as they are, since node:tls reads them,
// but must not show when someone logs `producer.config` or the producer itself, or serializes the config to JSON.
// The view that hides them is attached as non-enumerable methods, so a spread copy (as the connection makes before
// calling tls.connect) carries the real values and none of the hiding.

const REDACTED = '[redacted]';

/** `value` itself, whose util.inspect and JSON.stringify show `[redacted]` for the `secret` keys that are set. */
export function withSecretsHidden<T extends object>(value: T, secret: readonly (keyof T & string)[]): T {
  const shown = (): Record<string, unknown> => {
    const copy: Record<string, unknown> = { ...(value as Record<string, unknown>) };
    for (const key of secret) if (copy[key] !== undefined) copy[key] = REDACTED;
    return copy;
  };
  Object.defineProperties(value, {
    toJSON: { value: shown, enumerable: false },
    [inspect.custom]: {
      value: (_depth: number, options: object) => inspect(shown(), options),
      enumerable: false,
    },
  });
  return value;
}
