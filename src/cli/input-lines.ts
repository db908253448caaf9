// The lines `produce` reads, from files in the order given or from stdin ('-' or no file), each with where it
// came from so a bad line can be named. Every file is opened before anything is sent: a typo in the third
// file name must not leave the first two files' records in the topic.
import { createReadStream } from 'node:fs';
import { open } from 'node:fs/promises';
import { createInterface } from 'node:readline';
import type { Readable } from 'node:stream';
import { CliError } from './cli-error.js';

export interface InputLine {
  /** 'stdin' or the file name as given. */
  source: string;
  /** 1-based. */
  lineNumber: number;
  text: string;
}

export interface InputSource {
  name: string;
  open(): Readable;
}

const STDIN = '-';

/** Checks that every file can be read, before any is; none or '-' means stdin. */
export async function inputSources(files: readonly string[], stdin: Readable): Promise<InputSource[]> {
  const names = files.length === 0 ? [STDIN] : files;
  const sources: InputSource[] = [];
  for (const name of names) {
    if (name === STDIN) {
      sources.push({ name: 'stdin', open: () => stdin });
      continue;
    }
    try {
      const handle = await open(name, 'r');
      const stat = await handle.stat();
      await handle.close();
      if (stat.isDirectory()) throw Object.assign(new Error('it is a directory'), { code: 'EISDIR' });
    } catch (error) {
      throw new CliError(
        `cannot read input file '${name}': ${(error as Error).message}. Nothing was sent; check the path and its permissions.`,
      );
    }
    sources.push({ name, open: () => createReadStream(name) });
  }
  return sources;
}

/** Every line of every source in turn (without its line ending, \n or \r\n), until `stop` is aborted. */
export async function* inputLines(
  sources: readonly InputSource[],
  stop: AbortSignal,
): AsyncGenerator<InputLine> {
  for (const source of sources) {
    if (stop.aborted) return;
    const stream = source.open();
    // Aborting closes the interface, which ends the loop below at the next line.
    const lines = createInterface({ input: stream, crlfDelay: Number.POSITIVE_INFINITY, signal: stop });
    let lineNumber = 0;
    try {
      for await (const text of lines) {
        lineNumber++;
        yield { source: source.name, lineNumber, text };
      }
    } catch (error) {
      throw new CliError(
        `reading ${source.name} failed after line ${lineNumber}: ${(error as Error).message}.`,
      );
    } finally {
      lines.close();
      stream.destroy();
    }
  }
}
