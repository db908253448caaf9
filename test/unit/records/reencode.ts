// What re-encoding a decoded batch takes: every header field Kafka wrote, and the records, so our encoder's
// output can be compared byte for byte with the Java client's.
import type { DecodedRecordBatch, RecordBatchInput } from '../../../src/records/index.js';

export function inputOf(b: DecodedRecordBatch): RecordBatchInput {
  return {
    baseOffset: b.baseOffset,
    partitionLeaderEpoch: b.partitionLeaderEpoch,
    compression: b.compression,
    timestampType: b.timestampType,
    producerId: b.producerId,
    producerEpoch: b.producerEpoch,
    baseSequence: b.baseSequence,
    transactional: b.transactional,
    records: b.records,
  };
}
