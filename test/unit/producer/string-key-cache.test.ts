import { describe, expect, it } from 'vitest';
import { utf8Bytes } from '../../../src/producer/record-input.js';
import { StringKeyCache } from '../../../src/producer/string-key-cache.js';

describe('StringKeyCache', () => {
  it("gives a repeated key the same bytes, which are the key's UTF-8 in a buffer of their own", () => {
    const cache = new StringKeyCache(utf8Bytes);
    const first = cache.bytes('trück-42');
    expect(Buffer.from(first).toString('utf8')).toBe('trück-42');
    expect(first.byteLength).toBe(9);
    expect(first.buffer.byteLength).toBe(9);
    expect(cache.bytes(`trück-${42}`)).toBe(first);
    expect(Buffer.from(cache.bytes('\uD800x'))).toEqual(Buffer.from([0xef, 0xbf, 0xbd, 0x78]));
  });

  it('stops caching while most keys are new, and encodes them still', () => {
    let encoded = 0;
    const cache = new StringKeyCache((key) => {
      encoded++;
      return utf8Bytes(key);
    });
    // A full window of unique keys (4096) and one more: misses outnumber hits, the cache pauses.
    for (let i = 0; i <= 4096; i++) cache.bytes(`user-${i}`);
    encoded = 0;
    const again = cache.bytes('user-1');
    const twice = cache.bytes('user-1');
    expect(encoded).toBe(2);
    expect(again).not.toBe(twice);
    expect(Buffer.from(twice).toString()).toBe('user-1');
  });

  it('keeps caching while keys repeat', () => {
    let encoded = 0;
    const cache = new StringKeyCache((key) => {
      encoded++;
      return utf8Bytes(key);
    });
    for (let i = 0; i < 100_000; i++) cache.bytes(`key-${i % 1000}`);
    expect(encoded).toBe(1000);
  });

  it('does not keep keys longer than 256 characters', () => {
    const cache = new StringKeyCache(utf8Bytes);
    const long = 'k'.repeat(257);
    expect(cache.bytes(long)).not.toBe(cache.bytes(long));
    expect(cache.bytes(long).byteLength).toBe(257);
  });
});
