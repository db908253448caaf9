// Runs the built command line (package.json's bin, dist/cli/main.js) as a user would: a child process whose
// stdout and stderr are captured whole.
import { type ChildProcessWithoutNullStreams, spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { repoRoot } from '../harness/index.js';

export interface CliRun {
  code: number | null;
  stdout: string;
  stderr: string;
}

export const pkg = JSON.parse(readFileSync(join(repoRoot, 'package.json'), 'utf8')) as {
  version: string;
  bin: Record<string, string>;
};
export const bin = join(repoRoot, pkg.bin['kafka-wire']!);

/** Starts the CLI; `done` settles when it has exited. stdin stays open for the test to write to and end. */
export function startCli(
  args: string[],
  env: NodeJS.ProcessEnv = {},
): { child: ChildProcessWithoutNullStreams; done: Promise<CliRun> } {
  return start(process.execPath, [bin, ...args], env);
}

/** Runs any program (e.g. one that gives the CLI a terminal) with stdin closed. */
export function run(program: string, args: string[]): Promise<CliRun> {
  const { child, done } = start(program, args, {});
  child.stdin.end();
  return done;
}

function start(
  program: string,
  args: string[],
  env: NodeJS.ProcessEnv,
): { child: ChildProcessWithoutNullStreams; done: Promise<CliRun> } {
  const child = spawn(program, args, { cwd: repoRoot, env: { ...process.env, ...env } });
  const done = new Promise<CliRun>((resolve, reject) => {
    let stdout = '';
    let stderr = '';
    child.stdout.setEncoding('utf8').on('data', (chunk: string) => {
      stdout += chunk;
    });
    child.stderr.setEncoding('utf8').on('data', (chunk: string) => {
      stderr += chunk;
    });
    child.on('error', reject);
    child.on('close', (code) => resolve({ code, stdout, stderr }));
  });
  return { child, done };
}

export function cli(
  args: string[],
  options: { stdin?: string; env?: NodeJS.ProcessEnv } = {},
): Promise<CliRun> {
  const { child, done } = startCli(args, options.env);
  child.stdin.end(options.stdin ?? '');
  return done;
}
