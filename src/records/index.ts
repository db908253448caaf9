// kafka-wire/records: RecordBatch v2 encoding and decoding, CRC-32C and compression.
//
// Everything is synchronous except where a codec can run off the event loop; the async forms
// (encodeRecordBatch, decodeRecordBatches) are the ones to use by default.

export {
  type AloneBodySize,
  aloneBodySize,
  type BatchBufferSource,
  RecordBatchBuilder,
  type RecordBatchBuilderOptions,
} from './batch-builder.js';
export {
  CODEC_IDS,
  compress,
  compressSync,
  DEFAULT_MAX_DECOMPRESSED_BYTES,
  decompress,
  decompressSync,
  isCompressionCodecReady,
  loadCompressionCodec,
} from './compression/index.js';
export { lz4CompressFrame, lz4DecompressFrame } from './compression/lz4.js';
export { snappyCompressRaw, snappyCompressXerial, snappyDecompress } from './compression/snappy.js';
export {
  CompressionWorkerError,
  CompressionWorkerPool,
  type CompressionWorkerPoolOptions,
  compressesOnEventLoop,
  DEFAULT_OFFLOAD_MIN_BYTES,
} from './compression/worker-pool.js';
export { xxhash32 } from './compression/xxhash32.js';
export { crc32c } from './crc32c.js';
export { decodeRecordBatches, decodeRecordBatchesSync, incrementSequence } from './decode.js';
export {
  type EncodeOptions,
  encodeRecordBatch,
  encodeRecordBatchSync,
  type ProducerState,
  type RecordBatchOptions,
  stampProducerState,
} from './encode.js';
export {
  CompressionCodecUnavailableError,
  CompressionError,
  RecordBatchCrcMismatchError,
  RecordBatchDecodeError,
  RecordBatchEncodeError,
} from './errors.js';
export * from './layout.js';
export { recordSize, recordSize as recordSizeInBatch, utf8Length } from './record.js';
export type {
  CompressionType,
  DecodedRecord,
  DecodedRecordBatch,
  DecodeOptions,
  RecordBatchInput,
  RecordHeader,
  RecordInput,
  TimestampType,
} from './types.js';
