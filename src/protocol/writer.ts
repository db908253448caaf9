// Writes into a buffer that was sized exactly beforehand. No bounds growth, no per-field allocation:
// callers compute the message size first (the codecs' size functions), allocate once, then write.
// Values are validated during the size pass, so the writer trusts what it is given.

import { writeUuid } from './uuid.js';
import { writeUvarint, writeVarint, writeVarlong } from './varint.js';

export class Writer {
  readonly buf: Buffer;
  readonly view: DataView;
  pos: number;

  constructor(buf: Uint8Array, pos = 0) {
    this.buf = Buffer.isBuffer(buf) ? buf : Buffer.from(buf.buffer, buf.byteOffset, buf.byteLength);
    this.view = new DataView(this.buf.buffer, this.buf.byteOffset, this.buf.byteLength);
    this.pos = pos;
  }

  /**
   * A writer over a fresh buffer of exactly `size` bytes. The memory is not zeroed: every byte is
   * overwritten because the size is exact, and callers check `pos === size` when they are done.
   */
  static allocate(size: number): Writer {
    return new Writer(Buffer.allocUnsafe(size));
  }

  int8(v: number): void {
    this.view.setInt8(this.pos, v);
    this.pos += 1;
  }

  uint8(v: number): void {
    this.buf[this.pos++] = v;
  }

  bool(v: boolean): void {
    this.buf[this.pos++] = v ? 1 : 0;
  }

  int16(v: number): void {
    this.view.setInt16(this.pos, v);
    this.pos += 2;
  }

  uint16(v: number): void {
    this.view.setUint16(this.pos, v);
    this.pos += 2;
  }

  int32(v: number): void {
    this.view.setInt32(this.pos, v);
    this.pos += 4;
  }

  uint32(v: number): void {
    this.view.setUint32(this.pos, v);
    this.pos += 4;
  }

  int64(v: bigint): void {
    this.view.setBigInt64(this.pos, v);
    this.pos += 8;
  }

  float64(v: number): void {
    this.view.setFloat64(this.pos, v);
    this.pos += 8;
  }

  uvarint(v: number): void {
    this.pos = writeUvarint(this.buf, this.pos, v);
  }

  varint(v: number): void {
    this.pos = writeVarint(this.buf, this.pos, v);
  }

  varlong(v: bigint): void {
    this.pos = writeVarlong(this.buf, this.pos, v);
  }

  /** `s` must be a canonical UUID string (validated by the size pass). */
  uuid(s: string): void {
    writeUuid(this.buf, this.pos, s);
    this.pos += 16;
  }

  /** Writes `s` as UTF-8; `byteLength` must be Buffer.byteLength(s) (already known from the size pass). */
  utf8(s: string, byteLength: number): void {
    this.pos += this.buf.write(s, this.pos, byteLength, 'utf8');
  }

  /** Copies `src` in: this is the one copy record batches take on their way into a request. */
  bytes(src: Uint8Array): void {
    this.buf.set(src, this.pos);
    this.pos += src.length;
  }
}
