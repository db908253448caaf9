// What every Node contestant of bench/compare shares: its arguments, the payload, send-to-ack latency and
// event-loop delay measurement, the progress lines the orchestrator shows, and the one result line it reads.
//
// A contestant is started as `node <contestant>.mjs --bootstrap H:P --topic T --records N --size B
// --acks all|1 --compression none|lz4|zstd|gzip|snappy --batch-size B --linger MS --pattern P [--ssl-ca FILE]`
// and must:
//   - send N keyless records whose value is `payload(size, pattern)` (the same bytes for every record and
//     every contestant, as Java's ProducerPerformance and rdkafka_performance do) to topic T;
//   - call `meter.sent(count)` when it hands records to its client and `meter.acked(count, sentAt)` when the
//     broker acknowledged them (sentAt = the `meter.now()` taken when those records were handed over);
//   - with --ssl-ca, connect over TLS with `tlsOptions(args)` (trusting that CA, checking the broker's name);
//   - call `meter.finish()` once every record is acknowledged; it prints the result line and returns.
// Two workload kinds add arguments: `--transaction-records N` (N > 0: send in transactions of N records,
// acks=all, idempotent, timing each commit with `runTransactions`), and `--keys K --defaults` (the idiomatic
// workload: record i has the string key `key-<i % K>`, and the client runs with its default options, so
// --batch-size and --linger are to be ignored).
// stdout carries only the result line (`RESULT {json}`); progress goes to stderr as `PROGRESS acked`.
import { readFileSync } from 'node:fs';
// `performance` from the module, not the global: Node 20's global is a lazy getter, run on every access, twice
// per record here (~25 ns a record of the harness's ~170).
import { monitorEventLoopDelay, performance } from 'node:perf_hooks';
import { parseArgs } from 'node:util';
import { Histogram } from './histogram.mjs';

/** The contestant's arguments, validated. */
export function contestantArgs() {
  const { values } = parseArgs({
    options: {
      bootstrap: { type: 'string' },
      topic: { type: 'string' },
      records: { type: 'string' },
      size: { type: 'string' },
      acks: { type: 'string', default: 'all' },
      compression: { type: 'string', default: 'none' },
      'batch-size': { type: 'string', default: '262144' },
      linger: { type: 'string', default: '10' },
      pattern: { type: 'string', default: 'kafka-wire benchmark payload ' },
      'ssl-ca': { type: 'string' },
      'transaction-records': { type: 'string', default: '0' },
      keys: { type: 'string', default: '0' },
      defaults: { type: 'boolean', default: false },
      'send-batch': { type: 'boolean', default: false },
    },
  });
  for (const name of ['bootstrap', 'topic', 'records', 'size']) {
    if (values[name] === undefined) throw new Error(`bench contestant: --${name} is required`);
  }
  if (!['all', '1'].includes(values.acks)) throw new Error(`bench contestant: --acks must be all or 1`);
  return {
    bootstrap: values.bootstrap,
    topic: values.topic,
    records: Number(values.records),
    size: Number(values.size),
    acks: values.acks,
    compression: values.compression,
    batchSize: Number(values['batch-size']),
    lingerMs: Number(values.linger),
    pattern: values.pattern,
    sslCa: values['ssl-ca'] ?? null,
    transactionRecords: Number(values['transaction-records']),
    keys: Number(values.keys),
    defaults: values.defaults,
    sendBatch: values['send-batch'],
  };
}

/**
 * Node `tls.connect` options for a TLS run (null: plaintext): every Node client here takes them as they are
 * (kafka-wire's `ssl`, kafkajs's `ssl`, platformatic's `tls`).
 */
export function tlsOptions(args) {
  return args.sslCa ? { ca: readFileSync(args.sslCa) } : null;
}

/** `size` bytes of `pattern` repeated: what rdkafka_performance's `-m pattern -s size` sends. */
export function payload(size, pattern) {
  const bytes = Buffer.alloc(size);
  const source = Buffer.from(pattern, 'latin1');
  for (let at = 0; at < size; at += source.length)
    source.copy(bytes, at, 0, Math.min(source.length, size - at));
  return bytes;
}

/** Counts sent and acknowledged records, measures latency and event-loop delay, reports progress and result. */
export class Meter {
  #total;
  #latency = new Histogram();
  #commits = new Histogram();
  #transactions = 0;
  #acked = 0;
  #sent = 0;
  #errors = 0;
  #firstError = null;
  #start = 0;
  #loop = monitorEventLoopDelay({ resolution: 10 });
  #progress;

  constructor(total) {
    this.#total = total;
  }

  /** Starts the clock: call right before the first record is handed to the client. */
  start() {
    this.#loop.enable();
    this.#start = performance.now();
    this.#progress = setInterval(() => process.stderr.write(`PROGRESS ${this.#acked}\n`), 250);
    return this.#start;
  }

  now() {
    return performance.now();
  }

  sent(count) {
    this.#sent += count;
  }

  /** `count` records handed over at `sentAt` are acknowledged now (or failed, with `error`). */
  acked(count, sentAt, error) {
    if (error) {
      this.#errors += count;
      this.#firstError ??= error;
    }
    this.#acked += count;
    this.#latency.add((performance.now() - sentAt) * 1000, count);
  }

  /** A commit called at `calledAt` has resolved now. */
  committed(calledAt) {
    this.#transactions++;
    this.#commits.add((performance.now() - calledAt) * 1000);
  }

  get ackedCount() {
    return this.#acked;
  }

  /** Stops the clock and prints the result line. */
  finish(extra = {}) {
    const seconds = (performance.now() - this.#start) / 1000;
    clearInterval(this.#progress);
    this.#loop.disable();
    const result = {
      records: this.#acked,
      sent: this.#sent,
      expected: this.#total,
      errors: this.#errors,
      firstError: this.#firstError ? String(this.#firstError.message ?? this.#firstError) : null,
      seconds,
      latencyMs: { p50: this.#latency.percentile(0.5), p99: this.#latency.percentile(0.99) },
      ...(this.#transactions > 0
        ? {
            commitLatencyMs: { p50: this.#commits.percentile(0.5), p99: this.#commits.percentile(0.99) },
            transactions: this.#transactions,
          }
        : {}),
      eventLoopDelayP99Ms: this.#loop.count > 0 ? this.#loop.percentile(99) / 1e6 : 0,
      node: process.version,
      ...extra,
    };
    process.stderr.write(`PROGRESS ${this.#acked}\n`);
    process.stdout.write(`RESULT ${JSON.stringify(result)}\n`);
    return result;
  }
}

/**
 * Drives a client that has no linger or byte batching (kafkajs, platformatic): starts the clock, then
 * `send(messages, settle)` hands up to `chunk` copies of `message` to the client in one call and calls
 * `settle(error?)` once they are acknowledged; up to `inFlight` calls run at once. Resolves when every record
 * is acknowledged.
 */
export function sendInChunks(meter, { records, chunk, inFlight, message, send }) {
  meter.start();
  return new Promise((resolve) => {
    let handedOver = 0;
    let running = 0;
    const next = () => {
      while (running < inFlight && handedOver < records) {
        const count = Math.min(chunk, records - handedOver);
        handedOver += count;
        running++;
        const sentAt = meter.now();
        meter.sent(count);
        // A fresh object per record, as an application would hand over (a client may annotate them).
        const messages = new Array(count);
        for (let i = 0; i < count; i++) messages[i] = { ...message };
        send(messages, (error) => {
          meter.acked(count, sentAt, error);
          running--;
          if (meter.ackedCount === records) resolve();
          else next();
        });
      }
    };
    next();
  });
}

/**
 * Sends `records` records in transactions of `perTransaction`: `fill(count)` begins a transaction and hands
 * `count` records to the client (resolving once they are handed over, acknowledged or not), then `commit()`
 * commits it; the time from calling `commit()` to its resolving is the commit latency. Starts the clock.
 */
export async function runTransactions(meter, { records, perTransaction, fill, commit }) {
  meter.start();
  for (let done = 0; done < records; done += perTransaction) {
    const count = Math.min(perTransaction, records - done);
    await fill(count);
    const calledAt = meter.now();
    await commit();
    meter.committed(calledAt);
  }
}

/** The idiomatic workload's keys: `key-0` .. `key-<count - 1>`, record i taking key i % count. */
export function keyStrings(count) {
  return Array.from({ length: count }, (_, i) => `key-${i}`);
}
