// Kafka UUIDs (topic ids) as Kafka prints them: Uuid.toString() is the 16 bytes in URL-safe base64
// without padding, 22 characters. We keep that string form everywhere so ids read from logs, the Java
// admin tools and our API compare equal.

/** Uuid.ZERO_UUID: "no topic id". */
export const ZERO_UUID = 'AAAAAAAAAAAAAAAAAAAAAA';

const ALPHABET = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_';
const DECODE = new Int8Array(128).fill(-1);
for (let i = 0; i < ALPHABET.length; i++) DECODE[ALPHABET.charCodeAt(i)] = i;

/** The string form of the 16 bytes at `offset`. */
export function uuidToString(bytes: Uint8Array, offset = 0): string {
  let s = '';
  // 5 groups of 3 bytes -> 20 characters, then the last byte -> 2 characters.
  for (let i = 0; i < 15; i += 3) {
    const n = (bytes[offset + i]! << 16) | (bytes[offset + i + 1]! << 8) | bytes[offset + i + 2]!;
    s += ALPHABET[n >>> 18]! + ALPHABET[(n >>> 12) & 63]! + ALPHABET[(n >>> 6) & 63]! + ALPHABET[n & 63]!;
  }
  const last = bytes[offset + 15]!;
  return s + ALPHABET[last >>> 2]! + ALPHABET[(last & 3) << 4]!;
}

/**
 * True when `s` is the canonical string form of some UUID: 22 URL-safe base64 characters whose unused
 * trailing 4 bits are zero (so the string round-trips through the 16 bytes unchanged).
 */
export function isUuidString(s: unknown): s is string {
  if (typeof s !== 'string' || s.length !== 22) return false;
  for (let i = 0; i < 22; i++) {
    const c = s.charCodeAt(i);
    if (c >= 128 || DECODE[c]! < 0) return false;
  }
  return (DECODE[s.charCodeAt(21)]! & 15) === 0;
}

/** Writes the 16 bytes of `s` (which must satisfy isUuidString) at `offset`. */
export function writeUuid(bytes: Uint8Array, offset: number, s: string): void {
  for (let i = 0, o = offset; i < 20; i += 4, o += 3) {
    const n =
      (DECODE[s.charCodeAt(i)]! << 18) |
      (DECODE[s.charCodeAt(i + 1)]! << 12) |
      (DECODE[s.charCodeAt(i + 2)]! << 6) |
      DECODE[s.charCodeAt(i + 3)]!;
    bytes[o] = n >>> 16;
    bytes[o + 1] = (n >>> 8) & 255;
    bytes[o + 2] = n & 255;
  }
  bytes[offset + 15] = (DECODE[s.charCodeAt(20)]! << 2) | (DECODE[s.charCodeAt(21)]! >>> 4);
}

/** The 16 bytes of a UUID string; throws TypeError for anything that is not a canonical UUID string. */
export function uuidToBytes(s: string): Uint8Array {
  if (!isUuidString(s))
    throw new TypeError(`${JSON.stringify(s)} is not a Kafka UUID (22 URL-safe base64 characters)`);
  const bytes = new Uint8Array(16);
  writeUuid(bytes, 0, s);
  return bytes;
}
