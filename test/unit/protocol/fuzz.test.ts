// Every decoder, fed random, truncated and mutated bytes, either returns a message or throws one
// KafkaDecodeError naming the API, version and an offset inside the input. Never another exception
// type, never a hang, never a huge allocation from a bogus length.

import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  ApiVersionsApi,
  decodeApiVersionsResponseWithFallback,
  decodeRequest,
  decodeResponse,
  encodeRequest,
  encodeResponse,
  KafkaDecodeError,
  MetadataApi,
  ProduceApi,
  peekRequestHeader,
  readResponseCorrelationId,
} from '../../../src/protocol/index.js';
import { ALL_APIS, type AnyApi, structArb, versionsOf } from './spec-arbitraries.js';

/** Runs `decode`; it must succeed or throw a well-formed KafkaDecodeError. */
function decodesOrFailsCleanly(
  decode: () => unknown,
  input: Uint8Array,
  api?: AnyApi,
  version?: number,
): boolean {
  try {
    decode();
    return true;
  } catch (e) {
    if (!(e instanceof KafkaDecodeError)) throw new Error(`decoder threw ${String(e)}`, { cause: e });
    expect(e.offset).toBeGreaterThanOrEqual(0);
    expect(e.offset).toBeLessThanOrEqual(input.length);
    if (api !== undefined) expect(e.api).toBe(api.name);
    if (version !== undefined) expect(e.apiVersion).toBe(version);
    expect(e.message).toContain('Could not decode');
    expect(e.reason).not.toMatch(/internal decoder error/);
    return false;
  }
}

const mutation = fc.record({
  at: fc.nat(),
  kind: fc.constantFrom('set', 'insert', 'delete', 'max'),
  byte: fc.integer({ min: 0, max: 255 }),
});

function mutate(bytes: Uint8Array, edits: { at: number; kind: string; byte: number }[]): Uint8Array {
  let out = Uint8Array.from(bytes);
  for (const { at, kind, byte } of edits) {
    if (out.length === 0) break;
    const i = at % out.length;
    if (kind === 'set') out[i] = byte;
    else if (kind === 'max') out[i] = 0xff;
    else if (kind === 'insert') out = Uint8Array.from([...out.subarray(0, i), byte, ...out.subarray(i)]);
    else out = Uint8Array.from([...out.subarray(0, i), ...out.subarray(i + 1)]);
  }
  return out;
}

describe('decoders fail cleanly on hostile input', () => {
  for (const api of ALL_APIS) {
    for (const version of versionsOf(api)) {
      for (const kind of ['request', 'response'] as const) {
        const codec = kind === 'request' ? api.request : api.response;
        const decode = (b: Uint8Array) =>
          kind === 'request' ? api.decodeRequestBody(version, b) : api.decodeResponseBody(version, b);
        const encode = (x: unknown) =>
          kind === 'request' ? api.encodeRequestBody(version, x) : api.encodeResponseBody(version, x);

        it(`${api.name} v${version} ${kind}: random bytes`, () => {
          fc.assert(
            fc.property(fc.uint8Array({ maxLength: 256 }), (bytes) => {
              decodesOrFailsCleanly(() => decode(bytes), bytes, api, version);
            }),
            { numRuns: 150 },
          );
        });

        it(`${api.name} v${version} ${kind}: every truncation of valid messages fails`, () => {
          fc.assert(
            fc.property(structArb(codec.spec.fields, version), (value) => {
              const bytes = encode(value);
              for (let length = 0; length < bytes.length; length++) {
                const prefix = bytes.subarray(0, length);
                // ApiVersions responses retry as v0, so a prefix may parse as a (shorter) v0 message.
                const ok = decodesOrFailsCleanly(() => decode(prefix), prefix, api);
                if (!(api === ApiVersionsApi && kind === 'response')) expect(ok).toBe(false);
              }
            }),
            { numRuns: 15 },
          );
        });

        it(`${api.name} v${version} ${kind}: mutated valid messages`, () => {
          fc.assert(
            fc.property(
              structArb(codec.spec.fields, version),
              fc.array(mutation, { minLength: 1, maxLength: 4 }),
              (value, edits) => {
                const bytes = mutate(encode(value), edits);
                decodesOrFailsCleanly(() => decode(bytes), bytes, api);
              },
            ),
            { numRuns: 100 },
          );
        });
      }
    }
  }

  it('frame decoders: random frames and truncated real frames', () => {
    fc.assert(
      fc.property(
        fc.constantFrom(...ALL_APIS),
        fc.nat(),
        fc.uint8Array({ maxLength: 200 }),
        (api, pick, bytes) => {
          const version = api.minVersion + (pick % (api.maxVersion - api.minVersion + 1));
          decodesOrFailsCleanly(() => decodeResponse(api, version, bytes), bytes);
          decodesOrFailsCleanly(() => decodeRequest(api, bytes), bytes);
          decodesOrFailsCleanly(() => peekRequestHeader(bytes), bytes);
          decodesOrFailsCleanly(() => readResponseCorrelationId(bytes), bytes);
        },
      ),
      { numRuns: 500 },
    );
    for (const api of ALL_APIS) {
      for (const version of versionsOf(api)) {
        const request = encodeRequest(
          api,
          version,
          { correlationId: 5, clientId: 'client' },
          {} as never,
        ).subarray(4);
        const response = encodeResponse(api, version, 5, {} as never).subarray(4);
        for (let n = 0; n < request.length; n++) {
          expect(decodesOrFailsCleanly(() => decodeRequest(api, request.subarray(0, n)), request)).toBe(
            false,
          );
        }
        for (let n = 0; n < response.length; n++) {
          const ok = decodesOrFailsCleanly(
            () => decodeResponse(api, version, response.subarray(0, n)),
            response,
          );
          if (api !== ApiVersionsApi) expect(ok).toBe(false);
        }
      }
    }
  });
});

describe('bogus lengths are rejected before allocating', () => {
  it('a classic array count of 2^31-1 with a few bytes behind it', () => {
    // Metadata v1 response: Brokers count 0x7fffffff, then nothing.
    const body = Uint8Array.from([0x7f, 0xff, 0xff, 0xff, 0, 0, 0, 1]);
    const started = performance.now();
    let error: unknown;
    try {
      MetadataApi.decodeResponseBody(1, body);
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(KafkaDecodeError);
    expect((error as KafkaDecodeError).offset).toBe(0);
    expect((error as KafkaDecodeError).field).toBe('Brokers');
    expect((error as KafkaDecodeError).message).toMatch(/count 2147483647 needs at least/);
    expect(performance.now() - started).toBeLessThan(50);
  });

  it('a compact array count of 2^32-2 and a compact string of 32767+ bytes', () => {
    // Produce v9 response: Responses compact count uvarint 0xffffffff (count 2^32-2).
    const hugeArray = Uint8Array.from([0xff, 0xff, 0xff, 0xff, 0x0f, 0, 0, 0, 0, 0]);
    expect(() => ProduceApi.decodeResponseBody(9, hugeArray)).toThrow(KafkaDecodeError);
    // Produce v9 request: TransactionalId compact length 40000.
    const longString = Uint8Array.from([0xc1, 0xb8, 0x02, 0x41]);
    expect(() => ProduceApi.decodeRequestBody(9, longString)).toThrow(/longer than the 32767/);
  });

  it('records longer than the frame, negative lengths, and overlong varints', () => {
    // Produce v3 request: null transactional id, acks, timeout, 1 topic "t", 1 partition, records length 2^31-1.
    const header = [0xff, 0xff, 0xff, 0xff, 0, 0, 0, 1, 0, 0, 0, 1, 0, 1, 0x74, 0, 0, 0, 1, 0, 0, 0, 0];
    expect(() =>
      ProduceApi.decodeRequestBody(3, Uint8Array.from([...header, 0x7f, 0xff, 0xff, 0xff, 1])),
    ).toThrow(/needed 2147483647 bytes but only 1 remain/);
    expect(() =>
      ProduceApi.decodeRequestBody(3, Uint8Array.from([...header, 0xff, 0xff, 0xff, 0xfe])),
    ).toThrow(/negative bytes length -2/);
    expect(() =>
      ProduceApi.decodeRequestBody(9, Uint8Array.from([0x80, 0x80, 0x80, 0x80, 0x80, 0x01])),
    ).toThrow(/unsigned varint is truncated or longer than 5 bytes/);
  });

  it('a tagged field claiming more bytes than remain', () => {
    // ApiVersions v3 response: error 0, empty api keys, throttle 0, 1 tagged field: tag 0, size 100.
    const body = Uint8Array.from([0, 0, 1, 0, 0, 0, 0, 1, 0, 100, 0]);
    expect(() => decodeApiVersionsResponseWithFallback(3, body)).toThrow(/tagged field 0 claims 100 bytes/);
  });

  it('non-nullable fields refuse null and the decoder names the field', () => {
    // Produce v3 response: Responses = null (-1).
    let error: KafkaDecodeError | undefined;
    try {
      ProduceApi.decodeResponseBody(3, Uint8Array.from([0xff, 0xff, 0xff, 0xff, 0, 0, 0, 0]));
    } catch (e) {
      error = e as KafkaDecodeError;
    }
    expect(error?.field).toBe('Responses');
    expect(error?.reason).toBe('null for an array that is not nullable at this version');
  });

  it('trailing bytes after a complete message are an error', () => {
    const body = ProduceApi.encodeResponseBody(9, { responses: [] });
    expect(() => ProduceApi.decodeResponseBody(9, Uint8Array.from([...body, 0]))).toThrow(
      /1 unexpected bytes after the end of the message/,
    );
  });

  it('errors deep inside name the full field path and offset', () => {
    const bytes = ProduceApi.encodeResponseBody(10, {
      responses: [
        { name: 't', partitionResponses: [{ index: 0, errorCode: 0, baseOffset: 1n, errorMessage: 'oops' }] },
      ],
    });
    let error: KafkaDecodeError | undefined;
    // Responses count (1), Name (2), PartitionResponses count (1), Index (4), ErrorCode (2), three int64s (24),
    // RecordErrors (1), ErrorMessage length (1): the text "oops" starts at 36.
    const textAt = 1 + 2 + 1 + 4 + 2 + 24 + 1 + 1;
    expect(Buffer.from(bytes.subarray(textAt, textAt + 4)).toString()).toBe('oops');
    try {
      ProduceApi.decodeResponseBody(10, bytes.subarray(0, textAt + 2));
    } catch (e) {
      error = e as KafkaDecodeError;
    }
    expect(error?.field).toBe('Responses[0].PartitionResponses[0].ErrorMessage');
    expect(error?.message).toContain('Produce v10 response');
    expect(error?.offset).toBe(textAt);
    expect(error?.reason).toBe('needed 4 bytes but only 2 remain');
  });
});
