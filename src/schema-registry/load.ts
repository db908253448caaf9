import { loadOptionalPackage } from '../optional-package.js';
import { SerializationError } from '../serializers/types.js';

// avsc, protobufjs and ajv are optional peer dependencies: only users of that format install it, and nothing
// loads it until a serializer for that format first runs. A missing package is a clear error, not a stack trace.
export async function loadPackage<T>(
  specifier: string,
  pkg: string,
  range: string,
  user: string,
): Promise<T> {
  const m = await loadOptionalPackage<{ default?: T }>(
    specifier,
    (cause) =>
      new SerializationError(
        `${user} needs the '${pkg}' package, which is not installed. Install it next to kafka-wire: npm install ${pkg}@'${range}'`,
        { cause },
      ),
  );
  return (m.default ?? m) as T;
}
