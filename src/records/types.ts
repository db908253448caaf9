// The shapes that go into encodeRecordBatch and come out of decodeRecordBatches.

export type CompressionType = 'none' | 'gzip' | 'snappy' | 'lz4' | 'zstd';
export type TimestampType = 'create' | 'log-append';

export interface RecordHeader {
  /** Header keys are never null in Kafka; they travel as UTF-8. */
  key: string;
  value: Uint8Array | null;
}

export interface RecordInput {
  key: Uint8Array | null;
  value: Uint8Array | null;
  headers?: RecordHeader[];
  /** Milliseconds since the epoch (int64). */
  timestamp: bigint;
}

export interface RecordBatchInput {
  /** 0 when producing: the broker assigns offsets. */
  baseOffset?: bigint;
  /** -1 when producing: the leader stamps it. */
  partitionLeaderEpoch?: number;
  compression?: CompressionType;
  /** Codec level: gzip 1-9 (default -1 = zlib's default, 6), lz4 1-17 (default 9), zstd -131072..22
   *  (default 3). Ignored by none and snappy. */
  compressionLevel?: number;
  timestampType?: TimestampType;
  producerId?: bigint;
  producerEpoch?: number;
  baseSequence?: number;
  transactional?: boolean;
  records: RecordInput[];
}

export interface DecodedRecord {
  key: Uint8Array | null;
  value: Uint8Array | null;
  headers: RecordHeader[];
  timestamp: bigint;
  /** Absolute offset: baseOffset + offsetDelta. */
  offset: bigint;
}

export interface DecodedRecordBatch {
  baseOffset: bigint;
  partitionLeaderEpoch: number;
  compression: CompressionType;
  timestampType: TimestampType;
  producerId: bigint;
  producerEpoch: number;
  baseSequence: number;
  /** baseSequence + lastOffsetDelta, wrapping at 2^31-1 to 0 as Kafka does; -1 without a sequence. */
  lastSequence: number;
  transactional: boolean;
  /** Transaction markers written by the broker; producers never write these. */
  isControlBatch: boolean;
  /** The checksum from the batch, already verified against the bytes. */
  crc: number;
  /** The full attributes field, for callers that need bits not broken out above. */
  attributes: number;
  lastOffsetDelta: number;
  baseTimestamp: bigint;
  maxTimestamp: bigint;
  /** Bytes this batch occupies in the input (batchLength + 12). */
  sizeInBytes: number;
  records: DecodedRecord[];
}

export interface DecodeOptions {
  /** Refuse to decompress a batch's records into more than this many bytes (default 256 MiB), so a
   *  small malicious payload cannot make the decoder allocate without bound. */
  maxDecompressedBytes?: number;
}
