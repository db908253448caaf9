import type { SyncSerializer } from './primitives.js';
import { describeValue, SerializationError, subject } from './types.js';
import { javaUtf8 } from './utf8.js';

// JSON as UTF-8 text, byte for byte what Jackson's ObjectMapper.writeValueAsBytes writes for the same tree (Kafka
// Connect's JsonSerializer and Confluent's KafkaJsonSerializer both use it), so that the same key written from
// Java and from here is the same bytes: same partition, and log compaction sees one key. Jackson writes compact
// JSON with non-ASCII as UTF-8, except characters beyond U+FFFF, which it escapes as a \uD83D\uDE00 pair, and
// upper-case hex in \u escapes; JSON.stringify differs on those two points only, hence the rewrite below.
// What cannot match is numbers: JS has one number type, so a value Jackson holds as the double 100.0 is 100
// here, and 1e21 is spelled 1e+21 (Jackson: 1.0E21). Both parse to the same value.

export interface JsonSerializerOptions {
  /** Passed to JSON.stringify: a function that rewrites values (e.g. bigint to string), as in JSON.stringify. */
  replacer?: (this: unknown, key: string, value: unknown) => unknown;
}

/**
 * A serializer for values JSON.stringify can write. null becomes a null record (a tombstone), as with Java's
 * JSON serializers; input JSON cannot hold (undefined, a function, a symbol, a bigint without a replacer, a
 * cycle) is refused with a SerializationError.
 */
export function jsonSerializer<T = unknown>(options: JsonSerializerOptions = {}): SyncSerializer<T> {
  const { replacer } = options;
  return {
    serialize(data, context) {
      if (data === null || data === undefined) return null;
      let text: string | undefined;
      try {
        text = JSON.stringify(data, replacer);
      } catch (error) {
        const reason = error instanceof Error ? error.message : String(error);
        const hint = /BigInt/i.test(reason)
          ? ' JSON has no bigint: pass a replacer that turns bigints into strings or numbers.'
          : '';
        throw new SerializationError(
          `jsonSerializer: ${subject(context)} cannot be written as JSON: ${reason}.${hint}`,
          { cause: error },
        );
      }
      if (text === undefined) {
        throw new SerializationError(
          `jsonSerializer: ${subject(context)} has no JSON form (JSON.stringify returned undefined for ${describeValue(data)}).`,
        );
      }
      return javaUtf8(MAY_DIFFER_FROM_JACKSON.test(text) ? jacksonSpelling(text) : text);
    },
  };
}

const MAY_DIFFER_FROM_JACKSON = /[\\\uD800-\uDFFF]/;
// Escapes are matched as units so that an escaped backslash followed by "u00.." text is left alone. Outside
// escapes, a surrogate in JSON.stringify's output is always half of a pair (it escapes lone ones itself).
const JACKSON_DIFFERENCES = /\\(?:u([0-9a-f]{4})|[^u])|([\uD800-\uDBFF][\uDC00-\uDFFF])/g;

function jacksonSpelling(text: string): string {
  return text.replace(JACKSON_DIFFERENCES, (match, hex: string | undefined, pair: string | undefined) => {
    if (hex !== undefined) return `\\u${hex.toUpperCase()}`;
    if (pair !== undefined) return `\\u${unit(pair, 0)}\\u${unit(pair, 1)}`;
    return match;
  });
}

const unit = (pair: string, index: number) => pair.charCodeAt(index).toString(16).toUpperCase();
