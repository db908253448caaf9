import type { TopicPartitionsView } from './types.js';

// Java's RoundRobinPartitioner: a counter per topic, cycling over partitions that have a leader (all
// partitions when none has). Key bytes are ignored.
export class RoundRobinPartitioner {
  private readonly counters = new Map<string, number>();

  partition(view: TopicPartitionsView): number {
    const next = this.counters.get(view.topic) ?? 0;
    this.counters.set(view.topic, (next + 1) | 0);
    const index = next & 0x7fffffff;
    const available = view.availablePartitions;
    if (available.length > 0) return available[index % available.length]!;
    return index % view.numPartitions;
  }
}
