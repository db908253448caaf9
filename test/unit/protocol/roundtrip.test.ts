// Property-based round trips for every API at every version, request and response, body and whole
// frame (like Java's MessageTest.testAllMessageRoundTrips). These prove our encoder and decoder agree
// and that sizes are exact; agreement with Kafka's bytes is proven by the golden fixtures from Java.

import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  decodeRequest,
  decodeResponse,
  encodeRequest,
  encodeResponse,
  type MessageSpec,
  readResponseCorrelationId,
} from '../../../src/protocol/index.js';
import { ALL_APIS, type AnyApi, expectedDecoded, plain, structArb, versionsOf } from './spec-arbitraries.js';

const RUNS = 60;

function bodyRoundTrip(
  api: AnyApi,
  spec: MessageSpec,
  version: number,
  encode: (v: number, x: unknown) => Uint8Array,
  decode: (v: number, b: Uint8Array) => unknown,
  size: (v: number, x: unknown) => number,
) {
  fc.assert(
    fc.property(structArb(spec.fields, version), (value) => {
      const bytes = encode(version, value);
      expect(bytes.length).toBe(size(version, value));
      const decoded = decode(version, bytes);
      expect(plain(decoded)).toEqual(plain(expectedDecoded(spec.fields, version, value)));
      // Decoded objects encode to the same bytes again (what a fake broker echoing a request relies on).
      expect(Buffer.from(encode(version, decoded)).equals(Buffer.from(bytes))).toBe(true);
    }),
    { numRuns: RUNS },
  );
  void api;
}

describe('round trips at every version', () => {
  for (const api of ALL_APIS) {
    for (const version of versionsOf(api)) {
      it(`${api.name} v${version} request body`, () => {
        bodyRoundTrip(
          api,
          api.request.spec,
          version,
          (v, x) => api.encodeRequestBody(v, x),
          (v, b) => api.decodeRequestBody(v, b),
          (v, x) => api.request.size(v, x),
        );
      });
      it(`${api.name} v${version} response body`, () => {
        bodyRoundTrip(
          api,
          api.response.spec,
          version,
          (v, x) => api.encodeResponseBody(v, x),
          (v, b) => api.decodeResponseBody(v, b),
          (v, x) => api.response.size(v, x),
        );
      });
      it(`${api.name} v${version} request and response frames`, () => {
        fc.assert(
          fc.property(
            structArb(api.request.spec.fields, version),
            structArb(api.response.spec.fields, version),
            fc.integer({ min: -0x80000000, max: 0x7fffffff }),
            fc.option(fc.string({ maxLength: 20 }), { nil: null }),
            (request, response, correlationId, clientId) => {
              const requestFrame = encodeRequest(api, version, { correlationId, clientId }, request);
              const view = new DataView(
                requestFrame.buffer,
                requestFrame.byteOffset,
                requestFrame.byteLength,
              );
              expect(view.getInt32(0)).toBe(requestFrame.length - 4);
              expect(view.getInt16(4)).toBe(api.apiKey);
              expect(view.getInt16(6)).toBe(version);
              expect(view.getInt32(8)).toBe(correlationId);
              const decodedRequest = decodeRequest(api, requestFrame.subarray(4));
              expect(decodedRequest).toMatchObject({
                apiKey: api.apiKey,
                apiVersion: version,
                correlationId,
                clientId,
              });
              expect(plain(decodedRequest.request)).toEqual(
                plain(expectedDecoded(api.request.spec.fields, version, request)),
              );

              const responseFrame = encodeResponse(api, version, correlationId, response);
              expect(new DataView(responseFrame.buffer, responseFrame.byteOffset).getInt32(0)).toBe(
                responseFrame.length - 4,
              );
              expect(readResponseCorrelationId(responseFrame.subarray(4))).toBe(correlationId);
              const decodedResponse = decodeResponse(api, version, responseFrame.subarray(4));
              expect(decodedResponse.correlationId).toBe(correlationId);
              expect(plain(decodedResponse.response)).toEqual(
                plain(expectedDecoded(api.response.spec.fields, version, response)),
              );
            },
          ),
          { numRuns: RUNS / 2 },
        );
      });
    }
  }
});
