import { describe, expect, it } from 'vitest';
import { InvalidRecordError } from '../../../src/producer/errors.js';
import {
  toBytes,
  toHeaders,
  toTimestamp,
  validatePartition,
  validateTopic,
} from '../../../src/producer/record-input.js';

const text = (b: Uint8Array | null) => (b === null ? null : Buffer.from(b).toString());

describe('record input', () => {
  it("accepts Kafka's topic names and explains the rule otherwise", () => {
    expect(validateTopic('orders.v1_x-y')).toBe('orders.v1_x-y');
    for (const bad of ['', '.', '..', 'has space', 'ü', 'x'.repeat(250)]) {
      expect(() => validateTopic(bad)).toThrow(InvalidRecordError);
    }
    expect(() => validateTopic(42)).toThrow(/must be a string/);
  });

  it('turns keys and values into bytes: strings UTF-8, numbers and bigints as text, bytes as they are', () => {
    const buf = Buffer.from([1, 2]);
    expect(toBytes(buf, 'value')).toBe(buf);
    expect(text(toBytes('ü', 'key'))).toBe('ü');
    expect(text(toBytes(42, 'key'))).toBe('42');
    expect(text(toBytes(2n ** 70n, 'key'))).toBe('1180591620717411303424');
    expect(toBytes(null, 'key')).toBeNull();
    expect(toBytes(undefined, 'key')).toBeNull();
    expect(Array.from(toBytes(new Uint16Array([1]), 'value')!)).toEqual([1, 0]);
    expect(() => toBytes({}, 'value')).toThrow(/Serialize it first/);
    expect(() => toBytes(Number.NaN, 'key')).toThrow(/finite/);
  });

  it('takes headers as an object (arrays repeat a key) or as pairs', () => {
    expect(toHeaders({ a: 'x', b: null, c: ['1', '2'] })?.map((h) => [h.key, text(h.value)])).toEqual([
      ['a', 'x'],
      ['b', null],
      ['c', '1'],
      ['c', '2'],
    ]);
    expect(
      toHeaders([
        { key: 'a', value: 'x' },
        { key: 'a', value: null },
      ])?.length,
    ).toBe(2);
    expect(() => toHeaders([{ key: 5 as never, value: 'x' }])).toThrow(/Every header must be/);
  });

  it('takes timestamps as numbers, bigints or Dates, and refuses negative ones', () => {
    expect(toTimestamp(undefined, 1234)).toBe(1234n);
    expect(toTimestamp(5, 0)).toBe(5n);
    expect(toTimestamp(new Date(7), 0)).toBe(7n);
    expect(toTimestamp(9n, 0)).toBe(9n);
    expect(() => toTimestamp(-5, 0)).toThrow(/must not be negative/);
    expect(() => toTimestamp(1.5, 0)).toThrow(/whole milliseconds/);
    expect(() => toTimestamp(new Date('nope'), 0)).toThrow(/invalid Date/);
  });

  it('checks explicit partitions against the topic', () => {
    expect(validatePartition(2, 3, 't')).toBe(2);
    expect(() => validatePartition(3, 3, 't')).toThrow(/topic 't' has 3 partition\(s\) \(0 to 2\)/);
    expect(() => validatePartition(-1, 3, 't')).toThrow(/non-negative integer/);
  });
});
