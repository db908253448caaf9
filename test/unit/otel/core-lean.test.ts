import { readFileSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';

// @opentelemetry/api is an optional peer dependency: `import 'kafka-wire'` must work without it installed, so
// nothing the core entry point reaches may import it; only kafka-wire/otel does.

const SRC = resolve(import.meta.dirname, '../../../src');

/** Every module `entry` reaches through relative imports, with the bare packages each one imports. */
function reach(entry: string): Map<string, string[]> {
  const seen = new Map<string, string[]>();
  const pending = [entry];
  while (pending.length > 0) {
    const file = pending.pop()!;
    if (seen.has(file)) continue;
    const source = readFileSync(file, 'utf8');
    const specifiers = [...source.matchAll(/(?:from|import)\s*\(?\s*'([^']+)'/g)].map((m) => m[1]!);
    seen.set(
      file,
      specifiers.filter((s) => !s.startsWith('.')),
    );
    for (const s of specifiers) {
      if (s.startsWith('.')) pending.push(resolve(dirname(file), s.replace(/\.js$/, '.ts')));
    }
  }
  return seen;
}

describe('the core import', () => {
  it('reaches no @opentelemetry package; kafka-wire/otel does', () => {
    const core = reach(resolve(SRC, 'index.ts'));
    expect(core.size).toBeGreaterThan(20);
    const otelUsers = [...core].filter(([, packages]) =>
      packages.some((p) => p.startsWith('@opentelemetry/')),
    );
    expect(otelUsers.map(([file]) => file)).toEqual([]);
    const otel = reach(resolve(SRC, 'otel/index.ts'));
    expect([...otel.values()].flat()).toContain('@opentelemetry/api');
  });
});
