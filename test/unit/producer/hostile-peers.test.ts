import { afterEach, describe, expect, it } from 'vitest';
import type { ApiName, LoggedRequest } from '../../../src/testing/index.js';
import { keptWarnings } from '../../fake/logger.js';
import { cleanup, offsetsOf, producerFor, sendAll, startCluster, within } from './harness.js';

// A broker that answers with bytes that cannot be the response: the producer must drop that connection,
// open a new one, send the request again, and deliver every record exactly once (idempotence makes the
// broker answer a retry of a batch it already wrote with the batch's original offset). Nothing may crash,
// hang, or allocate what the peer announces. Each misbehaviour is tried on a Produce, on a Metadata, and on
// the ApiVersions that opens a connection.

afterEach(cleanup);

/** Bytes to send instead of the valid response frame `r` (size prefix included), and whether to close after. */
interface Misbehaviour {
  raw: (r: Uint8Array, request: LoggedRequest) => Uint8Array;
  close?: boolean;
  /** Only a request timeout can tell: the connection is left open with a frame that never completes. */
  needsTimeout?: boolean;
  /** The request did get its answer (the bytes after it are the offence): nothing needs sending again. */
  answered?: boolean;
}

const int32 = (n: number) => {
  const b = Buffer.alloc(4);
  b.writeInt32BE(n);
  return b;
};

const MISBEHAVIOURS: Record<string, Misbehaviour> = {
  // An HTTP server on the Kafka port: 'HTTP' read as a size is 1.2 GB, far above any response.
  'garbage (an HTTP answer)': {
    raw: () => Buffer.from('HTTP/1.1 400 Bad Request\r\nContent-Length: 0\r\n\r\n'),
  },
  'a 2 GiB size prefix': { raw: () => Buffer.concat([int32(0x7fffffff), Buffer.alloc(64, 7)]) },
  'a negative size prefix': { raw: () => Buffer.concat([int32(-1), Buffer.alloc(16)]) },
  'a frame too short to hold a correlation id': { raw: () => Buffer.from([0, 0, 0, 2, 0, 0]) },
  'a frame with another correlation id': {
    raw: (r) => {
      const copy = Buffer.from(r);
      copy.writeInt32BE(copy.readInt32BE(4) + 1000, 4);
      return copy;
    },
  },
  'a valid frame cut mid-way, then close': { raw: (r) => r.subarray(0, r.length >> 1), close: true },
  'a truncated frame (size prefix only), then close': { raw: (r) => r.subarray(0, 4), close: true },
  'a frame cut one byte short, connection left open': {
    raw: (r) => r.subarray(0, r.length - 1),
    needsTimeout: true,
  },
  // Right size and correlation id, garbage body: the connection is closed and the request retried.
  'a frame of the right size and correlation id, with a garbage body': {
    raw: (r) => {
      const copy = Buffer.from(r);
      copy.fill(0xff, 8);
      return copy;
    },
  },
  // The second copy answers nothing: the connection is dropped, though the request itself succeeded.
  'the response twice': { raw: (r) => Buffer.concat([r, r]), answered: true },
};

const APIS: ApiName[] = ['Produce', 'Metadata', 'ApiVersions'];

describe('hostile peers', () => {
  for (const api of APIS) {
    describe(`answering ${api} with`, () => {
      it.each(Object.entries(MISBEHAVIOURS))(
        '%s: the connection is rebuilt, the request retried, every record stored once',
        async (_name, misbehaviour) => {
          const cluster = await startCluster({ topics: { t: { partitions: 1, leaders: [0] } } });
          // ApiVersions: the very first one (the bootstrap connection); the others: the first of their api.
          const rule = cluster.onRequest(
            { api },
            misbehaviour.close === undefined
              ? { raw: misbehaviour.raw }
              : { raw: misbehaviour.raw, close: misbehaviour.close },
          );
          // The broker misbehaves on purpose: the producer's warnings about it are kept, not printed.
          const producer = producerFor(cluster, {
            logger: keptWarnings().logger,
            ...(misbehaviour.needsTimeout ? { requestTimeoutMs: 400 } : {}),
            // A frame cut short on a connection left open shows only while nothing else is outstanding there: the
            // next response's first byte completes it (a size prefix starts with 0x00, as the cut tagged-field
            // count did). The producer id is asked for beside the first Metadata request, on the same connection,
            // so here idempotence is off and the Metadata request is alone.
            ...(misbehaviour.needsTimeout && api === 'Metadata' ? { enableIdempotence: false } : {}),
          });
          const buffersBefore = process.memoryUsage().arrayBuffers;

          const sent = sendAll(producer, 't', 0, ['a', 'b', 'c']);
          const results = await within(Promise.all(sent), 4_000, 'the three records');
          const after = producer.send({ topic: 't', partition: 0, value: 'd' });
          expect((await within(after, 4_000, 'a record sent afterwards')).offset).toBe(3n);

          expect(offsetsOf(results)).toEqual([0n, 1n, 2n]);
          expect(cluster.values('t', 0)).toEqual(['a', 'b', 'c', 'd']);
          expect(rule.hits).toBe(1);
          // The request answered with bad bytes was sent again, on another connection.
          const ofApi = cluster.requestsFor(api);
          const bad = ofApi.findIndex((r) => r.outcome === 'raw');
          expect(bad).toBeGreaterThanOrEqual(0);
          if (!misbehaviour.answered) {
            const retry = ofApi[bad + 1];
            expect(retry).toBeDefined();
            expect(retry!.connection).not.toBe(ofApi[bad]!.connection);
          }
          // The bad connection is closed (by the client; by the fake too for `close`).
          const badConnection = ofApi[bad]!.connection;
          await within(
            cluster.waitUntil(() => (cluster.isOpen(badConnection) ? undefined : true)),
            4_000,
            'the bad connection to close',
          );
          // Nothing the peer announced (2 GiB, 1.2 GB) was allocated.
          expect(process.memoryUsage().arrayBuffers - buffersBefore).toBeLessThan(64 * 1024 * 1024);
        },
      );
    });
  }

  it.each([
    ['closes the connection on', 'drop'],
    ['never answers', 'no-response'],
  ] as const)(
    'a broker that %s ApiVersions: the producer connects again and delivers',
    async (_name, action) => {
      const cluster = await startCluster({ topics: { t: { partitions: 1, leaders: [0] } } });
      const rule = cluster.onRequest({ api: 'ApiVersions', times: 2 }, action);
      const producer = producerFor(cluster, { requestTimeoutMs: 400, logger: keptWarnings().logger });

      const results = await within(Promise.all(sendAll(producer, 't', 0, ['a', 'b'])), 4_000, 'the records');

      expect(offsetsOf(results)).toEqual([0n, 1n]);
      expect(cluster.values('t', 0)).toEqual(['a', 'b']);
      expect(rule.hits).toBe(2);
      // The connections that never got past ApiVersions were closed (by the client, for the hung one).
      const stuck = cluster.requestsFor('ApiVersions').filter((r) => r.outcome !== 'answered');
      expect(stuck).toHaveLength(2);
      for (const r of stuck) {
        const connection = r.connection;
        await within(
          cluster.waitUntil(() => (cluster.isOpen(connection) ? undefined : true)),
          4_000,
          'the stuck connection to close',
        );
      }
    },
  );
});
