import { SerializationError } from '../serializers/types.js';

// avsc, protobufjs and ajv are optional peer dependencies: only users of that format install it, and nothing
// loads it until a serializer for that format first runs. A missing package is a clear error, not a stack trace.

const loaded = new Map<string, Promise<unknown>>();

export function loadPackage<T>(specifier: string, pkg: string, range: string, user: string): Promise<T> {
  let module = loaded.get(specifier) as Promise<T> | undefined;
  if (module === undefined) {
    module = import(specifier).then(
      (m: { default?: T }) => (m.default ?? m) as T,
      (error: unknown) => {
        loaded.delete(specifier);
        const code = (error as { code?: unknown }).code;
        if (code === 'ERR_MODULE_NOT_FOUND' || code === 'MODULE_NOT_FOUND') {
          throw new SerializationError(
            `${user} needs the '${pkg}' package, which is not installed. Install it next to kafka-wire: npm install ${pkg}@'${range}'`,
            { cause: error },
          );
        }
        throw error;
      },
    );
    loaded.set(specifier, module);
  }
  return module;
}
