// `kafka-wire perf`: kafka-producer-perf-test for kafka-wire. N records of S bytes (random capital letters,
// one payload reused, as Java does), optionally held to T records/s, through produce() with backpressure.
// The summary line on stdout is Java's, so existing scripts read it; a progress bar on stderr (terminals
// only) shows records, rate, MB/s and p50/p99 so far; --json prints one object for machines instead.
import { randomInt } from 'node:crypto';
import { setTimeout as delay } from 'node:timers/promises';
import cliProgress from 'cli-progress';
import { Command, InvalidArgumentError } from 'commander';
import { CliError, EXIT_INTERRUPTED } from './cli-error.js';
import { javaSummaryLine, PerfStats } from './perf-stats.js';
import type { CommandIo } from './produce-command.js';
import { addConnectionFlags, type ConnectionFlags, producerFromFlags } from './producer-from-flags.js';

interface PerfFlags extends ConnectionFlags {
  topic: string;
  records: number;
  recordSize: number;
  throughput: number;
  json?: boolean;
  progress: boolean;
}

const PROGRESS_INTERVAL_MS = 200;

function count(what: string, min: number): (text: string) => number {
  return (text) => {
    const n = Number(text);
    if (!/^-?\d+$/.test(text) || !Number.isSafeInteger(n) || n < min) {
      throw new InvalidArgumentError(`expected ${what} (an integer >= ${min}).`);
    }
    return n;
  };
}

function throughputFlag(text: string): number {
  // Java's tool takes 0 too and then never sends; a limit of nothing is more likely a typo for -1.
  const n = Number(text);
  if (n === -1 || (/^\d+$/.test(text) && Number.isSafeInteger(n) && n >= 1)) return n;
  throw new InvalidArgumentError('expected records a second (an integer >= 1), or -1 for no limit.');
}

function payloadOf(size: number): Uint8Array {
  const payload = new Uint8Array(size);
  for (let i = 0; i < size; i++) payload[i] = 65 + randomInt(26);
  return payload;
}

function progressBar(stats: PerfStats, total: number, stream: NodeJS.WritableStream): { stop(): void } {
  const bar = new cliProgress.SingleBar(
    {
      stream,
      format:
        '{bar} {percentage}% | {value}/{total} records | {rate} records/s | {mbps} MB/s | p50 {p50} ms | p99 {p99} ms',
      hideCursor: true,
    },
    cliProgress.Presets.shades_classic,
  );
  const values = () => {
    const s = stats.summary(Date.now());
    return {
      rate: s.recordsPerSec.toFixed(0),
      mbps: s.mbPerSec.toFixed(2),
      p50: s.p50Ms,
      p99: s.p99Ms,
    };
  };
  bar.start(total, 0, values());
  const timer = setInterval(() => bar.update(stats.recorded, values()), PROGRESS_INTERVAL_MS);
  return {
    stop: () => {
      clearInterval(timer);
      bar.update(stats.recorded, values());
      bar.stop();
    },
  };
}

async function perf(flags: PerfFlags, io: CommandIo, stderr: NodeJS.WritableStream): Promise<void> {
  const producer = producerFromFlags(flags as PerfFlags & Record<string, unknown>, io.err);
  const payload = payloadOf(flags.recordSize);
  const startMs = Date.now();
  const stats = new PerfStats(startMs);
  const bar = flags.progress && flags.json !== true ? progressBar(stats, flags.records, stderr) : undefined;
  let failed = 0;
  let firstError: Error | undefined;
  let sent = 0;
  try {
    for (let i = 0; i < flags.records && firstError === undefined && !io.interrupted.aborted; i++) {
      if (flags.throughput > 0) {
        // Java's ThroughputThrottler: never ahead of T records/s since the start.
        const ahead = startMs + (i * 1000) / flags.throughput - Date.now();
        if (ahead >= 1) await delay(ahead);
      }
      const sendMs = Date.now();
      sent++;
      const ok = producer.produce({ topic: flags.topic, value: payload }, (error) => {
        if (error === null) stats.record(Date.now() - sendMs, payload.length);
        else {
          failed++;
          firstError ??= error;
        }
      });
      if (!ok) await producer.waitForRoom();
    }
  } finally {
    await producer.close();
    bar?.stop();
  }
  const summary = stats.summary(Date.now());
  if (flags.json === true) {
    io.out(JSON.stringify({ topic: flags.topic, recordSize: flags.recordSize, ...summary, failed }));
  } else {
    io.out(javaSummaryLine(summary));
  }
  if (io.interrupted.aborted && firstError === undefined) {
    throw new CliError(`interrupted after ${sent} of ${flags.records} records.`, EXIT_INTERRUPTED);
  }
  if (firstError !== undefined) {
    throw new CliError(
      `${failed} of ${sent} records could not be delivered to topic '${flags.topic}', so the test stopped. The first: ${firstError.message}`,
    );
  }
}

export function perfCommand(io: CommandIo, stderr: NodeJS.WritableStream): Command {
  const command = new Command('perf')
    .description(
      "Measure the producer like Java's kafka-producer-perf-test: its summary line, a live progress bar, or --json.",
    )
    .requiredOption('-n, --records <n>', 'how many records to send', count('a number of records', 1))
    .requiredOption('-s, --record-size <bytes>', 'bytes per record value', count('a size in bytes', 0))
    .option(
      '--throughput <records/s>',
      'at most this many records a second; -1 for no limit',
      throughputFlag,
      -1,
    )
    .option('-t, --topic <topic>', 'the topic to write to', 'kafka-wire-perf')
    .option('--json', 'print one JSON object with every figure instead of the summary line')
    .option('--no-progress', 'no progress bar (it is shown on terminals only anyway)');
  return addConnectionFlags(command).action((flags: PerfFlags) => perf(flags, io, stderr));
}
