#!/usr/bin/env node
// The `kafka-wire` executable (package.json "bin").
import { EXIT_INTERRUPTED } from './cli-error.js';
import { run } from './program.js';

// The first Ctrl-C (or SIGTERM) stops reading and sending, and the records already handed to the producer are
// delivered before it exits, as when input ends: `tail -f log | kafka-wire produce` is stopped this way, and
// dying at once would lose what was lingering. A second one exits at once.
const interrupt = new AbortController();
const onSignal = () => {
  if (interrupt.signal.aborted) process.exit(EXIT_INTERRUPTED);
  process.stderr.write(
    'kafka-wire: stopping; delivering the records already read (interrupt again to quit at once).\n',
  );
  interrupt.abort();
};
process.on('SIGINT', onSignal);
process.on('SIGTERM', onSignal);

const line = (stream: NodeJS.WriteStream) => (text: string) => {
  stream.write(`${text}\n`);
};

const status = await run(
  process.argv.slice(2),
  {
    stdin: process.stdin,
    out: line(process.stdout),
    err: line(process.stderr),
    interrupted: interrupt.signal,
  },
  process.stderr,
);
// Exit once what was written has left (pipes may be asynchronous), even if stdin is still open because a
// bad line stopped the input early.
process.stdout.write('', () => process.stderr.write('', () => process.exit(status)));
