import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import {
  type OptionDefinition,
  PRODUCER_OPTIONS,
  type ResolvedProducerConfig,
  resolveProducerConfig,
} from '../../src/producer/config.js';

// The README's Configuration section is what users read instead of the code: every option the producer
// accepts, with Java's name and the default. These tests keep it from going stale.

interface DocumentedOption {
  name: string;
  java: string;
  defaultText: string;
  line: string;
}

const README = readFileSync(new URL('../../README.md', import.meta.url), 'utf8');
const BULLET = /^- `(\w+)` \(([^;]+); default (.+?)\): \S/;

function configurationSection(): string {
  const start = README.indexOf('\n## Configuration\n');
  if (start < 0) throw new Error('README.md has no "## Configuration" section');
  const end = README.indexOf('\n## ', start + 1);
  return README.slice(start, end < 0 ? undefined : end);
}

function documentedOptions(): DocumentedOption[] {
  const options: DocumentedOption[] = [];
  for (const line of configurationSection().split('\n')) {
    if (!line.startsWith('- ')) continue;
    const match = BULLET.exec(line);
    if (match === null) {
      throw new Error(
        `README Configuration bullet not in the form "- \`name\` (java.name; default X): what it does": ${line}`,
      );
    }
    options.push({ name: match[1]!, java: match[2]!, defaultText: match[3]!, line });
  }
  return options;
}

/** How the README states a default: a value as the TypeScript literal in backticks, otherwise in words. */
function statedDefault(definition: OptionDefinition<unknown>): string {
  if ('defaultText' in definition) return definition.defaultText;
  const value = definition.default;
  return `\`${typeof value === 'string' ? `'${value}'` : String(value)}\``;
}

/** The value a README default in backticks stands for, or undefined when the default is in words. */
function literalValue(text: string): { value: unknown } | undefined {
  const literal = /^`(.*)`$/.exec(text)?.[1];
  if (literal === undefined) return undefined;
  const quoted = /^'(.*)'$/.exec(literal);
  if (quoted !== null) return { value: quoted[1] };
  if (literal === 'true' || literal === 'false') return { value: literal === 'true' };
  if (/^-?\d+$/.test(literal)) return { value: Number(literal) };
  throw new Error(`README default ${text} is neither a quoted string, a boolean nor an integer`);
}

const BASE = { bootstrapServers: 'localhost:9092' } as const;
const documented = documentedOptions();
const table: Record<string, OptionDefinition<unknown>> = PRODUCER_OPTIONS;

describe("README's Configuration section", () => {
  it('documents every option the producer accepts, each once', () => {
    const names = documented.map((o) => o.name);
    expect(new Set(names).size, `options listed twice: ${names.join(', ')}`).toBe(names.length);
    const missing = Object.keys(table).filter((name) => !names.includes(name));
    expect(missing, 'options the producer accepts but the README does not list').toEqual([]);
  });

  it('documents no option the producer does not know', () => {
    const unknown = documented.filter((o) => !(o.name in table)).map((o) => o.name);
    expect(unknown, 'options in the README the producer does not define').toEqual([]);
    for (const { name } of documented) {
      // The producer itself, not only the table, must take the name without an unknown-option error.
      expect(() => resolveProducerConfig({ [name]: undefined, ...BASE }), name).not.toThrow();
    }
  });

  it("gives each option's Java name and default as the code defines them", () => {
    for (const option of documented) {
      const definition = table[option.name];
      if (definition === undefined) continue;
      expect(option.java, `Java name of ${option.name}`).toBe(definition.java);
      expect(option.defaultText, `default of ${option.name}`).toBe(statedDefault(definition));
    }
  });

  it('states the defaults the producer really applies', () => {
    const unset = resolveProducerConfig(BASE);
    let checked = 0;
    for (const option of documented) {
      const stated = literalValue(option.defaultText);
      if (stated === undefined) continue;
      const name = option.name as keyof ResolvedProducerConfig;
      const explicit = resolveProducerConfig({ ...BASE, [name]: stated.value });
      expect(unset[name], `${option.name} left unset vs set to the README's default`).toEqual(explicit[name]);
      checked++;
    }
    // Every option with a value default is checked here; the others are stated in words.
    expect(checked).toBe(Object.values(table).filter((d) => 'default' in d).length);
    expect(unset.clientId).toMatch(/^kafka-wire-producer-\d+$/);
    expect(statedDefault(PRODUCER_OPTIONS.clientId)).toBe('kafka-wire-producer-N');
    expect(unset.compressionLevel).toBeUndefined();
  });

  it('says adaptive partitioning works (it steers keyless records since 0.1.0)', () => {
    const line = documented.find((o) => o.name === 'partitionerAdaptivePartitioningEnable')?.line ?? '';
    expect(line).not.toMatch(/not weigh|accepted for compatibility/i);
  });
});
