/**
 * What a partitioner may know about a topic: its partition count and which partitions currently have a
 * leader. Keyed records hash over ALL partitions (so a key keeps its partition while a leader is down, as
 * in Java); keyless records prefer partitions that can be written to right now.
 */
export interface TopicPartitionsView {
  readonly topic: string;
  readonly numPartitions: number;
  /** Partition ids whose leader is known, ascending. */
  readonly availablePartitions: readonly number[];
}

/** A source of non-negative 31-bit random integers; injectable so tests are deterministic. */
export type RandomInt = () => number;

export const defaultRandomInt: RandomInt = () => Math.floor(Math.random() * 0x80000000);
