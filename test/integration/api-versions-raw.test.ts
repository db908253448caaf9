import { connect, type Socket } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ApiVersionsApi } from '../../src/protocol/api-versions.js';
import { decodeResponse } from '../../src/protocol/frame.js';
import { decodeWithKafka, kafkaBootstrap, kafkaVersion } from '../harness/index.js';

// The first thing any client does: an ApiVersions round trip over a plain TCP socket, with the request bytes
// written out by hand here (not by our encoder), and the response read two ways: by Kafka's own Java classes
// (ApiVersionsResponse.parse via scripts/java/KafkaMessageJson.java) and by our decoder, which must agree.

const API_VERSIONS = 18;
const CLIENT_ID = 'kafka-wire-it'; // 13 bytes

/** Request header v1 (v0-2) or v2 (v3+, adds an empty tagged-field section), then the body, size-prefixed. */
function apiVersionsRequest(version: number, correlationId: number): Buffer {
  const header = [
    0x00,
    API_VERSIONS, // api_key int16
    0x00,
    version, // api_version int16
    (correlationId >>> 24) & 0xff,
    (correlationId >>> 16) & 0xff,
    (correlationId >>> 8) & 0xff,
    correlationId & 0xff,
    0x00,
    CLIENT_ID.length,
    ...Buffer.from(CLIENT_ID, 'latin1'), // client_id: int16-length string even in v2
  ];
  const body: number[] = [];
  if (version >= 3) {
    header.push(0x00); // header v2: no tagged fields
    // ClientSoftwareName "kafka-wire" and ClientSoftwareVersion "0.1.0": compact strings (uvarint len+1).
    body.push(10 + 1, ...Buffer.from('kafka-wire', 'latin1'));
    body.push(5 + 1, ...Buffer.from('0.1.0', 'latin1'));
    body.push(0x00); // no tagged fields
  }
  const size = header.length + body.length;
  return Buffer.from([
    (size >>> 24) & 0xff,
    (size >>> 16) & 0xff,
    (size >>> 8) & 0xff,
    size & 0xff,
    ...header,
    ...body,
  ]);
}

/** Frames (without the size prefix) read off one socket, in order. */
class FrameReader {
  private buffered = Buffer.alloc(0);
  private readonly waiting: ((frame: Buffer) => void)[] = [];
  private readonly frames: Buffer[] = [];

  constructor(socket: Socket) {
    socket.on('data', (chunk: Buffer) => {
      this.buffered = Buffer.concat([this.buffered, chunk]);
      while (this.buffered.length >= 4 && this.buffered.length >= 4 + this.buffered.readInt32BE(0)) {
        const size = this.buffered.readInt32BE(0);
        const frame = this.buffered.subarray(4, 4 + size);
        this.buffered = this.buffered.subarray(4 + size);
        const waiter = this.waiting.shift();
        if (waiter) waiter(frame);
        else this.frames.push(frame);
      }
    });
  }

  next(): Promise<Buffer> {
    const frame = this.frames.shift();
    if (frame) return Promise.resolve(frame);
    return new Promise((resolve) => this.waiting.push(resolve));
  }
}

type JavaApiVersions = {
  errorCode: number;
  apiKeys: { apiKey: number; minVersion: number; maxVersion: number }[];
  throttleTimeMs?: number;
  supportedFeatures?: { name: string; minVersion: number; maxVersion: number }[];
  finalizedFeaturesEpoch?: number;
  finalizedFeatures?: { name: string; maxVersionLevel: number; minVersionLevel: number }[];
  zkMigrationReady?: boolean;
};

/** Our decoded response in the JSON shape Kafka's converter prints (it leaves out tagged fields at default). */
function asKafkaJson(ours: Record<string, unknown>, java: Record<string, unknown>): Record<string, unknown> {
  const shaped: Record<string, unknown> = {};
  for (const key of Object.keys(java)) {
    shaped[key] = typeof ours[key] === 'bigint' ? Number(ours[key]) : ours[key];
  }
  return shaped;
}

describe('ApiVersions over a raw socket', () => {
  let socket: Socket;
  let frames: FrameReader;
  let correlationId = 1000;

  beforeAll(async () => {
    const [host, port] = kafkaBootstrap().split(',')[0]!.split(':');
    socket = connect({ host: host!, port: Number(port) });
    await new Promise<void>((resolve, reject) => {
      socket.once('connect', resolve);
      socket.once('error', reject);
    });
    frames = new FrameReader(socket);
  });

  afterAll(() => {
    socket?.destroy();
  });

  async function roundTrip(version: number): Promise<{ correlationId: number; frame: Buffer }> {
    const id = ++correlationId;
    socket.write(apiVersionsRequest(version, id));
    return { correlationId: id, frame: await frames.next() };
  }

  it('answers v0 through its advertised maximum, and Java and our decoder read the same response', async () => {
    const first = await roundTrip(0);
    // ApiVersions responses always carry response header v0: just the correlation id.
    expect(first.frame.readInt32BE(0)).toBe(first.correlationId);
    const v0 = (await decodeWithKafka('response', API_VERSIONS, 0, first.frame.subarray(4), {
      version: kafkaVersion(),
    })) as JavaApiVersions;
    expect(v0.errorCode).toBe(0);
    const advertised = v0.apiKeys.find((k) => k.apiKey === API_VERSIONS);
    expect(advertised?.minVersion).toBe(0);
    // Every broker we support (3.x, 4.x) speaks at least v3, the first flexible version.
    expect(advertised?.maxVersion).toBeGreaterThanOrEqual(3);
    for (const needed of [0 /* Produce */, 3 /* Metadata */, 22 /* InitProducerId */]) {
      expect(v0.apiKeys.some((k) => k.apiKey === needed)).toBe(true);
    }

    const versions = Array.from(
      { length: Math.min(advertised!.maxVersion, ApiVersionsApi.maxVersion) + 1 },
      (_, v) => v,
    );
    expect(versions).toEqual(expect.arrayContaining([0, 1, 2, 3]));
    for (const version of versions) {
      const { correlationId: id, frame } = version === 0 ? first : await roundTrip(version);
      expect(frame.readInt32BE(0)).toBe(id);
      const java = (await decodeWithKafka('response', API_VERSIONS, version, frame.subarray(4), {
        version: kafkaVersion(),
      })) as JavaApiVersions;
      expect(java.errorCode).toBe(0);
      // The advertised ranges do not depend on the request version.
      expect(java.apiKeys).toEqual(v0.apiKeys);
      if (version >= 1) expect(java.throttleTimeMs).toBe(0);

      const ours = decodeResponse(ApiVersionsApi, version, frame);
      expect(ours.correlationId).toBe(id);
      expect(asKafkaJson(ours.response as unknown as Record<string, unknown>, java)).toEqual(java);
      // What Java left out (tagged fields at their defaults) must be at the default in ours too.
      if (java.supportedFeatures === undefined && version >= 3)
        expect(ours.response.supportedFeatures).toEqual([]);
      if (java.finalizedFeatures === undefined && version >= 3)
        expect(ours.response.finalizedFeatures).toEqual([]);
    }
  });

  it('answers an ApiVersions version it does not know with UNSUPPORTED_VERSION in a v0 body, read alike', async () => {
    // What a newer client meets on an older broker: the broker replies in v0 whatever was asked.
    const { correlationId: id, frame } = await roundTrip(127);
    expect(frame.readInt32BE(0)).toBe(id);
    const body = frame.subarray(4);
    const java = (await decodeWithKafka('response', API_VERSIONS, 0, body, {
      version: kafkaVersion(),
    })) as JavaApiVersions;
    expect(java.errorCode).toBe(35); // UNSUPPORTED_VERSION
    // Since Kafka 2.4 the broker says which ApiVersions versions it does speak.
    expect(java.apiKeys).toHaveLength(1);
    expect(java.apiKeys[0]).toMatchObject({ apiKey: API_VERSIONS, minVersion: 0 });

    // Our client would have asked at its highest version; the decoder must fall back to v0 like Java does.
    const ours = decodeResponse(ApiVersionsApi, ApiVersionsApi.maxVersion, frame);
    expect(ours.response.errorCode).toBe(35);
    expect(ours.response.apiKeys).toEqual(java.apiKeys);
    // Java's ApiVersionsResponse.parse falls back the same way. (Its fallback reads a copy of the buffer and
    // leaves the original where the failed attempt stopped, hence allowTrailing.)
    const javaFallback = (await decodeWithKafka('response', API_VERSIONS, ApiVersionsApi.maxVersion, body, {
      version: kafkaVersion(),
      allowTrailing: true,
    })) as JavaApiVersions;
    expect(javaFallback.errorCode).toBe(35);
    expect(javaFallback.apiKeys).toEqual(java.apiKeys);
  });
});
