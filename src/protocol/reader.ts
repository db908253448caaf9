// A bounds-checked cursor over received bytes. Every read checks the bytes left first, and the first
// problem throws one KafkaDecodeError naming the API, version and offset; nothing reads past `end`, and
// length prefixes are validated against the bytes left before anything is allocated for them.

import { type CodecContext, KafkaDecodeError } from './codec-errors.js';
import { uuidToString } from './uuid.js';
import { readUvarint, readVarint, readVarlong, type VarintResult, type VarlongResult } from './varint.js';

const NO_CONTEXT: CodecContext = { api: 'unknown', apiKey: -1, apiVersion: -1, messageType: 'response' };

export class Reader {
  readonly buf: Buffer;
  pos: number;
  /** Exclusive upper bound; tagged fields temporarily narrow it to their declared size. */
  end: number;
  context: CodecContext;
  private readonly intOut: VarintResult = { value: 0 };
  private readonly longOut: VarlongResult = { value: 0n };
  // Created on first use, for 64-bit reads only (see Writer).
  private dataView: DataView | undefined;

  constructor(bytes: Uint8Array, context: CodecContext = NO_CONTEXT, start = 0, end = bytes.length) {
    this.buf = Buffer.isBuffer(bytes) ? bytes : Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
    if (start < 0 || end > bytes.length || start > end)
      throw new RangeError('Reader bounds outside the buffer');
    this.pos = start;
    this.end = end;
    this.context = context;
  }

  get view(): DataView {
    if (this.dataView === undefined) {
      this.dataView = new DataView(this.buf.buffer, this.buf.byteOffset, this.buf.byteLength);
    }
    return this.dataView;
  }

  get remaining(): number {
    return this.end - this.pos;
  }

  /** Throws the decode error for the current position. */
  fail(reason: string, offset: number = this.pos): never {
    throw new KafkaDecodeError(this.context, offset, reason);
  }

  private need(bytes: number): void {
    if (bytes > this.end - this.pos) {
      this.fail(`needed ${bytes} bytes but only ${this.end - this.pos} remain`);
    }
  }

  int8(): number {
    this.need(1);
    return (this.buf[this.pos++]! << 24) >> 24;
  }

  uint8(): number {
    this.need(1);
    return this.buf[this.pos++]!;
  }

  bool(): boolean {
    // Java reads any non-zero byte as true.
    return this.uint8() !== 0;
  }

  int16(): number {
    return (this.uint16() << 16) >> 16;
  }

  uint16(): number {
    this.need(2);
    const b = this.buf;
    const p = this.pos;
    this.pos = p + 2;
    return (b[p]! << 8) | b[p + 1]!;
  }

  int32(): number {
    this.need(4);
    const b = this.buf;
    const p = this.pos;
    this.pos = p + 4;
    return (b[p]! << 24) | (b[p + 1]! << 16) | (b[p + 2]! << 8) | b[p + 3]!;
  }

  uint32(): number {
    return this.int32() >>> 0;
  }

  int64(): bigint {
    this.need(8);
    const v = this.view.getBigInt64(this.pos);
    this.pos += 8;
    return v;
  }

  float64(): number {
    this.need(8);
    const v = this.view.getFloat64(this.pos);
    this.pos += 8;
    return v;
  }

  uvarint(): number {
    const next = readUvarint(this.buf, this.pos, this.end, this.intOut);
    if (next < 0) this.fail('unsigned varint is truncated or longer than 5 bytes');
    this.pos = next;
    return this.intOut.value;
  }

  varint(): number {
    const next = readVarint(this.buf, this.pos, this.end, this.intOut);
    if (next < 0) this.fail('varint is truncated or longer than 5 bytes');
    this.pos = next;
    return this.intOut.value;
  }

  varlong(): bigint {
    const next = readVarlong(this.buf, this.pos, this.end, this.longOut);
    if (next < 0) this.fail('varlong is truncated or longer than 10 bytes');
    this.pos = next;
    return this.longOut.value;
  }

  uuid(): string {
    this.need(16);
    const s = uuidToString(this.buf, this.pos);
    this.pos += 16;
    return s;
  }

  /** UTF-8 text of `length` bytes (invalid sequences become U+FFFD, as Java's String constructor does). */
  utf8(length: number): string {
    this.need(length);
    const s = this.buf.toString('utf8', this.pos, this.pos + length);
    this.pos += length;
    return s;
  }

  /** A view (not a copy) of the next `length` bytes. */
  bytes(length: number): Uint8Array {
    this.need(length);
    const view = this.buf.subarray(this.pos, this.pos + length);
    this.pos += length;
    return view;
  }

  skip(length: number): void {
    this.need(length);
    this.pos += length;
  }

  /**
   * Validates an element count read from the wire: `count` elements of at least `minElementSize` bytes
   * each must fit in what is left, so a corrupt count fails here instead of allocating or looping.
   */
  checkCount(count: number, minElementSize: number, offset: number): void {
    if (count * Math.max(minElementSize, 1) > this.end - this.pos) {
      this.fail(
        `count ${count} needs at least ${count * Math.max(minElementSize, 1)} bytes but only ${this.end - this.pos} remain`,
        offset,
      );
    }
  }
}
