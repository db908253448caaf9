import java.util.Base64;
import java.util.Properties;
import java.util.Set;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.common.header.Header;

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
    StringBuilder out = new StringBuilder(1 << 16);
    TopicReader.Result result = TopicReader.read("ConsumeJson", parsed, record -> {
      appendJson(out, record);
      if (out.length() > (1 << 16)) {
        flush(out);
      }
    }, () -> flush(out), () -> "");
    flush(out);
    TopicReader.checkCount("ConsumeJson", parsed, result.records(), () -> "");
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
