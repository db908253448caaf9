// Whole frames: the int32 size prefix, the request/response header, and the body, in one buffer.
//
// Request header v1: api_key int16, api_version int16, correlation_id int32, client_id (classic int16
// string, -1 = null). v2 (flexible API versions) appends a tagged-field section; client_id stays classic
// so that any broker can parse the header of an ApiVersions request it does not understand.
// Response header v0: correlation_id int32; v1 (flexible) appends a tagged-field section; ApiVersions
// responses always use v0 (KIP-511).
//
// Layout of an encoded request: [0..3] size, [4..5] api key, [6..7] api version, [8..11] correlation id
// (REQUEST_CORRELATION_ID_OFFSET: the connection layer may patch it in place), then client id, tags, body.

import { type ApiCodec, type Complete, readWhole } from './api.js';
import { type CodecContext, KafkaDecodeError, KafkaEncodeError, type MessageType } from './codec-errors.js';
import { INT32_MAX, INT32_MIN } from './int-limits.js';
import { skipTaggedFields } from './message-codec.js';
import { Reader } from './reader.js';
import { Writer } from './writer.js';

/** Offset of the correlation id in a frame produced by encodeRequest (which includes the size prefix). */
export const REQUEST_CORRELATION_ID_OFFSET = 8;

/** A request frame as one buffer (encodeRequest) or as segments to write in order (encodeRequestSegments). */
export type RequestFrame = Uint8Array | readonly Uint8Array[];

export interface RequestHeaderFields {
  /** int32, echoed by the broker. */
  correlationId: number;
  /** Null or a string of at most 32767 UTF-8 bytes. */
  clientId: string | null;
}

export interface DecodedRequest<Req> {
  apiKey: number;
  apiVersion: number;
  correlationId: number;
  clientId: string | null;
  request: Complete<Req>;
}

// biome-ignore lint/suspicious/noExplicitAny: the request and response types do not matter for framing.
type AnyApi = ApiCodec<any, any>;

function context(api: AnyApi, version: number, messageType: MessageType): CodecContext {
  return { api: api.name, apiKey: api.apiKey, apiVersion: version, messageType };
}

function checkCorrelationId(
  api: AnyApi,
  version: number,
  messageType: MessageType,
  correlationId: number,
): void {
  if (!Number.isInteger(correlationId) || correlationId < INT32_MIN || correlationId > INT32_MAX) {
    throw new KafkaEncodeError(
      context(api, version, messageType),
      'invalid-value',
      `correlation id ${String(correlationId)} is not an int32`,
    );
  }
}

function clientIdLength(api: AnyApi, version: number, clientId: string | null): number {
  if (clientId === null) return 0;
  const length = typeof clientId === 'string' ? Buffer.byteLength(clientId, 'utf8') : -1;
  if (length < 0 || length > 0x7fff) {
    throw new KafkaEncodeError(
      context(api, version, 'request header'),
      'invalid-value',
      'client id must be null or a string of at most 32767 UTF-8 bytes',
    );
  }
  return length;
}

function checkFrameSize(api: AnyApi, version: number, messageType: MessageType, size: number): void {
  if (size > INT32_MAX) {
    throw new KafkaEncodeError(
      context(api, version, messageType),
      'invalid-value',
      `the message is ${size} bytes, more than an int32 size prefix can describe`,
    );
  }
}

/**
 * Encodes size prefix + request header + body into one exactly-sized buffer. Throws KafkaEncodeError
 * (before allocating) when the request does not fit the version.
 */
export function encodeRequest<Req>(
  api: ApiCodec<Req, unknown>,
  version: number,
  header: RequestHeaderFields,
  request: Req,
): Uint8Array {
  return writeRequest(api, version, header, request, Writer.allocate).buf;
}

/**
 * The bytes of encodeRequest as a write vector: `bytes` and `records` fields of at least `referenceFrom` bytes are
 * segments of their own, the caller's arrays themselves (not copied: they must stay unmodified until the
 * request is written), and the rest is copied into small segments between them. The first segment holds at
 * least the size prefix and the fixed header (through the correlation id, which may be patched in place there).
 * Concatenated, the segments are exactly encodeRequest's buffer.
 */
export function encodeRequestSegments<Req>(
  api: ApiCodec<Req, unknown>,
  version: number,
  header: RequestHeaderFields,
  request: Req,
  referenceFrom: number,
): Uint8Array[] {
  return writeRequest(api, version, header, request, (size) => Writer.vector(size, referenceFrom)).segments();
}

function writeRequest<Req>(
  api: ApiCodec<Req, unknown>,
  version: number,
  header: RequestHeaderFields,
  request: Req,
  writerFor: (size: number) => Writer,
): Writer {
  const bodySize = api.request.size(version, request);
  checkCorrelationId(api, version, 'request header', header.correlationId);
  const clientId = header.clientId;
  const clientIdBytes = clientIdLength(api, version, clientId);
  const flexibleHeader = api.requestHeaderVersion(version) === 2;
  const headerSize = 2 + 2 + 4 + 2 + clientIdBytes + (flexibleHeader ? 1 : 0);
  const frameSize = headerSize + bodySize;
  checkFrameSize(api, version, 'request', frameSize);

  const w = writerFor(4 + frameSize);
  w.int32(frameSize);
  w.int16(api.apiKey);
  w.int16(version);
  w.int32(header.correlationId);
  if (clientId === null) {
    w.int16(-1);
  } else {
    w.int16(clientIdBytes);
    w.utf8(clientId, clientIdBytes);
  }
  if (flexibleHeader) w.uvarint(0);
  api.request.write(w, version, request);
  if (w.length !== 4 + frameSize)
    throw new Error(`${api.name} v${version} request: wrote ${w.length}, sized ${4 + frameSize}`);
  return w;
}

/** Encodes size prefix + response header + body (for fake brokers and tests). */
export function encodeResponse<Res>(
  api: ApiCodec<unknown, Res>,
  version: number,
  correlationId: number,
  response: Res,
): Uint8Array {
  const bodySize = api.response.size(version, response);
  checkCorrelationId(api, version, 'response header', correlationId);
  const flexibleHeader = api.responseHeaderVersion(version) === 1;
  const frameSize = 4 + (flexibleHeader ? 1 : 0) + bodySize;
  checkFrameSize(api, version, 'response', frameSize);

  const w = Writer.allocate(4 + frameSize);
  w.int32(frameSize);
  w.int32(correlationId);
  if (flexibleHeader) w.uvarint(0);
  api.response.write(w, version, response);
  if (w.pos !== 4 + frameSize)
    throw new Error(`${api.name} v${version} response: wrote ${w.pos}, sized ${4 + frameSize}`);
  return w.buf;
}

/**
 * The correlation id of a response frame (without its size prefix), so a connection can find the request
 * it answers before choosing how to decode it.
 */
export function readResponseCorrelationId(frame: Uint8Array): number {
  if (frame.length < 4) {
    throw new KafkaDecodeError(
      { api: 'unknown', apiKey: -1, apiVersion: -1, messageType: 'response header' },
      0,
      `a response frame needs at least 4 bytes (the correlation id) but has ${frame.length}`,
    );
  }
  return (frame[0]! << 24) | (frame[1]! << 16) | (frame[2]! << 8) | frame[3]! | 0;
}

/**
 * Decodes a response frame (WITHOUT its 4-byte size prefix: it starts with the correlation id) sent in
 * answer to a `version` request of `api`. The whole frame must be consumed. ApiVersions responses that
 * do not parse at `version` are parsed again as v0 (see api-versions.ts). Throws only KafkaDecodeError.
 */
export function decodeResponse<Res>(
  api: ApiCodec<unknown, Res>,
  version: number,
  frame: Uint8Array,
): { correlationId: number; response: Complete<Res> } {
  const r = new Reader(frame, context(api, version, 'response header'));
  const correlationId = r.int32();
  if (api.responseHeaderVersion(version) === 1) skipTaggedFields(r);
  const response = readWhole(api.response, r, version);
  return { correlationId, response };
}

/** The fixed part of a request header (identical in v1 and v2), read without knowing the API. */
export function peekRequestHeader(frame: Uint8Array): {
  apiKey: number;
  apiVersion: number;
  correlationId: number;
  clientId: string | null;
} {
  const r = new Reader(frame, { api: 'unknown', apiKey: -1, apiVersion: -1, messageType: 'request header' });
  const apiKey = r.int16();
  const apiVersion = r.int16();
  r.context = { api: 'unknown', apiKey, apiVersion, messageType: 'request header' };
  const correlationId = r.int32();
  const clientId = readClientId(r);
  return { apiKey, apiVersion, correlationId, clientId };
}

function readClientId(r: Reader): string | null {
  const at = r.pos;
  const length = r.int16();
  if (length === -1) return null;
  if (length < 0) r.fail(`negative client id length ${length}`, at);
  return r.utf8(length);
}

/**
 * Decodes a request frame (WITHOUT its size prefix) for `api` (for fake brokers and fuzzing). Fails with
 * KafkaDecodeError when the frame is for another API or a version outside the codec's range; use
 * peekRequestHeader first to dispatch.
 */
export function decodeRequest<Req>(api: ApiCodec<Req, unknown>, frame: Uint8Array): DecodedRequest<Req> {
  const r = new Reader(frame, context(api, -1, 'request header'));
  const apiKey = r.int16();
  if (apiKey !== api.apiKey) r.fail(`API key ${apiKey} is not ${api.name}'s ${api.apiKey}`, 0);
  const apiVersion = r.int16();
  r.context = context(api, apiVersion, 'request header');
  if (!Number.isInteger(apiVersion) || apiVersion < api.minVersion || apiVersion > api.maxVersion) {
    r.fail(
      `version ${apiVersion} is not supported (kafka-wire implements ${api.minVersion}-${api.maxVersion})`,
      2,
    );
  }
  const correlationId = r.int32();
  const clientId = readClientId(r);
  if (api.requestHeaderVersion(apiVersion) === 2) skipTaggedFields(r);
  const request = readWhole(api.request, r, apiVersion);
  return { apiKey, apiVersion, correlationId, clientId, request };
}
