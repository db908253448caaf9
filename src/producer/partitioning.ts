import { partitionForKey } from '../partition/murmur2.js';
import { RoundRobinPartitioner } from '../partition/round-robin.js';
import { StickyPartitioner } from '../partition/sticky.js';
import type { ResolvedProducerConfig } from './config.js';
import { InvalidRecordError } from './errors.js';
import type { MetadataCache, TopicMetadata } from './metadata.js';
import { validatePartition } from './record-input.js';

// Which partition a record goes to: the one it names, the custom partitioner's choice, round robin, the
// murmur2 hash of its key (as Java's BuiltInPartitioner), or, keyless, Java's uniform sticky choice, which
// with adaptive partitioning favours partitions whose batches do not pile up.
//
// @locality: event loop; choose() runs once per record, so it allocates nothing.

/** What partitioning reads of a record. */
export interface PartitionedRecord {
  topic: string;
  key: Uint8Array | null;
  value: Uint8Array | null;
  /** The partition the caller named, if any. */
  partition: number | undefined;
  /** Its exact size, once appended. */
  size: number;
}

/** The accumulator's answer the sticky choice needs after an append. */
export interface BatchFullness {
  /** True when the partition's last batch is full or absent. */
  allBatchesFull(topic: string, partition: number): boolean;
}

export type PartitioningOptions = Pick<
  ResolvedProducerConfig,
  'partitioner' | 'partitionerIgnoreKeys' | 'batchSize'
> & {
  /** For adaptive partitioning: which partitions have a leader now. */
  metadata: MetadataCache;
};

export class Partitioning {
  private readonly options: PartitioningOptions;
  private readonly sticky = new Map<string, StickyPartitioner>();
  private readonly roundRobin = new RoundRobinPartitioner();
  private lastStickyTopic: string | undefined;
  private lastSticky: StickyPartitioner | undefined;

  constructor(options: PartitioningOptions) {
    this.options = options;
  }

  /** The record's partition; throws InvalidRecordError for a partition the topic does not have. */
  choose(record: PartitionedRecord, meta: TopicMetadata): number {
    if (record.partition !== undefined)
      return validatePartition(record.partition, meta.numPartitions, record.topic);
    const partitioner = this.options.partitioner;
    if (typeof partitioner === 'function') {
      const chosen = partitioner({
        topic: record.topic,
        key: record.key,
        value: record.value,
        cluster: meta,
      });
      if (!Number.isInteger(chosen) || chosen < 0 || chosen >= meta.numPartitions) {
        throw new InvalidRecordError(
          `The custom partitioner returned ${String(chosen)} for topic '${record.topic}', which has partitions 0 to ${meta.numPartitions - 1}.`,
        );
      }
      return chosen;
    }
    if (partitioner === 'round-robin') return this.roundRobin.partition(meta);
    if (record.key !== null && !this.options.partitionerIgnoreKeys)
      return partitionForKey(record.key, meta.numPartitions);
    return this.stickyFor(record.topic).partition(meta);
  }

  /**
   * The record joined `partition`: the sticky choice counts its bytes and moves on once a batch's worth
   * went there and the partition's last batch is full (so it never leaves a half-filled batch behind).
   */
  onAppend(record: PartitionedRecord, partition: number, meta: TopicMetadata, batches: BatchFullness): void {
    if (record.partition !== undefined || !this.usesSticky(record)) return;
    const sticky = this.stickyFor(record.topic);
    // Looked up only when it can matter: once per batch's worth of bytes, not per record.
    const full =
      sticky.readsBatchFullness(partition, record.size) && batches.allBatchesFull(record.topic, partition);
    sticky.onAppend(partition, record.size, full, meta);
  }

  /**
   * Adaptive partitioning (Java's partitioner.adaptive.partitioning.enable): keyless records go less to
   * partitions whose batches pile up, i.e. whose leader is slow. `sizes[i]` is the number of batches waiting
   * in `partitions[i]`. As in Java, only once every partition of the topic has had a batch, and only over
   * partitions with a known leader.
   */
  updateLoadStats(topic: string, partitions: readonly number[], sizes: readonly number[]): void {
    const sticky = this.sticky.get(topic);
    const meta = this.options.metadata.topic(topic);
    if (sticky === undefined || meta === undefined) return;
    if (partitions.length < meta.numPartitions) {
      sticky.updateLoadStats(null);
      return;
    }
    const led: number[] = [];
    const ledSizes: number[] = [];
    for (let i = 0; i < partitions.length; i++) {
      if ((meta.partitions[partitions[i]!]?.leaderId ?? -1) >= 0) {
        led.push(partitions[i]!);
        ledSizes.push(sizes[i]!);
      }
    }
    // Sizes padded to every partition, ids only for the led ones: leaderless partitions are then left out of
    // the choice even when every queue is equal, as in Java.
    while (ledSizes.length < partitions.length) ledSizes.push(0);
    sticky.updateLoadStats(ledSizes, led);
  }

  private usesSticky(record: PartitionedRecord): boolean {
    return (
      this.options.partitioner === 'default' && (record.key === null || this.options.partitionerIgnoreKeys)
    );
  }

  private stickyFor(topic: string): StickyPartitioner {
    if (topic === this.lastStickyTopic) return this.lastSticky!;
    let sticky = this.sticky.get(topic);
    if (sticky === undefined) {
      sticky = new StickyPartitioner({ batchSize: this.options.batchSize });
      this.sticky.set(topic, sticky);
    }
    this.lastStickyTopic = topic;
    this.lastSticky = sticky;
    return sticky;
  }
}
