import { defaultRandomInt, type RandomInt, type TopicPartitionsView } from './types.js';

// Keyless records follow Kafka's built-in uniform sticky partitioner (KIP-480, moved into the accumulator
// by KIP-794, `BuiltInPartitioner` in the Java client): stick to one partition so records form large
// batches, and move on only once about `batch.size` bytes went there. Switching exactly when Java does
// keeps our batch sizes, and so broker load, the same as a Java producer's:
//   - after each append the producer reports the bytes appended and whether every batch queued for that
//     partition is full (`enableSwitch`); a partition with a half-filled batch keeps filling it;
//   - at >= batchSize produced bytes we switch if `enableSwitch`, at >= 2 * batchSize always.
// The next partition is uniform among partitions with a leader, or, with adaptive partitioning on and load
// statistics supplied, weighted towards partitions with shorter queues (fewer batches waiting), which steers
// records away from a slow broker.

interface StickyChoice {
  partition: number;
  producedBytes: number;
}

export interface StickyPartitionerOptions {
  /** Java's `batch.size`: the bytes after which the partitioner moves on. 0 is treated as 1, as in Java. */
  batchSize: number;
  random?: RandomInt;
}

export class StickyPartitioner {
  private readonly stickyBatchSize: number;
  private readonly random: RandomInt;
  private current: StickyChoice | null = null;
  // Cumulative weights and their partition ids, from the last `updateLoadStats`; null = uniform.
  private cumulativeWeights: Int32Array | null = null;
  private weightedPartitions: Int32Array | null = null;

  constructor(options: StickyPartitionerOptions) {
    this.stickyBatchSize = Math.max(1, options.batchSize);
    this.random = options.random ?? defaultRandomInt;
  }

  /** The partition the next keyless record for this topic goes to. */
  partition(view: TopicPartitionsView): number {
    if (this.current === null || this.current.partition >= view.numPartitions) {
      this.current = { partition: this.nextPartition(view), producedBytes: 0 };
    }
    return this.current.partition;
  }

  /**
   * Whether onAppend(partition, appendedBytes, ...) would read its `allBatchesFull`: only when the bytes
   * reach the sticky batch size without passing twice it. The caller can skip looking the batches up.
   */
  readsBatchFullness(partition: number, appendedBytes: number): boolean {
    const current = this.current;
    if (current === null || current.partition !== partition) return false;
    const produced = current.producedBytes + appendedBytes;
    return produced >= this.stickyBatchSize && produced < this.stickyBatchSize * 2;
  }

  /**
   * Reports that `appendedBytes` went to `partition`. `allBatchesFull` is true when the partition's last
   * queued batch is full (or none is queued): only then may a switch at batchSize happen.
   */
  onAppend(
    partition: number,
    appendedBytes: number,
    allBatchesFull: boolean,
    view: TopicPartitionsView,
  ): void {
    const current = this.current;
    // An explicit partition or a stale choice does not count towards the sticky one.
    if (current === null || current.partition !== partition) return;
    current.producedBytes += appendedBytes;
    if (
      (current.producedBytes >= this.stickyBatchSize && allBatchesFull) ||
      current.producedBytes >= this.stickyBatchSize * 2
    ) {
      this.current = { partition: this.nextPartition(view), producedBytes: 0 };
    }
  }

  /**
   * Adaptive partitioning: `queueSizes[i]` batches are waiting for `partitionIds[i]` (only partitions with
   * a leader). A partition's weight is (largest queue + 1 - its queue), so the busiest still gets some
   * records. Equal queues over every partition mean uniform choice. Pass null to go back to uniform.
   */
  updateLoadStats(queueSizes: readonly number[] | null, partitionIds: readonly number[] = []): void {
    const length = queueSizes === null ? 0 : Math.min(queueSizes.length, partitionIds.length);
    if (queueSizes === null || length < 1 || queueSizes.length < 2) {
      this.cumulativeWeights = null;
      this.weightedPartitions = null;
      return;
    }
    let max = queueSizes[0]!;
    let allEqual = true;
    for (let i = 1; i < length; i++) {
      const size = queueSizes[i]!;
      if (size !== max) allEqual = false;
      if (size > max) max = size;
    }
    if (allEqual && length === queueSizes.length) {
      this.cumulativeWeights = null;
      this.weightedPartitions = null;
      return;
    }
    const maxPlusOne = max + 1;
    const cumulative = new Int32Array(length);
    let sum = 0;
    for (let i = 0; i < length; i++) {
      sum += maxPlusOne - queueSizes[i]!;
      cumulative[i] = sum;
    }
    this.cumulativeWeights = cumulative;
    this.weightedPartitions = Int32Array.from(partitionIds.slice(0, length));
  }

  private nextPartition(view: TopicPartitionsView): number {
    const random = this.random();
    const cumulative = this.cumulativeWeights;
    const ids = this.weightedPartitions;
    if (cumulative !== null && ids !== null) {
      const target = random % cumulative[cumulative.length - 1]!;
      // First bucket whose cumulative weight exceeds the target (Java: abs(binarySearch + 1)).
      let lo = 0;
      let hi = cumulative.length - 1;
      while (lo < hi) {
        const mid = (lo + hi) >>> 1;
        if (cumulative[mid]! > target) hi = mid;
        else lo = mid + 1;
      }
      const partition = ids[lo]!;
      if (partition < view.numPartitions) return partition;
    }
    const available = view.availablePartitions;
    if (available.length > 0) return available[random % available.length]!;
    return random % view.numPartitions;
  }
}
