// A fake Kafka broker for negotiation tests: answers ApiVersions the way real brokers of various ages do, and
// hands every other request to the test. Bodies are encoded with src/protocol (whose bytes are checked against
// Kafka's own classes in the protocol tests); what is under test here is the connection's behaviour.

import type { Socket } from 'node:net';
import {
  type ApiVersion,
  ApiVersionsApi,
  type ApiVersionsResponse,
  decodeRequest,
  encodeResponse,
  peekRequestHeader,
} from '../../src/protocol/index.js';
import { type FakeServer, onFrames, startServer } from './server.js';

export interface ApiVersionsRequestSeen {
  version: number;
  clientId: string | null;
  clientSoftwareName: string | undefined;
  clientSoftwareVersion: string | undefined;
}

export interface FakeBrokerOptions {
  /** Highest ApiVersions version this broker speaks (4 for Kafka 3.9+, 3 for 2.4-3.8, 2 for 2.0-2.3). */
  apiVersionsMax?: number;
  /** Whether an UNSUPPORTED_VERSION answer lists the ApiVersions range (Kafka 2.4+ does). */
  listsRangeInError?: boolean;
  /** Ranges the broker advertises (ApiVersions 18 is added from apiVersionsMax). */
  apis?: ApiVersion[];
  /** Answer ApiVersions with this error code instead (e.g. 42 INVALID_REQUEST). */
  apiVersionsError?: number;
  /** Extra fields of a successful ApiVersions answer. */
  extra?: Partial<ApiVersionsResponse>;
  /** Every non-ApiVersions request; reply by writing to the socket. */
  onRequest?: (
    request: { apiKey: number; apiVersion: number; correlationId: number; frame: Buffer },
    socket: Socket,
  ) => void;
}

export interface FakeBroker extends FakeServer {
  readonly apiVersionsRequests: ApiVersionsRequestSeen[];
  /** Replaces the advertised ranges for later connections (a broker upgraded or downgraded in place). */
  setApis(apis: ApiVersion[]): void;
}

/** Kafka 4.x advertises Produce from 0 although it rejects v0-2. */
export const KAFKA_4_APIS: ApiVersion[] = [
  { apiKey: 0, minVersion: 0, maxVersion: 12 },
  { apiKey: 3, minVersion: 0, maxVersion: 13 },
  { apiKey: 22, minVersion: 0, maxVersion: 6 },
];

export async function startFakeBroker(options: FakeBrokerOptions = {}): Promise<FakeBroker> {
  const apiVersionsMax = options.apiVersionsMax ?? 4;
  let apis = options.apis ?? KAFKA_4_APIS;
  const seen: ApiVersionsRequestSeen[] = [];
  const server = await startServer((socket) =>
    onFrames(socket, (frame) => {
      const header = peekRequestHeader(frame);
      if (header.apiKey !== ApiVersionsApi.apiKey) {
        options.onRequest?.({ ...header, frame }, socket);
        return;
      }
      if (header.apiVersion > apiVersionsMax) {
        // What a real broker does with a version it does not know: a v0 body, header v0.
        seen.push({
          version: header.apiVersion,
          clientId: header.clientId,
          clientSoftwareName: undefined,
          clientSoftwareVersion: undefined,
        });
        const range = { apiKey: 18, minVersion: 0, maxVersion: apiVersionsMax };
        socket.write(
          encodeResponse(ApiVersionsApi, 0, header.correlationId, {
            errorCode: 35,
            apiKeys: options.listsRangeInError === false ? [] : [range],
          }),
        );
        return;
      }
      const request = decodeRequest(ApiVersionsApi, frame);
      seen.push({
        version: request.apiVersion,
        clientId: request.clientId,
        clientSoftwareName: request.apiVersion >= 3 ? request.request.clientSoftwareName : undefined,
        clientSoftwareVersion: request.apiVersion >= 3 ? request.request.clientSoftwareVersion : undefined,
      });
      const response: ApiVersionsResponse =
        options.apiVersionsError === undefined
          ? {
              errorCode: 0,
              apiKeys: [...apis, { apiKey: 18, minVersion: 0, maxVersion: apiVersionsMax }],
              throttleTimeMs: 0,
              ...options.extra,
            }
          : { errorCode: options.apiVersionsError, apiKeys: [] };
      socket.write(encodeResponse(ApiVersionsApi, request.apiVersion, request.correlationId, response));
    }),
  );
  return {
    ...server,
    apiVersionsRequests: seen,
    setApis(next) {
      apis = next;
    },
  };
}
