import type { RecordHeader } from '../records/types.js';
import { InvalidRecordError } from './errors.js';

// Validation and conversion of what users pass to send(). Bad input is rejected on that record alone with
// an error that names the field, so nothing else already queued is lost.

/** Keys and values: bytes as they are, strings as UTF-8, numbers and bigints as their decimal UTF-8 text. */
export type KeyValue = Uint8Array | string | number | bigint | null | undefined;
export type HeaderValue = Uint8Array | string | null | undefined;

export interface ProducerRecord<K = KeyValue, V = KeyValue> {
  topic: string;
  /** Bytes, text, a number, or whatever the producer's keySerializer takes; null/absent for no key. */
  key?: K | null;
  /** Bytes, text, a number, or whatever the producer's valueSerializer takes; null for a tombstone. */
  value: V | null;
  /** An object (`{ name: value }`) or a list of pairs, which may repeat a key, as Kafka allows. */
  headers?: Record<string, HeaderValue | HeaderValue[]> | Array<{ key: string; value: HeaderValue }>;
  /** An explicit partition overrides the partitioner. */
  partition?: number;
  /** Milliseconds since the epoch (CreateTime). Default: now. Ignored by topics that use LogAppendTime. */
  timestamp?: number | bigint | Date;
}

// Kafka's own rule (Topic.validate): 1-249 characters of [a-zA-Z0-9._-], and not '.' or '..'.
const TOPIC_NAME = /^[a-zA-Z0-9._-]{1,249}$/;

export function validateTopic(topic: unknown): string {
  if (typeof topic !== 'string') {
    throw new InvalidRecordError(`The record's topic must be a string, got ${describe(topic)}.`);
  }
  if (!TOPIC_NAME.test(topic) || topic === '.' || topic === '..') {
    throw new InvalidRecordError(
      `'${topic}' is not a valid Kafka topic name: use 1 to 249 characters of letters, digits, '.', '_' and '-' (and not '.' or '..').`,
    );
  }
  return topic;
}

/**
 * A string's UTF-8 bytes. Buffer.from places short strings in Node's shared 8 KiB pool, where TextEncoder
 * allocates an ArrayBuffer of its own for each: with a few hundred thousand records held that was 2.4x the CPU,
 * most of it garbage collection. Lone surrogates become U+FFFD either way.
 */
export function utf8Bytes(text: string): Uint8Array {
  return Buffer.from(text, 'utf8');
}

export function toBytes(value: unknown, what: string): Uint8Array | null {
  if (value === null || value === undefined) return null;
  if (value instanceof Uint8Array) return value;
  if (typeof value === 'string') return utf8Bytes(value);
  if (typeof value === 'number') {
    if (!Number.isFinite(value))
      throw new InvalidRecordError(`The record's ${what} must be a finite number, got ${value}.`);
    return utf8Bytes(String(value));
  }
  if (typeof value === 'bigint') return utf8Bytes(value.toString());
  if (ArrayBuffer.isView(value)) return new Uint8Array(value.buffer, value.byteOffset, value.byteLength);
  throw new InvalidRecordError(
    `The record's ${what} must be a Buffer/Uint8Array, string, number, bigint or null, got ${describe(value)}. Serialize it first (e.g. JSON.stringify).`,
  );
}

export function toHeaders(headers: ProducerRecord['headers']): RecordHeader[] | undefined {
  if (headers === undefined || headers === null) return undefined;
  // Sized exactly: the record holds this list until the broker acknowledges it, and an array grown by push
  // keeps room for 17 entries (136 bytes more than 2 headers need, per record).
  if (Array.isArray(headers)) {
    const out: RecordHeader[] = new Array(headers.length);
    for (let i = 0; i < headers.length; i++) {
      const header = headers[i];
      if (header === null || typeof header !== 'object' || typeof header.key !== 'string') {
        throw new InvalidRecordError(
          `Every header must be { key: string, value: Buffer | string | null }, got ${describe(header)}.`,
        );
      }
      out[i] = { key: header.key, value: headerBytes(header.key, header.value) };
    }
    return out;
  }
  if (typeof headers !== 'object') {
    throw new InvalidRecordError(
      `The record's headers must be an object or an array, got ${describe(headers)}.`,
    );
  }
  const entries = Object.entries(headers);
  let count = 0;
  for (const [, value] of entries) count += Array.isArray(value) ? value.length : 1;
  const out: RecordHeader[] = new Array(count);
  let i = 0;
  for (const [key, value] of entries) {
    if (Array.isArray(value)) {
      for (const item of value) out[i++] = { key, value: headerBytes(key, item) };
    } else out[i++] = { key, value: headerBytes(key, value) };
  }
  return out;
}

/** A header value's bytes; the name for an error is built only when one is thrown. */
function headerBytes(key: string, value: unknown): Uint8Array | null {
  if (typeof value === 'string') return utf8Bytes(value);
  if (value instanceof Uint8Array) return value;
  return toBytes(value, `header '${key}' value`);
}

export function toTimestamp(timestamp: ProducerRecord['timestamp'], now: number): bigint {
  if (timestamp === undefined || timestamp === null) return BigInt(now);
  if (typeof timestamp === 'bigint') return checkTimestamp(timestamp);
  if (typeof timestamp === 'number') {
    if (!Number.isSafeInteger(timestamp)) {
      throw new InvalidRecordError(`The record's timestamp must be whole milliseconds, got ${timestamp}.`);
    }
    return checkTimestamp(BigInt(timestamp));
  }
  if (timestamp instanceof Date) {
    const ms = timestamp.getTime();
    if (Number.isNaN(ms)) throw new InvalidRecordError("The record's timestamp is an invalid Date.");
    return checkTimestamp(BigInt(ms));
  }
  throw new InvalidRecordError(
    `The record's timestamp must be a number, bigint or Date (ms since the epoch), got ${describe(timestamp)}.`,
  );
}

function checkTimestamp(value: bigint): bigint {
  // Kafka refuses negative CreateTime timestamps other than -1 (no timestamp).
  if (value < 0n) {
    throw new InvalidRecordError(`The record's timestamp must not be negative, got ${value}.`);
  }
  return value;
}

export function validatePartition(partition: unknown, numPartitions: number, topic: string): number {
  if (typeof partition !== 'number' || !Number.isInteger(partition) || partition < 0) {
    throw new InvalidRecordError(
      `The record's partition must be a non-negative integer, got ${describe(partition)}.`,
    );
  }
  if (partition >= numPartitions) {
    throw new InvalidRecordError(
      `Partition ${partition} does not exist: topic '${topic}' has ${numPartitions} partition(s) (0 to ${numPartitions - 1}).`,
    );
  }
  return partition;
}

function describe(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'an array';
  if (typeof value === 'object') return `an object (${value.constructor?.name ?? 'Object'})`;
  return `${typeof value} ${String(value)}`;
}
