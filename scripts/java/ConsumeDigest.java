import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.util.HashMap;
import java.util.Map;
import java.util.Properties;
import java.util.Set;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.header.Header;

/**
 * The independent reader for large volumes: Kafka's own Java consumer reads a topic from the beginning and
 * prints one JSON line per partition with a count and a SHA-256 over its records, so a test can check a
 * million records without shipping each one to Node as JSON (see ConsumeJson for record-by-record output).
 *
 * <p>Usage: {@code ConsumeDigest <bootstrap> <topic> [--count N] [--timeout-ms T] [--config key=value]...}
 *
 * <p>No consumer group: every partition is assigned and rewound by hand, and the read stops at the end
 * offsets taken at start. With {@code --count N} it instead keeps reading (end offsets are re-read) until N
 * records arrived, failing with exit code 2 at the timeout and 3 when the log holds a different number.
 *
 * <p>Output, one line per partition in partition order: {@code {"partition":0,"count":N,"firstOffset":"0",
 * "lastOffset":"N-1","consecutive":true,"sha256":"<hex>"}}; offsets are strings (64-bit), null when the
 * partition is empty; consecutive is true when every offset is the previous one plus one.
 *
 * <p>The SHA-256 runs over the partition's records in offset order, each record as these bytes (integers
 * big-endian; whoever computes the expected digest must hash exactly these bytes, see
 * test/integration/million.test.ts):
 *
 * <pre>
 *   int32 key length (-1 for a null key)      key bytes
 *   int32 value length (-1 for a null value)  value bytes
 *   int32 header count
 *   per header, in record order:
 *     int32 name length (UTF-8 bytes)         name bytes (UTF-8)
 *     int32 value length (-1 for null)        value bytes
 *   int64 timestamp (milliseconds)
 * </pre>
 *
 * Offsets are not part of the hash: they are reported beside it (first, last, consecutive), so a record that
 * is lost, duplicated, reordered or altered changes the hash or the count.
 */
public final class ConsumeDigest {
  /** Per-partition state: a running SHA-256 plus what the offsets looked like. */
  private static final class PartitionDigest {
    final MessageDigest sha256;
    long count;
    long firstOffset = -1;
    long lastOffset = -1;
    boolean consecutive = true;

    PartitionDigest() throws Exception {
      sha256 = MessageDigest.getInstance("SHA-256");
    }
  }

  public static void main(String[] args) throws Exception {
    Properties defaults = new Properties();
    // Large polls and fetches: the point of this tool is reading a lot, fast.
    defaults.put(ConsumerConfig.MAX_POLL_RECORDS_CONFIG, "20000");
    defaults.put(ConsumerConfig.MAX_PARTITION_FETCH_BYTES_CONFIG, String.valueOf(8 << 20));
    ConsumerArgs parsed = ConsumerArgs.parse(args, defaults, 60_000, "kafka-wire-consume-digest", Set.of(),
        ConsumeDigest::usage);
    Map<Integer, PartitionDigest> digests = new HashMap<>();
    ByteBuffer scratch = ByteBuffer.allocate(8);
    TopicReader.Result result = TopicReader.read("ConsumeDigest", parsed, record -> {
      PartitionDigest digest = digests.get(record.partition());
      if (digest == null) {
        digest = newDigest();
        digests.put(record.partition(), digest);
      }
      add(digest, record, scratch);
    }, () -> {}, () -> " (" + counts(digests) + ")");
    StringBuilder out = new StringBuilder();
    for (TopicPartition tp : result.partitions()) {
      PartitionDigest digest = digests.get(tp.partition());
      appendJson(out, tp.partition(), digest == null ? newDigest() : digest);
    }
    System.out.print(out);
    System.out.flush();
    TopicReader.checkCount("ConsumeDigest", parsed, result.records(), () -> " (" + counts(digests) + ")");
  }

  private static PartitionDigest newDigest() {
    try {
      return new PartitionDigest();
    } catch (Exception e) {
      throw new IllegalStateException("SHA-256 is not available", e);
    }
  }

  private static void add(PartitionDigest d, ConsumerRecord<byte[], byte[]> record, ByteBuffer scratch) {
    long offset = record.offset();
    if (d.count == 0) {
      d.firstOffset = offset;
    } else if (offset != d.lastOffset + 1) {
      d.consecutive = false;
    }
    d.lastOffset = offset;
    d.count++;
    MessageDigest sha = d.sha256;
    bytes(sha, scratch, record.key());
    bytes(sha, scratch, record.value());
    Header[] headers = record.headers().toArray();
    int32(sha, scratch, headers.length);
    for (Header header : headers) {
      bytes(sha, scratch, header.key().getBytes(StandardCharsets.UTF_8));
      bytes(sha, scratch, header.value());
    }
    scratch.clear();
    scratch.putLong(record.timestamp());
    sha.update(scratch.array(), 0, 8);
  }

  private static void bytes(MessageDigest sha, ByteBuffer scratch, byte[] value) {
    if (value == null) {
      int32(sha, scratch, -1);
    } else {
      int32(sha, scratch, value.length);
      sha.update(value);
    }
  }

  private static void int32(MessageDigest sha, ByteBuffer scratch, int n) {
    scratch.clear();
    scratch.putInt(n);
    sha.update(scratch.array(), 0, 4);
  }

  private static void appendJson(StringBuilder out, int partition, PartitionDigest d) {
    out.append("{\"partition\":").append(partition);
    out.append(",\"count\":").append(d.count);
    out.append(",\"firstOffset\":").append(d.count == 0 ? "null" : "\"" + d.firstOffset + "\"");
    out.append(",\"lastOffset\":").append(d.count == 0 ? "null" : "\"" + d.lastOffset + "\"");
    out.append(",\"consecutive\":").append(d.consecutive);
    out.append(",\"sha256\":\"").append(hex(d.sha256.digest())).append("\"}\n");
  }

  private static String counts(Map<Integer, PartitionDigest> digests) {
    StringBuilder s = new StringBuilder("per partition:");
    digests.keySet().stream().sorted().forEach(p -> s.append(' ').append(p).append('=').append(digests.get(p).count));
    return s.toString();
  }

  private static String hex(byte[] bytes) {
    StringBuilder s = new StringBuilder(bytes.length * 2);
    for (byte b : bytes) {
      s.append(Character.forDigit((b >> 4) & 0xf, 16)).append(Character.forDigit(b & 0xf, 16));
    }
    return s.toString();
  }



  private static void usage(String problem) {
    System.err.println("ConsumeDigest: " + problem);
    System.err.println(
        "usage: ConsumeDigest <bootstrap> <topic> [--count N] [--timeout-ms T] [--config key=value]...");
    System.exit(1);
  }
}
