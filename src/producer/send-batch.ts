import { KafkaWireError } from '../errors.js';
import { InvalidRecordError, SendBatchError } from './errors.js';
import type { PromiseSettlement, RecordMetadata } from './producer-batch.js';

// sendBatch(): many records, one promise. Each record is taken exactly as send() takes it; what it holds
// until its outcome is one RecordOutcome (its batch, index and topic: 24 bytes of heap) instead of a promise
// with its resolve and reject plus the caller's Promise.all bookkeeping (~330 bytes a record). The outcomes
// gather in one BatchOutcomes that settles the call's promise once the last record has its outcome.

/** Takes one record the way send() does, settling `settlement` with its outcome (never synchronously). */
export type TakeRecord<R> = (record: R, settlement: PromiseSettlement) => void;

/**
 * Takes every record in order and resolves with their metadata in input order once all were delivered, or
 * rejects with a SendBatchError holding every record's outcome once all have one.
 */
export function sendBatch<R>(records: Iterable<R>, take: TakeRecord<R>): Promise<RecordMetadata[]> {
  let list: readonly R[];
  try {
    // An iterable is read whole first, so a throwing iterator fails the call before any record is taken.
    list = Array.isArray(records) ? records : Array.from(records);
  } catch (error) {
    return Promise.reject(
      new InvalidRecordError(
        `sendBatch() needs an array (or an iterable) of records, and reading the one given failed: ${describe(error)} Nothing was sent.`,
      ),
    );
  }
  const count = list.length;
  if (count === 0) return Promise.resolve([]);
  let outcomes!: BatchOutcomes;
  const promise = new Promise<RecordMetadata[]>((resolve, reject) => {
    outcomes = new BatchOutcomes(count, resolve, reject);
  });
  for (let i = 0; i < count; i++) {
    const record = list[i] as R;
    const outcome = new RecordOutcome(outcomes, i, topicOf(record));
    try {
      take(record, outcome);
    } catch (error) {
      // As send() rejects its own promise when taking throws: this record fails, the others go on.
      outcome.reject(error instanceof Error ? error : new KafkaWireError(describe(error)));
    }
  }
  return promise;
}

/** One sendBatch() call's outcomes, by input index; settles the call once none is missing. */
class BatchOutcomes {
  readonly results: Array<RecordMetadata | undefined>;
  /** Made on the first failure: a call that succeeds never pays for them. */
  private errors: Array<Error | undefined> | null = null;
  private failedTopics: Set<string> | null = null;
  private failed = 0;
  private missing: number;

  constructor(
    count: number,
    private readonly resolve: (results: RecordMetadata[]) => void,
    private readonly reject: (error: SendBatchError) => void,
  ) {
    this.results = new Array(count);
    this.missing = count;
  }

  delivered(index: number, metadata: RecordMetadata): void {
    this.results[index] = metadata;
    if (--this.missing === 0) this.finish();
  }

  failedWith(index: number, topic: string, error: Error): void {
    if (this.errors === null) {
      this.errors = new Array<Error | undefined>(this.results.length).fill(undefined);
      this.failedTopics = new Set();
    }
    this.errors[index] = error;
    this.failedTopics!.add(topic);
    this.failed++;
    if (--this.missing === 0) this.finish();
  }

  private finish(): void {
    const errors = this.errors;
    if (errors === null) {
      this.resolve(this.results as RecordMetadata[]);
      return;
    }
    const first = errors.find((error) => error !== undefined)!;
    this.reject(new SendBatchError(this.failed, this.results, errors, [...this.failedTopics!], first));
  }
}

/** One record of a sendBatch() call: settles its slot of the call (a PromiseSettlement with no promise). */
class RecordOutcome implements PromiseSettlement {
  constructor(
    private readonly batch: BatchOutcomes,
    private readonly index: number,
    private readonly topic: string,
  ) {}

  resolve(metadata: RecordMetadata): void {
    this.batch.delivered(this.index, metadata);
  }

  reject(error: Error): void {
    this.batch.failedWith(this.index, this.topic, error);
  }
}

/** The record's topic for SendBatchError's message; a record that is not one fails in send()'s checks. */
function topicOf(record: unknown): string {
  const topic =
    typeof record === 'object' && record !== null ? (record as { topic?: unknown }).topic : undefined;
  return typeof topic === 'string' ? topic : String(topic);
}

function describe(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
