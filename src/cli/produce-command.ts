// `kafka-wire produce`: records from stdin or files into one topic, like kcat -P and
// kafka-console-producer. Records go through produce() with backpressure, so a large file streams through
// bufferMemory instead of being read into memory. The first bad line stops the input (the records before it
// are delivered, nothing after it is sent) unless --skip-bad; the first failed delivery stops it too, since
// the rest would most likely fail the same way.
import type { Readable } from 'node:stream';
import { Command, InvalidArgumentError, Option } from 'commander';
import type { RecordMetadata } from '../index.js';
import { CliError, EXIT_INTERRUPTED, EXIT_USAGE } from './cli-error.js';
import { type InputLine, inputLines, inputSources } from './input-lines.js';
import { BadLineError, INPUT_FORMATS, type InputFormat, lineParser, SKIP } from './input-records.js';
import { addConnectionFlags, type ConnectionFlags, producerFromFlags } from './producer-from-flags.js';

export interface CommandIo {
  stdin: Readable;
  out: (line: string) => void;
  err: (line: string) => void;
  /** Aborted when the user asks to stop (Ctrl-C): stop reading and sending, deliver what was accepted. */
  interrupted: AbortSignal;
}

interface ProduceFlags extends ConnectionFlags {
  topic: string;
  format: InputFormat;
  keySeparator?: string;
  header?: Array<{ key: string; value: string }>;
  partition?: number;
  printMetadata?: boolean;
  skipBad?: boolean;
}

function headerFlag(text: string, previous: ProduceFlags['header'] = []): ProduceFlags['header'] {
  const at = text.indexOf('=');
  if (at <= 0) throw new InvalidArgumentError(`'${text}' is not name=value.`);
  return [...previous, { key: text.slice(0, at), value: text.slice(at + 1) }];
}

function partitionFlag(text: string): number {
  if (!/^\d+$/.test(text)) throw new InvalidArgumentError('expected a partition number (0, 1, ...).');
  return Number(text);
}

function where(line: InputLine): string {
  return `${line.source} line ${line.lineNumber}`;
}

/**
 * Prints each record's place in input order, whatever order partitions answer in; a failed record (null)
 * prints nothing but must not hold back the lines after it.
 */
function metadataPrinter(
  out: (line: string) => void,
): (index: number, metadata: RecordMetadata | null) => void {
  const done = new Map<number, RecordMetadata | null>();
  let next = 0;
  return (index, metadata) => {
    done.set(index, metadata);
    for (let m = done.get(next); m !== undefined; m = done.get(next)) {
      // Java's RecordMetadata.toString(): topic-partition@offset.
      if (m !== null) out(`${m.topic}-${m.partition}@${m.offset}`);
      done.delete(next++);
    }
  };
}

async function produce(files: string[], flags: ProduceFlags, io: CommandIo): Promise<void> {
  if (flags.keySeparator !== undefined && flags.format === 'json') {
    throw new CliError('--key-separator is for --format lines; JSON input has a "key" field.', EXIT_USAGE);
  }
  const sources = await inputSources(files, io.stdin);
  const parse = lineParser({ format: flags.format, keySeparator: flags.keySeparator });
  const producer = producerFromFlags(flags as ProduceFlags & Record<string, unknown>, io.err);
  const printMetadata = flags.printMetadata === true ? metadataPrinter(io.out) : undefined;

  let produced = 0;
  let delivered = 0;
  let skipped = 0;
  let failure: { line: InputLine; error: Error } | undefined;
  let failed = 0;
  let badLine: { line: InputLine; reason: string } | undefined;
  let lastRead: InputLine | undefined;
  try {
    for await (const line of inputLines(sources, io.interrupted)) {
      if (failure !== undefined) break;
      lastRead = line;
      let parsed: ReturnType<typeof parse>;
      try {
        parsed = parse(line.text);
      } catch (error) {
        if (!(error instanceof BadLineError)) throw error;
        if (flags.skipBad !== true) {
          badLine = { line, reason: error.message };
          break;
        }
        skipped++;
        io.err(`kafka-wire produce: skipped ${where(line)}: ${error.message}.`);
        continue;
      }
      if (parsed === SKIP) continue;
      const index = produced++;
      const ok = producer.produce(
        {
          topic: flags.topic,
          key: parsed.key,
          value: parsed.value,
          headers: [...(flags.header ?? []), ...parsed.headers],
          partition: parsed.partition ?? flags.partition,
          timestamp: parsed.timestamp,
        },
        (error, metadata) => {
          if (error !== null) {
            failed++;
            failure ??= { line, error };
          } else delivered++;
          printMetadata?.(index, metadata);
        },
      );
      if (!ok) await producer.waitForRoom();
    }
  } finally {
    // Everything accepted is delivered (or fails) before we report; close() waits for it.
    await producer.close();
  }

  if (failure !== undefined) {
    throw new CliError(
      `${failed} of ${produced} records could not be delivered to topic '${flags.topic}' (${delivered} were). The first, from ${where(failure.line)}: ${failure.error.message}`,
    );
  }
  if (io.interrupted.aborted) {
    throw new CliError(
      lastRead === undefined
        ? 'interrupted before any input was read: nothing was sent.'
        : `interrupted after ${where(lastRead)}: the ${delivered} records read were delivered, nothing more was read.`,
      EXIT_INTERRUPTED,
    );
  }
  if (badLine !== undefined) {
    throw new CliError(
      `${where(badLine.line)}: ${badLine.reason}. Stopped there: the ${delivered} records before it were delivered, nothing after it was sent. Fix the line, or pass --skip-bad to skip bad lines with a warning.`,
    );
  }
  if (skipped > 0)
    io.err(`kafka-wire produce: ${delivered} records delivered, ${skipped} bad lines skipped.`);
}

export function produceCommand(io: CommandIo): Command {
  const command = new Command('produce')
    .description(
      'Send records to a topic, one per input line, from files (in order) or stdin, like kcat -P and kafka-console-producer.',
    )
    .argument('[files...]', "files to read; none or '-' reads stdin")
    .requiredOption('-t, --topic <topic>', 'the topic to write to')
    .addOption(
      new Option('-f, --format <format>', 'lines: each line is a value; json: {"key","value","headers",...}')
        .choices(INPUT_FORMATS)
        .default('lines'),
    )
    .option('-K, --key-separator <sep>', 'lines: split each line into key<sep>value at the first <sep>')
    .option('-H, --header <name=value>', 'a header on every record (repeatable)', headerFlag)
    .option('-p, --partition <n>', 'send every record to this partition', partitionFlag)
    .option('--print-metadata', 'print topic-partition@offset of each record, in input order')
    .option('--skip-bad', 'skip lines that are not records (with a warning) instead of stopping');
  return addConnectionFlags(command).action((files: string[], flags: ProduceFlags) =>
    produce(files, flags, io),
  );
}
