// The Node contestants' latency histogram (bench/compare/common.mjs's Meter).
//
// Durations go into logarithmic buckets rather than an array of every sample, so a million acknowledgements
// cost the same small, fixed amount of memory in every client. A bucket is 1/64 of an octave wide (its middle
// is within 0.8 % of anything in it), from 1 µs to ~300 hours, and is found from the float's exponent and top 6
// mantissa bits. It runs once per record for clients that report each record: Math.log1p, which found the bucket
// before, cost ~45 ns of the ~170 ns a record's clock reads and bucket took (1M in a loop, Node 20), several
// per cent of a fast client's CPU per record that no client spends.

const PER_OCTAVE = 64;
const BUCKETS = 40 * PER_OCTAVE;
const float = new Float64Array(1);
const LITTLE_ENDIAN = new Uint8Array(new Uint16Array([1]).buffer)[0] === 1;
// The word holding the sign, the 11 exponent bits and the top 20 mantissa bits.
const highWord = new Uint32Array(float.buffer, LITTLE_ENDIAN ? 4 : 0, 1);

/** Bucket 0 holds everything under 1 µs; bucket 1 + 64 k + m, [2^k, 2^(k+1)) split in 64 equal parts. */
export function bucketOf(micros) {
  if (!(micros >= 1)) return 0;
  float[0] = micros;
  const word = highWord[0];
  const octave = (word >>> 20) - 1023;
  return Math.min(BUCKETS - 1, 1 + octave * PER_OCTAVE + ((word >>> 14) & (PER_OCTAVE - 1)));
}

/** The middle of a bucket, in microseconds. */
export function microsOfBucket(bucket) {
  if (bucket === 0) return 0.5;
  const octave = Math.floor((bucket - 1) / PER_OCTAVE);
  return 2 ** octave * (1 + (((bucket - 1) % PER_OCTAVE) + 0.5) / PER_OCTAVE);
}

/** Durations in microseconds; percentiles in milliseconds. */
export class Histogram {
  #buckets = new Float64Array(BUCKETS);

  add(micros, count = 1) {
    this.#buckets[bucketOf(micros)] += count;
  }

  /** The duration `fraction` of the samples are at or under (the middle of its bucket), or null when empty. */
  percentile(fraction) {
    const total = this.#buckets.reduce((sum, n) => sum + n, 0);
    if (total === 0) return null;
    let seen = 0;
    for (let bucket = 0; bucket < BUCKETS; bucket++) {
      seen += this.#buckets[bucket];
      if (seen >= total * fraction) return microsOfBucket(bucket) / 1000;
    }
    return microsOfBucket(BUCKETS - 1) / 1000;
  }
}
