// Writes into a buffer that was sized exactly beforehand. No bounds growth, no per-field allocation:
// callers compute the message size first (the codecs' size functions), allocate once, then write.
// Values are validated during the size pass, so the writer trusts what it is given.
//
// Vector form (Writer.vector): byte arrays of at least `referenceFrom` bytes are not copied but referenced, and
// the message comes out as segments to write one after the other (a socket writes them with one writev). A
// Produce request's record batches, most of its bytes, then reach the socket without a copy.

import { writeUuid } from './uuid.js';
import { writeUvarint, writeVarint, writeVarlong } from './varint.js';

export class Writer {
  readonly buf: Buffer;
  pos: number;
  // Created on first use: constructing a DataView costs more than writing a small request, and only
  // 64-bit fields need one (8-32 bit integers are written byte by byte).
  private dataView: DataView | undefined;
  /** Byte arrays at least this long are referenced instead of copied (vector form only). */
  private readonly referenceFrom: number;
  /** Vector form: each referenced array and the position in `buf` it follows. */
  private references: { at: number; bytes: Uint8Array }[] | undefined;
  private referencedBytes = 0;

  constructor(buf: Uint8Array, pos = 0, referenceFrom = Number.POSITIVE_INFINITY) {
    this.buf = Buffer.isBuffer(buf) ? buf : Buffer.from(buf.buffer, buf.byteOffset, buf.byteLength);
    this.pos = pos;
    this.referenceFrom = referenceFrom;
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

  /**
   * A writer for a message of at most `size` bytes that references byte arrays of `referenceFrom` bytes or
   * more instead of copying them; segments() returns the message. Its own bytes go to a scratch buffer shared by
   * every vector writer (one message at a time: write and call segments() without yielding in between), since
   * they are then copied into a buffer of their exact size, which is unknown until the referenced bytes are.
   */
  static vector(size: number, referenceFrom: number): Writer {
    if (size > vectorScratch.length) {
      // Kept for the next message when of a request's usual size; a bigger one gets a scratch of its own.
      const scratch = Buffer.allocUnsafeSlow(Math.max(size, MIN_SHARED_SCRATCH));
      if (size <= MAX_SHARED_SCRATCH) vectorScratch = scratch;
      return new Writer(scratch, 0, referenceFrom);
    }
    return new Writer(vectorScratch, 0, referenceFrom);
  }

  /** Bytes written so far, referenced ones included. */
  get length(): number {
    return this.pos + this.referencedBytes;
  }

  /**
   * The message as segments in wire order: the writer's own bytes (copied out of the scratch into one buffer of
   * their exact size, so the first segment always holds the message's first bytes) and, between them, the
   * referenced arrays themselves, unmodified. A writer that referenced nothing returns one segment.
   */
  segments(): Uint8Array[] {
    const own = Buffer.allocUnsafe(this.pos);
    this.buf.copy(own, 0, 0, this.pos);
    const references = this.references;
    if (references === undefined) return [own];
    const out: Uint8Array[] = [];
    let from = 0;
    for (const { at, bytes } of references) {
      if (at > from) out.push(own.subarray(from, at));
      out.push(bytes);
      from = at;
    }
    if (this.pos > from) out.push(own.subarray(from, this.pos));
    return out;
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

  /** Copies `src` in, or in the vector form references it when it is at least `referenceFrom` bytes long. */
  bytes(src: Uint8Array): void {
    if (src.length >= this.referenceFrom) {
      this.references ??= [];
      this.references.push({ at: this.pos, bytes: src });
      this.referencedBytes += src.length;
      return;
    }
    this.buf.set(src, this.pos);
    this.pos += src.length;
  }
}

/** Largest scratch kept between vector writes: Produce requests are 1 MiB by default (max.request.size). */
const MAX_SHARED_SCRATCH = 4 * 1024 * 1024;
const MIN_SHARED_SCRATCH = 64 * 1024;
// Allocated on first use: most programs never write a vector.
let vectorScratch: Buffer = Buffer.alloc(0);
