import { describe, expect, it } from 'vitest';
import { loadOptionalPackage } from '../../src/optional-package.js';

describe('loadOptionalPackage', () => {
  it('imports a package once and turns a missing one into the caller error, retrying later', async () => {
    const first = loadOptionalPackage<typeof import('node:path')>('node:path', () => new Error('unused'));
    expect(loadOptionalPackage('node:path', () => new Error('unused'))).toBe(first);
    expect((await first).join('a', 'b')).toBe('a/b');

    const missing = (cause: unknown) => new Error(`install it (${(cause as { code?: string }).code})`);
    const absent = loadOptionalPackage('kafka-wire-no-such-package', missing);
    await expect(absent).rejects.toThrow('install it (ERR_MODULE_NOT_FOUND)');
    expect(loadOptionalPackage('kafka-wire-no-such-package', missing)).not.toBe(absent);
    await expect(loadOptionalPackage('kafka-wire-no-such-package', missing)).rejects.toThrow(/install it/);
  });
});
