// One input line -> one record, in the two formats `produce` reads. `lines`: the line is the value, or with a
// key separator `key<sep>value` split at the first separator (kafka-console-producer's parse.key and
// key.separator, kcat's -K). `json`: one object per line, {"key", "value", "headers", "partition",
// "timestamp"}; strings are sent as their UTF-8 text, null as null (a tombstone for the value), any other JSON
// value as its JSON text, so `{"value": {"id": 1}}` sends `{"id":1}`.

export type InputFormat = 'lines' | 'json';
export const INPUT_FORMATS: readonly InputFormat[] = ['lines', 'json'];

export interface InputRecord {
  key: string | null;
  value: string | null;
  headers: Array<{ key: string; value: string | null }>;
  partition?: number;
  timestamp?: number;
}

/** A line that cannot become a record; the message says what is wrong with it, not where (the caller knows). */
export class BadLineError extends Error {
  override readonly name = 'BadLineError';
}

/** What a blank line in JSON input means: nothing (editors and `jq` leave them). */
export const SKIP = Symbol('skip');

const JSON_FIELDS = new Set(['key', 'value', 'headers', 'partition', 'timestamp']);

export interface LineParserOptions {
  format: InputFormat;
  /** `lines` only: split each line into key and value at the first occurrence. */
  keySeparator?: string;
}

export function lineParser(options: LineParserOptions): (line: string) => InputRecord | typeof SKIP {
  if (options.format === 'json') return parseJsonLine;
  const separator = options.keySeparator;
  if (separator === undefined) return (line) => ({ key: null, value: line, headers: [] });
  return (line) => {
    const at = line.indexOf(separator);
    if (at < 0) {
      throw new BadLineError(`no key separator '${separator}' in it`);
    }
    return { key: line.slice(0, at), value: line.slice(at + separator.length), headers: [] };
  };
}

function text(field: string, value: unknown): string | null {
  if (value === null || typeof value === 'string') return value;
  if (value === undefined) throw new BadLineError(`'${field}' is missing`);
  return JSON.stringify(value);
}

function headersOf(value: unknown): InputRecord['headers'] {
  const headerValue = (name: string, v: unknown): string | null => {
    if (v === null || typeof v === 'string') return v;
    throw new BadLineError(`header '${name}' must be a string or null, got ${JSON.stringify(v)}`);
  };
  if (value === undefined || value === null) return [];
  if (Array.isArray(value)) {
    return value.map((entry: unknown) => {
      const pair = entry as { key?: unknown; value?: unknown } | null;
      if (pair === null || typeof pair !== 'object' || typeof pair.key !== 'string') {
        throw new BadLineError(
          `'headers' as a list must hold {"key": string, "value": string | null} objects, got ${JSON.stringify(entry)}`,
        );
      }
      return { key: pair.key, value: headerValue(pair.key, pair.value ?? null) };
    });
  }
  if (typeof value === 'object') {
    return Object.entries(value).map(([key, v]) => ({ key, value: headerValue(key, v) }));
  }
  throw new BadLineError(`'headers' must be an object or a list, got ${JSON.stringify(value)}`);
}

function parseJsonLine(line: string): InputRecord | typeof SKIP {
  if (line.trim() === '') return SKIP;
  let parsed: unknown;
  try {
    parsed = JSON.parse(line);
  } catch (error) {
    throw new BadLineError(`not valid JSON (${(error as Error).message})`);
  }
  if (parsed === null || typeof parsed !== 'object' || Array.isArray(parsed)) {
    throw new BadLineError(`expected a JSON object such as {"key": "k", "value": "v"}, got ${line.trim()}`);
  }
  const object = parsed as Record<string, unknown>;
  const unknown = Object.keys(object).filter((field) => !JSON_FIELDS.has(field));
  if (unknown.length > 0) {
    throw new BadLineError(
      `unknown field${unknown.length > 1 ? 's' : ''} ${unknown.map((f) => `'${f}'`).join(', ')}; a record has key, value, headers, partition and timestamp`,
    );
  }
  const record: InputRecord = {
    key: object.key === undefined ? null : text('key', object.key),
    value: text('value', object.value),
    headers: headersOf(object.headers),
  };
  for (const field of ['partition', 'timestamp'] as const) {
    const v = object[field];
    if (v === undefined || v === null) continue;
    if (typeof v !== 'number' || !Number.isSafeInteger(v) || v < 0) {
      throw new BadLineError(`'${field}' must be a non-negative integer, got ${JSON.stringify(v)}`);
    }
    record[field] = v;
  }
  return record;
}
