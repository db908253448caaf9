import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Properties;
import java.util.Set;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.NewPartitionReassignment;
import org.apache.kafka.clients.admin.TopicDescription;
import org.apache.kafka.common.ElectionType;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.TopicPartitionInfo;
import org.apache.kafka.common.errors.ElectionNotNeededException;

/**
 * Moves the leadership of every partition of a topic by election, the way an operator does: the replica list
 * of each partition is rotated by one (Admin alterPartitionReassignments; same replicas, so no data moves),
 * which makes the next replica the preferred leader, then Admin electLeaders(PREFERRED) moves leadership there.
 *
 * <p>Usage: {@code java -cp '<kafka libs>/*' ElectLeaders.java <bootstrap> <topic> rotate <rounds> <pauseMs>}
 * rotates every partition's replicas once per round; {@code ... <bootstrap> <topic> lead <broker> <n>} instead
 * orders replicas so that {@code broker} is the preferred leader of partitions 0..n-1 and of no other one
 * (to make one broker the leader of most partitions before it is killed). Prints one JSON line per round:
 * {"round":1,"before":{"0":2,...},"after":{"0":3,...}} (partition -> leader).
 */
public final class ElectLeaders {
  public static void main(String[] args) throws Exception {
    String bootstrap = args[0];
    String topic = args[1];
    boolean rotate = args[2].equals("rotate");
    int rounds = rotate ? Integer.parseInt(args[3]) : 1;
    long pauseMs = rotate ? Long.parseLong(args[4]) : 0;
    int leadBroker = rotate ? -1 : Integer.parseInt(args[3]);
    int leadCount = rotate ? 0 : Integer.parseInt(args[4]);
    Properties props = new Properties();
    props.put(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap);
    props.put("enable.metrics.push", "false");
    try (Admin admin = Admin.create(props)) {
      for (int round = 1; round <= rounds; round++) {
        if (round > 1) {
          Thread.sleep(pauseMs);
        }
        Map<Integer, Integer> before = leaders(admin, topic);
        TopicDescription description = admin.describeTopics(List.of(topic)).allTopicNames().get().get(topic);
        Map<TopicPartition, Optional<NewPartitionReassignment>> moves = new HashMap<>();
        Set<TopicPartition> partitions = new HashSet<>();
        for (TopicPartitionInfo p : description.partitions()) {
          List<Integer> replicas = new ArrayList<>();
          p.replicas().forEach(n -> replicas.add(n.id()));
          if (rotate) {
            replicas.add(replicas.remove(0));
          } else {
            boolean lead = p.partition() < leadCount;
            for (int turn = 0; turn < replicas.size(); turn++) {
              if ((replicas.get(0) == leadBroker) == lead) {
                break;
              }
              replicas.add(replicas.remove(0));
            }
          }
          TopicPartition tp = new TopicPartition(topic, p.partition());
          moves.put(tp, Optional.of(new NewPartitionReassignment(replicas)));
          partitions.add(tp);
        }
        admin.alterPartitionReassignments(moves).all().get();
        // Same replica set in a new order: the reassignment completes at once, but wait until it has.
        long deadline = System.currentTimeMillis() + 30_000;
        while (!admin.listPartitionReassignments(partitions).reassignments().get().isEmpty()) {
          if (System.currentTimeMillis() > deadline) {
            throw new IllegalStateException("reassignment of " + topic + " did not complete in 30 s");
          }
          Thread.sleep(50);
        }
        // A partition whose preferred leader already leads reports ElectionNotNeeded: not an error here.
        Map<TopicPartition, Optional<Throwable>> results =
            admin.electLeaders(ElectionType.PREFERRED, partitions).partitions().get();
        StringBuilder errors = new StringBuilder();
        results.forEach((tp, error) -> error.filter(e -> !(e instanceof ElectionNotNeededException))
            .ifPresent(e -> errors.append(errors.length() > 0 ? "; " : "").append(tp).append(": ").append(e)));
        // The controller has elected; brokers' metadata (what describeTopics reads) follows a moment later.
        Map<Integer, Integer> wanted = new HashMap<>();
        moves.forEach((tp, move) -> wanted.put(tp.partition(), move.get().targetReplicas().get(0)));
        Map<Integer, Integer> after = leaders(admin, topic);
        long settle = System.currentTimeMillis() + 15_000;
        while (!after.equals(wanted) && System.currentTimeMillis() < settle) {
          Thread.sleep(100);
          after = leaders(admin, topic);
        }
        System.out.println("{\"round\":" + round + ",\"before\":" + json(before) + ",\"after\":" + json(after)
            + ",\"errors\":\"" + errors.toString().replace("\\", "\\\\").replace("\"", "'") + "\"}");
        System.out.flush();
      }
    }
  }

  private static Map<Integer, Integer> leaders(Admin admin, String topic) throws Exception {
    TopicDescription description = admin.describeTopics(List.of(topic)).allTopicNames().get().get(topic);
    Map<Integer, Integer> leaders = new HashMap<>();
    for (TopicPartitionInfo p : description.partitions()) {
      leaders.put(p.partition(), p.leader() == null ? -1 : p.leader().id());
    }
    return leaders;
  }

  private static String json(Map<Integer, Integer> map) {
    StringBuilder out = new StringBuilder("{");
    map.forEach((k, v) -> out.append(out.length() > 1 ? "," : "").append('"').append(k).append("\":").append(v));
    return out.append('}').toString();
  }
}
