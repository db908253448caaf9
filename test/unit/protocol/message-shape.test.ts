// The request/response interfaces are hand-written (for their documentation and names) and defineApi
// checks at compile time that each is exactly the shape its spec gives at the implemented versions. These
// cases are checked by `npm run lint` (tsc): every `@ts-expect-error` below must meet an error, so a check
// that stopped biting fails the lint; the `it` blocks make sure the accepted definitions also build codecs.

import { describe, expect, expectTypeOf, it } from 'vitest';
import {
  type ApiCodec,
  type DifferingProperties,
  defineApi,
  INIT_PRODUCER_ID_REQUEST_SPEC,
  INIT_PRODUCER_ID_RESPONSE_SPEC,
  type InitProducerIdRequest,
  type InitProducerIdResponse,
  type MessageShape,
  type MessageSpec,
  type PRODUCE_RESPONSE_SPEC,
  type ProduceResponse,
} from '../../../src/protocol/index.js';

// A made-up API covering every rule: types, nullability, versions, defaults, tags, nested structs.
const REQUEST = {
  apiKey: 1000,
  type: 'request',
  name: 'ExampleRequest',
  validVersions: '0-5',
  flexibleVersions: '3+',
  fields: [
    { name: 'Id', type: 'int64', versions: '0+' },
    { name: 'Name', type: 'string', versions: '0+', nullableVersions: '2+' },
    { name: 'Flag', type: 'bool', versions: '0+', default: 'true' },
    { name: 'Later', type: 'int32', versions: '2+' },
    { name: 'Gone', type: 'uuid', versions: '0-1' },
    { name: 'Never', type: 'int8', versions: '0+', nullableVersions: 'none' },
    { name: 'Payload', type: 'bytes', versions: '0+', nullableVersions: '5+' },
    { name: 'Numbers', type: '[]int16', versions: '0+' },
    {
      name: 'Items',
      type: '[]Item',
      versions: '1+',
      fields: [
        { name: 'Index', type: 'int32', versions: '1+' },
        { name: 'Note', type: 'string', versions: '4+', nullableVersions: '4+' },
      ],
    },
    { name: 'Extra', type: 'float64', versions: '3+', taggedVersions: '3+', tag: 0 },
  ],
} as const satisfies MessageSpec;

const RESPONSE = {
  apiKey: 1000,
  type: 'response',
  name: 'ExampleResponse',
  validVersions: '0-5',
  flexibleVersions: '3+',
  fields: [{ name: 'ErrorCode', type: 'int16', versions: '0+' }],
} as const satisfies MessageSpec;

interface Item {
  index: number;
  /** v4+ only, so optional across 1-5. */
  note?: string | null;
}

interface ExampleRequest {
  id: bigint;
  name: string | null;
  flag?: boolean;
  later?: number;
  gone?: string;
  never: number;
  payload: Uint8Array | null;
  numbers: number[];
  items?: Item[];
  extra?: number;
}

interface ExampleResponse {
  errorCode: number;
}

const definition = {
  name: 'Example',
  minVersion: 0,
  maxVersion: 5,
  request: REQUEST,
  response: RESPONSE,
} as const;

describe('MessageShape: request/response types follow their specs', () => {
  it('derives the example shape: names, types, nullability, optionality', () => {
    expectTypeOf<MessageShape<typeof REQUEST, 0, 5>>().toEqualTypeOf<ExampleRequest>();
    // At v2-3 Gone is absent, Later is always there, and Payload and Note are not nullable yet.
    expectTypeOf<MessageShape<typeof REQUEST, 2, 3>>().toEqualTypeOf<{
      id: bigint;
      name: string | null;
      flag?: boolean;
      later: number;
      never: number;
      payload: Uint8Array;
      numbers: number[];
      items: { index: number }[];
      extra?: number;
    }>();
  });

  it('names the properties that differ', () => {
    type Bad = Omit<InitProducerIdRequest, 'producerId'> & { producerId: bigint; extra?: number };
    expectTypeOf<
      DifferingProperties<Bad, MessageShape<typeof INIT_PRODUCER_ID_REQUEST_SPEC, 0, 5>>
    >().toEqualTypeOf<'producerId' | 'extra'>();
    type BadNested = Omit<ProduceResponse, 'nodeEndpoints'> & { nodeEndpoints?: { nodeId: number }[] };
    expectTypeOf<
      DifferingProperties<BadNested, MessageShape<typeof PRODUCE_RESPONSE_SPEC, 3, 13>>
    >().toEqualTypeOf<'nodeEndpoints'>();
  });

  it('defineApi accepts interfaces that match and builds working codecs', () => {
    const api: ApiCodec<ExampleRequest, ExampleResponse> = defineApi(definition);
    const request: ExampleRequest = {
      id: 1n,
      name: null,
      never: 0,
      payload: Buffer.of(1),
      numbers: [2],
      items: [{ index: 3, note: null }],
    };
    expect(api.decodeRequestBody(5, api.encodeRequestBody(5, request))).toMatchObject(request);
  });

  it('defineApi refuses interfaces that do not match (compile-time; see the @ts-expect-error lines)', () => {
    // A missing field.
    // @ts-expect-error ExampleRequest: interface differs from the spec in 'numbers'
    const missing: ApiCodec<Omit<ExampleRequest, 'numbers'>, ExampleResponse> = defineApi(definition);
    // A misnamed field.
    type Misnamed = Omit<ExampleRequest, 'payload'> & { payLoad: Uint8Array | null };
    // @ts-expect-error differs in 'payload' | 'payLoad'
    const misnamed: ApiCodec<Misnamed, ExampleResponse> = defineApi(definition);
    // A wrong type (int64 is bigint).
    type WrongType = Omit<ExampleRequest, 'id'> & { id: number };
    // @ts-expect-error differs in 'id'
    const wrongType: ApiCodec<WrongType, ExampleResponse> = defineApi(definition);
    // Nullability lost.
    type NotNullable = Omit<ExampleRequest, 'name'> & { name: string };
    // @ts-expect-error differs in 'name'
    const notNullable: ApiCodec<NotNullable, ExampleResponse> = defineApi(definition);
    // Optional where every version carries the field and there is no default.
    type TooOptional = Omit<ExampleRequest, 'never'> & { never?: number };
    // @ts-expect-error differs in 'never'
    const tooOptional: ApiCodec<TooOptional, ExampleResponse> = defineApi(definition);
    // A nested struct field with the wrong nullability.
    type NestedWrong = Omit<ExampleRequest, 'items'> & { items?: { index: number; note?: string }[] };
    // @ts-expect-error differs in 'items'
    const nestedWrong: ApiCodec<NestedWrong, ExampleResponse> = defineApi(definition);
    // A field of a version we do not implement (ProducerId/ProducerEpoch are v3+).
    // @ts-expect-error InitProducerIdRequest: interface differs from the spec in 'producerId' | 'producerEpoch'
    const oldVersions: ApiCodec<InitProducerIdRequest, InitProducerIdResponse> = defineApi({
      name: 'InitProducerId',
      minVersion: 0,
      maxVersion: 2,
      request: INIT_PRODUCER_ID_REQUEST_SPEC,
      response: INIT_PRODUCER_ID_RESPONSE_SPEC,
    });
    // The response is checked too.
    // @ts-expect-error ExampleResponse: interface differs from the spec in 'errorCode'
    const badResponse: ApiCodec<ExampleRequest, { errorCode?: number }> = defineApi(definition);
    // The codecs themselves still build: the check is about types only.
    for (const api of [
      missing,
      misnamed,
      wrongType,
      notNullable,
      tooOptional,
      nestedWrong,
      oldVersions,
      badResponse,
    ])
      expect(api.apiKey).toBeGreaterThanOrEqual(22);
  });
});
