// A deliberately tiny Kafka client for the harness: one Metadata v4 request per connection, to learn which
// brokers are registered and who leads what, in milliseconds and without starting a JVM. It is test
// infrastructure, independent of src/ on purpose: the harness must work while the real client is broken.
import { connect } from 'node:net';

const METADATA = 3;
const VERSION = 4; // non-flexible; has allow_auto_topic_creation so describing a topic never creates it
const CLIENT_ID = 'kafka-wire-harness';

/** @param {string[] | null} topics null = all topics */
function encodeRequest(correlationId, topics) {
  const names = topics?.map((t) => Buffer.from(t, 'utf8')) ?? null;
  const clientId = Buffer.from(CLIENT_ID, 'utf8');
  const size = 2 + 2 + 4 + 2 + clientId.length + 4 + (names?.reduce((n, b) => n + 2 + b.length, 0) ?? 0) + 1;
  const buf = Buffer.alloc(4 + size);
  let o = buf.writeInt32BE(size, 0);
  o = buf.writeInt16BE(METADATA, o);
  o = buf.writeInt16BE(VERSION, o);
  o = buf.writeInt32BE(correlationId, o);
  o = buf.writeInt16BE(clientId.length, o);
  o += clientId.copy(buf, o);
  o = buf.writeInt32BE(names ? names.length : -1, o);
  for (const name of names ?? []) {
    o = buf.writeInt16BE(name.length, o);
    o += name.copy(buf, o);
  }
  buf.writeUInt8(0, o); // allow_auto_topic_creation = false
  return buf;
}

function decodeResponse(body) {
  let o = 0;
  const int16 = () => {
    const v = body.readInt16BE(o);
    o += 2;
    return v;
  };
  const int32 = () => {
    const v = body.readInt32BE(o);
    o += 4;
    return v;
  };
  const string = () => {
    const n = int16();
    if (n < 0) return null;
    const s = body.toString('utf8', o, o + n);
    o += n;
    return s;
  };
  const array = (item) => {
    const n = int32();
    const out = [];
    for (let i = 0; i < n; i++) out.push(item());
    return out;
  };
  const correlationId = int32();
  const throttleTimeMs = int32();
  const brokers = array(() => ({ nodeId: int32(), host: string(), port: int32(), rack: string() }));
  const clusterId = string();
  const controllerId = int32();
  const topics = array(() => ({
    errorCode: int16(),
    name: string(),
    isInternal: body.readUInt8(o++) !== 0,
    partitions: array(() => ({
      errorCode: int16(),
      partitionIndex: int32(),
      leaderId: int32(),
      replicaNodes: array(int32),
      isrNodes: array(int32),
    })),
  }));
  return { correlationId, throttleTimeMs, brokers, clusterId, controllerId, topics };
}

/**
 * Sends one Metadata v4 request to `host:port` and returns the decoded response.
 * @param {string} address 'host:port'
 * @param {{ topics?: string[] | null, timeoutMs?: number }} [options] topics: null (default) = all topics
 */
export function fetchMetadata(address, { topics = null, timeoutMs = 3000 } = {}) {
  const [host, portText] = splitAddress(address);
  return new Promise((resolve, reject) => {
    const socket = connect({ host, port: Number(portText) });
    const chunks = [];
    let received = 0;
    const fail = (error) => {
      socket.destroy();
      reject(error);
    };
    socket.setTimeout(timeoutMs, () =>
      fail(new Error(`Metadata request to ${address} got no answer within ${timeoutMs} ms`)),
    );
    socket.on('error', (error) => fail(new Error(`Metadata request to ${address} failed: ${error.message}`)));
    socket.on('connect', () => socket.write(encodeRequest(1, topics)));
    socket.on('data', (chunk) => {
      chunks.push(chunk);
      received += chunk.length;
      if (received < 4) return;
      const all = chunks.length === 1 ? chunks[0] : Buffer.concat(chunks);
      const size = all.readInt32BE(0);
      if (received < 4 + size) return;
      socket.destroy();
      try {
        resolve(decodeResponse(all.subarray(4, 4 + size)));
      } catch (error) {
        reject(
          new Error(`Could not decode the Metadata v${VERSION} response from ${address}: ${error.message}`),
        );
      }
    });
    socket.on('close', () => reject(new Error(`${address} closed the connection before answering Metadata`)));
  });
}

/** @param {string} address */
export function splitAddress(address) {
  const i = address.lastIndexOf(':');
  if (i <= 0) throw new Error(`Expected host:port, got "${address}"`);
  return [address.slice(0, i).replace(/^\[|\]$/g, ''), address.slice(i + 1)];
}
