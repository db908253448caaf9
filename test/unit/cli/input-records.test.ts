import { describe, expect, it } from 'vitest';
import { BadLineError, lineParser, SKIP } from '../../../src/cli/input-records.js';

describe('lineParser, lines', () => {
  it('sends each line as the value, or splits key<sep>value at the first separator', () => {
    expect(lineParser({ format: 'lines' })('a:b')).toEqual({ key: null, value: 'a:b', headers: [] });
    expect(lineParser({ format: 'lines' })('')).toEqual({ key: null, value: '', headers: [] });
    const keyed = lineParser({ format: 'lines', keySeparator: '::' });
    expect(keyed('k::v::w')).toEqual({ key: 'k', value: 'v::w', headers: [] });
    expect(keyed('::v')).toEqual({ key: '', value: 'v', headers: [] });
    expect(() => keyed('k:v')).toThrow(new BadLineError("no key separator '::' in it"));
  });
});

describe('lineParser, json', () => {
  const parse = lineParser({ format: 'json' });

  it('takes strings as text, null as null, other JSON as its JSON text', () => {
    expect(parse('{"key": 7, "value": {"a": [1, "x"]}, "headers": {"h": "v", "n": null}}')).toEqual({
      key: '7',
      value: '{"a":[1,"x"]}',
      headers: [
        { key: 'h', value: 'v' },
        { key: 'n', value: null },
      ],
    });
    expect(parse('{"value": null, "partition": 2, "timestamp": 1700000000000}')).toEqual({
      key: null,
      value: null,
      headers: [],
      partition: 2,
      timestamp: 1700000000000,
    });
    expect(parse('{"value": "v", "headers": [{"key": "h", "value": "1"}, {"key": "h"}]}')).toEqual({
      key: null,
      value: 'v',
      headers: [
        { key: 'h', value: '1' },
        { key: 'h', value: null },
      ],
    });
    expect(parse('   ')).toBe(SKIP);
  });

  it.each([
    ['{"value": "x"', /^not valid JSON \(.+\)$/],
    ['[1, 2]', /^expected a JSON object such as \{"key": "k", "value": "v"\}, got \[1, 2\]$/],
    ['{"key": "k"}', /^'value' is missing$/],
    ['{"value": "v", "Key": "k", "x": 1}', /^unknown fields 'Key', 'x'; a record has key, value, headers/],
    ['{"value": "v", "partition": -1}', /^'partition' must be a non-negative integer, got -1$/],
    [
      '{"value": "v", "timestamp": "2024-01-01"}',
      /^'timestamp' must be a non-negative integer, got "2024-01-01"$/,
    ],
    ['{"value": "v", "headers": {"h": 1}}', /^header 'h' must be a string or null, got 1$/],
    ['{"value": "v", "headers": [["h", "1"]]}', /^'headers' as a list must hold \{"key": string/],
    ['{"value": "v", "headers": "h=1"}', /^'headers' must be an object or a list, got "h=1"$/],
  ])('says what is wrong with %s', (line, message) => {
    expect(() => parse(line)).toThrow(BadLineError);
    expect(() => parse(line)).toThrow(message);
  });
});
