// A field set to a non-default value at a version that cannot carry it must throw (never be dropped),
// and a value that does not fit its wire type must throw, before anything is allocated or sent.

import { describe, expect, it } from 'vitest';
import {
  ApiVersionsApi,
  encodeRequest,
  type FieldSpec,
  InitProducerIdApi,
  inVersions,
  KafkaEncodeError,
  MetadataApi,
  ProduceApi,
  parseVersions,
  propertyName,
} from '../../../src/protocol/index.js';
import { ALL_APIS, type AnyApi, defaultOf, versionsOf } from './spec-arbitraries.js';

function encodeError(fn: () => unknown): KafkaEncodeError {
  try {
    fn();
  } catch (e) {
    expect(e).toBeInstanceOf(KafkaEncodeError);
    return e as KafkaEncodeError;
  }
  throw new Error('expected a KafkaEncodeError');
}

/** A value that differs from the field's default (and is valid for its type). */
function nonDefault(field: FieldSpec): unknown {
  if (field.type.startsWith('[]')) {
    return [field.fields === undefined ? nonDefaultPrimitive(field.type.slice(2), undefined) : {}];
  }
  if (field.fields !== undefined) {
    const first = field.fields[0]!;
    return { [propertyName(first.name)]: nonDefault(first) };
  }
  return nonDefaultPrimitive(field.type, defaultOf(field));
}

function nonDefaultPrimitive(type: string, dflt: unknown): unknown {
  switch (type) {
    case 'int64':
      return dflt === 7n ? 8n : 7n;
    case 'bool':
      return dflt !== true;
    case 'string':
      return 'x';
    case 'uuid':
      return 'AAAAAAAAAAAAAAAAAAAAAQ';
    case 'bytes':
    case 'records':
      return new Uint8Array([1]);
    default:
      return dflt === 7 ? 8 : 7;
  }
}

/** Every field of a message with its path and enclosing fields; arrays of structs are entered at [0]. */
function* fieldsOf(
  fields: readonly FieldSpec[],
  path: string[] = [],
  ancestors: FieldSpec[] = [],
): Generator<[string[], FieldSpec, FieldSpec[]]> {
  for (const field of fields) {
    const here = [...path, field.name];
    yield [here, field, ancestors];
    if (field.fields !== undefined) {
      yield* fieldsOf(field.fields, field.type.startsWith('[]') ? [...here, '[0]'] : here, [
        ...ancestors,
        field,
      ]);
    }
  }
}

/** An otherwise-default message with `value` at `path`. */
function messageWith(path: string[], value: unknown): Record<string, unknown> {
  const root: Record<string, unknown> = {};
  let node: Record<string, unknown> = root;
  for (let i = 0; i < path.length - 1; i++) {
    const name = path[i]!;
    if (name === '[0]') continue;
    const child: Record<string, unknown> = {};
    node[propertyName(name)] = path[i + 1] === '[0]' ? [child] : child;
    node = child;
  }
  node[propertyName(path[path.length - 1]!)] = value;
  return root;
}

function fieldPath(path: string[]): string {
  return path.join('.').replaceAll('.[', '[');
}

// The messages whose fields all exist at every version we implement, so have nothing to check here.
const SAME_FIELDS_AT_EVERY_VERSION = new Set([
  'InitProducerId response',
  'AddPartitionsToTxn request',
  'AddPartitionsToTxn response',
  'AddOffsetsToTxn request',
  'AddOffsetsToTxn response',
  'TxnOffsetCommit response',
  'EndTxn request',
]);

describe('fields a version cannot carry throw', () => {
  for (const api of ALL_APIS as AnyApi[]) {
    for (const [kind, codec] of [
      ['request', api.request],
      ['response', api.response],
    ] as const) {
      it(`${api.name} ${kind}: every field at every version without it`, () => {
        let checked = 0;
        for (const [path, field, ancestors] of fieldsOf(codec.spec.fields)) {
          for (const version of versionsOf(api)) {
            if (inVersions(parseVersions(field.versions), version)) continue;
            // A field inside a struct the version lacks is reported at that struct (the error names a prefix).
            const inAbsentStruct = ancestors.some((a) => !inVersions(parseVersions(a.versions), version));
            const message = messageWith(path, nonDefault(field));
            const error = encodeError(() => codec.size(version, message));
            expect(error.problem).toBe('unsupported-field');
            expect(error.api).toBe(api.name);
            expect(error.apiVersion).toBe(version);
            expect(fieldPath(path).startsWith(error.field)).toBe(true);
            expect(error.message).toContain(`version ${version} cannot carry it`);
            // The default value of the same field is fine.
            if (!inAbsentStruct)
              expect(() => codec.size(version, messageWith(path, defaultOf(field)))).not.toThrow();
            checked++;
          }
        }
        if (!SAME_FIELDS_AT_EVERY_VERSION.has(`${api.name} ${kind}`)) expect(checked).toBeGreaterThan(0);
      });
    }
  }

  it('Produce: topic name at v13 and topic id before v13 throw; the right one per version works', () => {
    const records = new Uint8Array([1, 2, 3]);
    const byName = {
      acks: -1,
      timeoutMs: 1000,
      topicData: [{ name: 't', partitionData: [{ index: 0, records }] }],
    };
    const byId = {
      acks: -1,
      timeoutMs: 1000,
      topicData: [{ topicId: 'AAAAAAAAAAAAAAAAAAAAAQ', partitionData: [{ index: 0, records }] }],
    };
    const e13 = encodeError(() =>
      encodeRequest(ProduceApi, 13, { correlationId: 1, clientId: null }, byName),
    );
    expect(e13.field).toBe('TopicData[0].Name');
    expect(e13.message).toContain('versions 0-12');
    const e12 = encodeError(() => encodeRequest(ProduceApi, 12, { correlationId: 1, clientId: null }, byId));
    expect(e12.field).toBe('TopicData[0].TopicId');
    expect(() => encodeRequest(ProduceApi, 12, { correlationId: 1, clientId: null }, byName)).not.toThrow();
    expect(() => encodeRequest(ProduceApi, 13, { correlationId: 1, clientId: null }, byId)).not.toThrow();
  });

  it('Metadata: AllowAutoTopicCreation=false before v4 and cluster operations after v10 throw', () => {
    expect(
      encodeError(() => MetadataApi.encodeRequestBody(3, { topics: null, allowAutoTopicCreation: false }))
        .field,
    ).toBe('AllowAutoTopicCreation');
    expect(() =>
      MetadataApi.encodeRequestBody(3, { topics: null, allowAutoTopicCreation: true }),
    ).not.toThrow();
    expect(
      encodeError(() =>
        MetadataApi.encodeRequestBody(11, { topics: null, includeClusterAuthorizedOperations: true }),
      ).field,
    ).toBe('IncludeClusterAuthorizedOperations');
    // Null topic name (lookup by id) needs v10+; topic ids need v10+.
    expect(encodeError(() => MetadataApi.encodeRequestBody(9, { topics: [{ name: null }] })).field).toBe(
      'Topics[0].Name',
    );
    expect(() =>
      MetadataApi.encodeRequestBody(12, { topics: [{ topicId: 'AAAAAAAAAAAAAAAAAAAAAQ', name: null }] }),
    ).not.toThrow();
  });

  it('InitProducerId: epoch bump fields before v3 and ApiVersions client software before v3 throw', () => {
    const bump = { transactionalId: null, transactionTimeoutMs: 1, producerId: 5n, producerEpoch: 2 };
    expect(encodeError(() => InitProducerIdApi.encodeRequestBody(2, bump)).field).toBe('ProducerId');
    expect(() => InitProducerIdApi.encodeRequestBody(3, bump)).not.toThrow();
    expect(
      encodeError(() => ApiVersionsApi.encodeRequestBody(2, { clientSoftwareName: 'kafka-wire' })).field,
    ).toBe('ClientSoftwareName');
  });
});

describe('values that do not fit their wire type throw', () => {
  const base = {
    acks: -1,
    timeoutMs: 1000,
    topicData: [{ name: 't', partitionData: [{ index: 0, records: null }] }],
  };
  const cases: [string, Record<string, unknown>, string][] = [
    ['int16 out of range', { ...base, acks: 40000 }, 'Acks'],
    ['int32 not an integer', { ...base, timeoutMs: 1.5 }, 'TimeoutMs'],
    ['int32 as a string', { ...base, timeoutMs: '1000' }, 'TimeoutMs'],
    [
      'non-nullable string null',
      { ...base, topicData: [{ name: null, partitionData: [] }] },
      'TopicData[0].Name',
    ],
    ['string not a string', { ...base, topicData: [{ name: 5, partitionData: [] }] }, 'TopicData[0].Name'],
    [
      'string over 32767 bytes',
      { ...base, topicData: [{ name: 'é'.repeat(16384), partitionData: [] }] },
      'TopicData[0].Name',
    ],
    ['lone surrogate', { ...base, transactionalId: 'a\uD800b' }, 'TransactionalId'],
    ['array not an array', { ...base, topicData: {} }, 'TopicData'],
    ['non-nullable array null', { ...base, topicData: null }, 'TopicData'],
    [
      'records not bytes',
      { ...base, topicData: [{ name: 't', partitionData: [{ index: 0, records: [1, 2] }] }] },
      'TopicData[0].PartitionData[0].Records',
    ],
    ['struct not an object', { ...base, topicData: [7] }, 'TopicData[0]'],
  ];
  for (const [name, request, field] of cases) {
    it(name, () => {
      for (const version of [3, 9]) {
        const error = encodeError(() => ProduceApi.encodeRequestBody(version, request as never));
        expect(error.problem).toBe('invalid-value');
        expect(error.field).toBe(field);
      }
    });
  }

  it('int64 must be a bigint in range; uuid must be canonical', () => {
    const response = (producerId: unknown) => ({
      throttleTimeMs: 0,
      errorCode: 0,
      producerId,
      producerEpoch: 0,
    });
    for (const bad of [5, 2n ** 63n, -(2n ** 63n) - 1n]) {
      expect(encodeError(() => InitProducerIdApi.encodeResponseBody(0, response(bad) as never)).field).toBe(
        'ProducerId',
      );
    }
    expect(() => InitProducerIdApi.encodeResponseBody(0, response(2n ** 63n - 1n) as never)).not.toThrow();
    for (const bad of ['AAAAAAAAAAAAAAAAAAAAAB', 'AAAAAAAAAAAAAAAAAAAAA', 'AAAAAAAAAAAAAAAAAAAA+A', 42]) {
      const error = encodeError(() =>
        ProduceApi.encodeRequestBody(13, {
          acks: 1,
          timeoutMs: 1,
          topicData: [{ topicId: bad as string, partitionData: [] }],
        }),
      );
      expect(error.field).toBe('TopicData[0].TopicId');
    }
  });

  it('versions outside the implemented range throw unsupported-version', () => {
    for (const version of [2, 14, 9.5]) {
      const error = encodeError(() => ProduceApi.encodeRequestBody(version, base));
      expect(error.problem).toBe('unsupported-version');
    }
    expect(encodeError(() => MetadataApi.encodeRequestBody(0, { topics: [] })).problem).toBe(
      'unsupported-version',
    );
    expect(
      encodeError(() =>
        InitProducerIdApi.encodeRequestBody(6, { transactionalId: null, transactionTimeoutMs: 1 }),
      ).problem,
    ).toBe('unsupported-version');
  });

  it('header values: correlation id must be an int32, client id at most 32767 bytes', () => {
    expect(
      encodeError(() => encodeRequest(ProduceApi, 9, { correlationId: 2 ** 31, clientId: null }, base))
        .problem,
    ).toBe('invalid-value');
    expect(
      encodeError(() => encodeRequest(ProduceApi, 9, { correlationId: 1, clientId: 'x'.repeat(32768) }, base))
        .message,
    ).toContain('client id');
    expect(() =>
      encodeRequest(ProduceApi, 9, { correlationId: 1, clientId: 'x'.repeat(32767) }, base),
    ).not.toThrow();
  });
});
