// Headers, framing and ApiVersions negotiation. The hex vectors below were produced by Kafka 4.4.0's own
// generated message classes (kafka-clients-4.4.0.jar: <Name>DataJsonConverter.read(json, version), then
// Message.write at that version); the fixtures helper's golden files cover whole requests more widely.

import { describe, expect, it } from 'vitest';
import {
  ApiVersionsApi,
  apiVersionsRetryVersion,
  decodeApiVersionsResponseWithFallback,
  decodeRequest,
  decodeResponse,
  encodeRequest,
  encodeResponse,
  InitProducerIdApi,
  KafkaDecodeError,
  MetadataApi,
  ProduceApi,
  peekRequestHeader,
  REQUEST_CORRELATION_ID_OFFSET,
  readResponseCorrelationId,
} from '../../../src/protocol/index.js';

const hex = (b: Uint8Array) => Buffer.from(b).toString('hex');
const unhex = (s: string) => Uint8Array.from(Buffer.from(s, 'hex'));

/** Splits an encoded frame into size prefix, and the rest. */
function unframe(frame: Uint8Array): Uint8Array {
  expect(new DataView(frame.buffer, frame.byteOffset).getInt32(0)).toBe(frame.length - 4);
  return frame.subarray(4);
}

describe('request header and framing (vectors from Kafka 4.4.0)', () => {
  it('header v1 for non-flexible versions: classic nullable client id, no tagged fields', () => {
    const frame = encodeRequest(
      MetadataApi,
      1,
      { correlationId: 0x01020304, clientId: 'abc' },
      { topics: null },
    );
    // RequestHeader v1 {3, 1, 16909060, "abc"}, then Metadata v1 body: topics = null (-1).
    expect(hex(unframe(frame))).toBe(`00030001010203040003616263${'ffffffff'}`);
  });

  it('header v2 for flexible versions keeps client id classic and adds an empty tag section', () => {
    const frame = encodeRequest(
      ProduceApi,
      9,
      { correlationId: 7, clientId: 'kafka-wire' },
      {
        acks: -1,
        timeoutMs: 30000,
        topicData: [{ name: 't', partitionData: [{ index: 0, records: unhex('010203') }] }],
      },
    );
    expect(hex(unframe(frame))).toBe(
      '0000000900000007000a6b61666b612d7769726500' + '00ffff00007530020274020000000004010203000000',
    );
  });

  it('null client id is -1 in both header versions', () => {
    const frame = encodeRequest(
      ApiVersionsApi,
      3,
      { correlationId: -1, clientId: null },
      { clientSoftwareName: 'kafka-wire', clientSoftwareVersion: '0.1.0' },
    );
    expect(hex(unframe(frame))).toBe('00120003ffffffffffff00' + '0b6b61666b612d7769726506302e312e3000');
    expect(decodeRequest(ApiVersionsApi, unframe(frame))).toEqual({
      apiKey: 18,
      apiVersion: 3,
      correlationId: -1,
      clientId: null,
      request: { clientSoftwareName: 'kafka-wire', clientSoftwareVersion: '0.1.0' },
    });
  });

  it('Produce v13 names topics by id; InitProducerId v4 and Metadata v12 match Java', () => {
    expect(
      hex(
        ProduceApi.encodeRequestBody(13, {
          transactionalId: 'tx',
          acks: 1,
          timeoutMs: 1000,
          topicData: [{ topicId: 'AAAAAAAAAAAAAAAAAAAAAQ', partitionData: [{ index: 2, records: null }] }],
        }),
      ),
    ).toBe('0374780001000003e80200000000000000000000000000000001020000000200000000');
    expect(
      hex(
        InitProducerIdApi.encodeRequestBody(4, { transactionalId: null, transactionTimeoutMs: 2147483647 }),
      ),
    ).toBe('007fffffffffffffffffffffffffff00');
    expect(
      hex(
        MetadataApi.encodeRequestBody(12, {
          topics: [{ topicId: 'AAAAAAAAAAAAAAAAAAAAAQ', name: null }],
          allowAutoTopicCreation: false,
        }),
      ),
    ).toBe('02000000000000000000000000000000010000000000');
  });

  it('the correlation id sits at bytes 8..11 and can be patched in place', () => {
    const frame = encodeRequest(MetadataApi, 12, { correlationId: 1, clientId: 'c' }, { topics: [] });
    expect(REQUEST_CORRELATION_ID_OFFSET).toBe(8);
    new DataView(frame.buffer, frame.byteOffset).setInt32(REQUEST_CORRELATION_ID_OFFSET, 424242);
    expect(decodeRequest(MetadataApi, frame.subarray(4)).correlationId).toBe(424242);
    expect(peekRequestHeader(frame.subarray(4))).toEqual({
      apiKey: 3,
      apiVersion: 12,
      correlationId: 424242,
      clientId: 'c',
    });
  });

  it('decodeRequest refuses another API or a version we do not implement', () => {
    const metadata = encodeRequest(
      MetadataApi,
      12,
      { correlationId: 1, clientId: null },
      { topics: [] },
    ).subarray(4);
    expect(() => decodeRequest(ProduceApi, metadata)).toThrow(/API key 3 is not Produce's 0/);
    const produceV2 = Uint8Array.from([0, 0, 0, 2, 0, 0, 0, 1, 0xff, 0xff]);
    expect(() => decodeRequest(ProduceApi, produceV2)).toThrow(KafkaDecodeError);
    expect(() => decodeRequest(ProduceApi, produceV2)).toThrow(
      /version 2 is not supported \(kafka-wire implements 3-13\)/,
    );
  });
});

describe('response header and framing (vectors from Kafka 4.4.0)', () => {
  const produceV10 = {
    responses: [
      {
        name: 't',
        partitionResponses: [
          { index: 0, errorCode: 6, baseOffset: -1n, currentLeader: { leaderId: 2, leaderEpoch: 7 } },
        ],
      },
    ],
    nodeEndpoints: [{ nodeId: 2, host: 'b2', port: 9092 }],
  };
  const produceV10Body =
    '02027402000000000006ffffffffffffffffffffffffffffffffffffffffffffffff0100010009000000020000000700000000000001000e0200000002036232000023840000';

  it('header v1 for flexible responses; tagged CurrentLeader and NodeEndpoints as Java writes them', () => {
    const frame = unframe(encodeResponse(ProduceApi, 10, 0x01020304, produceV10));
    expect(hex(frame)).toBe(`0102030400${produceV10Body}`);
    const { correlationId, response } = decodeResponse(ProduceApi, 10, frame);
    expect(correlationId).toBe(0x01020304);
    expect(response.responses[0]!.partitionResponses[0]!.currentLeader).toEqual({
      leaderId: 2,
      leaderEpoch: 7,
    });
    expect(response.nodeEndpoints).toEqual([{ nodeId: 2, host: 'b2', port: 9092, rack: null }]);
    expect(readResponseCorrelationId(frame)).toBe(0x01020304);
  });

  it('header v0 for non-flexible responses', () => {
    const frame = unframe(encodeResponse(ProduceApi, 8, 0x01020304, { responses: [] }));
    expect(hex(frame.subarray(0, 4))).toBe('01020304');
    expect(hex(frame.subarray(4))).toBe('00000000' + '00000000');
  });

  it('unknown tagged fields in a response header are skipped', () => {
    // Correlation id, one tagged field (tag 5, 2 bytes), then the body.
    const frame = unhex(`0000000901050201ab${produceV10Body}`);
    expect(decodeResponse(ProduceApi, 10, frame).correlationId).toBe(9);
  });

  it('ApiVersions responses use header v0 even when flexible (KIP-511)', () => {
    expect(ApiVersionsApi.responseHeaderVersion(3)).toBe(0);
    expect(ApiVersionsApi.requestHeaderVersion(3)).toBe(2);
    const body = {
      errorCode: 0,
      apiKeys: [{ apiKey: 0, minVersion: 3, maxVersion: 13 }],
      finalizedFeaturesEpoch: 5n,
      finalizedFeatures: [{ name: 'transaction.version', maxVersionLevel: 2, minVersionLevel: 2 }],
    };
    const frame = unframe(encodeResponse(ApiVersionsApi, 3, 1, body));
    expect(hex(frame)).toBe(
      '00000001' +
        '00000200000003000d00000000000201080000000000000005021a02147472616e73616374696f6e2e76657273696f6e0002000200',
    );
    const decoded = decodeResponse(ApiVersionsApi, 3, frame).response;
    expect(decoded.finalizedFeaturesEpoch).toBe(5n);
    expect(decoded.finalizedFeatures).toEqual(body.finalizedFeatures);
    expect(decoded.supportedFeatures).toEqual([]);
  });

  it('a frame shorter than a correlation id', () => {
    expect(() => readResponseCorrelationId(Uint8Array.of(1, 2, 3))).toThrow(KafkaDecodeError);
  });
});

describe('ApiVersions negotiation (KIP-511)', () => {
  // What a 2.x broker that knows ApiVersions 0-2 sends to a v3 request: error 35 in a v0 body, header v0.
  const unsupported = unhex('00000007' + '002300000001001200000002');

  it('a v0-format UNSUPPORTED_VERSION body is parsed as v0 when it does not parse at the requested version', () => {
    const { correlationId, response } = decodeResponse(ApiVersionsApi, 3, unsupported);
    expect(correlationId).toBe(7);
    expect(response.errorCode).toBe(35);
    expect(response.apiKeys).toEqual([{ apiKey: 18, minVersion: 0, maxVersion: 2 }]);
    expect(decodeApiVersionsResponseWithFallback(4, unsupported.subarray(4)).parsedVersion).toBe(0);
    expect(apiVersionsRetryVersion(response, 3)).toBe(2);
  });

  it('retry version: advertised max, else 0; nothing for other errors or after v0', () => {
    expect(apiVersionsRetryVersion({ errorCode: 35, apiKeys: [] }, 4)).toBe(0);
    expect(
      apiVersionsRetryVersion({ errorCode: 35, apiKeys: [{ apiKey: 18, minVersion: 0, maxVersion: 9 }] }, 4),
    ).toBe(3);
    expect(apiVersionsRetryVersion({ errorCode: 35, apiKeys: [] }, 0)).toBeUndefined();
    expect(apiVersionsRetryVersion({ errorCode: 42, apiKeys: [] }, 3)).toBeUndefined();
    expect(apiVersionsRetryVersion({ errorCode: 0, apiKeys: [] }, 3)).toBeUndefined();
  });

  it('a well-formed response at the requested version is not reparsed', () => {
    const body = ApiVersionsApi.encodeResponseBody(4, {
      errorCode: 0,
      apiKeys: [{ apiKey: 0, minVersion: 0, maxVersion: 13 }],
    });
    expect(decodeApiVersionsResponseWithFallback(4, body).parsedVersion).toBe(4);
  });

  it('when neither parse works the error is about the requested version', () => {
    let error: KafkaDecodeError | undefined;
    try {
      decodeApiVersionsResponseWithFallback(3, unhex('0000'));
    } catch (e) {
      error = e as KafkaDecodeError;
    }
    expect(error).toBeInstanceOf(KafkaDecodeError);
    expect(error?.apiVersion).toBe(3);
  });

  it('the 4.x Produce quirk: we never go below v3 even if a broker advertises min 0', () => {
    expect(ProduceApi.minVersion).toBe(3);
    expect(() => ProduceApi.encodeRequestBody(2, { acks: 1, timeoutMs: 1, topicData: [] })).toThrow(
      /version 2/,
    );
  });
});
