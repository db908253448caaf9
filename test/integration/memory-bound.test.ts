import { execFile } from 'node:child_process';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';
import { endOffsets } from '../../scripts/lib/index.mjs';
import {
  createTopic,
  deleteTopic,
  kafkaBootstrap,
  kafkaVersion,
  repoRoot,
  uniqueTopic,
} from '../harness/index.js';

// What bufferMemory promises a user who produces without end: the producer's memory stays bounded however much
// goes through it. 2 GB of 1 KiB keyed values go through the default 32 MiB buffer from a fresh Node process
// running the built package (memory-bound-child.mjs: the runner's own heap would otherwise count), the way the
// README tells a user to produce fast: produce() with a callback, awaiting waitForRoom() when it returns false.
//
// Two bounds. The resident set must not grow with what was produced: the second gigabyte's peak stays within
// 32 MiB (GC timing) of the first's, where before records were written into pooled batch buffers at append it
// climbed from ~180 to ~290 MiB over such a run, as each held value kept Node's 8 KiB allocation slab alive. And
// what the process gains over its RSS right after importing kafka-wire stays within bufferMemory + 96 MiB (batch
// buffers in use and pooled, bounded together by bufferMemory; the V8 heap's young generation and the caller's
// values in flight take the rest; measured ~108 MiB). Issue 14 asked for less, a peak RSS of bufferMemory +
// 64 MiB = 96 MiB for the whole process: not met on Node 20, which starts at ~59 MiB with kafka-wire imported;
// the run peaks at ~150-170 MiB (bench/README.md, "Memory bound").

const BUFFER_MEMORY = 32 * 2 ** 20;
const GROWTH_HEADROOM = 96 * 2 ** 20;
/** How far the second half's peak may sit above the first half's without counting as growth. */
const PLATEAU_SLACK = 32 * 2 ** 20;
const VALUE_BYTES = 2e9;
const VALUE_SIZE = 1024;
const RECORDS = Math.ceil(VALUE_BYTES / VALUE_SIZE);
const PARTITIONS = 6;

interface ChildResult {
  records: number;
  delivered: number;
  failed: number;
  firstError: string | null;
  ms: number;
  rssStart: number;
  rssPeak: number;
  /** Peak RSS while the first and the second half of the records were being produced. */
  halfPeaks: [number, number];
  vmHwm: number | null;
  atPeakMiB: Record<string, number>;
}

describe('memory stays bounded against a real broker', () => {
  it('RSS stays flat and within bufferMemory + 96 MiB of its start while 2 GB are produced through a 32 MiB buffer', async () => {
    const topic = uniqueTopic('memory-bound');
    // The broker checks retention every 5 minutes, so this run's 2 GB stay on its disk until the topic is
    // deleted below; small segments and a retention cap bound what a run that dies before that leaves behind.
    await createTopic({
      topic,
      partitions: PARTITIONS,
      replicationFactor: 1,
      configs: { 'segment.bytes': String(16 * 2 ** 20), 'retention.bytes': String(32 * 2 ** 20) },
    });
    try {
      const { stdout } = await promisify(execFile)(
        process.execPath,
        [
          join(repoRoot, 'test/integration/memory-bound-child.mjs'),
          ...['--bootstrap', kafkaBootstrap(), '--topic', topic, '--mode', 'produce'],
          ...['--bytes', String(VALUE_BYTES), '--value-size', String(VALUE_SIZE)],
          ...['--buffer-memory', String(BUFFER_MEMORY)],
        ],
        { cwd: repoRoot, encoding: 'utf8' },
      );
      const result = JSON.parse(stdout.trim().split('\n').at(-1)!) as ChildResult;
      // The sampled peak can miss a spike between samples; the kernel's high-water mark cannot.
      const peak = Math.max(result.rssPeak, result.vmHwm ?? 0);
      const mib = (bytes: number) => `${(bytes / 2 ** 20).toFixed(1)} MiB`;
      console.log(
        `memory-bound: ${RECORDS.toLocaleString('en-US')} records (${VALUE_BYTES / 1e9} GB of values) in ` +
          `${(result.ms / 1000).toFixed(1)} s; peak RSS ${mib(peak)} (at start ${mib(result.rssStart)}, ` +
          `halves ${mib(result.halfPeaks[0])} / ${mib(result.halfPeaks[1])}, ` +
          `growth bound ${mib(BUFFER_MEMORY + GROWTH_HEADROOM)}); MiB at the sampled peak: ${JSON.stringify(result.atPeakMiB)}`,
      );

      expect(result.firstError).toBeNull();
      expect(result.failed).toBe(0);
      expect(result.records).toBe(RECORDS);
      expect(result.delivered).toBe(RECORDS);
      // Every acknowledged record is in the log once (retention may have dropped old segments; end offsets stay).
      const ends = await endOffsets(kafkaBootstrap(), topic, { version: kafkaVersion() });
      expect(ends.reduce((sum, p) => sum + p.endOffset, 0)).toBe(RECORDS);
      expect(result.halfPeaks[1], 'peak RSS producing the second GB vs the first, bytes').toBeLessThanOrEqual(
        result.halfPeaks[0] + PLATEAU_SLACK,
      );
      expect(peak - result.rssStart, 'RSS gained over the start, bytes').toBeLessThanOrEqual(
        BUFFER_MEMORY + GROWTH_HEADROOM,
      );
    } finally {
      await deleteTopic(topic);
    }
  }, 600_000);
});
