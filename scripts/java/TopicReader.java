import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Consumer;
import java.util.function.Supplier;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.PartitionInfo;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.errors.TimeoutException;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;

/**
 * The read loop the reading helpers (ConsumeJson, ConsumeDigest) share: no consumer group, the topic's
 * partitions (or the one asked for) assigned and rewound by hand, read up to the end offsets seen at start,
 * or with {@code --count N} until N records arrived (end offsets are re-read). Exit codes: 2 timed out, 3 a
 * different count than expected, 4 no such topic or partition.
 */
final class TopicReader {
  private TopicReader() {}

  /** What was read: the partitions in partition order and how many records. */
  record Result(List<TopicPartition> partitions, long records) {}

  /**
   * @param tool the helper's name, for messages
   * @param sink gets every record, in each partition's offset order
   * @param beforeTimeout runs before the timeout message (to flush what was read)
   * @param detail extra words for the timeout message (what was read so far)
   */
  static Result read(String tool, ConsumerArgs args, Consumer<ConsumerRecord<byte[], byte[]>> sink,
      Runnable beforeTimeout, Supplier<String> detail) throws InterruptedException {
    long deadline = System.currentTimeMillis() + args.timeoutMs;
    long seen = 0;
    List<TopicPartition> partitions;
    KafkaConsumer<byte[], byte[]> consumer =
        new KafkaConsumer<>(args.props, new ByteArrayDeserializer(), new ByteArrayDeserializer());
    try {
      partitions = partitionsOf(tool, consumer, args.topic, args.partition, deadline);
      consumer.assign(partitions);
      consumer.seekToBeginning(partitions);
      Map<TopicPartition, Long> end = new HashMap<>(consumer.endOffsets(partitions, remaining(deadline)));
      while (true) {
        boolean atEnd = true;
        try {
          for (TopicPartition tp : partitions) {
            if (consumer.position(tp, remaining(deadline)) < end.get(tp)) {
              atEnd = false;
              break;
            }
          }
        } catch (TimeoutException e) {
          // Asked with what was left of the timeout (a few ms near its end): the deadline check below says so
          // in the helper's own words, with the records read so far.
          atEnd = false;
        }
        if (atEnd && (args.expected < 0 || seen >= args.expected)) {
          break;
        }
        if (System.currentTimeMillis() >= deadline) {
          beforeTimeout.run();
          String what = args.expected < 0 ? "the end offsets " + end : args.expected + " records";
          System.err.println(tool + ": timed out after " + args.timeoutMs + " ms on topic " + args.topic
              + " waiting for " + what + "; read " + seen + " records" + detail.get()
              + ". Did every record reach the broker? Raise --timeout-ms if the read is just slow.");
          System.exit(2);
        }
        if (atEnd) {
          // More records are expected than the log held at start: look for new end offsets.
          try {
            end.putAll(consumer.endOffsets(partitions, remaining(deadline)));
          } catch (TimeoutException e) {
            // As above: the next round's deadline check reports it.
          }
        }
        for (ConsumerRecord<byte[], byte[]> record : consumer.poll(Duration.ofMillis(100))) {
          sink.accept(record);
          seen++;
        }
      }
    } finally {
      // Nothing to commit and no group to leave; with the short fetch wait this returns at once.
      consumer.close();
    }
    return new Result(partitions, seen);
  }

  /** Exits 3 when `--count` was given and a different number of records was read. */
  static void checkCount(String tool, ConsumerArgs args, long seen, Supplier<String> detail) {
    if (args.expected >= 0 && seen != args.expected) {
      System.err.println(tool + ": expected " + args.expected + " records in " + args.topic + " but found " + seen
          + detail.get());
      System.exit(3);
    }
  }

  private static List<TopicPartition> partitionsOf(String tool, KafkaConsumer<byte[], byte[]> consumer,
      String topic, int onlyPartition, long deadline) throws InterruptedException {
    while (true) {
      List<PartitionInfo> infos;
      try {
        // A topic that does not exist makes partitionsFor wait out its whole timeout: ask in short rounds.
        infos = consumer.partitionsFor(topic, Duration.ofMillis(Math.min(1000, remaining(deadline).toMillis())));
      } catch (TimeoutException e) {
        infos = null;
      }
      if (infos != null && !infos.isEmpty()) {
        List<TopicPartition> partitions = new ArrayList<>();
        for (PartitionInfo info : infos) {
          if (onlyPartition < 0 || info.partition() == onlyPartition) {
            partitions.add(new TopicPartition(topic, info.partition()));
          }
        }
        if (partitions.isEmpty()) {
          System.err.println(tool + ": topic " + topic + " has no partition " + onlyPartition);
          System.exit(4);
        }
        partitions.sort((a, b) -> Integer.compare(a.partition(), b.partition()));
        return partitions;
      }
      if (System.currentTimeMillis() >= deadline) {
        System.err.println(tool + ": topic " + topic + " does not exist (no partitions known after "
            + "waiting; create it first, or raise --timeout-ms)");
        System.exit(4);
      }
      Thread.sleep(100);
    }
  }

  private static Duration remaining(long deadline) {
    return Duration.ofMillis(Math.max(1, deadline - System.currentTimeMillis()));
  }
}
