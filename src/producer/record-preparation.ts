import { varintSize } from '../protocol/varint.js';
import { aloneBodySize, RECORD_BATCH_OVERHEAD } from '../records/index.js';
import { type Serializer, serializePart } from '../serializers/types.js';
import { RECORD_GROWTH_BOUND } from './admission.js';
import { InvalidRecordError, ProducerConfigError, RecordTooLargeError } from './errors.js';
import type { PendingRecord } from './producer-batch.js';
import {
  type KeyValue,
  type ProducerRecord,
  toBytes,
  toHeaders,
  toTimestamp,
  utf8Bytes,
  validateTopic,
} from './record-input.js';
import { StringKeyCache } from './string-key-cache.js';

// Turns what the caller passed to send()/produce() into the record the accumulator keeps: validated,
// serialized (possibly asynchronously, by a schema registry serializer), timestamped, and checked against
// maxRequestSize and bufferMemory. Runs once per record, so it allocates only the record itself.

/**
 * Value strings up to this many UTF-16 units are written into the scratch buffer by prepare(record, true):
 * at most 3 UTF-8 bytes a unit, they always fit its 4 KiB.
 */
const BORROWED_VALUE_MAX_LENGTH = 1365;
const SCRATCH_BYTES = 4096;

export interface RecordPreparationOptions<K, V> {
  maxRequestSize: number;
  bufferMemory: number;
  keySerializer: Serializer<K> | undefined;
  valueSerializer: Serializer<V> | undefined;
}

export class RecordPreparation<K = KeyValue, V = KeyValue> {
  private readonly maxRequestSize: number;
  private readonly bufferMemory: number;
  private readonly keySerializer: Serializer<K> | undefined;
  private readonly valueSerializer: Serializer<V> | undefined;
  private lastValidTopic: string | undefined;
  /** Date.now() as a bigint, reused within one millisecond (a BigInt per record is garbage to collect). */
  private lastNowMs = -1;
  private lastNow = 0n;
  private readonly keys = new StringKeyCache(utf8Bytes);
  /**
   * Where a string value's bytes go when the caller appends the record before preparing another: the batch
   * copies them at append, so a Buffer per value (~100-190 bytes of heap, garbage at once) is not needed.
   * Its own ArrayBuffer (not Node's shared pool), so a borrowed value is recognisable by its buffer.
   */
  private readonly scratch = Buffer.allocUnsafeSlow(SCRATCH_BYTES);
  /** A view of the scratch per byte length, made once: a record's value must be exactly its bytes. */
  private readonly scratchViews: Array<Uint8Array | undefined> = [];
  /**
   * A prepared record that was appended and let go of (recycle()): the next preparation fills it again
   * instead of making another object (~100 bytes per record, garbage right after its append).
   */
  private spare: PreparedRecord | null = null;

  /** Throws ProducerConfigError for a serializer without a serialize method. */
  constructor(options: RecordPreparationOptions<K, V>) {
    this.maxRequestSize = options.maxRequestSize;
    this.bufferMemory = options.bufferMemory;
    this.keySerializer = checkSerializer(options.keySerializer, 'keySerializer');
    this.valueSerializer = checkSerializer(options.valueSerializer, 'valueSerializer');
  }

  /**
   * The prepared record; a promise while a serializer works asynchronously. Throws for bad input.
   * With `borrow`, a string value's bytes may live in a scratch buffer that the next prepare() overwrites:
   * the caller then either appends the record before preparing another, or calls keep() on it.
   */
  prepare(record: ProducerRecord<K, V>, borrow = false): PreparedRecord | Promise<PreparedRecord> {
    if (record === null || typeof record !== 'object') {
      throw new InvalidRecordError(
        `send() takes a record object like { topic, key, value }, got ${String(record)}.`,
      );
    }
    // Most producers write to few topics: a name checked once needs no regular expression again.
    const topic = record.topic === this.lastValidTopic ? this.lastValidTopic : validateTopic(record.topic);
    this.lastValidTopic = topic;
    const headers = toHeaders(record.headers as ProducerRecord['headers']);
    if (this.keySerializer === undefined && this.valueSerializer === undefined) {
      const key = typeof record.key === 'string' ? this.keys.bytes(record.key) : toBytes(record.key, 'key');
      const text = record.value;
      const value =
        borrow && typeof text === 'string' && text.length <= BORROWED_VALUE_MAX_LENGTH
          ? this.borrowed(text)
          : toBytes(text, 'value');
      return this.finishPrepare(record, topic, key, value, headers);
    }
    // Serializers may add headers (a content type, a schema id): they get the list to push onto.
    const list = headers ?? [];
    const key =
      this.keySerializer === undefined
        ? typeof record.key === 'string'
          ? this.keys.bytes(record.key)
          : toBytes(record.key, 'key')
        : serializePart(this.keySerializer, record.key, { topic, headers: list, isKey: true });
    const value =
      this.valueSerializer === undefined
        ? toBytes(record.value, 'value')
        : serializePart(this.valueSerializer, record.value, { topic, headers: list, isKey: false });
    const finish = (k: Uint8Array | null, v: Uint8Array | null) =>
      this.finishPrepare(record, topic, k, v, list.length === 0 ? undefined : list);
    if (key instanceof Promise || value instanceof Promise) {
      return Promise.all([key, value]).then(([k, v]) => finish(k, v));
    }
    return finish(key, value);
  }

  private finishPrepare(
    record: ProducerRecord<K, V>,
    topic: string,
    key: Uint8Array | null,
    value: Uint8Array | null,
    headers: Array<{ key: string; value: Uint8Array | null }> | undefined,
  ): PreparedRecord {
    const timestamp =
      record.timestamp === undefined || record.timestamp === null
        ? this.nowTimestamp()
        : toTimestamp(record.timestamp, 0);
    const prepared = this.blank();
    prepared.topic = topic;
    prepared.key = key;
    prepared.value = value;
    prepared.headers = headers;
    prepared.timestamp = timestamp;
    prepared.partition = undefined;
    prepared.size = 0;
    // Sized once, here: in its batch only its delta varints differ, so the append derives its size from this.
    const body = aloneBodySize(prepared);
    prepared.alone = body;
    // The record alone in a batch is the smallest request it can travel in.
    const alone = RECORD_BATCH_OVERHEAD + varintSize(body) + body;
    if (alone > this.maxRequestSize) {
      throw new RecordTooLargeError(
        `The record is ${alone} bytes when encoded, more than maxRequestSize (${this.maxRequestSize}). Raise maxRequestSize (and the topic's max.message.bytes) or make the record smaller.`,
      );
    }
    const reserve = alone - RECORD_BATCH_OVERHEAD + RECORD_GROWTH_BOUND;
    if (reserve > this.bufferMemory) {
      throw new RecordTooLargeError(
        `The record is ${alone - RECORD_BATCH_OVERHEAD} bytes when encoded, more than bufferMemory (${this.bufferMemory}) allows (${this.bufferMemory - RECORD_GROWTH_BOUND}). Raise bufferMemory or make the record smaller.`,
      );
    }
    if (record.partition !== undefined && record.partition !== null) {
      if (
        typeof record.partition !== 'number' ||
        !Number.isInteger(record.partition) ||
        record.partition < 0
      ) {
        throw new InvalidRecordError(
          `The record's partition must be a non-negative integer, got ${String(record.partition)}.`,
        );
      }
    }
    prepared.partition = record.partition ?? undefined;
    prepared.reserve = reserve;
    return prepared;
  }

  /**
   * Gives a record prepared with `borrow` bytes of its own, if they were borrowed: for a record that waits
   * (for metadata, for room) instead of being appended at once.
   */
  keep(prepared: PreparedRecord): void {
    const value = prepared.value;
    if (value !== null && value.buffer === this.scratch.buffer) prepared.value = Buffer.from(value);
  }

  /**
   * A prepared record to fill: the spare, or a new one. The one place a prepared record's shape is written, so
   * every one shares V8's hidden class (the same fields, made in the same order).
   */
  blank(): PreparedRecord {
    const spare = this.spare;
    if (spare === null) {
      return {
        topic: '',
        key: null,
        value: null,
        headers: undefined,
        timestamp: 0n,
        partition: undefined,
        reserve: 0,
        alone: 0,
        size: 0,
        callback: noCallback,
      };
    }
    this.spare = null;
    return spare;
  }

  /**
   * Takes back a prepared record that was appended (its bytes are in its batch) and that nothing else refers
   * to: the next preparation reuses the object. It lets go of the record's bytes and settlement at once.
   */
  recycle(prepared: PreparedRecord): void {
    prepared.key = null;
    prepared.value = null;
    prepared.headers = undefined;
    prepared.callback = noCallback;
    this.spare = prepared;
  }

  /** `text`'s UTF-8 bytes in the scratch buffer (the same bytes Buffer.from writes, U+FFFD for lone surrogates). */
  private borrowed(text: string): Uint8Array {
    const length = this.scratch.write(text);
    let view = this.scratchViews[length];
    if (view === undefined) {
      view = new Uint8Array(this.scratch.buffer, this.scratch.byteOffset, length);
      this.scratchViews[length] = view;
    }
    return view;
  }

  private nowTimestamp(): bigint {
    const now = Date.now();
    if (now !== this.lastNowMs) {
      this.lastNowMs = now;
      this.lastNow = BigInt(now);
    }
    return this.lastNow;
  }
}

/** A validated record; the append writes its bytes into a batch, after which it is garbage. */
export interface PreparedRecord extends PendingRecord {
  alone: number;
  topic: string;
  partition: number | undefined;
  /** Bytes this record may take in bufferMemory: its size alone in a batch plus RECORD_GROWTH_BOUND. */
  reserve: number;
}

function noCallback(): void {}

function checkSerializer<T>(
  serializer: Serializer<T> | undefined,
  option: string,
): Serializer<T> | undefined {
  if (serializer === undefined) return undefined;
  if (serializer === null || typeof serializer.serialize !== 'function') {
    throw new ProducerConfigError(option, 'expected an object with a serialize(data, context) method.');
  }
  return serializer;
}
