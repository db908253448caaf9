import { KafkaWireError } from '../errors.js';

// The serializer contract. Kafka only carries bytes: a Serializer<T> turns a key or value of type T into them,
// as Java's org.apache.kafka.common.serialization.Serializer does, and a typed producer checks at compile time
// that what send() gets is a T.

/** A record header as serializers see (and may add to) it. */
export interface SerializerHeader {
  key: string;
  value: Uint8Array | null;
}

/** What a serializer knows about the record it serializes a part of. */
export interface SerializationContext {
  readonly topic: string;
  /**
   * The record's headers, in order. A serializer may push headers onto this list (a content type, a schema
   * id); the producer sends whatever the list holds after both key and value are serialized.
   */
  readonly headers: SerializerHeader[];
  /** true while serializing the key, false for the value (Confluent's subject names depend on it). */
  readonly isKey: boolean;
}

/** Bytes, or null for a null key or value (a tombstone). */
export type Serialized = Uint8Array | null;

/**
 * Turns a T into the bytes Kafka carries. May be synchronous (primitives) or return a promise (schema registry
 * serializers that look up a schema id once). The producer never hands it null or undefined: those go out as
 * a null key/value as they are. Throw (or reject) to refuse input; the record is then not sent and its
 * send() rejects with that error.
 */
export interface Serializer<T> {
  serialize(data: T, context: SerializationContext): Serialized | Promise<Serialized>;
}

/** The type a serializer accepts: `SerializedType<typeof longSerializer>` is `bigint | number`. */
export type SerializedType<S> = S extends Serializer<infer T> ? NonNullable<T> : never;

/** A key or value a serializer refused, or a serializer that failed. Not retriable: fix the input. */
export class SerializationError extends KafkaWireError {
  override name = 'SerializationError';
  constructor(message: string, options: { cause?: unknown } = {}) {
    super(message, { retriable: false, ...options });
  }
}

/**
 * Runs `serializer` on one key or value the way the producer should: null/undefined pass through as null
 * without calling it, a synchronous serializer stays synchronous (no promise per record), and whatever it
 * returns is checked to be bytes or null. Errors come back as SerializationError naming the topic and part;
 * other serializer errors are kept as the cause.
 */
export function serializePart<T>(
  serializer: Serializer<T>,
  data: T | null | undefined,
  context: SerializationContext,
): Serialized | Promise<Serialized> {
  if (data === null || data === undefined) return null;
  let result: Serialized | Promise<Serialized>;
  try {
    result = serializer.serialize(data, context);
  } catch (error) {
    throw wrapError(error, context);
  }
  if (isPromiseLike(result)) {
    return Promise.resolve(result).then(
      (bytes) => checkOutput(bytes, context),
      (error: unknown) => {
        throw wrapError(error, context);
      },
    );
  }
  return checkOutput(result, context);
}

function checkOutput(result: unknown, context: SerializationContext): Serialized {
  if (result === null || result === undefined) return null;
  if (result instanceof Uint8Array) return result;
  throw new SerializationError(
    `The ${part(context)} serializer for topic '${context.topic}' returned ${describeValue(result)}; a serializer must return a Uint8Array (or Buffer) or null.`,
  );
}

function wrapError(error: unknown, context: SerializationContext): SerializationError {
  if (error instanceof SerializationError) return error;
  const reason = error instanceof Error ? error.message : String(error);
  return new SerializationError(
    `The ${part(context)} serializer for topic '${context.topic}' failed: ${reason}`,
    { cause: error },
  );
}

function isPromiseLike(value: unknown): value is PromiseLike<Serialized> {
  return (
    typeof value === 'object' && value !== null && typeof (value as { then?: unknown }).then === 'function'
  );
}

const part = (context: SerializationContext | undefined) => (context?.isKey ? 'key' : 'value');

/** "the value for topic 'x'" or, without a context, "the input". Used by every built-in's error messages. */
export function subject(context: SerializationContext | undefined): string {
  return context === undefined ? 'the input' : `the ${part(context)} for topic '${context.topic}'`;
}

/** A short, safe description of a value for error messages (never its whole content). */
export function describeValue(value: unknown): string {
  if (value === null) return 'null';
  if (value === undefined) return 'undefined';
  if (typeof value === 'string') {
    return value.length > 40 ? `a string ('${value.slice(0, 40)}...')` : `the string '${value}'`;
  }
  if (typeof value === 'number') return `the number ${value}`;
  if (typeof value === 'bigint') return `the bigint ${value}n`;
  if (typeof value === 'boolean') return `the boolean ${value}`;
  if (typeof value === 'symbol' || typeof value === 'function') return `a ${typeof value}`;
  if (Array.isArray(value)) return 'an array';
  if (value instanceof Uint8Array) return `a ${value.constructor.name} of ${value.length} bytes`;
  return `an object (${(value as object).constructor?.name ?? 'Object'})`;
}
