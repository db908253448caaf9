import { readVarint, type VarintResult, varintSize, writeVarint } from '../protocol/varint.js';
import { SerializationError } from '../serializers/types.js';

// Confluent's wire format, which every Confluent-compatible serializer and deserializer (Java, Go, .NET, Python,
// Karapace, Apicurio in compatibility mode) reads and writes:
//
//   byte 0      magic byte 0
//   bytes 1-4   schema id, int32 big-endian, as the registry assigned it
//   (Protobuf)  message indexes: the path from the .proto file's top-level messages to the message written,
//               as a zigzag varint count followed by zigzag varint indexes; the common path [0] is a single 0
//   rest        the Avro binary / Protobuf / JSON payload

export const MAGIC_BYTE = 0;
const HEADER_SIZE = 5;

/** Bytes the message-index list takes. */
export function messageIndexesSize(indexes: readonly number[]): number {
  if (isFirstMessage(indexes)) return 1;
  let size = varintSize(indexes.length);
  for (const index of indexes) size += varintSize(index);
  return size;
}

function writeMessageIndexes(buf: Uint8Array, offset: number, indexes: readonly number[]): number {
  if (isFirstMessage(indexes)) return writeVarint(buf, offset, 0);
  offset = writeVarint(buf, offset, indexes.length);
  for (const index of indexes) offset = writeVarint(buf, offset, index);
  return offset;
}

const isFirstMessage = (indexes: readonly number[]) => indexes.length === 1 && indexes[0] === 0;

/** Magic byte, schema id and (for Protobuf) message indexes in front of `payload`, in one allocation. */
export function encodeFrame(
  schemaId: number,
  payload: Uint8Array,
  messageIndexes?: readonly number[],
): Uint8Array {
  const indexesSize = messageIndexes === undefined ? 0 : messageIndexesSize(messageIndexes);
  const out = Buffer.allocUnsafe(HEADER_SIZE + indexesSize + payload.length);
  out[0] = MAGIC_BYTE;
  out.writeInt32BE(schemaId, 1);
  let offset = HEADER_SIZE;
  if (messageIndexes !== undefined) offset = writeMessageIndexes(out, offset, messageIndexes);
  out.set(payload, offset);
  return out;
}

export interface DecodedFrame {
  schemaId: number;
  /** Only when decoded with `{ protobuf: true }`. */
  messageIndexes?: number[];
  payload: Uint8Array;
}

/**
 * Splits bytes in Confluent's wire format into schema id, message indexes (with `protobuf: true`) and payload.
 * The payload is a view of `bytes`, not a copy.
 */
export function decodeFrame(bytes: Uint8Array, options: { protobuf?: boolean } = {}): DecodedFrame {
  if (bytes.length < HEADER_SIZE || bytes[0] !== MAGIC_BYTE) {
    throw new SerializationError(
      bytes.length === 0
        ? 'These bytes are not in the schema registry wire format: they are empty.'
        : `These bytes are not in the schema registry wire format: it starts with magic byte 0 and a 4-byte schema id, got ${bytes.length} byte(s) starting with ${bytes[0]}.`,
    );
  }
  const schemaId = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).readInt32BE(1);
  let offset = HEADER_SIZE;
  let messageIndexes: number[] | undefined;
  if (options.protobuf) {
    const out: VarintResult = { value: 0 };
    offset = readVarint(bytes, offset, bytes.length, out);
    if (offset < 0 || out.value < 0) throw badIndexes(schemaId);
    if (out.value === 0) messageIndexes = [0];
    else {
      const count = out.value;
      if (count > bytes.length) throw badIndexes(schemaId);
      messageIndexes = [];
      for (let i = 0; i < count; i++) {
        offset = readVarint(bytes, offset, bytes.length, out);
        if (offset < 0 || out.value < 0) throw badIndexes(schemaId);
        messageIndexes.push(out.value);
      }
    }
  }
  const payload = bytes.subarray(offset);
  return messageIndexes === undefined ? { schemaId, payload } : { schemaId, messageIndexes, payload };
}

function badIndexes(schemaId: number): SerializationError {
  return new SerializationError(
    `The Protobuf message-index list after schema id ${schemaId} is truncated or negative: these bytes were not written by a Confluent Protobuf serializer.`,
  );
}
