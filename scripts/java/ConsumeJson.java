import java.time.Duration;
import java.util.ArrayList;
import java.util.Base64;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.Set;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.PartitionInfo;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.errors.TimeoutException;
import org.apache.kafka.common.header.Header;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;

/**
 * The independent reader: Kafka's own Java consumer reads a topic from the beginning and prints one JSON line
 * per record, so tests can check what our producer wrote without trusting any of our own decoding.
 *
 * <p>Usage: {@code ConsumeJson <bootstrap> <topic> [--count N] [--timeout-ms T] [--partition P]
 * [--isolation read_committed|read_uncommitted] [--config key=value]...}
 *
 * <p>No consumer group: partitions are assigned and rewound by hand, and the read stops at the end offsets
 * taken at start. With {@code --count N} it instead keeps reading (end offsets are re-read) until N records
 * arrived, failing with exit code 2 at the timeout. Output per record: topic, partition, offset, timestamp,
 * timestampType, leaderEpoch, key, value and headers; bytes are base64, a null key/value/header value is null,
 * 64-bit numbers are strings so no reader rounds them.
 */
public final class ConsumeJson {
  public static void main(String[] args) throws Exception {
    ConsumerArgs parsed = ConsumerArgs.parse(args, new Properties(), 30_000, "kafka-wire-consume-json",
        Set.of("--partition", "--isolation"), ConsumeJson::usage);
    String topic = parsed.topic;
    long expected = parsed.expected;
    long timeoutMs = parsed.timeoutMs;
    int onlyPartition = parsed.partition;
    Properties props = parsed.props;

    long deadline = System.currentTimeMillis() + timeoutMs;
    StringBuilder out = new StringBuilder(1 << 16);
    long seen = 0;
    KafkaConsumer<byte[], byte[]> consumer =
        new KafkaConsumer<>(props, new ByteArrayDeserializer(), new ByteArrayDeserializer());
    try {
      List<TopicPartition> partitions = partitionsOf(consumer, topic, onlyPartition, deadline);
      consumer.assign(partitions);
      consumer.seekToBeginning(partitions);
      Map<TopicPartition, Long> end = new HashMap<>(consumer.endOffsets(partitions, remaining(deadline)));
      while (true) {
        boolean atEnd = true;
        for (TopicPartition tp : partitions) {
          if (consumer.position(tp, remaining(deadline)) < end.get(tp)) {
            atEnd = false;
            break;
          }
        }
        if (atEnd && (expected < 0 || seen >= expected)) {
          break;
        }
        if (System.currentTimeMillis() >= deadline) {
          flush(out);
          String what = expected < 0 ? "the end offsets " + end : expected + " records";
          System.err.println("ConsumeJson: timed out after " + timeoutMs + " ms on topic " + topic
              + " waiting for " + what + "; read " + seen + " records");
          System.exit(2);
        }
        if (atEnd) {
          // More records are expected than the log held at start: look for new end offsets.
          end.putAll(consumer.endOffsets(partitions, remaining(deadline)));
        }
        for (ConsumerRecord<byte[], byte[]> record : consumer.poll(Duration.ofMillis(100))) {
          appendJson(out, record);
          seen++;
          if (out.length() > (1 << 16)) {
            flush(out);
          }
        }
      }
    } finally {
      // Nothing to commit and no group to leave; with the short fetch wait above this returns at once.
      consumer.close();
    }
    flush(out);
    if (expected >= 0 && seen != expected) {
      System.err.println("ConsumeJson: expected " + expected + " records in " + topic + " but found " + seen);
      System.exit(3);
    }
  }

  private static List<TopicPartition> partitionsOf(
      KafkaConsumer<byte[], byte[]> consumer, String topic, int onlyPartition, long deadline)
      throws InterruptedException {
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
          System.err.println("ConsumeJson: topic " + topic + " has no partition " + onlyPartition);
          System.exit(4);
        }
        partitions.sort((a, b) -> Integer.compare(a.partition(), b.partition()));
        return partitions;
      }
      if (System.currentTimeMillis() >= deadline) {
        System.err.println("ConsumeJson: topic " + topic + " does not exist (no partitions known after "
            + "waiting; create it first, or raise --timeout-ms)");
        System.exit(4);
      }
      Thread.sleep(100);
    }
  }

  private static Duration remaining(long deadline) {
    return Duration.ofMillis(Math.max(1, deadline - System.currentTimeMillis()));
  }

  private static void appendJson(StringBuilder out, ConsumerRecord<byte[], byte[]> record) {
    out.append("{\"topic\":");
    string(out, record.topic());
    out.append(",\"partition\":").append(record.partition());
    out.append(",\"offset\":\"").append(record.offset()).append('"');
    out.append(",\"timestamp\":\"").append(record.timestamp()).append('"');
    out.append(",\"timestampType\":\"").append(record.timestampType().name()).append('"');
    out.append(",\"leaderEpoch\":");
    out.append(record.leaderEpoch().map(String::valueOf).orElse("null"));
    out.append(",\"key\":");
    bytes(out, record.key());
    out.append(",\"value\":");
    bytes(out, record.value());
    out.append(",\"headers\":[");
    boolean first = true;
    for (Header header : record.headers()) {
      if (!first) {
        out.append(',');
      }
      first = false;
      out.append("{\"key\":");
      string(out, header.key());
      out.append(",\"value\":");
      bytes(out, header.value());
      out.append('}');
    }
    out.append("]}\n");
  }

  private static void bytes(StringBuilder out, byte[] value) {
    if (value == null) {
      out.append("null");
    } else {
      out.append('"').append(Base64.getEncoder().encodeToString(value)).append('"');
    }
  }

  private static void string(StringBuilder out, String value) {
    out.append('"');
    for (int i = 0; i < value.length(); i++) {
      char c = value.charAt(i);
      switch (c) {
        case '"' -> out.append("\\\"");
        case '\\' -> out.append("\\\\");
        case '\n' -> out.append("\\n");
        case '\r' -> out.append("\\r");
        case '\t' -> out.append("\\t");
        default -> {
          if (c < 0x20) {
            out.append(String.format("\\u%04x", (int) c));
          } else {
            out.append(c);
          }
        }
      }
    }
    out.append('"');
  }

  private static void flush(StringBuilder out) {
    System.out.print(out);
    System.out.flush();
    out.setLength(0);
  }

  private static void usage(String problem) {
    System.err.println("ConsumeJson: " + problem);
    System.err.println("usage: ConsumeJson <bootstrap> <topic> [--count N] [--timeout-ms T] [--partition P]"
        + " [--isolation read_committed|read_uncommitted] [--config key=value]...");
    System.exit(1);
  }
}
