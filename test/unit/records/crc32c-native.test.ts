import { createRequire } from 'node:module';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { crc32c, crc32cBytes, crc32cJs, NATIVE_MIN_BYTES } from '../../../src/records/crc32c.js';
import { nativeCrc32c, nativeCrc32cUnavailable } from '../../../src/records/crc32c-native.js';

const ascii = (s: string) => new TextEncoder().encode(s);

function installed(): boolean {
  try {
    createRequire(import.meta.url).resolve('@node-rs/crc32');
    return true;
  } catch {
    return false;
  }
}

describe('CRC-32C native and JavaScript', () => {
  it('loads @node-rs/crc32 when it is installed, or says why it runs in JavaScript', () => {
    if (nativeCrc32c === undefined) {
      // Said on every run without it, so a runtime or platform that never takes the native path is visible.
      console.info(`CRC-32C native path NOT exercised here: ${nativeCrc32cUnavailable}`);
      expect(nativeCrc32cUnavailable).toMatch(/@node-rs\/crc32/);
      // Installed but not loadable is only expected where N-API is not (Deno without --allow-ffi).
      if (installed() && typeof (globalThis as { Deno?: unknown }).Deno === 'undefined') {
        expect.fail(`@node-rs/crc32 is installed but did not load: ${nativeCrc32cUnavailable}`);
      }
    } else {
      expect(nativeCrc32cUnavailable).toBeUndefined();
      expect(nativeCrc32c(ascii('123456789')) >>> 0).toBe(0xe3069283);
    }
  });

  it('gives the check value "123456789" = 0xE3069283 on both paths and across the threshold', () => {
    expect(crc32cJs(ascii('123456789'))).toBe(0xe3069283);
    expect(crc32c(ascii('123456789'))).toBe(0xe3069283);
    const padded = new Uint8Array(NATIVE_MIN_BYTES + 20);
    padded.set(ascii('123456789'), NATIVE_MIN_BYTES + 5);
    expect(crc32c(padded, NATIVE_MIN_BYTES + 5, NATIVE_MIN_BYTES + 14)).toBe(0xe3069283);
  });

  it('agrees with the JavaScript CRC over random buffers, offsets and lengths, at and above the threshold', () => {
    fc.assert(
      fc.property(
        fc.uint8Array({ minLength: 0, maxLength: 70_000 }),
        fc.nat(70_000),
        fc.nat(70_000),
        fc.nat(15),
        (data, a, b, shift) => {
          // A view that starts mid-ArrayBuffer, as batches inside pooled buffers do.
          const backing = new Uint8Array(data.length + 16);
          backing.set(data, shift);
          const view = backing.subarray(shift, shift + data.length);
          const start = Math.min(a, view.length);
          const end = Math.max(start, Math.min(b, view.length));
          const expected = crc32cBytes(view, start, end);
          expect(crc32cJs(view, start, end)).toBe(expected);
          expect(crc32c(view, start, end)).toBe(expected);
          if (nativeCrc32c !== undefined)
            expect(nativeCrc32c(view.subarray(start, end)) >>> 0).toBe(expected);
        },
      ),
      { numRuns: 300 },
    );
  });

  it('agrees at every length around the threshold and on 1 MiB', () => {
    const bytes = new Uint8Array((1 << 20) + 7);
    for (let i = 0; i < bytes.length; i++) bytes[i] = (i * 2654435761) >>> 24;
    for (let length = NATIVE_MIN_BYTES - 8; length <= NATIVE_MIN_BYTES + 8; length++) {
      for (const start of [0, 1, 3])
        expect(crc32c(bytes, start, start + length)).toBe(crc32cJs(bytes, start, start + length));
    }
    expect(crc32c(bytes, 7)).toBe(crc32cJs(bytes, 7));
    if (nativeCrc32c !== undefined) expect(nativeCrc32c(bytes) >>> 0).toBe(crc32cJs(bytes));
  });
});
