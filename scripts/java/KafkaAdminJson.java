import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
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
import org.apache.kafka.clients.admin.ScramCredentialInfo;
import org.apache.kafka.clients.admin.ScramMechanism;
import org.apache.kafka.clients.admin.TopicDescription;
import org.apache.kafka.clients.admin.UserScramCredentialAlteration;
import org.apache.kafka.clients.admin.UserScramCredentialUpsertion;
import org.apache.kafka.clients.admin.UserScramCredentialsDescription;
import org.apache.kafka.common.acl.AccessControlEntry;
import org.apache.kafka.common.acl.AclBinding;
import org.apache.kafka.common.acl.AclBindingFilter;
import org.apache.kafka.common.acl.AclOperation;
import org.apache.kafka.common.acl.AclPermissionType;
import org.apache.kafka.common.Node;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.TopicPartitionInfo;
import org.apache.kafka.common.errors.TopicExistsException;
import org.apache.kafka.common.resource.PatternType;
import org.apache.kafka.common.resource.ResourcePattern;
import org.apache.kafka.common.resource.ResourceType;

/**
 * Kafka's own Admin client for the test harness: creates, describes and deletes topics and describes the
 * cluster, printing one JSON document on stdout. Exit code 0 on success; otherwise the error is on stderr.
 *
 * <p>Usage: {@code KafkaAdminJson <bootstrap> <command> ...} with commands
 * {@code cluster}, {@code create-topic <name> <partitions> <replicationFactor> [--if-not-exists]
 * [--config key=value]...}, {@code describe-topic <name>}, {@code delete-topic <name>}, {@code list-topics},
 * {@code group-offsets <group>} (a consumer group's committed offsets).
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
        case "group-offsets" -> {
          if (args.length < 3) {
            usage("group-offsets <group>");
          }
          System.out.println(groupOffsets(admin, args[2]));
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
        case "set-scram" -> System.out.println(setScram(admin, stdinLines(3)));
        case "add-acls" -> System.out.println(addAcls(admin, stdinLines(7)));
        case "delete-acls" -> System.out.println(deleteAcls(admin, stdinLines(7)));
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
  /** The committed offsets of a consumer group (only committed transactions' offsets show). */
  private static String groupOffsets(Admin admin, String group) throws Exception {
    Map<TopicPartition, org.apache.kafka.clients.consumer.OffsetAndMetadata> offsets =
        admin.listConsumerGroupOffsets(group).partitionsToOffsetAndMetadata().get();
    List<TopicPartition> partitions = new ArrayList<>(offsets.keySet());
    partitions.sort((a, b) -> a.topic().equals(b.topic())
        ? Integer.compare(a.partition(), b.partition()) : a.topic().compareTo(b.topic()));
    StringBuilder out = new StringBuilder("[");
    for (int i = 0; i < partitions.size(); i++) {
      TopicPartition tp = partitions.get(i);
      var committed = offsets.get(tp);
      out.append(i == 0 ? "" : ",").append("{\"topic\":").append(quote(tp.topic()))
          .append(",\"partition\":").append(tp.partition())
          .append(",\"offset\":").append(committed == null ? -1 : committed.offset())
          .append(",\"metadata\":").append(committed == null ? "null" : quote(committed.metadata()))
          .append('}');
    }
    return out.append(']').toString();
  }

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

  private static List<String[]> stdinLines(int fields) throws Exception {
    List<String[]> lines = new ArrayList<>();
    BufferedReader in = new BufferedReader(new InputStreamReader(System.in, StandardCharsets.UTF_8));
    String line;
    while ((line = in.readLine()) != null) {
      if (line.isEmpty()) {
        continue;
      }
      String[] f = line.split("\t", -1);
      if (f.length != fields) {
        usage("stdin line " + (lines.size() + 1) + " has " + f.length + " tab-separated fields, needs " + fields);
      }
      lines.add(f);
    }
    return lines;
  }

  private static String setScram(Admin admin, List<String[]> lines) throws Exception {
    List<UserScramCredentialAlteration> upserts = new ArrayList<>();
    Map<String, List<ScramMechanism>> wanted = new HashMap<>();
    for (String[] f : lines) {
      ScramMechanism mechanism = ScramMechanism.fromMechanismName(f[0]);
      if (mechanism == ScramMechanism.UNKNOWN) {
        usage("set-scram: unknown mechanism " + f[0] + " (SCRAM-SHA-256 or SCRAM-SHA-512)");
      }
      upserts.add(new UserScramCredentialUpsertion(f[1], new ScramCredentialInfo(mechanism, 4096), f[2]));
      wanted.computeIfAbsent(f[1], k -> new ArrayList<>()).add(mechanism);
    }
    // Kafka takes one alteration per user and request: a user with both mechanisms needs two rounds.
    List<List<UserScramCredentialAlteration>> rounds = new ArrayList<>();
    for (UserScramCredentialAlteration upsert : upserts) {
      List<UserScramCredentialAlteration> round = rounds.stream()
          .filter(r -> r.stream().noneMatch(u -> u.user().equals(upsert.user())))
          .findFirst().orElse(null);
      if (round == null) {
        round = new ArrayList<>();
        rounds.add(round);
      }
      round.add(upsert);
    }
    for (List<UserScramCredentialAlteration> round : rounds) {
      admin.alterUserScramCredentials(round).all().get();
    }
    // The controller has committed them; the broker authenticates from its own copy of the metadata.
    long deadline = System.currentTimeMillis() + 30_000;
    while (true) {
      Map<String, UserScramCredentialsDescription> seen =
          admin.describeUserScramCredentials(new ArrayList<>(wanted.keySet())).all().get();
      boolean all = true;
      for (Map.Entry<String, List<ScramMechanism>> e : wanted.entrySet()) {
        UserScramCredentialsDescription d = seen.get(e.getKey());
        for (ScramMechanism m : e.getValue()) {
          all &= d != null && d.credentialInfos().stream().anyMatch(i -> i.mechanism() == m);
        }
      }
      if (all) {
        return "{\"credentials\":" + upserts.size() + "}";
      }
      if (System.currentTimeMillis() > deadline) {
        System.err.println("KafkaAdminJson set-scram: the broker did not show the new credentials within 30 s");
        System.exit(2);
      }
      Thread.sleep(50);
    }
  }

  private static AclBinding acl(String[] f) {
    ResourceType type = ResourceType.fromString(f[2]);
    PatternType pattern = PatternType.fromString(f[4]);
    AclOperation operation = AclOperation.fromString(f[5]);
    AclPermissionType permission = AclPermissionType.fromString(f[0]);
    if (type == ResourceType.UNKNOWN || pattern == PatternType.UNKNOWN || operation == AclOperation.UNKNOWN
        || permission == AclPermissionType.UNKNOWN) {
      usage("bad ACL line (permission, principal, resource type, name, pattern type, operation, host): "
          + String.join(" | ", f));
    }
    return new AclBinding(new ResourcePattern(type, f[3], pattern), new AccessControlEntry(f[1], f[6], operation,
        permission));
  }

  private static String addAcls(Admin admin, List<String[]> lines) throws Exception {
    List<AclBinding> bindings = lines.stream().map(KafkaAdminJson::acl).toList();
    admin.createAcls(bindings).all().get();
    awaitAcls(admin, bindings, true);
    return "{\"added\":" + bindings.size() + "}";
  }

  private static String deleteAcls(Admin admin, List<String[]> lines) throws Exception {
    List<AclBinding> bindings = lines.stream().map(KafkaAdminJson::acl).toList();
    admin.deleteAcls(bindings.stream().map(AclBinding::toFilter).toList()).all().get();
    awaitAcls(admin, bindings, false);
    return "{\"deleted\":" + bindings.size() + "}";
  }

  /** Until the broker's authorizer (which answers DescribeAcls) has applied what the controller committed. */
  private static void awaitAcls(Admin admin, List<AclBinding> bindings, boolean present) throws Exception {
    long deadline = System.currentTimeMillis() + 30_000;
    while (true) {
      Collection<AclBinding> seen = admin.describeAcls(AclBindingFilter.ANY).values().get();
      if (bindings.stream().allMatch(b -> seen.contains(b) == present)) {
        return;
      }
      if (System.currentTimeMillis() > deadline) {
        System.err.println("KafkaAdminJson: the broker's authorizer did not " + (present ? "show" : "drop")
            + " the ACLs within 30 s");
        System.exit(2);
      }
      Thread.sleep(50);
    }
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
        + " [--if-not-exists] [--config k=v]... | describe-topic <name> | delete-topic <name> | list-topics"
        + " | set-scram | add-acls | delete-acls (lines on stdin)");
    System.exit(1);
  }
}
