// encodeRequestSegments must put exactly encodeRequest's bytes on the wire (encodeRequest's own bytes are checked
// against Java's golden fixtures): the segments, concatenated, equal the single buffer, and the record batches
// at or above the threshold are the caller's arrays themselves, not copies.

import { describe, expect, it } from 'vitest';
import {
  encodeRequest,
  encodeRequestSegments,
  MetadataApi,
  ProduceApi,
  type ProduceRequest,
  REQUEST_CORRELATION_ID_OFFSET,
} from '../../../src/protocol/index.js';

/** A stand-in for a record batch: its content does not matter to the frame, only its bytes and length. */
function batch(length: number, seed: number): Uint8Array {
  const bytes = new Uint8Array(length);
  for (let i = 0; i < length; i++) bytes[i] = (i * 31 + seed) & 0xff;
  return bytes;
}

const batches = [batch(5000, 1), batch(40, 2), batch(4096, 3), batch(1, 4), batch(70000, 5)];

function produceRequest(version: number): ProduceRequest {
  const byId = version >= 13;
  const topic = (name: string, id: string) => (byId ? { topicId: id } : { name });
  return {
    transactionalId: version >= 3 ? 'txn-é' : null,
    acks: -1,
    timeoutMs: 30000,
    topicData: [
      {
        ...topic('trucks', 'bB4aLT9LTF2On6Cxw9Pk9Q'),
        partitionData: [
          { index: 0, records: batches[0]! },
          { index: 1, records: batches[1]! },
          { index: 2, records: null },
        ],
      },
      {
        ...topic('a-topic-with-a-much-longer-name', 'Dx4tPEtaSXiGlaSzwtHg-Q'),
        partitionData: [
          { index: 7, records: batches[2]! },
          { index: 8, records: batches[3]! },
          { index: 9, records: batches[4]! },
        ],
      },
    ],
  } as ProduceRequest;
}

const concat = (segments: readonly Uint8Array[]) => Buffer.concat(segments);

describe('encodeRequestSegments', () => {
  for (let version = ProduceApi.minVersion; version <= ProduceApi.maxVersion; version++) {
    it(`Produce v${version}: the segments concatenated are encodeRequest's bytes, large batches referenced`, () => {
      const header = { correlationId: 0x0a0b0c0d, clientId: 'kafka-wire-test' };
      const single = encodeRequest(ProduceApi, version, header, produceRequest(version));
      for (const referenceFrom of [1, 41, 4096, 100_000]) {
        const segments = encodeRequestSegments(
          ProduceApi,
          version,
          header,
          produceRequest(version),
          referenceFrom,
        );
        expect(concat(segments).equals(Buffer.from(single))).toBe(true);
        // The fixed header, through the correlation id, is in the first segment (the connection patches it there).
        expect(segments[0]!.length).toBeGreaterThanOrEqual(REQUEST_CORRELATION_ID_OFFSET + 4);
        const referenced = batches.filter((b) => b.length >= referenceFrom);
        // Referenced arrays are the same objects (no copy), in order; no segment is empty.
        const same = segments.filter((s) => batches.includes(s));
        expect(same.length).toBe(referenced.length);
        expect(same.every((s, i) => s === referenced[i])).toBe(true);
        expect(segments.every((s) => s.length > 0)).toBe(true);
      }
    });
  }

  it('a request with nothing to reference is one segment equal to encodeRequest', () => {
    const header = { correlationId: 7, clientId: null };
    const segments = encodeRequestSegments(MetadataApi, 12, header, { topics: null }, 1);
    expect(segments).toHaveLength(1);
    expect(
      Buffer.from(segments[0]!).equals(Buffer.from(encodeRequest(MetadataApi, 12, header, { topics: null }))),
    ).toBe(true);
  });

  it('segments of one request are unaffected by the next request (the scratch is copied out)', () => {
    const header = { correlationId: 1, clientId: 'c' };
    const first = encodeRequestSegments(ProduceApi, 9, header, produceRequest(9), 1000);
    const firstBytes = Buffer.from(concat(first));
    encodeRequestSegments(ProduceApi, 12, { correlationId: 2, clientId: 'other' }, produceRequest(12), 1000);
    expect(concat(first).equals(firstBytes)).toBe(true);
  });

  it('a request larger than the kept scratch still encodes exactly', () => {
    const big = new Uint8Array(5 * 1024 * 1024).fill(9);
    const request: ProduceRequest = {
      transactionalId: null,
      acks: 1,
      timeoutMs: 1000,
      topicData: [
        {
          name: 't',
          partitionData: [
            { index: 0, records: big },
            { index: 1, records: batches[1]! },
          ],
        },
      ],
    } as ProduceRequest;
    const header = { correlationId: 3, clientId: 'c' };
    const single = Buffer.from(encodeRequest(ProduceApi, 9, header, request));
    // Copied (threshold above the batch): the writer's own bytes exceed the shared scratch.
    expect(
      concat(encodeRequestSegments(ProduceApi, 9, header, request, Number.POSITIVE_INFINITY)).equals(single),
    ).toBe(true);
    const referenced = encodeRequestSegments(ProduceApi, 9, header, request, 1024);
    expect(referenced.some((s) => s === big)).toBe(true);
    expect(concat(referenced).equals(single)).toBe(true);
  });
});
