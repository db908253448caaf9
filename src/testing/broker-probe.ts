// Asks a broker which brokers it knows (Metadata v4: every Kafka from 1.0 to 4.x answers it), so startKafka
// can tell when the cluster it started is ready for clients.
import { connect } from 'node:net';
import { decodeResponse, encodeRequest, MetadataApi, type MetadataResponse } from '../protocol/index.js';

const METADATA_VERSION = 4;

/** The node ids `host:port` lists as registered brokers; rejects if it does not answer within `timeoutMs`. */
export function registeredBrokers(host: string, port: number, timeoutMs: number): Promise<number[]> {
  return new Promise((resolve, reject) => {
    const socket = connect({ host, port });
    let received = Buffer.alloc(0);
    const timer = setTimeout(() => {
      socket.destroy();
      reject(new Error(`no Metadata answer from ${host}:${port} within ${timeoutMs} ms`));
    }, timeoutMs);
    const done = (error: Error | null, ids?: number[]) => {
      clearTimeout(timer);
      socket.destroy();
      if (error) reject(error);
      else resolve(ids!);
    };
    socket.once('error', (error) => done(error));
    socket.once('connect', () => {
      socket.write(
        encodeRequest(
          MetadataApi,
          METADATA_VERSION,
          { correlationId: 1, clientId: 'kafka-wire-start-kafka' },
          { topics: [], allowAutoTopicCreation: false },
        ),
      );
    });
    socket.on('data', (chunk: Buffer) => {
      received = Buffer.concat([received, chunk]);
      if (received.length < 4) return;
      const size = received.readInt32BE(0);
      if (received.length < 4 + size) return;
      try {
        const { response } = decodeResponse<MetadataResponse>(
          MetadataApi,
          METADATA_VERSION,
          received.subarray(4, 4 + size),
        );
        done(
          null,
          response.brokers.map((b) => b.nodeId).sort((a, b) => a - b),
        );
      } catch (error) {
        done(error as Error);
      }
    });
    socket.once('close', () => done(new Error(`${host}:${port} closed the connection before answering`)));
  });
}
