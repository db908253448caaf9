import type { RecordHeader } from '../records/index.js';
import type { RecordAbort } from './abort.js';
import { objectArray } from './array-kinds.js';
import type { Settlement } from './producer-batch.js';
import type { PreparedRecord } from './record-preparation.js';

// Records waiting for their topic's metadata, in send() order: what a burst of send() calls right after the
// producer is made piles up (every record until the first Metadata answer). Kept as columns, not as the prepared
// record objects: a prepared record is ~104 bytes of heap on Node 20 plus a slot in each of three arrays,
// where its fields in columns take 48 (headers, explicit partitions and cancellation signals get their
// columns only once some record has them). The objects come back one at a time when the metadata arrives.
//
// @locality: event loop only.

export class MetadataQueue {
  private readonly keys: Array<Uint8Array | null> = objectArray();
  private readonly values: Array<Uint8Array | null> = objectArray();
  private readonly timestamps: bigint[] = objectArray();
  /** Each record's body size alone in a batch (PreparedRecord.alone) and its reservation. */
  private readonly alones: number[] = [];
  private readonly reserves: number[] = [];
  readonly callbacks: Settlement[] = objectArray();
  private headers: Array<RecordHeader[] | undefined> | null = null;
  private partitions: Array<number | undefined> | null = null;
  private aborts: Array<RecordAbort | undefined> | null = null;

  constructor(readonly topic: string) {}

  get length(): number {
    return this.callbacks.length;
  }

  /**
   * Takes the record's fields (its value must be its own bytes by now, not a borrowed scratch); the prepared
   * object itself is not kept, so the caller may reuse it.
   */
  push(record: PreparedRecord, callback: Settlement, abort: RecordAbort | undefined): void {
    const at = this.callbacks.length;
    this.keys.push(record.key);
    this.values.push(record.value);
    this.timestamps.push(record.timestamp);
    this.alones.push(record.alone);
    this.reserves.push(record.reserve);
    this.callbacks.push(callback);
    if (record.headers !== undefined && this.headers === null) this.headers = column(at);
    this.headers?.push(record.headers);
    if (record.partition !== undefined && this.partitions === null) this.partitions = column(at);
    this.partitions?.push(record.partition);
    if (abort !== undefined && this.aborts === null) this.aborts = column(at);
    this.aborts?.push(abort);
  }

  /** Record `i`'s fields, written into `into` (a blank prepared record). */
  restore(i: number, into: PreparedRecord): PreparedRecord {
    into.topic = this.topic;
    into.key = this.keys[i]!;
    into.value = this.values[i]!;
    into.headers = this.headers === null ? undefined : this.headers[i];
    into.timestamp = this.timestamps[i]!;
    into.partition = this.partitions === null ? undefined : this.partitions[i];
    into.alone = this.alones[i]!;
    into.reserve = this.reserves[i]!;
    into.size = 0;
    return into;
  }

  abortAt(i: number): RecordAbort | undefined {
    return this.aborts === null ? undefined : this.aborts[i];
  }
}

/** A column made when its first value arrives: `at` records before it had none. */
function column<T>(at: number): Array<T | undefined> {
  const array = objectArray<T | undefined>();
  for (let i = 0; i < at; i++) array.push(undefined);
  return array;
}
