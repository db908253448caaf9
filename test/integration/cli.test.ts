// The built command line (dist/cli/main.js, what package.json's bin runs) as a user runs it, against the shared
// broker: what `produce` writes is read back by Kafka's Java consumer field by field; bad input stops at the
// line it names with nothing sent after it; `perf` prints Java's summary line or its --json object. Needs
// `npm run build` first (npm test does it).
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { NOT_GENERATED } from '../../src/cli/producer-flags.js';
import { PRODUCER_OPTIONS } from '../../src/index.js';
import {
  consumeAll,
  createTopic,
  describeTopic,
  eventually,
  kafkaBootstrap,
  uniqueTopic,
} from '../harness/index.js';
import { bin, cli, pkg, run, startCli } from './cli-run.js';

const dir = mkdtempSync(join(tmpdir(), 'kafka-wire-cli-'));
function file(name: string, content: string): string {
  const path = join(dir, name);
  writeFileSync(path, content);
  return path;
}

const text = (b: Buffer | null) => (b === null ? null : b.toString('utf8'));
const headers = (hs: { key: string; value: Buffer | null }[]) => hs.map((h) => [h.key, text(h.value)]);

describe('kafka-wire --help, --version and flags', () => {
  it('prints the package version, and help that lists the commands', async () => {
    const version = await cli(['--version']);
    expect(version).toEqual({ code: 0, stdout: `${pkg.version}\n`, stderr: '' });
    const help = await cli(['--help']);
    expect(help.code).toBe(0);
    expect(help.stdout).toMatch(/^Usage: kafka-wire \[options\] \[command\]/);
    expect(help.stdout).toMatch(/\n {2}produce \[options\] \[files\.\.\.\] /);
    expect(help.stdout).toMatch(/\n {2}perf \[options\] /);
  });

  it('has a flag for every producer option that is one value, named after it', async () => {
    const help = await cli(['produce', '--help']);
    expect(help.code).toBe(0);
    const notFlags: readonly string[] = NOT_GENERATED;
    for (const [name, { java }] of Object.entries(PRODUCER_OPTIONS)) {
      if (notFlags.includes(name)) continue;
      const flag = `--${name.replace(/[A-Z]/g, (c) => `-${c.toLowerCase()}`)}`;
      expect(help.stdout, flag).toMatch(
        new RegExp(`\\n {2}${flag} <[^>]+> +Java's ${java.replace(/[.<>]/g, '\\$&')}`),
      );
    }
    expect(help.stdout).toContain('--linger-ms <ms>');
    expect(help.stdout).toContain('--enable-idempotence <true|false>');
    expect(help.stdout).toContain('--sasl-password-env <var>');
    expect((await cli(['perf', '--help'])).stdout).toContain('--linger-ms <ms>');
  });

  it('refuses a bad flag value with exit status 2 and says which flag', async () => {
    expect(await cli(['produce', '-b', kafkaBootstrap(), '-t', 'x', '--linger-ms', 'soon'])).toEqual({
      code: 2,
      stdout: '',
      stderr:
        "error: option '--linger-ms <ms>' argument 'soon' is invalid. expected an integer.\n(add --help for the flags)\n",
    });
    // A value the producer itself refuses names the option and its flag.
    const run = await cli(['produce', '-b', kafkaBootstrap(), '-t', 'x', '--batch-size', '-1']);
    expect(run.code).toBe(2);
    expect(run.stderr).toBe(
      "kafka-wire: Invalid producer option 'batchSize': expected an integer in [0, 2147483647], got -1. (flag --batch-size)\n",
    );
  });
  it("takes producer configs by Java's name with -X, and refuses names it does not know", async () => {
    const topic = uniqueTopic('cli-x');
    const tooLarge = await cli(
      ['produce', '-b', kafkaBootstrap(), '-t', topic, '-X', 'max.request.size=200', '-X', 'linger.ms=0'],
      { stdin: `${'x'.repeat(300)}\n` },
    );
    expect(tooLarge).toEqual({
      code: 1,
      stdout: '',
      stderr: `kafka-wire: 1 of 1 records could not be delivered to topic '${topic}' (0 were). The first, from stdin line 1: The record is 370 bytes when encoded, more than maxRequestSize (200). Raise maxRequestSize (and the topic's max.message.bytes) or make the record smaller.\n`,
    });
    expect(
      await cli(['produce', '-b', kafkaBootstrap(), '-t', topic, '-X', 'security.protocol=SSL']),
    ).toEqual({
      code: 2,
      stdout: '',
      stderr:
        "error: option '-X, --producer-property <java.name=value>' argument 'security.protocol=SSL' is invalid. 'security.protocol' is not a producer config this command takes; --help lists them with their Java names (TLS and SASL have flags of their own).\n(add --help for the flags)\n",
    });
  });
});

describe('kafka-wire produce', () => {
  it('sends lines from files in order, with keys and headers, and prints each offset', async () => {
    const topic = uniqueTopic('cli-lines');
    await createTopic({ topic, partitions: 1, replicationFactor: 1 });
    const first = file('first.txt', 'k1:v1\nk2:v:with:colons\n:empty key\n');
    const second = file('second.txt', 'k3:ü 🚚\r\nk4:\n');
    const run = await cli([
      'produce',
      '-b',
      kafkaBootstrap(),
      '-t',
      topic,
      '--key-separator',
      ':',
      '-H',
      'source=cli',
      '--header',
      'eq=a=b',
      '--print-metadata',
      '--compression',
      'lz4',
      '--acks',
      '1',
      first,
      second,
    ]);
    expect(run).toEqual({
      code: 0,
      stdout: [0, 1, 2, 3, 4].map((o) => `${topic}-0@${o}\n`).join(''),
      stderr: '',
    });
    const records = await consumeAll({ topic, count: 5 });
    expect(records.map((r) => [text(r.key), text(r.value), headers(r.headers)])).toEqual(
      [
        ['k1', 'v1'],
        ['k2', 'v:with:colons'],
        ['', 'empty key'],
        ['k3', 'ü 🚚'],
        ['k4', ''],
      ].map(([k, v]) => [
        k,
        v,
        [
          ['source', 'cli'],
          ['eq', 'a=b'],
        ],
      ]),
    );
  });

  it('sends JSON lines from stdin: keys, values, tombstones, header lists, partitions and timestamps', async () => {
    const topic = uniqueTopic('cli-json');
    await createTopic({ topic, partitions: 3, replicationFactor: 1 });
    const timestamp = Date.UTC(2024, 0, 2, 3, 4, 5);
    const input = [
      JSON.stringify({
        key: 'a',
        value: 'plain text',
        headers: { 'content-type': 'text/plain' },
        partition: 2,
      }),
      '',
      JSON.stringify({ key: null, value: { lat: 52.37, tags: ['x'] }, partition: 1, timestamp }),
      JSON.stringify({
        key: 42,
        value: null,
        headers: [
          { key: 'h', value: '1' },
          { key: 'h', value: null },
        ],
        partition: 0,
      }),
    ].join('\n');
    const run = await cli(['produce', '-b', kafkaBootstrap(), '-t', topic, '--format', 'json'], {
      stdin: input,
    });
    expect(run).toEqual({ code: 0, stdout: '', stderr: '' });
    const records = await consumeAll({ topic, count: 3 });
    const byPartition = records.sort((a, b) => b.partition - a.partition);
    expect(
      byPartition.map((r) => ({
        partition: r.partition,
        key: text(r.key),
        value: text(r.value),
        headers: headers(r.headers),
      })),
    ).toEqual([
      { partition: 2, key: 'a', value: 'plain text', headers: [['content-type', 'text/plain']] },
      { partition: 1, key: null, value: '{"lat":52.37,"tags":["x"]}', headers: [] },
      {
        partition: 0,
        key: '42',
        value: null,
        headers: [
          ['h', '1'],
          ['h', null],
        ],
      },
    ]);
    expect(byPartition[1]!.timestamp).toBe(BigInt(timestamp));
  });

  it('stops at a malformed JSON line, naming it; the records before it are delivered, none after it', async () => {
    const topic = uniqueTopic('cli-bad');
    await createTopic({ topic, partitions: 1, replicationFactor: 1 });
    const input = '{"value":"one"}\n{"value":"two"}\n{"value": "three"\n{"value":"four"}\n';
    const run = await cli(['produce', '-b', kafkaBootstrap(), '-t', topic, '-f', 'json'], { stdin: input });
    expect(run.code).toBe(1);
    expect(run.stdout).toBe('');
    expect(run.stderr).toMatch(
      /^kafka-wire: stdin line 3: not valid JSON \(.+\)\. Stopped there: the 2 records before it were delivered, nothing after it was sent\. Fix the line, or pass --skip-bad to skip bad lines with a warning\.\n$/,
    );
    // Read to the end offsets: exactly the two records before the bad line.
    expect((await consumeAll({ topic })).map((r) => text(r.value))).toEqual(['one', 'two']);
  });

  it('names a line without the key separator, in the file it is in', async () => {
    const topic = uniqueTopic('cli-bad-key');
    await createTopic({ topic, partitions: 1, replicationFactor: 1 });
    const input = file('keys.txt', 'a=1\nno separator\nb=2\n');
    const run = await cli(['produce', '-b', kafkaBootstrap(), '-t', topic, '-K', '=', input]);
    expect(run.code).toBe(1);
    expect(run.stderr).toBe(
      `kafka-wire: ${input} line 2: no key separator '=' in it. Stopped there: the 1 records before it were delivered, nothing after it was sent. Fix the line, or pass --skip-bad to skip bad lines with a warning.\n`,
    );
    expect((await consumeAll({ topic })).map((r) => [text(r.key), text(r.value)])).toEqual([['a', '1']]);
  });

  it('with --skip-bad, warns about each bad line and sends every good one', async () => {
    const topic = uniqueTopic('cli-skip');
    await createTopic({ topic, partitions: 1, replicationFactor: 1 });
    const input = '{"value":"one"}\nnot json\n{"value":"two","colour":"red"}\n{"value":"three"}\n';
    const run = await cli(['produce', '-b', kafkaBootstrap(), '-t', topic, '-f', 'json', '--skip-bad'], {
      stdin: input,
    });
    expect(run.code).toBe(0);
    const lines = run.stderr.split('\n');
    expect(lines[0]).toMatch(/^kafka-wire produce: skipped stdin line 2: not valid JSON \(.+\)\.$/);
    expect(lines.slice(1)).toEqual([
      "kafka-wire produce: skipped stdin line 3: unknown field 'colour'; a record has key, value, headers, partition and timestamp.",
      'kafka-wire produce: 2 records delivered, 2 bad lines skipped.',
      '',
    ]);
    expect((await consumeAll({ topic, count: 2 })).map((r) => text(r.value))).toEqual(['one', 'three']);
  });

  it('refuses an unreadable file before sending anything, even from the files before it', async () => {
    const topic = uniqueTopic('cli-nofile');
    await createTopic({ topic, partitions: 1, replicationFactor: 1 });
    const good = file('good.txt', 'a\nb\n');
    const missing = join(dir, 'missing.txt');
    const run = await cli(['produce', '-b', kafkaBootstrap(), '-t', topic, good, missing]);
    expect(run).toEqual({
      code: 1,
      stdout: '',
      stderr: `kafka-wire: cannot read input file '${missing}': ENOENT: no such file or directory, open '${missing}'. Nothing was sent; check the path and its permissions.\n`,
    });
    expect(await consumeAll({ topic })).toEqual([]);
  });

  it('on Ctrl-C stops reading and delivers the records it has read, even those still lingering', async () => {
    const topic = uniqueTopic('cli-sigint');
    // A minute's linger: without the drain on interrupt, the records would still be in the producer.
    const { child, done } = startCli([
      'produce',
      '-b',
      kafkaBootstrap(),
      '-t',
      topic,
      '--linger-ms',
      '60000',
    ]);
    child.stdin.write('one\ntwo\n');
    // The CLI has read and produced the first line once its metadata request has auto-created the topic.
    await eventually(() => describeTopic(topic), { timeoutMs: 30_000, intervalMs: 200 });
    child.kill('SIGINT');
    const run = await done;
    expect(run).toEqual({
      code: 130,
      stdout: '',
      stderr:
        'kafka-wire: stopping; delivering the records already read (interrupt again to quit at once).\n' +
        'kafka-wire: interrupted after stdin line 2: the 2 records read were delivered, nothing more was read.\n',
    });
    expect((await consumeAll({ topic, count: 2 })).map((r) => text(r.value))).toEqual(['one', 'two']);
  });

  it('exits 1 naming the topic and the line when a record is refused, still printing where the others went', async () => {
    const topic = uniqueTopic('cli-refused');
    await createTopic({ topic, partitions: 1, replicationFactor: 1 });
    const run = await cli(
      ['produce', '-b', kafkaBootstrap(), '-t', topic, '-f', 'json', '--print-metadata'],
      {
        stdin: '{"value":"a","partition":0}\n{"value":"b","partition":4}\n',
      },
    );
    expect(run).toEqual({
      code: 1,
      stdout: `${topic}-0@0\n`,
      stderr: `kafka-wire: 1 of 2 records could not be delivered to topic '${topic}' (1 were). The first, from stdin line 2: Partition 4 does not exist: topic '${topic}' has 1 partition(s) (0 to 0).\n`,
    });
    expect((await consumeAll({ topic })).map((r) => text(r.value))).toEqual(['a']);
  });
});

describe('kafka-wire perf', () => {
  it("prints kafka-producer-perf-test's summary line for records the broker has", async () => {
    const topic = uniqueTopic('cli-perf');
    await createTopic({ topic, partitions: 2, replicationFactor: 1 });
    const run = await cli([
      'perf',
      '-b',
      kafkaBootstrap(),
      '--topic',
      topic,
      '--records',
      '3000',
      '--record-size',
      '100',
    ]);
    expect(run.code).toBe(0);
    // Java: "%d%s records sent, %f records/sec (%.2f MB/sec), %.2f ms avg latency, %.2f ms max latency, %d ms 50th,
    // %d ms 95th, %d ms 99th, %d ms 99.9th.%n"
    expect(run.stdout).toMatch(
      /^3000 records sent, \d+\.\d{6} records\/sec \(\d+\.\d{2} MB\/sec\), \d+\.\d{2} ms avg latency, \d+\.00 ms max latency, \d+ ms 50th, \d+ ms 95th, \d+ ms 99th, \d+ ms 99\.9th\.\n$/,
    );
    // No terminal, no progress bar.
    expect(run.stderr).toBe('');
    const records = await consumeAll({ topic, count: 3000 });
    expect(records.every((r) => r.key === null && /^[A-Z]{100}$/.test(text(r.value)!))).toBe(true);
  });

  it('shows a live progress bar on a terminal: records, rate, MB/s, p50 and p99 so far', async () => {
    const topic = uniqueTopic('cli-perf-bar');
    // util-linux's script(1) gives the CLI a terminal (a pseudo-tty) and copies what it shows to stdout.
    const command = [process.execPath, bin, 'perf', '-b', kafkaBootstrap(), '-t', topic]
      .concat(['-n', '4000', '-s', '50', '--throughput', '2000'])
      .map((arg) => `'${arg}'`)
      .join(' ');
    const { stdout, code } = await run('script', ['-qefc', command, '/dev/null']);
    expect(code).toBe(0);
    // cli-progress redraws its line after a carriage return or a cursor-to-column-1 escape.
    const frames = stdout
      .split('\r')
      .flatMap((part) => part.split('\u001b[1G'))
      .filter((f) => f.includes('records |'));
    const frame =
      /(\d+)% \| (\d+)\/4000 records \| (\d+) records\/s \| (\d+\.\d\d) MB\/s \| p50 (\d+) ms \| p99 (\d+) ms/;
    // Updated every 200 ms over two seconds, the last frame at 100 %.
    expect(frames.length).toBeGreaterThanOrEqual(3);
    for (const f of frames) expect(f).toMatch(frame);
    expect(frames.at(-1)).toMatch(/ 100% \| 4000\/4000 records \| /);
    expect(stdout).toMatch(/\n4000 records sent, \d+\.\d{6} records\/sec /);
  });

  it('--json gives every figure, consistent with each other, and holds --throughput', async () => {
    const topic = uniqueTopic('cli-perf-json');
    const run = await cli([
      'perf',
      '-b',
      kafkaBootstrap(),
      '-t',
      topic,
      '-n',
      '2000',
      '-s',
      '64',
      '--throughput',
      '4000',
      '--json',
      '--linger-ms',
      '0',
    ]);
    expect(run.code).toBe(0);
    expect(run.stderr).toBe('');
    const result = JSON.parse(run.stdout) as Record<string, number | string>;
    expect(Object.keys(result).sort()).toEqual(
      [
        'avgLatencyMs',
        'bytes',
        'elapsedMs',
        'failed',
        'maxLatencyMs',
        'mbPerSec',
        'p50Ms',
        'p95Ms',
        'p99Ms',
        'p999Ms',
        'recordSize',
        'records',
        'recordsPerSec',
        'topic',
      ].sort(),
    );
    expect(result).toMatchObject({ topic, records: 2000, recordSize: 64, bytes: 128000, failed: 0 });
    const n = (k: string) => result[k] as number;
    // 2000 records at 4000/s cannot take less than half a second.
    expect(n('elapsedMs')).toBeGreaterThanOrEqual(499);
    expect(n('recordsPerSec')).toBeCloseTo((2000 * 1000) / n('elapsedMs'), 6);
    expect(n('mbPerSec')).toBeCloseTo((128000 * 1000) / n('elapsedMs') / 1048576, 6);
    expect(n('p50Ms')).toBeLessThanOrEqual(n('p95Ms'));
    expect(n('p95Ms')).toBeLessThanOrEqual(n('p99Ms'));
    expect(n('p99Ms')).toBeLessThanOrEqual(n('p999Ms'));
    expect(n('p999Ms')).toBeLessThanOrEqual(n('maxLatencyMs'));
    expect((await consumeAll({ topic, count: 2000 })).length).toBe(2000);
  });
});
