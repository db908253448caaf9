import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Properties;
import java.util.concurrent.ExecutionException;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.DescribeClusterResult;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.admin.OffsetSpec;
import org.apache.kafka.clients.admin.TopicDescription;
import org.apache.kafka.common.Node;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.TopicPartitionInfo;
import org.apache.kafka.common.errors.TopicExistsException;

/**
 * Kafka's own Admin client for the test harness: creates, describes and deletes topics and describes the
 * cluster, printing one JSON document on stdout. Exit code 0 on success; otherwise the error is on stderr.
 *
 * <p>Usage: {@code KafkaAdminJson <bootstrap> <command> ...} with commands
 * {@code cluster}, {@code create-topic <name> <partitions> <replicationFactor> [--if-not-exists]
 * [--config key=value]...}, {@code describe-topic <name>}, {@code delete-topic <name>}, {@code list-topics}.
 * create-topic returns only once every partition has a leader, so a producer can write at once.
 */
public final class KafkaAdminJson {
  public static void main(String[] args) throws Exception {
    if (args.length < 2) {
      usage("expected <bootstrap> <command>");
    }
    Properties props = new Properties();
    props.put(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, args[0]);
    props.put(AdminClientConfig.CLIENT_ID_CONFIG, "kafka-wire-admin-json");
    props.put(AdminClientConfig.REQUEST_TIMEOUT_MS_CONFIG, "10000");
    props.put(AdminClientConfig.DEFAULT_API_TIMEOUT_MS_CONFIG, "30000");
    // No client telemetry round trips (KIP-714) for a tool that lives a second.
    props.put("enable.metrics.push", "false");
    String command = args[1];
    try (Admin admin = Admin.create(props)) {
      switch (command) {
        case "cluster" -> System.out.println(cluster(admin));
        case "create-topic" -> {
          if (args.length < 5) {
            usage("create-topic <name> <partitions> <replicationFactor> [--if-not-exists] [--config k=v]...");
          }
          createTopic(admin, args);
          System.out.println(describeWhenLed(admin, args[2], Integer.parseInt(args[3]), 30_000));
        }
        case "describe-topic" -> {
          if (args.length < 3) {
            usage("describe-topic <name>");
          }
          System.out.println(describe(admin, args[2]));
        }
        case "delete-topic" -> {
          if (args.length < 3) {
            usage("delete-topic <name>");
          }
          admin.deleteTopics(List.of(args[2])).all().get();
          System.out.println("{\"deleted\":" + quote(args[2]) + "}");
        }
        case "end-offsets" -> {
          if (args.length < 3) {
            usage("end-offsets <name>");
          }
          System.out.println(endOffsets(admin, args[2]));
        }
        case "list-topics" -> {
          StringBuilder out = new StringBuilder("[");
          List<String> names = new ArrayList<>(admin.listTopics().names().get());
          names.sort(String::compareTo);
          for (int i = 0; i < names.size(); i++) {
            out.append(i == 0 ? "" : ",").append(quote(names.get(i)));
          }
          System.out.println(out.append(']'));
        }
        default -> usage("unknown command " + command);
      }
    } catch (ExecutionException e) {
      Throwable cause = e.getCause() == null ? e : e.getCause();
      System.err.println("KafkaAdminJson " + command + ": " + cause.getClass().getSimpleName() + ": "
          + cause.getMessage());
      System.exit(2);
    }
  }

  private static void createTopic(Admin admin, String[] args) throws Exception {
    String name = args[2];
    int partitions = Integer.parseInt(args[3]);
    short replicationFactor = Short.parseShort(args[4]);
    boolean ifNotExists = false;
    Map<String, String> configs = new HashMap<>();
    for (int i = 5; i < args.length; i++) {
      switch (args[i]) {
        case "--if-not-exists" -> ifNotExists = true;
        case "--config" -> {
          String kv = i + 1 < args.length ? args[++i] : "";
          int eq = kv.indexOf('=');
          if (eq <= 0) {
            usage("--config takes key=value, got " + kv);
          }
          configs.put(kv.substring(0, eq), kv.substring(eq + 1));
        }
        default -> usage("unknown create-topic option " + args[i]);
      }
    }
    NewTopic topic = new NewTopic(name, Optional.of(partitions), Optional.of(replicationFactor)).configs(configs);
    try {
      admin.createTopics(List.of(topic)).all().get();
    } catch (ExecutionException e) {
      if (!(ifNotExists && e.getCause() instanceof TopicExistsException)) {
        throw e;
      }
    }
  }

  /** The controller has committed the topic; wait until metadata shows a leader for every partition. */
  private static String describeWhenLed(Admin admin, String name, int partitions, long timeoutMs)
      throws Exception {
    long deadline = System.currentTimeMillis() + timeoutMs;
    while (true) {
      try {
        TopicDescription description = admin.describeTopics(List.of(name)).allTopicNames().get().get(name);
        boolean led = description.partitions().size() >= partitions;
        for (TopicPartitionInfo p : description.partitions()) {
          led &= p.leader() != null && !p.leader().isEmpty();
        }
        if (led) {
          return json(description);
        }
      } catch (ExecutionException e) {
        if (System.currentTimeMillis() >= deadline) {
          throw e;
        }
      }
      if (System.currentTimeMillis() >= deadline) {
        System.err.println("KafkaAdminJson create-topic: " + name + " was created but not every partition had a"
            + " leader after " + timeoutMs + " ms; are enough brokers up?");
        System.exit(2);
      }
      Thread.sleep(50);
    }
  }

  // The next offset of every partition: how many records a topic that started empty holds, as the broker sees it.
  private static String endOffsets(Admin admin, String name) throws Exception {
    TopicDescription description = admin.describeTopics(List.of(name)).allTopicNames().get().get(name);
    Map<TopicPartition, OffsetSpec> request = new HashMap<>();
    for (TopicPartitionInfo info : description.partitions()) {
      request.put(new TopicPartition(name, info.partition()), OffsetSpec.latest());
    }
    var offsets = admin.listOffsets(request).all().get();
    StringBuilder out = new StringBuilder("[");
    for (int p = 0; p < description.partitions().size(); p++) {
      long offset = offsets.get(new TopicPartition(name, p)).offset();
      out.append(p == 0 ? "" : ",").append("{\"partition\":").append(p).append(",\"endOffset\":").append(offset).append('}');
    }
    return out.append(']').toString();
  }

  private static String describe(Admin admin, String name) throws Exception {
    return json(admin.describeTopics(List.of(name)).allTopicNames().get().get(name));
  }

  private static String cluster(Admin admin) throws Exception {
    DescribeClusterResult result = admin.describeCluster();
    Node controller = result.controller().get();
    List<Node> nodes = new ArrayList<>(result.nodes().get());
    nodes.sort((a, b) -> Integer.compare(a.id(), b.id()));
    StringBuilder out = new StringBuilder("{\"clusterId\":").append(quote(result.clusterId().get()));
    out.append(",\"controller\":").append(controller == null || controller.isEmpty() ? "null" : controller.id());
    out.append(",\"brokers\":[");
    for (int i = 0; i < nodes.size(); i++) {
      Node n = nodes.get(i);
      out.append(i == 0 ? "" : ",").append("{\"id\":").append(n.id()).append(",\"host\":").append(quote(n.host()))
          .append(",\"port\":").append(n.port()).append(",\"rack\":").append(n.hasRack() ? quote(n.rack()) : "null")
          .append('}');
    }
    return out.append("]}").toString();
  }

  private static String json(TopicDescription d) {
    StringBuilder out = new StringBuilder("{\"topic\":").append(quote(d.name()));
    out.append(",\"topicId\":").append(d.topicId() == null ? "null" : quote(d.topicId().toString()));
    out.append(",\"internal\":").append(d.isInternal());
    out.append(",\"partitions\":[");
    List<TopicPartitionInfo> partitions = new ArrayList<>(d.partitions());
    partitions.sort((a, b) -> Integer.compare(a.partition(), b.partition()));
    for (int i = 0; i < partitions.size(); i++) {
      TopicPartitionInfo p = partitions.get(i);
      out.append(i == 0 ? "" : ",").append("{\"partition\":").append(p.partition());
      out.append(",\"leader\":").append(p.leader() == null || p.leader().isEmpty() ? "null" : p.leader().id());
      out.append(",\"replicas\":").append(ids(p.replicas()));
      out.append(",\"isr\":").append(ids(p.isr())).append('}');
    }
    return out.append("]}").toString();
  }

  private static String ids(Collection<Node> nodes) {
    StringBuilder out = new StringBuilder("[");
    boolean first = true;
    for (Node n : nodes) {
      out.append(first ? "" : ",").append(n.id());
      first = false;
    }
    return out.append(']').toString();
  }

  private static String quote(String s) {
    StringBuilder out = new StringBuilder("\"");
    for (int i = 0; i < s.length(); i++) {
      char c = s.charAt(i);
      if (c == '"' || c == '\\') {
        out.append('\\').append(c);
      } else if (c < 0x20) {
        out.append(String.format("\\u%04x", (int) c));
      } else {
        out.append(c);
      }
    }
    return out.append('"').toString();
  }

  private static void usage(String problem) {
    System.err.println("KafkaAdminJson: " + problem);
    System.err.println("usage: KafkaAdminJson <bootstrap> cluster | create-topic <name> <partitions> <rf>"
        + " [--if-not-exists] [--config k=v]... | describe-topic <name> | delete-topic <name> | list-topics");
    System.exit(1);
  }
}
