// The descriptor every API module exports: its key, the versions we implement, and codecs for its
// request and response bodies at all of those versions (headers and framing live in frame.ts).

import { KafkaDecodeError } from './codec-errors.js';
import { createMessageCodec, type MessageCodec } from './message-codec.js';
import type { ConformsTo } from './message-shape.js';
import { Reader } from './reader.js';
import { type MessageSpec, parseVersions } from './schema.js';
import { Writer } from './writer.js';

/**
 * What decoders return: the same shape as the input type, with every optional field filled in (a field
 * the decoded version does not carry holds its spec default), recursively.
 */
export type Complete<T> = T extends Uint8Array | string | number | bigint | boolean | null | undefined
  ? T
  : T extends readonly (infer E)[]
    ? Complete<E>[]
    : { [K in keyof T]-?: Complete<T[K]> };

export interface ApiCodec<Req, Res> {
  readonly apiKey: number;
  /** Kafka's name for the API (`Produce`, `Metadata`, ...). */
  readonly name: string;
  /** Lowest version kafka-wire implements (may be above the broker's advertised minimum). */
  readonly minVersion: number;
  readonly maxVersion: number;
  /** From this version on, requests use header v2 and bodies use compact encodings and tagged fields. */
  readonly firstFlexibleVersion: number;
  readonly request: MessageCodec<Req, Complete<Req>>;
  readonly response: MessageCodec<Res, Complete<Res>>;
  isFlexible(version: number): boolean;
  /** 2 for flexible versions, else 1 (header v0, without client id, is gone since Kafka 4.0). */
  requestHeaderVersion(version: number): 1 | 2;
  /** 1 for flexible versions, else 0; always 0 for ApiVersions (KIP-511). */
  responseHeaderVersion(version: number): 0 | 1;
  /** The request body alone (no size prefix, no header). */
  encodeRequestBody(version: number, request: Req): Uint8Array;
  /** Decodes a whole request body; trailing bytes are an error. */
  decodeRequestBody(version: number, body: Uint8Array): Complete<Req>;
  /** The response body alone (no size prefix, no header). */
  encodeResponseBody(version: number, response: Res): Uint8Array;
  /** Decodes a whole response body; trailing bytes are an error. */
  decodeResponseBody(version: number, body: Uint8Array): Complete<Res>;
}

export interface ApiDefinition {
  readonly name: string;
  readonly minVersion: number;
  readonly maxVersion: number;
  readonly request: MessageSpec;
  readonly response: MessageSpec;
  /** ApiVersions only: responses always carry header v0. */
  readonly responseHeaderAlwaysV0?: boolean;
  /**
   * Replaces the response reader, e.g. to retry as v0 when the bytes do not parse at the requested version.
   * It receives the standard reader and must consume exactly the rest of the body.
   */
  readonly readResponse?: (reader: Reader, version: number) => unknown;
}

/** Reads a message that must span `reader` up to its end. */
export function readWhole<T>(codec: MessageCodec<unknown, T>, reader: Reader, version: number): T {
  const value = codec.read(reader, version);
  if (reader.pos !== reader.end) {
    throw new KafkaDecodeError(
      reader.context,
      reader.pos,
      `${reader.end - reader.pos} unexpected bytes after the end of the message`,
    );
  }
  return value;
}

function encodeBody<T>(codec: MessageCodec<T, unknown>, version: number, value: T): Uint8Array {
  const size = codec.size(version, value);
  const writer = Writer.allocate(size);
  codec.write(writer, version, value);
  if (writer.pos !== size)
    throw new Error(`${codec.spec.name} v${version}: wrote ${writer.pos} bytes, sized ${size}`);
  return writer.buf;
}

/**
 * Builds an API's codecs from its definition. `Req` and `Res` come from the declared type of the result
 * (`const XApi: ApiCodec<XRequest, XResponse> = defineApi({...})`) and must be exactly the shapes the specs
 * give at minVersion-maxVersion (see message-shape.ts): a mismatch does not compile.
 */
export function defineApi<Req, Res, const D extends ApiDefinition = ApiDefinition>(
  definition: D &
    ConformsTo<Req, D['request'], D['minVersion'], D['maxVersion']> &
    ConformsTo<Res, D['response'], D['minVersion'], D['maxVersion']>,
): ApiCodec<Req, Res> {
  const { request: requestSpec, response: responseSpec } = definition;
  if (
    requestSpec.apiKey !== responseSpec.apiKey ||
    requestSpec.flexibleVersions !== responseSpec.flexibleVersions
  ) {
    throw new Error(`${definition.name}: request and response specs disagree`);
  }
  const options = {
    api: definition.name,
    minVersion: definition.minVersion,
    maxVersion: definition.maxVersion,
  };
  const request = createMessageCodec<Req, Complete<Req>>(requestSpec, options);
  const standardResponse = createMessageCodec<Res, Complete<Res>>(responseSpec, options);
  const customRead = definition.readResponse;
  const response: MessageCodec<Res, Complete<Res>> = customRead === undefined
    ? standardResponse
    : { ...standardResponse, read: (reader, version) => customRead(reader, version) as Complete<Res> };
  // `none` parses as an empty range whose lo is 1: such an API (SaslHandshake) is never flexible.
  const flexible = parseVersions(requestSpec.flexibleVersions);
  const firstFlexibleVersion = flexible.lo <= flexible.hi ? flexible.lo : Number.POSITIVE_INFINITY;
  const isFlexible = (version: number) => version >= firstFlexibleVersion;

  return {
    apiKey: requestSpec.apiKey,
    name: definition.name,
    minVersion: definition.minVersion,
    maxVersion: definition.maxVersion,
    firstFlexibleVersion,
    request,
    response,
    isFlexible,
    requestHeaderVersion: (version) => (isFlexible(version) ? 2 : 1),
    responseHeaderVersion: (version) => (definition.responseHeaderAlwaysV0 || !isFlexible(version) ? 0 : 1),
    encodeRequestBody: (version, value) => encodeBody(request, version, value),
    decodeRequestBody: (version, body) => readWhole(request, new Reader(body), version),
    encodeResponseBody: (version, value) => encodeBody(response, version, value),
    decodeResponseBody: (version, body) => readWhole(response, new Reader(body), version),
  };
}
