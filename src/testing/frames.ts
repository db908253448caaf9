// Splits a TCP stream into Kafka request frames. Deliberately naive and independent of src/net (a
// Buffer.concat per chunk is fine in a test) so the client's frame decoder is never checked against itself.

import type { Socket } from 'node:net';

/** Calls `onFrame` with each size-prefixed frame the peer sends, without its 4-byte size prefix. */
export function readFrames(socket: Socket, onFrame: (frame: Buffer) => void): void {
  let pending: Buffer = Buffer.alloc(0);
  socket.on('data', (chunk: Buffer) => {
    pending = pending.length === 0 ? chunk : Buffer.concat([pending, chunk]);
    while (pending.length >= 4) {
      const size = pending.readInt32BE(0);
      if (pending.length < 4 + size) break;
      const frame = pending.subarray(4, 4 + size);
      pending = pending.subarray(4 + size);
      onFrame(frame);
    }
  });
}
