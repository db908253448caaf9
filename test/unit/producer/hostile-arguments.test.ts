import { afterEach, describe, expect, it } from 'vitest';
import {
  InvalidRecordError,
  KafkaWireError,
  Producer,
  ProducerConfigError,
  RecordTooLargeError,
} from '../../../src/index.js';
import { cleanup, producerFor, startCluster, within } from './harness.js';

// Bad arguments to send() and to the constructor. The rule these tests pin down: send() never throws; a
// bad record rejects its own promise with a typed error naming what is wrong, and the records sent just
// before and just after it (same tick, same partition, same batch) are delivered as if it never existed.
// The constructor, on the other hand, throws ProducerConfigError at once, naming the option.

afterEach(cleanup);

type Expected = [errorClass: typeof KafkaWireError, message: RegExp];

/**
 * Sends a good record, `bad`, and another good record in one tick; `bad` must reject with `expected` and the
 * two good ones must be stored, in order, in one batch.
 */
async function rejectsAlone(
  bad: unknown,
  [errorClass, message]: Expected,
  options: { partitions?: number; producer?: Record<string, unknown> } = {},
) {
  const cluster = await startCluster({ topics: { t: options.partitions ?? 1 } });
  const producer = producerFor(cluster, options.producer);
  const before = producer.send({ topic: 't', partition: 0, value: 'before' });
  let promise: Promise<unknown> | undefined;
  expect(() => {
    promise = producer.send(bad as never);
  }).not.toThrow();
  const after = producer.send({ topic: 't', partition: 0, value: 'after' });

  const error = await within(
    promise!.then(
      () => new Error('the bad record was accepted'),
      (e: unknown) => e,
    ),
    4_000,
    'the bad record to be rejected',
  );
  expect(error).toBeInstanceOf(errorClass);
  expect(error).toBeInstanceOf(KafkaWireError);
  expect((error as Error).message).toMatch(message);
  expect((error as KafkaWireError).retriable).toBe(false);

  const delivered = await within(Promise.all([before, after]), 4_000, 'the good records');
  expect(delivered.map((m) => m.offset)).toEqual([0n, 1n]);
  expect(cluster.values('t', 0)).toEqual(['before', 'after']);
  // One batch: the bad record did not split or hold back its neighbours.
  expect(cluster.produced('t', 0).map((p) => p.recordCount)).toEqual([2]);
}

const record = (fields: Record<string, unknown>) => ({ topic: 't', partition: 0, value: 'x', ...fields });
const invalid = (message: RegExp): Expected => [InvalidRecordError, message];

describe('send() with bad arguments rejects that record on its promise (never throws)', () => {
  describe('not a record', () => {
    it.each([
      ['no argument', undefined],
      ['null', null],
      ['a string', 't'],
      ['a number', 42],
    ])('%s', (_name, bad) =>
      rejectsAlone(bad, invalid(/^send\(\) takes a record object like \{ topic, key, value \}, got /)),
    );
  });

  describe('topic of the wrong type', () => {
    it.each([
      ['a number', 42, /got number 42\./],
      ['missing', undefined, /got undefined undefined\./],
      ['null', null, /got null\./],
      ['an object', { name: 't' }, /got an object \(Object\)\./],
    ])('%s', (_name, topic, detail) =>
      rejectsAlone(
        record({ topic }),
        invalid(new RegExp(`^The record's topic must be a string, ${detail.source}`)),
      ),
    );
  });

  describe('a topic name Kafka refuses', () => {
    it.each([
      ['empty', ''],
      ['.', '.'],
      ['..', '..'],
      ['250 characters', 'x'.repeat(250)],
      ['with a space', 'a b'],
      ['non-ASCII', 'ü'],
      ['with a slash', 'a/b'],
    ])('%s', (_name, topic) =>
      rejectsAlone(
        record({ topic }),
        invalid(
          new RegExp(
            `^'${topic.replace(/\./g, '\\.')}' is not a valid Kafka topic name: use 1 to 249 characters of letters, digits, '\\.', '_' and '-'`,
          ),
        ),
      ),
    );
  });

  describe('key of the wrong type', () => {
    it.each([
      ['an object', {}, /got an object \(Object\)\. Serialize it first/],
      ['a boolean', true, /got boolean true\./],
      ['a function', () => 1, /got function /],
      ['NaN', Number.NaN, /must be a finite number, got NaN\./],
      ['Infinity', Number.POSITIVE_INFINITY, /must be a finite number, got Infinity\./],
    ])('%s', (_name, key, detail) =>
      rejectsAlone(record({ key }), invalid(new RegExp(`^The record's key .*${detail.source}`))),
    );
  });

  describe('value of the wrong type', () => {
    it.each([
      [
        'an object',
        { speed: 42 },
        /got an object \(Object\)\. Serialize it first \(e\.g\. JSON\.stringify\)\./,
      ],
      ['an array', [1, 2], /got an array\./],
      ['a boolean', false, /got boolean false\./],
      ['a Map', new Map(), /got an object \(Map\)\./],
    ])('%s', (_name, value, detail) =>
      rejectsAlone(
        record({ value }),
        invalid(new RegExp(`^The record's value must be a .*${detail.source}`)),
      ),
    );
  });

  describe('headers', () => {
    it.each([
      ['a string', 'h=1', /^The record's headers must be an object or an array, got string h=1\./],
      ['a number', 5, /^The record's headers must be an object or an array, got number 5\./],
    ])('headers that are %s', (_name, headers, message) =>
      rejectsAlone(record({ headers }), invalid(message)),
    );

    it.each([
      ['a number', 5],
      ['missing', undefined],
      ['a Buffer', Buffer.from('k')],
    ])('a header key that is %s', (_name, key) =>
      rejectsAlone(
        record({
          headers: [
            { key: 'fine', value: 'v' },
            { key, value: 'v' },
          ],
        }),
        invalid(/^Every header must be \{ key: string, value: Buffer \| string \| null \}, got an object/),
      ),
    );

    it('a header that is not an object', () =>
      rejectsAlone(
        record({ headers: [null] }),
        invalid(/^Every header must be \{ key: string, value: Buffer \| string \| null \}, got null\./),
      ));

    it('a header value of the wrong type', () =>
      rejectsAlone(
        record({ headers: { trace: { id: 1 } } }),
        invalid(
          /^The record's header 'trace' value must be a Buffer\/Uint8Array, string, number, bigint or null/,
        ),
      ));
  });

  describe('timestamp', () => {
    it.each([
      [
        'a string',
        'yesterday',
        /must be a number, bigint or Date \(ms since the epoch\), got string yesterday\./,
      ],
      ['negative', -5, /must not be negative, got -5\./],
      ['a negative bigint', -1n, /must not be negative, got -1\./],
      ['fractional', 1.5, /must be whole milliseconds, got 1\.5\./],
      ['NaN', Number.NaN, /must be whole milliseconds, got NaN\./],
      ['an invalid Date', new Date('nope'), /is an invalid Date\./],
    ])('%s', (_name, timestamp, detail) =>
      rejectsAlone(record({ timestamp }), invalid(new RegExp(`^The record's timestamp ${detail.source}`))),
    );
  });

  describe('partition', () => {
    it.each([
      ['a string', '0', /got 0\./],
      ['negative', -1, /got -1\./],
      ['fractional', 0.5, /got 0\.5\./],
      ['NaN', Number.NaN, /got NaN\./],
    ])('%s', (_name, partition, detail) =>
      rejectsAlone(
        record({ partition }),
        invalid(new RegExp(`^The record's partition must be a non-negative integer, ${detail.source}`)),
      ),
    );

    it.each([
      [1, 1],
      [3, 7],
    ])('out of range (topic of %i partition(s), partition %i)', (partitions, partition) =>
      rejectsAlone(
        record({ partition }),
        invalid(
          new RegExp(
            `^Partition ${partition} does not exist: topic 't' has ${partitions} partition\\(s\\) \\(0 to ${partitions - 1}\\)\\.$`,
          ),
        ),
        { partitions },
      ),
    );
  });

  it('a record above maxRequestSize', () =>
    rejectsAlone(
      record({ value: Buffer.alloc(5_000) }),
      [
        RecordTooLargeError,
        /^The record is 50\d\d bytes when encoded, more than maxRequestSize \(2000\)\. Raise maxRequestSize/,
      ],
      { producer: { maxRequestSize: 2_000 } },
    ));

  it('a record whose getter throws: the thrown error is its rejection, neighbours unaffected', async () => {
    const cluster = await startCluster({ topics: { t: 1 } });
    const producer = producerFor(cluster);
    const before = producer.send({ topic: 't', partition: 0, value: 'before' });
    const boom = new Error('boom');
    const bad = producer.send({
      topic: 't',
      partition: 0,
      get value(): string {
        throw boom;
      },
    });
    const after = producer.send({ topic: 't', partition: 0, value: 'after' });
    await expect(bad).rejects.toBe(boom);
    expect((await Promise.all([before, after])).map((m) => m.offset)).toEqual([0n, 1n]);
    expect(cluster.values('t', 0)).toEqual(['before', 'after']);
  });
});

describe('bad producer options throw ProducerConfigError synchronously, naming the option', () => {
  it.each([
    ['no options', undefined, 'bootstrapServers', /pass an options object/],
    ['null', null, 'bootstrapServers', /pass an options object/],
    ['a string', 'localhost:9092', 'bootstrapServers', /pass an options object/],
    ['no brokers', { bootstrapServers: '' }, 'bootstrapServers', /give at least one broker address/],
    [
      'a port out of range',
      { bootstrapServers: 'kafka:99999' },
      'bootstrapServers',
      /'kafka:99999' is not a 'host:port' address/,
    ],
    ['acks 2', { acks: 2 }, 'acks', /expected 0, 1, -1 or 'all', got 2\./],
    ['negative lingerMs', { lingerMs: -1 }, 'lingerMs', /expected an integer in \[0, 2147483647\], got -1\./],
    [
      'batchSize a string',
      { batchSize: '16k' },
      'batchSize',
      /expected an integer in \[0, 2147483647\], got 16k\./,
    ],
    [
      'maxRequestSize 0',
      { maxRequestSize: 0 },
      'maxRequestSize',
      /expected an integer in \[1, 2147483647\], got 0\./,
    ],
    ['an unknown codec', { compressionType: 'rar' }, 'compressionType', /got rar\./],
    [
      'a serializer without serialize()',
      { valueSerializer: {} },
      'valueSerializer',
      /serialize\(data, context\)/,
    ],
  ])('%s', (_name, options, option, message) => {
    const full =
      options === null || typeof options !== 'object'
        ? options
        : { bootstrapServers: '127.0.0.1:9092', ...options };
    let thrown: unknown;
    try {
      new Producer(full as never);
    } catch (error) {
      thrown = error;
    }
    expect(thrown).toBeInstanceOf(ProducerConfigError);
    expect((thrown as ProducerConfigError).option).toBe(option);
    expect((thrown as Error).message).toMatch(
      new RegExp(`^Invalid producer option '${option}': .*${message.source}`),
    );
    expect((thrown as ProducerConfigError).fatal).toBe(true);
  });
});
