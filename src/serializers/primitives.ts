import { INT16_MAX, INT16_MIN, INT32_MAX, INT32_MIN } from '../protocol/int-limits.js';
import {
  describeValue,
  type SerializationContext,
  SerializationError,
  type Serialized,
  type Serializer,
  subject,
} from './types.js';
import { javaUtf8 } from './utf8.js';

// The serializers of org.apache.kafka.common.serialization, byte for byte (fixtures/serializers/ holds what the
// Java classes wrote; test/unit/serializers checks ours against them). Numbers are big-endian two's complement
// or IEEE 754, as java.nio.ByteBuffer writes them. Like Java's, each one turns null into null (a tombstone).
// Unlike Java, where the type system rules out a long in an IntegerSerializer, JS input is checked at run time:
// anything that Java's type could not hold is refused rather than wrapped or truncated.

/** A serializer that never returns a promise; callable directly, without a context. */
export interface SyncSerializer<T> extends Serializer<T> {
  serialize(data: T | null | undefined, context?: SerializationContext): Serialized;
}

/** Java's StringSerializer (UTF-8): lone surrogates become '?', as String.getBytes(UTF_8) makes them. */
export const stringSerializer: SyncSerializer<string> = {
  serialize(data, context) {
    if (data === null || data === undefined) return null;
    if (typeof data !== 'string') throw wrongType('stringSerializer', 'a string', data, context);
    return javaUtf8(data);
  },
};

/** Java's IntegerSerializer: int32, 4 bytes big-endian. */
export const integerSerializer: SyncSerializer<number> = {
  serialize(data, context) {
    if (data === null || data === undefined) return null;
    checkInteger('integerSerializer', data, INT32_MIN, INT32_MAX, 'an int32', context);
    const out = Buffer.allocUnsafe(4);
    out.writeInt32BE(data, 0);
    return out;
  },
};

/** Java's ShortSerializer: int16, 2 bytes big-endian. */
export const shortSerializer: SyncSerializer<number> = {
  serialize(data, context) {
    if (data === null || data === undefined) return null;
    checkInteger('shortSerializer', data, INT16_MIN, INT16_MAX, 'an int16', context);
    const out = Buffer.allocUnsafe(2);
    out.writeInt16BE(data, 0);
    return out;
  },
};

const INT64_MIN = -(2n ** 63n);
const INT64_MAX = 2n ** 63n - 1n;

/**
 * Java's LongSerializer: int64, 8 bytes big-endian. Takes a bigint, or a number when it is a safe integer
 * (larger numbers have already lost digits, so they are refused rather than written wrong).
 */
export const longSerializer: SyncSerializer<bigint | number> = {
  serialize(data, context) {
    if (data === null || data === undefined) return null;
    let value: bigint;
    if (typeof data === 'bigint') {
      if (data < INT64_MIN || data > INT64_MAX) {
        throw new SerializationError(
          `longSerializer: ${subject(context)} must fit an int64 (${INT64_MIN} to ${INT64_MAX}), got ${data}n.`,
        );
      }
      value = data;
    } else if (typeof data === 'number') {
      if (!Number.isSafeInteger(data)) {
        throw new SerializationError(
          `longSerializer: ${subject(context)} must be a bigint or a safe integer number (|n| <= 2^53 - 1), got ${data}. Pass a bigint for larger int64 values.`,
        );
      }
      value = BigInt(data);
    } else {
      throw wrongType('longSerializer', 'a bigint (or a safe integer number)', data, context);
    }
    const out = Buffer.allocUnsafe(8);
    out.writeBigInt64BE(value, 0);
    return out;
  },
};

// Half an ulp above Float.MAX_VALUE: from here on, rounding to float32 gives Infinity.
const FLOAT32_OVERFLOW = 3.4028235677973366e38;

/**
 * Java's FloatSerializer: float32, 4 bytes big-endian (floatToRawIntBits). The number is rounded to the nearest
 * float32, as Java's (float) cast does; a finite number beyond float32's range is refused instead of becoming
 * Infinity. NaN is written as Java's Float.NaN (0x7fc00000).
 */
export const floatSerializer: SyncSerializer<number> = {
  serialize(data, context) {
    if (data === null || data === undefined) return null;
    if (typeof data !== 'number') throw wrongType('floatSerializer', 'a number', data, context);
    if (Number.isFinite(data) && !Number.isFinite(Math.fround(data))) {
      throw new SerializationError(
        `floatSerializer: ${subject(context)} is outside float32's range (|n| < ${FLOAT32_OVERFLOW}, or it would become Infinity), got ${data}. Use doubleSerializer for float64 values.`,
      );
    }
    const out = Buffer.allocUnsafe(4);
    out.writeFloatBE(data, 0);
    return out;
  },
};

/** Java's DoubleSerializer: float64, 8 bytes big-endian. NaN is written as Java's Double.NaN (0x7ff8...). */
export const doubleSerializer: SyncSerializer<number> = {
  serialize(data, context) {
    if (data === null || data === undefined) return null;
    if (typeof data !== 'number') throw wrongType('doubleSerializer', 'a number', data, context);
    const out = Buffer.allocUnsafe(8);
    out.writeDoubleBE(data, 0);
    return out;
  },
};

/** Java's BooleanSerializer (Kafka 3.x+): one byte, 0x01 for true, 0x00 for false. */
export const booleanSerializer: SyncSerializer<boolean> = {
  serialize(data, context) {
    if (data === null || data === undefined) return null;
    if (typeof data !== 'boolean') throw wrongType('booleanSerializer', 'a boolean', data, context);
    return Uint8Array.of(data ? 1 : 0);
  },
};

const UUID_TEXT = /^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$/;

/**
 * Java's UUIDSerializer: the UUID's 36-character text (UUID.toString(), lower case) in UTF-8, not its 16 raw
 * bytes. Takes the canonical 8-4-4-4-12 hex form in either case and writes it in lower case, as Java does.
 */
export const uuidSerializer: SyncSerializer<string> = {
  serialize(data, context) {
    if (data === null || data === undefined) return null;
    if (typeof data !== 'string' || !UUID_TEXT.test(data)) {
      throw new SerializationError(
        `uuidSerializer: ${subject(context)} must be a UUID string like '123e4567-e89b-12d3-a456-426614174000', got ${describeValue(data)}.`,
      );
    }
    return Buffer.from(data.toLowerCase(), 'latin1');
  },
};

/**
 * Java's ByteArraySerializer, BytesSerializer and ByteBufferSerializer: the bytes as they are (a Buffer is a
 * Uint8Array). Not copied: do not change the array until send() has settled.
 */
export const bytesSerializer: SyncSerializer<Uint8Array> = {
  serialize(data, context) {
    if (data === null || data === undefined) return null;
    if (!(data instanceof Uint8Array)) {
      throw wrongType(
        'bytesSerializer',
        'a Uint8Array or Buffer (wrap other views: new Uint8Array(view.buffer, view.byteOffset, view.byteLength))',
        data,
        context,
      );
    }
    return data;
  },
};

/** Java's VoidSerializer: for keys or values that are always null. Anything else is refused. */
export const voidSerializer: SyncSerializer<null> = {
  serialize(data, context) {
    if (data === null || data === undefined) return null;
    throw new SerializationError(
      `voidSerializer: ${subject(context)} must be null, got ${describeValue(data)}.`,
    );
  },
};

function checkInteger(
  name: string,
  data: unknown,
  min: number,
  max: number,
  kind: string,
  context: SerializationContext | undefined,
): asserts data is number {
  if (typeof data !== 'number') throw wrongType(name, `${kind} number`, data, context);
  if (!Number.isInteger(data) || data < min || data > max) {
    throw new SerializationError(
      `${name}: ${subject(context)} must be a whole number from ${min} to ${max} (${kind}), got ${data}.`,
    );
  }
}

function wrongType(
  name: string,
  expected: string,
  data: unknown,
  context: SerializationContext | undefined,
): SerializationError {
  return new SerializationError(
    `${name}: ${subject(context)} must be ${expected}, got ${describeValue(data)}.`,
  );
}
