// The load every fault case runs under, and the check afterwards. Records are ~100 bytes, keyed over
// KEYS keys (so every one of the 6 partitions gets many keys); record i's value starts with its number, so
// what Kafka's consumer reads back can be matched to what send() was asked to write, and in which order.
import { performance } from 'node:perf_hooks';
import type { Producer } from '../../../src/index.js';
import type { ConsumedRecord } from '../../harness/index.js';

export const KEYS = 600;
const VALUE_BYTES = 100;
const FILLER = 'x'.repeat(VALUE_BYTES);

export function recordKey(i: number): string {
  return `key-${i % KEYS}`;
}

export function recordValue(i: number): string {
  const head = `r${i.toString().padStart(9, '0')};`;
  return head + FILLER.slice(head.length);
}

function indexOf(value: Buffer | null): number {
  if (value === null || value[0] !== 0x72 /* r */) return -1;
  return Number(value.subarray(1, 10).toString('latin1'));
}

/** Whether `promise` has settled yet, and its rejection, readable synchronously from a send loop. */
export function watch(promise: Promise<unknown>): { settled: boolean; error: unknown } {
  const state: { settled: boolean; error: unknown } = { settled: false, error: undefined };
  promise.then(
    () => {
      state.settled = true;
    },
    (error: unknown) => {
      state.settled = true;
      state.error = error;
    },
  );
  return state;
}

export interface LoadOptions {
  /** Send at least this many records. */
  minRecords: number;
  /** Most sends awaiting their outcome at once (a sliding window). */
  window: number;
  /** Pace while fewer than minRecords are sent, records per second. */
  ratePerSec: number;
  /** Pace after minRecords while the fault is still going on. */
  trickleRatePerSec: number;
  /** Records sent after the fault has finished, to show the producer is healthy again. */
  tailRecords: number;
}

/** What happened to every record sent, indexed by record number. */
export class Load {
  sent = 0;
  /** 0 pending, 1 acknowledged, 2 rejected. */
  status: Uint8Array;
  partition: Int8Array;
  offset: Float64Array;
  /** performance.now() of the outcome. */
  settledAt: Float64Array;
  sentAt: Float64Array;
  readonly rejections = new Map<string, number>();
  readonly #capacity: number;

  constructor(capacity: number) {
    this.#capacity = capacity;
    this.status = new Uint8Array(capacity);
    this.partition = new Int8Array(capacity).fill(-1);
    this.offset = new Float64Array(capacity).fill(-1);
    this.settledAt = new Float64Array(capacity);
    this.sentAt = new Float64Array(capacity);
  }

  get capacity(): number {
    return this.#capacity;
  }

  count(status: 0 | 1 | 2): number {
    let n = 0;
    for (let i = 0; i < this.sent; i++) if (this.status[i] === status) n++;
    return n;
  }
}

/**
 * Sends records through `producer` (bounded window, paced) until at least minRecords are sent and
 * `faultDone` has resolved, then tailRecords more; resolves when every send has settled.
 */
export async function runLoad(
  producer: Producer,
  topic: string,
  options: LoadOptions,
  faultDone: Promise<unknown>,
  load: Load,
): Promise<void> {
  const fault = watch(faultDone);
  let outstanding = 0;
  let wake: (() => void) | null = null;
  const settle = () => {
    outstanding--;
    const w = wake;
    wake = null;
    w?.();
  };
  const started = performance.now();
  let tailUntil = -1;
  let trickleFrom = -1;
  let trickleSent = 0;
  for (;;) {
    const i = load.sent;
    if (fault.settled && tailUntil < 0) tailUntil = Math.max(i, options.minRecords) + options.tailRecords;
    if (tailUntil >= 0 && i >= tailUntil) break;
    if (i >= load.capacity) throw new Error(`load capacity ${load.capacity} exceeded: the fault never ended`);
    // Pacing: a steady rate up to minRecords, a trickle while a fault outlasts them, full speed for the tail.
    let due: number;
    if (i < options.minRecords) due = started + (i / options.ratePerSec) * 1000;
    else if (!fault.settled) {
      if (trickleFrom < 0) trickleFrom = performance.now();
      due = trickleFrom + (trickleSent / options.trickleRatePerSec) * 1000;
    } else due = 0;
    const wait = due - performance.now();
    if (wait > 1) await new Promise((resolve) => setTimeout(resolve, Math.min(wait, 50)));
    if (performance.now() < due - 1) continue;
    if (outstanding >= options.window) {
      await new Promise<void>((resolve) => {
        wake = resolve;
      });
      continue;
    }
    if (i >= options.minRecords && !fault.settled) trickleSent++;
    load.sent++;
    outstanding++;
    load.sentAt[i] = performance.now();
    producer.send({ topic, key: recordKey(i), value: recordValue(i) }).then(
      (meta) => {
        load.status[i] = 1;
        load.partition[i] = meta.partition;
        load.offset[i] = Number(meta.offset);
        load.settledAt[i] = performance.now();
        settle();
      },
      (error: unknown) => {
        load.status[i] = 2;
        load.settledAt[i] = performance.now();
        const reason =
          error instanceof Error ? `${error.name}: ${error.message.slice(0, 200)}` : String(error);
        load.rejections.set(reason, (load.rejections.get(reason) ?? 0) + 1);
        settle();
      },
    );
  }
  while (outstanding > 0) {
    await new Promise<void>((resolve) => {
      wake = resolve;
    });
  }
  if (fault.error !== undefined) throw fault.error;
}

export interface Verdict {
  sent: number;
  acknowledged: number;
  rejected: number;
  /** Distinct sent records present in the log. */
  found: number;
  /** Acknowledged records absent from the log. */
  lost: number;
  /** Extra copies of records in the log. */
  duplicated: number;
  /** First copies of a key's records that are not in send order within their partition. */
  outOfOrder: number;
  /** Acknowledged records not at the partition and offset send() reported. */
  misplaced: number;
  /** Rejected (or never settled) records that are in the log anyway ("may or may not have been written"). */
  rejectedButWritten: number;
  /** Records in the log this run never sent. */
  foreign: number;
  /** Longest time, over partitions, between two consecutive acknowledgements of one partition (ms). */
  maxAckGapMs: number;
  /** From the fault to the first acknowledgement of a record sent after it (ms). */
  firstAckAfterFaultMs: number | null;
}

export function verify(load: Load, consumed: ConsumedRecord[], faultAt: number | null): Verdict {
  const copies = new Uint16Array(load.sent);
  const at = new Map<string, number>();
  let foreign = 0;
  let duplicated = 0;
  let outOfOrder = 0;
  // Log order: by partition, then offset (consumeAll's order; sorted again to rely on nothing).
  const ordered = [...consumed].sort((a, b) => a.partition - b.partition || Number(a.offset - b.offset));
  const lastOfKey = new Map<string, number>();
  for (const r of ordered) {
    const i = indexOf(r.value);
    if (
      i < 0 ||
      i >= load.sent ||
      r.key?.toString() !== recordKey(i) ||
      r.value?.toString() !== recordValue(i)
    ) {
      foreign++;
      continue;
    }
    at.set(`${r.partition}/${r.offset}`, i);
    copies[i] = (copies[i] ?? 0) + 1;
    if (copies[i]! > 1) {
      duplicated++;
      continue;
    }
    const key = `${r.partition}/${recordKey(i)}`;
    const last = lastOfKey.get(key) ?? -1;
    if (i < last) outOfOrder++;
    else lastOfKey.set(key, i);
  }
  let found = 0;
  let lost = 0;
  let misplaced = 0;
  let rejectedButWritten = 0;
  let acknowledged = 0;
  let rejected = 0;
  for (let i = 0; i < load.sent; i++) {
    const present = copies[i]! > 0;
    if (present) found++;
    if (load.status[i] === 1) {
      acknowledged++;
      if (!present) lost++;
      else if (at.get(`${load.partition[i]}/${load.offset[i]}`) !== i) misplaced++;
    } else {
      if (load.status[i] === 2) rejected++;
      if (present) rejectedButWritten++;
    }
  }
  // Longest silence per partition between acknowledgements (in the order they arrived).
  const acksByPartition = new Map<number, number[]>();
  let firstAckAfterFault: number | null = null;
  for (let i = 0; i < load.sent; i++) {
    if (load.status[i] !== 1) continue;
    const p = load.partition[i]!;
    let list = acksByPartition.get(p);
    if (!list) {
      list = [];
      acksByPartition.set(p, list);
    }
    list.push(load.settledAt[i]!);
    if (faultAt !== null && load.sentAt[i]! >= faultAt) {
      const t = load.settledAt[i]!;
      if (firstAckAfterFault === null || t < firstAckAfterFault) firstAckAfterFault = t;
    }
  }
  let maxAckGapMs = 0;
  for (const list of acksByPartition.values()) {
    list.sort((a, b) => a - b);
    for (let k = 1; k < list.length; k++) maxAckGapMs = Math.max(maxAckGapMs, list[k]! - list[k - 1]!);
  }
  return {
    sent: load.sent,
    acknowledged,
    rejected,
    found,
    lost,
    duplicated,
    outOfOrder,
    misplaced,
    rejectedButWritten,
    foreign,
    maxAckGapMs: Math.round(maxAckGapMs),
    firstAckAfterFaultMs:
      faultAt === null || firstAckAfterFault === null ? null : Math.round(firstAckAfterFault - faultAt),
  };
}
