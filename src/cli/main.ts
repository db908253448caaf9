#!/usr/bin/env node
// The `kafka-wire` executable (package.json "bin").
import { run } from './program.js';

const line = (stream: NodeJS.WriteStream) => (text: string) => {
  stream.write(`${text}\n`);
};

const status = await run(
  process.argv.slice(2),
  { stdin: process.stdin, out: line(process.stdout), err: line(process.stderr) },
  process.stderr,
);
// Exit once what was written has left (pipes may be asynchronous), even if stdin is still open because a
// bad line stopped the input early.
process.stdout.write('', () => process.stderr.write('', () => process.exit(status)));
