import java.io.ByteArrayOutputStream;
import java.lang.reflect.Method;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import org.apache.kafka.common.protocol.ApiKeys;
import org.apache.kafka.common.protocol.ApiMessage;
import org.apache.kafka.common.protocol.ByteBufferAccessor;
import org.apache.kafka.common.requests.AbstractRequest;
import org.apache.kafka.common.requests.AbstractResponse;

/**
 * Decodes a request or response body with Kafka's own classes and prints it as JSON (Kafka's generated
 * JsonConverter: the spec's field names in lowerCamelCase), so tests can compare our encoder's bytes or our
 * decoder's objects with what Kafka itself makes of the same bytes.
 *
 * <p>Usage: {@code KafkaMessageJson request|response <apiKey> <version> [--allow-trailing] < hex}. Input:
 * the body as hex on stdin, without the size prefix and without the request/response header. Exit code 3
 * when the body holds more bytes than the message (unless --allow-trailing). Caveat: an ApiVersions response
 * that only parses through Kafka's v0 fallback (a broker's UNSUPPORTED_VERSION answer) is read from a copy in
 * 4.x, so the original buffer looks unconsumed; use --allow-trailing there.
 */
public final class KafkaMessageJson {
  public static void main(String[] args) throws Exception {
    if (args.length < 3 || !(args[0].equals("request") || args[0].equals("response"))) {
      System.err.println("usage: KafkaMessageJson request|response <apiKey> <version> [--allow-trailing] < hex");
      System.exit(1);
    }
    boolean request = args[0].equals("request");
    ApiKeys api = ApiKeys.forId(Short.parseShort(args[1]));
    short version = Short.parseShort(args[2]);
    boolean allowTrailing = args.length > 3 && args[3].equals("--allow-trailing");
    ByteBuffer body = ByteBuffer.wrap(hex(new String(System.in.readAllBytes(), StandardCharsets.US_ASCII)));

    ApiMessage data;
    if (request) {
      // 3.x takes a ByteBuffer, 4.x a Readable: pick whichever this kafka-clients has.
      Method parse = find(AbstractRequest.class, "parseRequest", 1);
      Object parsed = parse.invoke(null, api, version, input(parse.getParameterTypes()[2], body));
      data = ((AbstractRequest) parsed.getClass().getField("request").get(parsed)).data();
    } else {
      Method parse = find(AbstractResponse.class, "parseResponse", 0);
      data = ((AbstractResponse) parse.invoke(null, api, input(parse.getParameterTypes()[1], body), version)).data();
    }
    Class<?> converter = Class.forName(data.getClass().getName() + "JsonConverter");
    Object json = converter.getMethod("write", data.getClass(), short.class).invoke(null, data, version);
    System.out.println(json);
    if (body.hasRemaining() && !allowTrailing) {
      System.err.println("KafkaMessageJson: " + body.remaining() + " bytes left after the " + api + " v" + version
          + " " + args[0] + " body");
      System.exit(3);
    }
  }

  /** The static parse method whose parameter at apiKeysIndex is ApiKeys (3.x and 4.x differ in the buffer type). */
  private static Method find(Class<?> owner, String name, int apiKeysIndex) {
    for (Method m : owner.getMethods()) {
      if (m.getName().equals(name) && m.getParameterCount() == 3
          && m.getParameterTypes()[apiKeysIndex] == ApiKeys.class) {
        return m;
      }
    }
    throw new IllegalStateException("no " + owner.getSimpleName() + "." + name + "(ApiKeys, ...) in this kafka-clients");
  }

  private static Object input(Class<?> type, ByteBuffer body) {
    return type == ByteBuffer.class ? body : new ByteBufferAccessor(body);
  }

  private static byte[] hex(String text) {
    String s = text.replaceAll("\\s+", "");
    if (s.length() % 2 != 0) {
      throw new IllegalArgumentException("odd number of hex digits");
    }
    ByteArrayOutputStream out = new ByteArrayOutputStream(s.length() / 2);
    for (int i = 0; i < s.length(); i += 2) {
      out.write(Integer.parseInt(s.substring(i, i + 2), 16));
    }
    return out.toByteArray();
  }
}
