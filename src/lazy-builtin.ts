// Node built-ins that only some producers use (node:tls with TLS, node:zlib with gzip or zstd,
// node:worker_threads with compression workers, node:crypto with SCRAM) are loaded when first needed rather
// than with the package: loaded up front they cost every producer ~2 MiB of RSS and ~8 ms of start-up (tls
// alone pulls in node:net's TLS wrap and OpenSSL's bindings).
import { createRequire } from 'node:module';

const require = createRequire(import.meta.url);

/** A getter for a built-in module, which loads it on its first call. */
export function lazyBuiltin<T>(specifier: `node:${string}`): () => T {
  let module: T | undefined;
  return () => {
    module ??= require(specifier) as T;
    return module;
  };
}
