// Codecs for single wire types (integers, strings, bytes, UUIDs, arrays) in their classic and compact
// (flexible) forms, nullable or not. message-codec.ts composes them into struct and message codecs.
// size() validates the value and returns its exact encoded size; write() trusts what size() accepted;
// read() checks every length against the bytes left before using it.

import type { EncodeProblem } from './codec-errors.js';
import { KafkaDecodeError } from './codec-errors.js';
import { INT16_MAX, INT16_MIN, INT32_MAX, INT32_MIN, INT64_MAX, INT64_MIN } from './int-limits.js';
import type { Reader } from './reader.js';
import { isUuidString } from './uuid.js';
import { uvarintSize } from './varint.js';
import type { Writer } from './writer.js';

// --- faults raised while sizing (validating) a value ----------------------------------------------------

/** @internal Carries an encode problem up to the message level, collecting the field path on the way. */
export class EncodeFault extends Error {
  readonly path: string[] = [];
  constructor(
    readonly problem: EncodeProblem,
    readonly reason: string,
  ) {
    super(reason);
  }
}

export function invalid(reason: string): never {
  throw new EncodeFault('invalid-value', reason);
}

export function show(v: unknown): string {
  if (typeof v === 'bigint') return `${v}n`;
  if (typeof v === 'string') return JSON.stringify(v.length > 40 ? `${v.slice(0, 40)}...` : v);
  if (v instanceof Uint8Array) return `${v.length} bytes`;
  if (Array.isArray(v)) return `an array of ${v.length}`;
  if (v !== null && typeof v === 'object') return 'an object';
  return String(v);
}

// --- codecs ------------------------------------------------------------------------------------------------

/** Size, write and read one value of one wire type at one version. */
export interface Codec {
  /** Fewest bytes any encoding of this type takes; bounds element counts read from the wire. */
  readonly minSize: number;
  /** Validates `v` and returns its encoded size; throws EncodeFault. */
  size(v: unknown): number;
  /** Writes a value that size() accepted. */
  write(w: Writer, v: unknown): void;
  read(r: Reader): unknown;
}

function intCodec(
  type: string,
  bytes: number,
  lo: number,
  hi: number,
  write: (w: Writer, v: number) => void,
  read: (r: Reader) => number,
): Codec {
  return {
    minSize: bytes,
    size(v) {
      if (typeof v !== 'number' || !Number.isInteger(v) || v < lo || v > hi) {
        invalid(`${show(v)} is not an ${type} (an integer from ${lo} to ${hi})`);
      }
      return bytes;
    },
    write: write as (w: Writer, v: unknown) => void,
    read,
  };
}

export const INT8 = intCodec(
  'int8',
  1,
  -0x80,
  0x7f,
  (w, v) => w.int8(v),
  (r) => r.int8(),
);
export const INT16 = intCodec(
  'int16',
  2,
  INT16_MIN,
  INT16_MAX,
  (w, v) => w.int16(v),
  (r) => r.int16(),
);
export const UINT16 = intCodec(
  'uint16',
  2,
  0,
  0xffff,
  (w, v) => w.uint16(v),
  (r) => r.uint16(),
);
export const INT32 = intCodec(
  'int32',
  4,
  INT32_MIN,
  INT32_MAX,
  (w, v) => w.int32(v),
  (r) => r.int32(),
);

export const INT64: Codec = {
  minSize: 8,
  size(v) {
    if (typeof v !== 'bigint' || v < INT64_MIN || v > INT64_MAX) {
      invalid(`${show(v)} is not an int64 (a bigint from -2^63 to 2^63-1)`);
    }
    return 8;
  },
  write: (w, v) => w.int64(v as bigint),
  read: (r) => r.int64(),
};

export const FLOAT64: Codec = {
  minSize: 8,
  size(v) {
    if (typeof v !== 'number') invalid(`${show(v)} is not a float64 (a number)`);
    return 8;
  },
  write: (w, v) => w.float64(v as number),
  read: (r) => r.float64(),
};

export const BOOL: Codec = {
  minSize: 1,
  size(v) {
    if (typeof v !== 'boolean') invalid(`${show(v)} is not a bool`);
    return 1;
  },
  write: (w, v) => w.bool(v as boolean),
  read: (r) => r.bool(),
};

export const UUID: Codec = {
  minSize: 16,
  size(v) {
    if (!isUuidString(v)) invalid(`${show(v)} is not a Kafka UUID (22 URL-safe base64 characters)`);
    return 16;
  },
  write: (w, v) => w.uuid(v as string),
  read: (r) => r.uuid(),
};

// Java refuses strings longer than Short.MAX_VALUE bytes in both encodings.
const MAX_STRING_BYTES = INT16_MAX;
// In 'u' mode a valid surrogate pair is one code point, so this matches lone surrogates only. Java would
// write those as '?' and Node as U+FFFD; neither is what the caller meant, so we refuse them.
const LONE_SURROGATE = /\p{Cs}/u;

function stringByteLength(v: unknown): number {
  if (typeof v !== 'string') invalid(`${show(v)} is not a string`);
  const length = Buffer.byteLength(v, 'utf8');
  if (length > MAX_STRING_BYTES)
    invalid(`string of ${length} UTF-8 bytes is longer than the 32767 Kafka allows`);
  if (length !== v.length && LONE_SURROGATE.test(v)) invalid(`${show(v)} contains a lone UTF-16 surrogate`);
  return length;
}

export function stringCodec(flexible: boolean, nullable: boolean): Codec {
  if (flexible) {
    return {
      minSize: 1,
      size(v) {
        if (v === null) {
          if (!nullable) invalid('null is not allowed (the field is not nullable at this version)');
          return 1;
        }
        const length = stringByteLength(v);
        return uvarintSize(length + 1) + length;
      },
      write(w, v) {
        if (v === null) {
          w.uvarint(0);
          return;
        }
        const length = Buffer.byteLength(v as string, 'utf8');
        w.uvarint(length + 1);
        w.utf8(v as string, length);
      },
      read(r) {
        const at = r.pos;
        const n = r.uvarint();
        if (n === 0) {
          if (!nullable) r.fail('null for a string that is not nullable at this version', at);
          return null;
        }
        if (n - 1 > MAX_STRING_BYTES)
          r.fail(`string length ${n - 1} is longer than the 32767 Kafka allows`, at);
        return r.utf8(n - 1);
      },
    };
  }
  return {
    minSize: 2,
    size(v) {
      if (v === null) {
        if (!nullable) invalid('null is not allowed (the field is not nullable at this version)');
        return 2;
      }
      return 2 + stringByteLength(v);
    },
    write(w, v) {
      if (v === null) {
        w.int16(-1);
        return;
      }
      const length = Buffer.byteLength(v as string, 'utf8');
      w.int16(length);
      w.utf8(v as string, length);
    },
    read(r) {
      const at = r.pos;
      const length = r.int16();
      if (length < 0) {
        if (length !== -1) r.fail(`negative string length ${length}`, at);
        if (!nullable) r.fail('null for a string that is not nullable at this version', at);
        return null;
      }
      return r.utf8(length);
    },
  };
}

/** `bytes` and `records` share one encoding: a length (int32, or uvarint length+1 when compact) and the bytes. */
export function bytesCodec(flexible: boolean, nullable: boolean): Codec {
  const check = (v: unknown): v is Uint8Array | null => {
    if (v === null) {
      if (!nullable) invalid('null is not allowed (the field is not nullable at this version)');
      return true;
    }
    if (!(v instanceof Uint8Array)) invalid(`${show(v)} is not a Uint8Array`);
    return true;
  };
  if (flexible) {
    return {
      minSize: 1,
      size(v) {
        check(v);
        return v === null ? 1 : uvarintSize((v as Uint8Array).length + 1) + (v as Uint8Array).length;
      },
      write(w, v) {
        if (v === null) {
          w.uvarint(0);
          return;
        }
        w.uvarint((v as Uint8Array).length + 1);
        w.bytes(v as Uint8Array);
      },
      read(r) {
        const at = r.pos;
        const n = r.uvarint();
        if (n === 0) {
          if (!nullable) r.fail('null for bytes that are not nullable at this version', at);
          return null;
        }
        return r.bytes(n - 1);
      },
    };
  }
  return {
    minSize: 4,
    size(v) {
      check(v);
      return v === null ? 4 : 4 + (v as Uint8Array).length;
    },
    write(w, v) {
      if (v === null) {
        w.int32(-1);
        return;
      }
      w.int32((v as Uint8Array).length);
      w.bytes(v as Uint8Array);
    },
    read(r) {
      const at = r.pos;
      const length = r.int32();
      if (length < 0) {
        if (length !== -1) r.fail(`negative bytes length ${length}`, at);
        if (!nullable) r.fail('null for bytes that are not nullable at this version', at);
        return null;
      }
      return r.bytes(length);
    },
  };
}

export function prependEncodePath(e: unknown, segment: string): unknown {
  if (e instanceof EncodeFault && segment !== '') e.path.unshift(segment);
  return e;
}

export function prependDecodePath(e: unknown, segment: string): unknown {
  if (e instanceof KafkaDecodeError && segment !== '') e.prependField(segment);
  return e;
}

export function arrayCodec(element: Codec, flexible: boolean, nullable: boolean): Codec {
  return {
    minSize: flexible ? 1 : 4,
    size(v) {
      if (v === null) {
        if (!nullable) invalid('null is not allowed (the array is not nullable at this version)');
        return flexible ? 1 : 4;
      }
      if (!Array.isArray(v)) invalid(`${show(v)} is not an array`);
      let size = flexible ? uvarintSize(v.length + 1) : 4;
      let i = 0;
      try {
        for (; i < v.length; i++) size += element.size(v[i]);
      } catch (e) {
        throw prependEncodePath(e, `[${i}]`);
      }
      return size;
    },
    write(w, v) {
      if (v === null) {
        if (flexible) w.uvarint(0);
        else w.int32(-1);
        return;
      }
      const items = v as unknown[];
      if (flexible) w.uvarint(items.length + 1);
      else w.int32(items.length);
      for (let i = 0; i < items.length; i++) element.write(w, items[i]);
    },
    read(r) {
      const at = r.pos;
      let count: number;
      if (flexible) {
        const n = r.uvarint();
        if (n === 0) {
          if (!nullable) r.fail('null for an array that is not nullable at this version', at);
          return null;
        }
        count = n - 1;
      } else {
        count = r.int32();
        if (count < 0) {
          if (count !== -1) r.fail(`negative array length ${count}`, at);
          if (!nullable) r.fail('null for an array that is not nullable at this version', at);
          return null;
        }
      }
      r.checkCount(count, element.minSize, at);
      const items: unknown[] = [];
      let i = 0;
      try {
        for (; i < count; i++) items.push(element.read(r));
      } catch (e) {
        throw prependDecodePath(e, `[${i}]`);
      }
      return items;
    },
  };
}
