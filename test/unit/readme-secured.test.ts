import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import ts from 'typescript';
import { describe, expect, it } from 'vitest';

// The README's "Connecting to secured clusters" examples are meant to be pasted into a project as they are. Each
// TypeScript block there is compiled, as its own module, against kafka-wire's sources (with the repository's
// strict compiler settings), so that a renamed option, a changed type or a missing export breaks this test
// instead of a user's build.

const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..', '..');
const README = readFileSync(join(ROOT, 'README.md'), 'utf8');
const SECTION = '## Connecting to secured clusters';

interface Snippet {
  /** Where the block's first code line is in README.md (1-based). */
  line: number;
  code: string;
  /** The in-memory file it is compiled as; inside the repository, so package.json makes it an ES module. */
  fileName: string;
}

function snippets(): Snippet[] {
  const start = README.indexOf(`\n${SECTION}\n`);
  if (start < 0) throw new Error(`README.md has no "${SECTION}" section`);
  const end = README.indexOf('\n## ', start + 1);
  const section = README.slice(start + 1, end < 0 ? undefined : end);
  const firstLine = README.slice(0, start + 1).split('\n').length;
  const found: Snippet[] = [];
  const block = /^```ts\n([\s\S]*?)^```$/gm;
  for (let match = block.exec(section); match !== null; match = block.exec(section)) {
    const line = firstLine + section.slice(0, match.index).split('\n').length;
    found.push({
      line,
      code: match[1]!,
      fileName: join(ROOT, '.readme-snippets', `secured-line-${line}.ts`).replaceAll('\\', '/'),
    });
  }
  return found;
}

/** The repository's compiler settings, with kafka-wire's package names mapped to its sources. */
function compilerOptions(): ts.CompilerOptions {
  const configFile = join(ROOT, 'tsconfig.json');
  const { config, error } = ts.readConfigFile(configFile, ts.sys.readFile);
  if (error) throw new Error(ts.flattenDiagnosticMessageText(error.messageText, '\n'));
  const parsed = ts.parseJsonConfigFileContent(config, ts.sys, ROOT, undefined, configFile);
  return {
    ...parsed.options,
    noEmit: true,
    declaration: false,
    sourceMap: false,
    baseUrl: ROOT,
    paths: {
      'kafka-wire': ['src/index.ts'],
      'kafka-wire/*': ['src/*/index.ts'],
    },
  };
}

function compile(list: Snippet[]): { program: ts.Program; diagnostics: readonly ts.Diagnostic[] } {
  const options = compilerOptions();
  const byName = new Map(list.map((s) => [s.fileName, s]));
  const host = ts.createCompilerHost(options, true);
  const getSourceFile = host.getSourceFile.bind(host);
  const fileExists = host.fileExists.bind(host);
  const readFile = host.readFile.bind(host);
  host.getSourceFile = (fileName, languageVersion, ...rest) => {
    const snippet = byName.get(fileName);
    return snippet
      ? ts.createSourceFile(fileName, snippet.code, languageVersion, true)
      : getSourceFile(fileName, languageVersion, ...rest);
  };
  host.fileExists = (fileName) => byName.has(fileName) || fileExists(fileName);
  host.readFile = (fileName) => byName.get(fileName)?.code ?? readFile(fileName);
  const program = ts.createProgram({ rootNames: [...byName.keys()], options, host });
  const diagnostics = ts
    .getPreEmitDiagnostics(program)
    .filter((d) => d.file !== undefined && byName.has(d.file.fileName));
  return { program, diagnostics };
}

function describeDiagnostic(diagnostic: ts.Diagnostic, list: Snippet[]): string {
  const snippet = list.find((s) => s.fileName === diagnostic.file?.fileName)!;
  const { line } = diagnostic.file!.getLineAndCharacterOfPosition(diagnostic.start ?? 0);
  const text = ts.flattenDiagnosticMessageText(diagnostic.messageText, '\n  ');
  return `README.md:${snippet.line + line}: TS${diagnostic.code}: ${text}`;
}

describe(`README "${SECTION}"`, () => {
  const list = snippets();

  it('has its TypeScript examples where this test finds them', () => {
    // Confluent Cloud, MSK IAM, MSK SCRAM, Aiven, Event Hubs, Redpanda, OIDC, own provider, error handling.
    expect(list.length).toBeGreaterThanOrEqual(9);
    expect(list.every((s) => s.code.includes("from 'kafka-wire"))).toBe(true);
  });

  it('compiles every example against the exported types', { timeout: 120_000 }, () => {
    const { program, diagnostics } = compile(list);
    // The examples import the package by name; it must resolve to these sources, not to a stale build.
    const resolvedFromSources = program
      .getSourceFiles()
      .some((f) => f.fileName === join(ROOT, 'src', 'aws', 'index.ts').replaceAll('\\', '/'));
    expect(resolvedFromSources).toBe(true);
    expect(diagnostics.map((d) => describeDiagnostic(d, list))).toEqual([]);
  });
});
