// The `kafka-wire` command: its subcommands, --help and --version, and how failures end it. Every failure is
// one line on stderr saying what happened and what to do, and an exit status (cli-error.ts), never a stack
// trace: a user piping records in needs the line number, not our call stack.
import { readFileSync } from 'node:fs';
import { Command, CommanderError } from 'commander';
import { CliError, EXIT_FAILED, EXIT_USAGE } from './cli-error.js';
import { perfCommand } from './perf-command.js';
import { type CommandIo, produceCommand } from './produce-command.js';

function packageVersion(): string {
  // dist/cli/program.js -> the package's own package.json, in a clone and in node_modules alike.
  const pkg = JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as {
    version: string;
  };
  return pkg.version;
}

export function program(io: CommandIo, stderr: NodeJS.WritableStream): Command {
  const root = new Command('kafka-wire')
    .description('Produce to Apache Kafka from the command line with kafka-wire, and measure it.')
    .version(packageVersion(), '-V, --version', 'print the version')
    .configureOutput({
      writeOut: (s) => io.out(s.replace(/\n$/, '')),
      writeErr: (s) => io.err(s.replace(/\n$/, '')),
    })
    .showHelpAfterError('(add --help for the flags)')
    // Our exit statuses, not commander's process.exit(1).
    .exitOverride();
  // addCommand() (unlike command()) does not pass on the output, exit and error-hint settings.
  root.addCommand(produceCommand(io).copyInheritedSettings(root));
  root.addCommand(perfCommand(io, stderr).copyInheritedSettings(root));
  return root;
}

/** Runs the command line; resolves with the exit status. */
export async function run(
  argv: readonly string[],
  io: CommandIo,
  stderr: NodeJS.WritableStream,
): Promise<number> {
  try {
    await program(io, stderr).parseAsync(argv, { from: 'user' });
    return 0;
  } catch (error) {
    if (error instanceof CommanderError) {
      // Help and version end with exitCode 0; commander has already printed the message.
      return error.exitCode === 0 ? 0 : EXIT_USAGE;
    }
    if (error instanceof CliError) {
      io.err(`kafka-wire: ${error.message}`);
      return error.exitCode;
    }
    io.err(`kafka-wire: ${(error as Error).message ?? String(error)}`);
    return EXIT_FAILED;
  }
}
