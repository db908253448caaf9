// Writes into a buffer that was sized exactly beforehand. No bounds growth, no per-field allocation:
// callers compute the message size first (the codecs' size functions), allocate once, then write.
// Values are validated during the size pass, so the writer trusts what it is given.

import { writeUuid } from './uuid.js';
import { writeUvarint, writeVarint, writeVarlong } from './varint.js';

export class Writer {
  readonly buf: Buffer;
  pos: number;
  // Created on first use: constructing a DataView costs more than writing a small request, and only
  // 64-bit fields need one (8-32 bit integers are written byte by byte).
  private dataView: DataView | undefined;

  constructor(buf: Uint8Array, pos = 0) {
    this.buf = Buffer.isBuffer(buf) ? buf : Buffer.from(buf.buffer, buf.byteOffset, buf.byteLength);
    this.pos = pos;
  }

  get view(): DataView {
    if (this.dataView === undefined) {
      this.dataView = new DataView(this.buf.buffer, this.buf.byteOffset, this.buf.byteLength);
    }
    return this.dataView;
  }

  /**
   * A writer over a fresh buffer of exactly `size` bytes. The memory is not zeroed: every byte is
   * overwritten because the size is exact, and callers check `pos === size` when they are done.
   */
  static allocate(size: number): Writer {
    return new Writer(Buffer.allocUnsafe(size));
  }

  int8(v: number): void {
    this.buf[this.pos++] = v & 0xff;
  }

  uint8(v: number): void {
    this.buf[this.pos++] = v;
  }

  bool(v: boolean): void {
    this.buf[this.pos++] = v ? 1 : 0;
  }

  int16(v: number): void {
    const b = this.buf;
    const p = this.pos;
    b[p] = (v >>> 8) & 0xff;
    b[p + 1] = v & 0xff;
    this.pos = p + 2;
  }

  uint16(v: number): void {
    this.int16(v);
  }

  int32(v: number): void {
    const b = this.buf;
    const p = this.pos;
    b[p] = (v >>> 24) & 0xff;
    b[p + 1] = (v >>> 16) & 0xff;
    b[p + 2] = (v >>> 8) & 0xff;
    b[p + 3] = v & 0xff;
    this.pos = p + 4;
  }

  uint32(v: number): void {
    this.int32(v);
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
    // Equal lengths mean pure ASCII (anything else takes 2+ bytes per UTF-16 unit). Short ASCII strings
    // (topic names, client ids) are cheaper to copy by hand than through Buffer.write's argument handling.
    if (byteLength === s.length && byteLength <= 64) {
      const b = this.buf;
      let p = this.pos;
      for (let i = 0; i < byteLength; i++) b[p++] = s.charCodeAt(i);
      this.pos = p;
      return;
    }
    this.pos += this.buf.write(s, this.pos, byteLength, 'utf8');
  }

  /** Copies `src` in: this is the one copy record batches take on their way into a request. */
  bytes(src: Uint8Array): void {
    this.buf.set(src, this.pos);
    this.pos += src.length;
  }
}
