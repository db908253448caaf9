// Splits a TCP byte stream into Kafka frames: int32 big-endian size, then that many bytes.
//
// Socket chunks never get concatenated with each other (kafkajs #669: Buffer.concat per chunk turns a large
// response arriving in many chunks into quadratic copying). A frame that lies inside one chunk is handed out as a
// zero-copy subarray of it; a frame that straddles chunks is collected as a list of chunk views and copied once,
// when its last byte arrives, into a buffer of exactly its size. The size is checked before anything is
// allocated, so a peer announcing 2 GiB (or a negative size) costs nothing but the error.

import { AuthenticationError, BrokerProtocolError } from './errors.js';

/** 100 MiB, the broker's own socket.request.max.bytes: no producer-side response comes near it. */
export const DEFAULT_MAX_FRAME_BYTES = 100 * 1024 * 1024;

export class FrameDecoder {
  readonly maxFrameBytes: number;
  /** Names the peer in errors, e.g. "node 3 (broker1:9092)". */
  readonly source: string;
  readonly #onFrame: (frame: Uint8Array) => void;
  /** Views of the bytes received but not yet part of a complete frame (header bytes or a partial body). */
  #chunks: Uint8Array[] = [];
  #buffered = 0;
  /** Size of the frame whose body is being collected in #chunks, or -1 while its 4-byte header is incomplete. */
  #frameSize = -1;
  #stopped = false;

  /**
   * @param onFrame receives each frame without its size prefix. It may keep the bytes: they are never reused.
   *   If it calls stop(), no further frames are delivered.
   */
  constructor(
    onFrame: (frame: Uint8Array) => void,
    maxFrameBytes = DEFAULT_MAX_FRAME_BYTES,
    source = 'the peer',
  ) {
    this.#onFrame = onFrame;
    this.maxFrameBytes = maxFrameBytes;
    this.source = source;
  }

  /** Bytes received that do not yet form a complete frame (including a partial size header). */
  get bufferedBytes(): number {
    return this.#buffered + (this.#frameSize >= 0 ? 4 : 0);
  }

  /** Discards buffered bytes and ignores everything pushed from now on (the connection is going away). */
  stop(): void {
    this.#stopped = true;
    this.#chunks = [];
    this.#buffered = 0;
    this.#frameSize = -1;
  }

  /**
   * Feeds the next chunk of the stream. Throws BrokerProtocolError on an impossible frame size (AuthenticationError when the bytes are a TLS
   * record: a TLS listener); the stream is then unusable (there is no way to find the next frame boundary) and the decoder stops.
   */
  push(chunk: Uint8Array): void {
    if (this.#stopped) return;
    let offset = 0;
    if (this.#buffered > 0 || this.#frameSize >= 0) {
      offset = this.#continueFrame(chunk);
      if (offset < 0) return;
    }
    // Fast path: frames that lie entirely inside this chunk are delivered as views of it.
    const end = chunk.length;
    while (end - offset >= 4 && !this.#stopped) {
      const size = readInt32BE(chunk, offset);
      this.#checkSize(size);
      const bodyStart = offset + 4;
      if (end - bodyStart < size) {
        this.#frameSize = size;
        if (bodyStart < end) this.#keep(chunk.subarray(bodyStart));
        return;
      }
      offset = bodyStart + size;
      this.#onFrame(chunk.subarray(bodyStart, offset));
    }
    if (offset < end && !this.#stopped) this.#keep(chunk.subarray(offset));
  }

  /**
   * Continues the frame begun in earlier chunks. Returns the offset in `chunk` just after that frame, or -1 when
   * the whole chunk was consumed without completing it.
   */
  #continueFrame(chunk: Uint8Array): number {
    let offset = 0;
    if (this.#frameSize < 0) {
      // Fewer than 4 header bytes are buffered (4 would have been parsed already).
      const missing = 4 - this.#buffered;
      if (chunk.length < missing) {
        this.#keep(chunk);
        return -1;
      }
      let size = 0;
      for (const part of this.#chunks) for (const byte of part) size = (size << 8) | byte;
      for (let i = 0; i < missing; i++) size = (size << 8) | chunk[i]!;
      this.#chunks = [];
      this.#buffered = 0;
      this.#checkSize(size);
      this.#frameSize = size;
      offset = missing;
    }
    const size = this.#frameSize;
    const missing = size - this.#buffered;
    const available = chunk.length - offset;
    if (available < missing) {
      if (available > 0) this.#keep(chunk.subarray(offset));
      return -1;
    }
    let frame: Uint8Array;
    if (this.#buffered === 0) {
      frame = chunk.subarray(offset, offset + missing);
    } else {
      // allocUnsafe: every byte is overwritten below, and small frames come from Node's pool.
      frame = Buffer.allocUnsafe(size);
      let at = 0;
      for (const part of this.#chunks) {
        frame.set(part, at);
        at += part.length;
      }
      frame.set(chunk.subarray(offset, offset + missing), at);
    }
    this.#chunks = [];
    this.#buffered = 0;
    this.#frameSize = -1;
    this.#onFrame(frame);
    return this.#stopped ? -1 : offset + missing;
  }

  #keep(part: Uint8Array): void {
    this.#chunks.push(part);
    this.#buffered += part.length;
  }

  #checkSize(size: number): void {
    if (size >= 0 && size <= this.maxFrameBytes) return;
    this.stop();
    // A TLS record header (type 0x15 alert / 0x16 handshake, version 3.x) read as a size: a plaintext client
    // talking to a TLS listener gets an alert back. Retrying cannot help (every attempt gets the same alert),
    // so it is not a dropped connection but a setting to change, refused for good like the reverse case (a
    // TLS client against a plaintext listener): the pool then fails the caller at once instead of retrying.
    if (size >>> 16 === 0x1503 || size >>> 16 === 0x1603) {
      throw new AuthenticationError(
        `${this.source} answered with a TLS record: it is a TLS listener (SSL or SASL_SSL) and this client speaks ` +
          'plaintext to it. Enable the ssl option (ssl: true, or ssl: { ca } for a private certificate authority), ' +
          'or use the port of a PLAINTEXT / SASL_PLAINTEXT listener.',
      );
    }
    throw new BrokerProtocolError(
      `${this.source} sent a frame size of ${size} bytes, outside 0..${this.maxFrameBytes}: it does not speak the ` +
        `Kafka protocol on this connection, or the stream is corrupt; the connection is dropped.`,
    );
  }
}

function readInt32BE(bytes: Uint8Array, at: number): number {
  return (bytes[at]! << 24) | (bytes[at + 1]! << 16) | (bytes[at + 2]! << 8) | bytes[at + 3]!;
}
