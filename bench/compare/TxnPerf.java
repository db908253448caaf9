// bench/compare contestant: Kafka's Java producer in transactions, the way ProducerPerformance's
// --transaction-duration-ms mode drives it but counted in records: initTransactions() once, then per transaction
// beginTransaction(), send() of N records with a callback, commitTransaction() (which flushes first, as Java
// documents), timed from the call to its return. Speaks the Node contestants' line protocol: `PROGRESS acked` on
// stderr every 250 ms, one `RESULT {json}` line on stdout.
//
// java -cp <kafka-clients jars>:<classes> TxnPerf bootstrap topic records perTransaction size pattern batchSize lingerMs
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.Properties;
import java.util.concurrent.atomic.AtomicLong;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.ByteArraySerializer;

public final class TxnPerf {
  public static void main(String[] argv) throws Exception {
    String bootstrap = argv[0];
    String topic = argv[1];
    long records = Long.parseLong(argv[2]);
    int perTransaction = Integer.parseInt(argv[3]);
    int size = Integer.parseInt(argv[4]);
    byte[] pattern = argv[5].getBytes(StandardCharsets.ISO_8859_1);
    byte[] value = new byte[size];
    for (int i = 0; i < size; i++) value[i] = pattern[i % pattern.length];

    Properties props = new Properties();
    props.put(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap);
    props.put(ProducerConfig.TRANSACTIONAL_ID_CONFIG, "bench-compare-java-" + topic);
    props.put(ProducerConfig.ACKS_CONFIG, "all");
    props.put(ProducerConfig.ENABLE_IDEMPOTENCE_CONFIG, "true");
    props.put(ProducerConfig.BATCH_SIZE_CONFIG, argv[6]);
    props.put(ProducerConfig.LINGER_MS_CONFIG, argv[7]);
    props.put(ProducerConfig.KEY_SERIALIZER_CLASS_CONFIG, ByteArraySerializer.class.getName());
    props.put(ProducerConfig.VALUE_SERIALIZER_CLASS_CONFIG, ByteArraySerializer.class.getName());

    AtomicLong acked = new AtomicLong();
    AtomicLong errors = new AtomicLong();
    String[] firstError = new String[1];
    long transactions = (records + perTransaction - 1) / perTransaction;
    long[] commitNanos = new long[(int) transactions];
    try (KafkaProducer<byte[], byte[]> producer = new KafkaProducer<>(props)) {
      producer.initTransactions();
      // Metadata before the clock, as ProducerPerformance's warm-up-free loop gets it on the first send.
      producer.partitionsFor(topic);
      Thread progress = new Thread(() -> {
        try {
          while (true) {
            System.err.println("PROGRESS " + acked.get());
            Thread.sleep(250);
          }
        } catch (InterruptedException done) {
          // finished
        }
      });
      progress.setDaemon(true);
      long start = System.nanoTime();
      progress.start();
      long sent = 0;
      for (int t = 0; t < transactions; t++) {
        producer.beginTransaction();
        long count = Math.min(perTransaction, records - sent);
        for (long i = 0; i < count; i++) {
          producer.send(new ProducerRecord<>(topic, value), (metadata, exception) -> {
            if (exception != null) {
              synchronized (firstError) {
                if (firstError[0] == null) firstError[0] = exception.toString();
              }
              errors.incrementAndGet();
            }
            acked.incrementAndGet();
          });
        }
        sent += count;
        long commitStart = System.nanoTime();
        producer.commitTransaction();
        commitNanos[t] = System.nanoTime() - commitStart;
      }
      double seconds = (System.nanoTime() - start) / 1e9;
      progress.interrupt();
      System.err.println("PROGRESS " + acked.get());
      Arrays.sort(commitNanos);
      String error = firstError[0] == null ? "null" : "\"" + firstError[0].replace("\\", "\\\\").replace("\"", "\\\"") + "\"";
      System.out.println("RESULT {\"records\":" + acked.get() + ",\"sent\":" + sent + ",\"expected\":" + records
          + ",\"errors\":" + errors.get() + ",\"firstError\":" + error + ",\"seconds\":" + seconds
          + ",\"latencyMs\":{\"p50\":null,\"p99\":null}"
          + ",\"commitLatencyMs\":{\"p50\":" + percentile(commitNanos, 0.5) + ",\"p99\":" + percentile(commitNanos, 0.99) + "}"
          + ",\"transactions\":" + transactions
          + ",\"settings\":{\"transactional.id\":\"bench-compare-java-<topic>\",\"acks\":\"all\",\"enable.idempotence\":true"
          + ",\"batch.size\":" + argv[6] + ",\"linger.ms\":" + argv[7] + ",\"records per transaction\":" + perTransaction + "}}");
      System.out.flush();
    }
  }

  /** Milliseconds at `fraction` of the sorted durations (nearest rank). */
  private static double percentile(long[] sortedNanos, double fraction) {
    if (sortedNanos.length == 0) return 0;
    int rank = (int) Math.min(sortedNanos.length - 1, Math.ceil(sortedNanos.length * fraction) - 1);
    return sortedNanos[Math.max(0, rank)] / 1e6;
  }
}
