// A failure the command line reports as one message and an exit status, instead of a stack trace. Exit
// statuses: 1 when records were not (all) delivered or input could not be read or parsed, 2 when the command
// line itself is wrong (an unknown flag, a bad value, options the producer refuses), 130 (the shell's 128 +
// SIGINT) when Ctrl-C or SIGTERM stopped it early.

export const EXIT_FAILED = 1;
export const EXIT_USAGE = 2;
export const EXIT_INTERRUPTED = 130;

export class CliError extends Error {
  override readonly name = 'CliError';

  constructor(
    message: string,
    readonly exitCode: number = EXIT_FAILED,
  ) {
    super(message);
  }
}
