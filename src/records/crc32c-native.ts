// Loads @node-rs/crc32 (an optional dependency: prebuilt N-API binaries, hardware CRC-32C instructions), once
// and synchronously, so crc32c() can hand large ranges to it. Everything that can go wrong (no prebuilt
// binary for this platform, a runtime without N-API or without the permission to load it, a bundler that
// left the package out) leaves `nativeCrc32c` undefined and the JavaScript CRC in charge; the reason is
// kept here and said only through NODE_DEBUG=kafka-wire, since falling back is not something to fix.
import { createRequire } from 'node:module';
import { debuglog } from 'node:util';

/** CRC-32C of the whole of `input`, possibly as a signed 32-bit number. */
export type NativeCrc32c = (input: Uint8Array) => number;

interface NodeRsCrc32 {
  crc32c(input: Uint8Array, initialState?: number): number;
}

function load(): { crc32c: NativeCrc32c | undefined; unavailable: string | undefined } {
  try {
    const module = createRequire(import.meta.url)('@node-rs/crc32') as Partial<NodeRsCrc32>;
    const native = module.crc32c;
    if (typeof native !== 'function')
      return { crc32c: undefined, unavailable: '@node-rs/crc32 has no crc32c()' };
    return { crc32c: native, unavailable: undefined };
  } catch (error) {
    // The first line is the reason; a require stack would follow it.
    const reason = String(error).split('\n', 1)[0];
    return { crc32c: undefined, unavailable: `@node-rs/crc32 could not be loaded: ${reason}` };
  }
}

const loaded = load();

/** The native CRC-32C, or undefined when @node-rs/crc32 cannot be loaded here. */
export const nativeCrc32c: NativeCrc32c | undefined = loaded.crc32c;

/** Why the native CRC-32C is not in use, or undefined when it is. */
export const nativeCrc32cUnavailable: string | undefined = loaded.unavailable;

if (nativeCrc32cUnavailable !== undefined) {
  debuglog('kafka-wire')('CRC-32C runs in JavaScript: %s', nativeCrc32cUnavailable);
}
