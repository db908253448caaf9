import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Properties;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Future;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.clients.producer.RecordMetadata;
import org.apache.kafka.common.header.internals.RecordHeader;
import org.apache.kafka.common.header.internals.RecordHeaders;
import org.apache.kafka.common.serialization.ByteArraySerializer;

/**
 * Kafka's own Java producer for tests: writes records read from stdin, one per line, and prints one JSON line
 * per record with where it landed ({"partition":P,"offset":"O","timestamp":"T"}), in input order.
 *
 * <p>Usage: {@code ProduceJson <bootstrap> <topic> [--config key=value]... [--config-file path]}. Input line, tab-separated:
 * {@code partition timestamp key value [header...]}: partition and timestamp are numbers or "-" (partitioner /
 * producer clock), key and value are base64 or "~" for null, each header is {@code base64(key):base64(value)}
 * with "~" for a null value. Base64 never contains a tab or a colon, so no escaping is needed.
 */
public final class ProduceJson {
  public static void main(String[] args) throws Exception {
    if (args.length < 2) {
      usage("expected <bootstrap> <topic>");
    }
    Properties props = new Properties();
    props.put(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, args[0]);
    props.put(ProducerConfig.CLIENT_ID_CONFIG, "kafka-wire-produce-json");
    // No client telemetry round trips (KIP-714) for a tool that lives a second; --config may turn it on.
    props.put("enable.metrics.push", "false");
    String topic = args[1];
    for (int i = 2; i < args.length; i++) {
      if (args[i].equals("--config-file") && i + 1 < args.length) {
        ClientProps.load(props, args[++i]);
        continue;
      }
      if (!args[i].equals("--config") || i + 1 >= args.length || args[i + 1].indexOf('=') <= 0) {
        usage("options are --config key=value and --config-file path, got " + args[i]);
      }
      String kv = args[++i];
      props.put(kv.substring(0, kv.indexOf('=')), kv.substring(kv.indexOf('=') + 1));
    }
    ClientProps.allowTokenEndpoint(props);

    List<Future<RecordMetadata>> sent = new ArrayList<>();
    try (KafkaProducer<byte[], byte[]> producer =
        new KafkaProducer<>(props, new ByteArraySerializer(), new ByteArraySerializer())) {
      BufferedReader in = new BufferedReader(new InputStreamReader(System.in, StandardCharsets.UTF_8));
      String line;
      int lineNo = 0;
      while ((line = in.readLine()) != null) {
        lineNo++;
        if (line.isEmpty()) {
          continue;
        }
        String[] f = line.split("\t", -1);
        if (f.length < 4) {
          System.err.println("ProduceJson: line " + lineNo + " has " + f.length + " fields, needs at least 4");
          System.exit(1);
        }
        Integer partition = f[0].equals("-") ? null : Integer.valueOf(f[0]);
        Long timestamp = f[1].equals("-") ? null : Long.valueOf(f[1]);
        RecordHeaders headers = new RecordHeaders();
        for (int h = 4; h < f.length; h++) {
          int colon = f[h].indexOf(':');
          String key = new String(Base64.getDecoder().decode(f[h].substring(0, colon)), StandardCharsets.UTF_8);
          headers.add(new RecordHeader(key, bytes(f[h].substring(colon + 1))));
        }
        sent.add(producer.send(
            new ProducerRecord<>(topic, partition, timestamp, bytes(f[2]), bytes(f[3]), headers)));
      }
      producer.flush();
      StringBuilder out = new StringBuilder();
      for (Future<RecordMetadata> future : sent) {
        RecordMetadata m = future.get();
        out.append("{\"partition\":").append(m.partition()).append(",\"offset\":\"").append(m.offset())
            .append("\",\"timestamp\":\"").append(m.timestamp()).append("\"}\n");
      }
      System.out.print(out);
      System.out.flush();
    } catch (ExecutionException e) {
      System.err.println("ProduceJson: send failed: " + e.getCause());
      System.exit(2);
    }
  }

  private static byte[] bytes(String field) {
    return field.equals("~") ? null : Base64.getDecoder().decode(field);
  }

  private static void usage(String problem) {
    System.err.println("ProduceJson: " + problem);
    System.err.println("usage: ProduceJson <bootstrap> <topic> [--config key=value]... [--config-file path] < lines");
    System.exit(1);
  }
}
