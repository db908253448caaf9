// Optional peer dependencies (a format's library, AWS signing) are imported on first use, so users who never need
// them install none. The import is remembered per specifier; a failed one is forgotten so that installing the
// package and trying again works without a restart. A missing package becomes the caller's own error, which says
// what to install, instead of a module-resolution stack trace.

const loaded = new Map<string, Promise<unknown>>();

/** Imports `specifier` once; `onMissing` builds the error thrown when the package is not installed. */
export function loadOptionalPackage<T>(specifier: string, onMissing: (cause: unknown) => Error): Promise<T> {
  let module = loaded.get(specifier) as Promise<T> | undefined;
  if (module === undefined) {
    module = import(specifier).then(
      (m: T) => m,
      (error: unknown) => {
        loaded.delete(specifier);
        const code = (error as { code?: unknown }).code;
        if (code === 'ERR_MODULE_NOT_FOUND' || code === 'MODULE_NOT_FOUND') throw onMissing(error);
        throw error;
      },
    );
    loaded.set(specifier, module);
  }
  return module;
}
