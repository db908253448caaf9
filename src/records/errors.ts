import { KafkaWireError } from '../errors.js';

/** The bytes are not a well-formed RecordBatch v2 sequence. `offset` is the byte position in the input
 *  where the problem was found (for a problem inside compressed records: where that batch's records
 *  start); `batchOffset` is where the batch containing it starts. */
export class RecordBatchDecodeError extends KafkaWireError {
  override name = 'RecordBatchDecodeError';
  readonly offset: number;
  readonly batchOffset: number;

  constructor(message: string, offset: number, batchOffset: number, cause?: unknown) {
    super(
      `Corrupt record batch at byte ${offset} (batch starting at byte ${batchOffset}): ${message}. ` +
        'The data was damaged or is not Kafka RecordBatch v2 data; re-fetch it or check its source.',
      { cause },
    );
    this.offset = offset;
    this.batchOffset = batchOffset;
  }
}

/** The batch's stored CRC-32C does not match its bytes: the batch was damaged after it was written. */
export class RecordBatchCrcMismatchError extends RecordBatchDecodeError {
  override name = 'RecordBatchCrcMismatchError';
  readonly expectedCrc: number;
  readonly actualCrc: number;

  constructor(offset: number, batchOffset: number, expectedCrc: number, actualCrc: number) {
    super(
      `CRC-32C mismatch: the batch says 0x${hex32(expectedCrc)} but its bytes give 0x${hex32(actualCrc)}`,
      offset,
      batchOffset,
    );
    this.expectedCrc = expectedCrc;
    this.actualCrc = actualCrc;
  }
}

/** encodeRecordBatch was given something it cannot encode (a programming error on the caller's side). */
export class RecordBatchEncodeError extends KafkaWireError {
  override name = 'RecordBatchEncodeError';
  constructor(message: string) {
    super(message, { fatal: false });
  }
}

/** A codec's library could not be loaded on this runtime. */
export class CompressionCodecUnavailableError extends KafkaWireError {
  override name = 'CompressionCodecUnavailableError';
  readonly codec: string;
  constructor(codec: string, message: string, cause?: unknown) {
    super(message, { cause, fatal: true });
    this.codec = codec;
  }
}

/** Compressed data could not be decompressed (damaged, or not in the codec's format). The record
 *  decoder wraps it in a RecordBatchDecodeError with the position. */
export class CompressionError extends KafkaWireError {
  override name = 'CompressionError';
  readonly codec: string;
  /** Position inside the compressed payload where the problem was found, when known. */
  readonly position: number;
  constructor(codec: string, message: string, position = -1, cause?: unknown) {
    super(`${codec}: ${message}${position >= 0 ? ` (at byte ${position} of the compressed data)` : ''}`, {
      cause,
    });
    this.codec = codec;
    this.position = position;
  }
}

function hex32(n: number): string {
  return (n >>> 0).toString(16).padStart(8, '0');
}
