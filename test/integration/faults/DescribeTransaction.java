import java.util.List;
import java.util.Properties;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.TransactionDescription;
import org.apache.kafka.clients.admin.TransactionState;

/**
 * What the transaction coordinator says about one transactional id, through Kafka's own Admin client
 * (describeTransactions), so the fault cases learn it independently of the producer under test.
 *
 * <p>Usage: {@code java -cp '<kafka libs>/*' DescribeTransaction.java <bootstrap> <transactionalId> coordinator}
 * prints {"coordinator":2,"state":"Ongoing"}; {@code ... <transactionalId> await-end <timeoutMs>} polls every
 * 100 ms until no transaction of the id is open (or being completed) and prints
 * {"state":"CompleteAbort","endedAt":<epoch ms of the first poll that saw it>,"epoch":3}; it exits 1 if the
 * transaction is still open after timeoutMs.
 */
public final class DescribeTransaction {
  public static void main(String[] args) throws Exception {
    String bootstrap = args[0];
    String transactionalId = args[1];
    String mode = args[2];
    Properties props = new Properties();
    props.put(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap);
    props.put("enable.metrics.push", "false");
    try (Admin admin = Admin.create(props)) {
      if (mode.equals("coordinator")) {
        TransactionDescription d = describe(admin, transactionalId);
        System.out.println(
            "{\"coordinator\":" + d.coordinatorId() + ",\"state\":\"" + d.state() + "\"}");
        return;
      }
      long deadline = System.currentTimeMillis() + Long.parseLong(args[3]);
      String last = "none";
      while (System.currentTimeMillis() < deadline) {
        try {
          TransactionDescription d = describe(admin, transactionalId);
          last = d.state().toString();
          if (!open(d.state())) {
            System.out.println(
                "{\"state\":\"" + last + "\",\"endedAt\":" + System.currentTimeMillis()
                    + ",\"epoch\":" + d.producerEpoch() + "}");
            return;
          }
        } catch (java.util.concurrent.ExecutionException e) {
          // The coordinator may be moving or loading; ask again.
          last = e.getCause().toString();
        }
        Thread.sleep(100);
      }
      System.err.println(
          "transaction of " + transactionalId + " still open after " + args[3] + " ms; last: " + last);
      System.exit(1);
    }
  }

  private static TransactionDescription describe(Admin admin, String id) throws Exception {
    return admin.describeTransactions(List.of(id)).description(id).get();
  }

  private static boolean open(TransactionState state) {
    return state == TransactionState.ONGOING
        || state == TransactionState.PREPARE_ABORT
        || state == TransactionState.PREPARE_COMMIT
        || state == TransactionState.PREPARE_EPOCH_FENCE;
  }
}
