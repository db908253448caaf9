import java.io.IOException;
import java.io.InputStreamReader;
import java.io.Reader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Properties;

/**
 * Client settings the helpers share: {@code --config-file <path>} reads a Java properties file (UTF-8), so that
 * passwords and JAAS lines reach the client without ever being on a command line (where process lists and
 * error messages would show them).
 */
final class ClientProps {
  /** Kafka 4 refuses every OAuth token endpoint URL this JVM system property does not list. */
  private static final String ALLOWED_URLS = "org.apache.kafka.sasl.oauthbearer.allowed.urls";

  private ClientProps() {}

  static void load(Properties props, String file) {
    try (Reader in = new InputStreamReader(Files.newInputStream(Path.of(file)), StandardCharsets.UTF_8)) {
      props.load(in);
    } catch (IOException e) {
      throw new IllegalArgumentException("cannot read --config-file " + file + ": " + e.getMessage(), e);
    }
  }

  /**
   * The helpers are test tools: the token endpoint a test configured is trusted, so an OAUTHBEARER client works
   * without the caller knowing about the JVM-wide allow-list.
   */
  static void allowTokenEndpoint(Properties props) {
    Object url = props.get("sasl.oauthbearer.token.endpoint.url");
    if (url != null && System.getProperty(ALLOWED_URLS) == null) {
      System.setProperty(ALLOWED_URLS, url.toString());
    }
  }
}
