// xxHash32, as the LZ4 frame format uses it: for the frame descriptor's header checksum byte and for
// optional block checksums. All arithmetic wraps at 32 bits (Math.imul, >>> 0).

const PRIME1 = 0x9e3779b1;
const PRIME2 = 0x85ebca77;
const PRIME3 = 0xc2b2ae3d;
const PRIME4 = 0x27d4eb2f;
const PRIME5 = 0x165667b1;

function rotl(x: number, r: number): number {
  return (x << r) | (x >>> (32 - r));
}

function readLE32(b: Uint8Array, i: number): number {
  return b[i]! | (b[i + 1]! << 8) | (b[i + 2]! << 16) | (b[i + 3]! << 24);
}

function round(acc: number, input: number): number {
  acc = (acc + Math.imul(input, PRIME2)) | 0;
  acc = rotl(acc, 13);
  return Math.imul(acc, PRIME1);
}

/** xxHash32 of bytes [start, end) with `seed`, as an unsigned 32-bit number. */
export function xxhash32(bytes: Uint8Array, start: number, end: number, seed = 0): number {
  const len = end - start;
  let i = start;
  let h: number;
  if (len >= 16) {
    let v1 = (seed + PRIME1 + PRIME2) | 0;
    let v2 = (seed + PRIME2) | 0;
    let v3 = seed | 0;
    let v4 = (seed - PRIME1) | 0;
    const limit = end - 16;
    while (i <= limit) {
      v1 = round(v1, readLE32(bytes, i));
      v2 = round(v2, readLE32(bytes, i + 4));
      v3 = round(v3, readLE32(bytes, i + 8));
      v4 = round(v4, readLE32(bytes, i + 12));
      i += 16;
    }
    h = (rotl(v1, 1) + rotl(v2, 7) + rotl(v3, 12) + rotl(v4, 18)) | 0;
  } else {
    h = (seed + PRIME5) | 0;
  }
  h = (h + len) | 0;
  while (i + 4 <= end) {
    h = (h + Math.imul(readLE32(bytes, i), PRIME3)) | 0;
    h = Math.imul(rotl(h, 17), PRIME4);
    i += 4;
  }
  while (i < end) {
    h = (h + Math.imul(bytes[i]!, PRIME5)) | 0;
    h = Math.imul(rotl(h, 11), PRIME1);
    i++;
  }
  h ^= h >>> 15;
  h = Math.imul(h, PRIME2);
  h ^= h >>> 13;
  h = Math.imul(h, PRIME3);
  h ^= h >>> 16;
  return h >>> 0;
}
