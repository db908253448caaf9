// The records of the runtime smoke test, made the same way by the producing side (produce.mjs, on the runtime
// under test) and the checking side (run.mjs, on the machine's Node), so nothing but the record index has to
// travel between them. They cover what differs between runtimes: text to UTF-8, binary keys and values, null
// and empty fields, repeated and null headers, explicit timestamps, every codec (zlib, WebAssembly zstd,
// our own snappy and lz4) and values large enough to fill several batches.

export const CODECS = ['none', 'gzip', 'snappy', 'lz4', 'zstd'];
export const PARTITIONS = 3;
/** Header carrying each record's index: how the checker pairs a consumed record with what was sent. */
export const INDEX_HEADER = 'smoke-index';
const BASE_TIMESTAMP = 1_700_000_000_000;

/**
 * Record `i` as given to `producer.send()` (without its topic), and the codec of the producer that sends it.
 * @param {number} i
 */
export function smokeRecord(i) {
  const shape = i % 7;
  const key =
    shape === 0
      ? null
      : shape === 1
        ? ''
        : shape === 2
          ? Uint8Array.from({ length: 16 }, (_, b) => (b * 37 + i) & 0xff)
          : `key-${i % 40}-ü🚚`;
  const value =
    shape === 3
      ? null
      : shape === 4
        ? ''
        : shape === 5
          ? Uint8Array.from({ length: 256 }, (_, b) => (b + i) & 0xff)
          : i % 50 === 6
            ? `large ${i} `.repeat(6000)
            : JSON.stringify({ i, text: 'Grüße, 世界', n: i * 1.5 });
  const headers = [{ key: INDEX_HEADER, value: String(i) }];
  if (i % 3 === 0) headers.push({ key: 'nullable', value: null }, { key: 'nullable', value: 'again' });
  return {
    codec: CODECS[i % CODECS.length],
    record: { key, value, headers, timestamp: BASE_TIMESTAMP + i },
  };
}
