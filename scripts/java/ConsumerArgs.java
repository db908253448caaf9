import java.util.Properties;
import java.util.Set;
import org.apache.kafka.clients.consumer.ConsumerConfig;

/**
 * What the reading helpers (ConsumeJson, ConsumeDigest) share: their command line
 * ({@code <bootstrap> <topic> [--count N] [--timeout-ms T] [--config key=value]... [--config-file path]}, plus the
 * flags a tool
 * allows among {@code --partition P} and {@code --isolation LEVEL}) and the consumer settings an independent
 * reader must have whatever the caller passed.
 */
final class ConsumerArgs {
  /** How a tool reports a bad command line (prints its usage and exits). */
  interface Usage {
    void fail(String problem);
  }

  final String topic;
  final Properties props;
  long expected = -1;
  long timeoutMs;
  int partition = -1;

  private ConsumerArgs(String topic, Properties props, long timeoutMs) {
    this.topic = topic;
    this.props = props;
    this.timeoutMs = timeoutMs;
  }

  /**
   * @param defaults consumer configs the tool prefers; {@code --config} may override them
   * @param clientId the client.id the broker logs see
   * @param allowed the optional flags this tool takes beyond --count, --timeout-ms and --config
   */
  static ConsumerArgs parse(String[] args, Properties defaults, long defaultTimeoutMs, String clientId,
      Set<String> allowed, Usage usage) {
    if (args.length < 2) {
      usage.fail("expected <bootstrap> <topic>");
    }
    Properties props = new Properties();
    props.putAll(defaults);
    // An empty partition would hold each fetch for the default 500 ms; we want the end quickly.
    props.putIfAbsent(ConsumerConfig.FETCH_MAX_WAIT_MS_CONFIG, "50");
    // No client telemetry round trips (KIP-714) for a tool that lives seconds.
    props.put("enable.metrics.push", "false");
    ConsumerArgs parsed = new ConsumerArgs(args[1], props, defaultTimeoutMs);
    for (int i = 2; i < args.length; i++) {
      String flag = args[i];
      if (i + 1 >= args.length) {
        usage.fail("missing value after " + flag);
      }
      String value = args[++i];
      if ((flag.equals("--partition") || flag.equals("--isolation")) && !allowed.contains(flag)) {
        usage.fail("unknown option " + flag);
      }
      switch (flag) {
        case "--count" -> parsed.expected = Long.parseLong(value);
        case "--timeout-ms" -> parsed.timeoutMs = Long.parseLong(value);
        case "--partition" -> parsed.partition = Integer.parseInt(value);
        case "--isolation" -> props.put(ConsumerConfig.ISOLATION_LEVEL_CONFIG, value);
        case "--config" -> {
          int eq = value.indexOf('=');
          if (eq <= 0) {
            usage.fail("--config takes key=value, got " + value);
          }
          props.put(value.substring(0, eq), value.substring(eq + 1));
        }
        case "--config-file" -> ClientProps.load(props, value);
        default -> usage.fail("unknown option " + flag);
      }
    }
    ClientProps.allowTokenEndpoint(props);
    props.put(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, args[0]);
    props.put(ConsumerConfig.CLIENT_ID_CONFIG, clientId);
    props.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, "false");
    props.put(ConsumerConfig.ALLOW_AUTO_CREATE_TOPICS_CONFIG, "false");
    props.put(ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "earliest");
    // CRCs are the point of an independent check: never let a config turn them off.
    props.put(ConsumerConfig.CHECK_CRCS_CONFIG, "true");
    return parsed;
  }
}
