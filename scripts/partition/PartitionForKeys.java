// Asks Kafka's own Java client where keys go, so our partitioner can be checked against the reference.
// Usage: java -cp '<kafka libs>/*' scripts/partition/PartitionForKeys.java NUM_PARTITIONS < keys.hex
// Input: one key per line as hex (an empty line is the zero-length key). Output: one line per key,
// "<murmur2> <partition>", where partition comes from BuiltInPartitioner.partitionForKey, the code path
// KafkaProducer takes for a keyed record without an explicit partition or custom partitioner.
import java.io.BufferedReader;
import java.io.BufferedWriter;
import java.io.InputStreamReader;
import java.io.OutputStreamWriter;
import java.nio.charset.StandardCharsets;
import java.util.HexFormat;
import org.apache.kafka.clients.producer.internals.BuiltInPartitioner;
import org.apache.kafka.common.utils.Utils;

public class PartitionForKeys {
    public static void main(String[] args) throws Exception {
        int numPartitions = Integer.parseInt(args[0]);
        HexFormat hex = HexFormat.of();
        try (BufferedReader in = new BufferedReader(new InputStreamReader(System.in, StandardCharsets.US_ASCII));
             BufferedWriter out = new BufferedWriter(new OutputStreamWriter(System.out, StandardCharsets.US_ASCII))) {
            String line;
            while ((line = in.readLine()) != null) {
                byte[] key = hex.parseHex(line.trim());
                out.write(Utils.murmur2(key) + " " + BuiltInPartitioner.partitionForKey(key, numPartitions));
                out.newLine();
            }
        }
    }
}
