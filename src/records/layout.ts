// The RecordBatch v2 (magic 2) byte layout, as Kafka's DefaultRecordBatch writes it. All integers are
// big-endian; positions are relative to the start of the batch.
//
//   offset  size  field
//   ------  ----  ---------------------------------------------------------------------------------
//        0     8  baseOffset            int64   0 from producers; the broker assigns offsets
//        8     4  batchLength           int32   bytes after this field = total size - 12
//       12     4  partitionLeaderEpoch  int32   -1 from producers; the broker stamps it (outside the CRC)
//       16     1  magic                 int8    2
//       17     4  crc                   uint32  CRC-32C (Castagnoli) of bytes [21, end)
//   --- CRC covers everything from here to the end of the batch ---------------------------------------
//       21     2  attributes            int16   bit diagram below
//       23     4  lastOffsetDelta       int32   recordCount - 1 (kept by the cleaner even if records go)
//       27     8  baseTimestamp         int64   timestamp of the FIRST record (not the minimum)
//       35     8  maxTimestamp          int64   largest record timestamp
//       43     8  producerId            int64   -1 unless idempotent/transactional
//       51     2  producerEpoch         int16   -1 unless idempotent/transactional
//       53     4  baseSequence          int32   -1 unless idempotent/transactional
//       57     4  recordsCount          int32   number of records (uncompressed count)
//       61     …  records               the record section; with a codec, ONLY this part is compressed
//
//   attributes (int16):
//     15 ............ 7    6        5         4               3              2  1  0
//    +-----------------+-------+---------+---------------+----------------+---------+
//    | unused (0)      | del.  | control | transactional | timestamp type | codec   |
//    |                 | horiz.| batch   |               | 0 create       | 0 none  |
//    |                 | (log  | (txn    |               | 1 log-append   | 1 gzip  |
//    |                 | clean-| markers,|               | (set by the    | 2 snappy|
//    |                 | er)   | broker) |               | broker/topic)  | 3 lz4   |
//    |                 |       |         |               |                | 4 zstd  |
//    +-----------------+-------+---------+---------------+----------------+---------+
//
//   record (all varints zigzag-encoded, 7 bits per byte, least significant group first):
//     length          varint   bytes of the record after this field
//     attributes      int8     0 (unused)
//     timestampDelta  varlong  timestamp - baseTimestamp (may be negative)
//     offsetDelta     varint   0, 1, 2, …
//     keyLength       varint   -1 = null key
//     key             bytes
//     valueLength     varint   -1 = null value
//     value           bytes
//     headerCount     varint
//     headers         headerKeyLength varint + UTF-8 key (never null),
//                     headerValueLength varint (-1 = null) + value, repeated headerCount times
//
// partitionLeaderEpoch sits before the CRC on purpose: the leader overwrites it without recomputing the
// checksum. The producer fields (producerId..baseSequence) are inside the CRC, so re-stamping them for a
// retry means recomputing it (see stampProducerState).

export const BASE_OFFSET_OFFSET = 0;
export const BATCH_LENGTH_OFFSET = 8;
export const PARTITION_LEADER_EPOCH_OFFSET = 12;
export const MAGIC_OFFSET = 16;
export const CRC_OFFSET = 17;
export const ATTRIBUTES_OFFSET = 21;
export const LAST_OFFSET_DELTA_OFFSET = 23;
export const BASE_TIMESTAMP_OFFSET = 27;
export const MAX_TIMESTAMP_OFFSET = 35;
export const PRODUCER_ID_OFFSET = 43;
export const PRODUCER_EPOCH_OFFSET = 51;
export const BASE_SEQUENCE_OFFSET = 53;
export const RECORDS_COUNT_OFFSET = 57;
export const RECORDS_OFFSET = 61;

/** Bytes of the batch header before the first record: every batch costs this much plus its records. */
export const RECORD_BATCH_OVERHEAD = 61;
/** baseOffset + batchLength: the part of the header that batchLength does not count. */
export const LOG_OVERHEAD = 12;
/** The smallest batchLength a well-formed v2 batch can declare (a header with no records). */
export const MIN_BATCH_LENGTH = RECORD_BATCH_OVERHEAD - LOG_OVERHEAD;

export const MAGIC_V2 = 2;

export const COMPRESSION_CODEC_MASK = 0x07;
export const TIMESTAMP_TYPE_MASK = 0x08;
export const TRANSACTIONAL_FLAG_MASK = 0x10;
export const CONTROL_FLAG_MASK = 0x20;
export const DELETE_HORIZON_FLAG_MASK = 0x40;

/** Kafka's "none" value for producerId, producerEpoch, baseSequence and partitionLeaderEpoch. */
export const NO_PRODUCER_ID = -1n;
export const NO_PRODUCER_EPOCH = -1;
export const NO_SEQUENCE = -1;
export const NO_PARTITION_LEADER_EPOCH = -1;

/** The smallest possible encoded record: every field one byte (length, attributes, deltas, -1 key,
 *  -1 value, 0 headers). Used to reject record counts that the bytes cannot possibly hold. */
export const MIN_RECORD_SIZE = 7;
