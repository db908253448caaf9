// ApiVersions negotiation, the first exchange on every connection (Java's NetworkClient does the same before
// anything else, SASL included):
//   1. send ApiVersions at our highest version (v4; v3+ carry ClientSoftwareName/Version, KIP-511);
//   2. a broker that does not know that version answers UNSUPPORTED_VERSION (35) in a v0-format body, listing
//      (since Kafka 2.4) the ApiVersions range it does support: retry on the same connection with its max, or v0
//      if it listed none. The version strictly decreases, so this ends;
//   3. any other error, or UNSUPPORTED_VERSION at v0, means the connection is useless: fail it (retriable, like Java's disconnect).
// The ranges of a successful answer become the connection's ApiVersionTable.

import type { Complete } from '../protocol/api.js';
import {
  ApiVersionsApi,
  type ApiVersionsResponse,
  apiVersionsRetryVersion,
} from '../protocol/api-versions.js';
import { KafkaDecodeError } from '../protocol/codec-errors.js';
import { kafkaErrorFor } from '../protocol/errors.js';
import { decodeResponse, encodeRequest } from '../protocol/frame.js';
import { ApiVersionTable } from './api-version-table.js';
import { BrokerProtocolError, NetworkError } from './errors.js';

/**
 * What negotiation needs from a connection: a way to send one request frame and get its response frame, and a
 * name for errors. Defined here (not taken from Connection) so the connection can depend on negotiation
 * without negotiation depending back on it.
 */
export interface NegotiationChannel {
  /** "node 3 (broker1:9092)": how errors name the broker. */
  readonly description: string;
  send(frame: Uint8Array, options: { label: string; api?: string }): Promise<Uint8Array>;
}

export interface NegotiationOptions {
  clientId: string | null;
  clientSoftwareName: string;
  clientSoftwareVersion: string;
  /** Start below our maximum (tests; never needed against real brokers). */
  startVersion?: number;
}

export interface NegotiationResult {
  table: ApiVersionTable;
  /** The successful response, with the broker's supported and finalized features (v3+). */
  response: Complete<ApiVersionsResponse>;
  /** The ApiVersions version the broker accepted. */
  version: number;
}

export async function negotiateApiVersions(
  connection: NegotiationChannel,
  options: NegotiationOptions,
): Promise<NegotiationResult> {
  let version = options.startVersion ?? ApiVersionsApi.maxVersion;
  for (;;) {
    const frame = encodeRequest(
      ApiVersionsApi,
      version,
      { correlationId: 0, clientId: options.clientId },
      version >= 3
        ? {
            clientSoftwareName: options.clientSoftwareName,
            clientSoftwareVersion: options.clientSoftwareVersion,
          }
        : {},
    );
    const responseFrame = await connection.send(frame, {
      label: `ApiVersions v${version}`,
      api: 'ApiVersions',
    });
    let response: Complete<ApiVersionsResponse>;
    try {
      // Parses at `version`, or as v0 when the broker answered with the v0 body of an UNSUPPORTED_VERSION.
      response = decodeResponse(ApiVersionsApi, version, responseFrame).response;
    } catch (error) {
      if (!(error instanceof KafkaDecodeError)) throw error;
      throw new BrokerProtocolError(
        `${connection.description} answered ApiVersions v${version} with bytes that do not parse ` +
          `(${error.message}); is this a Kafka broker?`,
        { cause: error },
      );
    }
    if (response.errorCode === 0) {
      return { table: new ApiVersionTable(response.apiKeys, connection.description), response, version };
    }
    const retryVersion = apiVersionsRetryVersion(response, version);
    if (retryVersion === undefined) {
      const cause = kafkaErrorFor(response.errorCode, { api: 'ApiVersions' });
      throw new NetworkError(
        `${connection.description} refused ApiVersions v${version} with ${cause.errorName} ` +
          `(${response.errorCode}); the connection is closed (a later attempt reconnects, as Java's client does)`,
        { cause },
      );
    }
    version = retryVersion;
  }
}
