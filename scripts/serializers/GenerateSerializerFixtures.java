// Writes fixtures/serializers/primitives.json: what Kafka's own serializers (org.apache.kafka.common.serialization,
// kafka-clients version pinned below) write for a set of inputs, so test/unit/serializers can check that ours
// write the same bytes. Run through scripts/serializers/generate.sh; the tests never run it.
//
//   java -cp '<kafka libs>/*' scripts/serializers/GenerateSerializerFixtures.java fixtures/serializers
//
// Every input is spelled so that JavaScript rebuilds exactly the value Java was given:
//   {"utf16": "0068d800"}     a string as its UTF-16 code units (4 hex digits each; lone surrogates survive)
//   {"int": 5}                a whole number that fits a JS number exactly (int, short)
//   {"long": "-9223372036854775808"}  an int64 as decimal text (a JS bigint)
//   {"doubleBits": "3ff0000000000000"} a JS number by its IEEE 754 bits; FloatSerializer gets (float) of it,
//                             exactly what a JS caller's number becomes in Java
//   {"boolean": true}, {"hex": "00ff"} (bytes), {"json": "<text>"}, {"null": true}
// and the output is {"hex": "..."} or null. JSON cases use Jackson (what Kafka Connect's and Confluent's JSON
// serializers use) on the tree parsed from the text. Every output is read back with the matching Java
// deserializer before it is written, so a fixture Java cannot read as intended never lands.

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.util.Arrays;
import java.util.HexFormat;
import java.util.UUID;
import org.apache.kafka.common.serialization.BooleanDeserializer;
import org.apache.kafka.common.serialization.BooleanSerializer;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.ByteBufferSerializer;
import org.apache.kafka.common.serialization.BytesSerializer;
import org.apache.kafka.common.serialization.DoubleDeserializer;
import org.apache.kafka.common.serialization.DoubleSerializer;
import org.apache.kafka.common.serialization.FloatDeserializer;
import org.apache.kafka.common.serialization.FloatSerializer;
import org.apache.kafka.common.serialization.IntegerDeserializer;
import org.apache.kafka.common.serialization.IntegerSerializer;
import org.apache.kafka.common.serialization.LongDeserializer;
import org.apache.kafka.common.serialization.LongSerializer;
import org.apache.kafka.common.serialization.ShortDeserializer;
import org.apache.kafka.common.serialization.ShortSerializer;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.apache.kafka.common.serialization.UUIDDeserializer;
import org.apache.kafka.common.serialization.UUIDSerializer;
import org.apache.kafka.common.serialization.VoidSerializer;
import org.apache.kafka.common.utils.internals.AppInfoParser;
import org.apache.kafka.common.utils.Bytes;

public class GenerateSerializerFixtures {
  static final String KAFKA_CLIENTS_VERSION = "4.4.0";
  static final String TOPIC = "fixture-topic";
  static final JsonNodeFactory NODES = JsonNodeFactory.instance;
  static final ObjectMapper JACKSON = new ObjectMapper();
  static final HexFormat HEX = HexFormat.of();
  static final ArrayNode CASES = NODES.arrayNode();

  public static void main(String[] args) throws Exception {
    if (args.length != 1) throw new IllegalArgumentException("usage: GenerateSerializerFixtures <out dir>");
    if (!KAFKA_CLIENTS_VERSION.equals(AppInfoParser.getVersion())) {
      throw new IllegalStateException("kafka-clients " + AppInfoParser.getVersion() + " on the classpath, the fixtures pin "
          + KAFKA_CLIENTS_VERSION + ": run scripts/serializers/generate.sh");
    }
    strings();
    integers();
    shorts();
    longs();
    floats();
    doubles();
    booleans();
    uuids();
    bytes();
    voids();
    json();

    ObjectNode generator = NODES.objectNode();
    generator.put("script", "scripts/serializers/GenerateSerializerFixtures.java");
    generator.put("kafkaClients", AppInfoParser.getVersion());
    generator.put("java", System.getProperty("java.version"));
    ObjectNode out = NODES.objectNode();
    out.set("generator", generator);
    out.put("encoding", "inputs: utf16 (hex UTF-16 code units), int, long (decimal), doubleBits (hex IEEE 754 of the JS number; "
        + "float cases get (float) of it), boolean, hex (bytes), json (text), null; output: {hex} or null");
    out.set("cases", CASES);
    Path dir = Paths.get(args[0]);
    Files.createDirectories(dir);
    Path file = dir.resolve("primitives.json");
    Files.writeString(file, new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT).writeValueAsString(out) + "\n");
    System.out.println("wrote " + CASES.size() + " cases to " + file);
  }

  static void strings() {
    String[] inputs = {
      "", "hello", "héllo wörld", "日本語のテキスト", "emoji \uD83D\uDE00 pair", "nul\u0000inside", "tab\tnewline\n",
      "lone high \uD800 here", "lone low \uDC00 here", "reversed \uDC00\uD800 pair", "ends with high \uD83D",
      "\uDFFF", "\uFFFF max BMP", "\uD83D\uDE00\uD83D", "a".repeat(300) + "é".repeat(300) + "\uD834\uDD1E".repeat(50),
    };
    StringSerializer ser = new StringSerializer();
    StringDeserializer de = new StringDeserializer();
    for (String s : inputs) {
      byte[] out = ser.serialize(TOPIC, s);
      // Lone surrogates cannot survive UTF-8: Java reads back '?' in their place, which is the point of those cases.
      check(de.deserialize(TOPIC, out).equals(loneSurrogatesToQuestionMarks(s)), "string " + label(s));
      add("string", label(s), utf16(s), out);
    }
    add("string", "null", nul(), ser.serialize(TOPIC, null));
  }

  static void integers() {
    int[] inputs = {0, 1, -1, 255, 256, 0x12345678, -0x12345678, Integer.MAX_VALUE, Integer.MIN_VALUE};
    IntegerSerializer ser = new IntegerSerializer();
    for (int v : inputs) {
      byte[] out = ser.serialize(TOPIC, v);
      check(new IntegerDeserializer().deserialize(TOPIC, out) == v, "int " + v);
      add("integer", Integer.toString(v), NODES.objectNode().put("int", v), out);
    }
    add("integer", "null", nul(), ser.serialize(TOPIC, null));
  }

  static void shorts() {
    short[] inputs = {0, 1, -1, 258, -258, Short.MAX_VALUE, Short.MIN_VALUE};
    ShortSerializer ser = new ShortSerializer();
    for (short v : inputs) {
      byte[] out = ser.serialize(TOPIC, v);
      check(new ShortDeserializer().deserialize(TOPIC, out) == v, "short " + v);
      add("short", Short.toString(v), NODES.objectNode().put("int", v), out);
    }
    add("short", "null", nul(), ser.serialize(TOPIC, null));
  }

  static void longs() {
    long[] inputs = {
      0, 1, -1, 0x0102030405060708L, (1L << 53) - 1, -((1L << 53) - 1), 1L << 53, Long.MAX_VALUE, Long.MIN_VALUE,
      Integer.MAX_VALUE + 1L,
    };
    LongSerializer ser = new LongSerializer();
    for (long v : inputs) {
      byte[] out = ser.serialize(TOPIC, v);
      check(new LongDeserializer().deserialize(TOPIC, out) == v, "long " + v);
      add("long", Long.toString(v), NODES.objectNode().put("long", Long.toString(v)), out);
    }
    add("long", "null", nul(), ser.serialize(TOPIC, null));
  }

  static void floats() {
    double[] inputs = {
      0.0, -0.0, 1.0, -1.5, Float.MAX_VALUE, -Float.MAX_VALUE, Float.MIN_VALUE, Float.MIN_NORMAL, Float.NaN,
      Double.POSITIVE_INFINITY, Double.NEGATIVE_INFINITY,
      // Not float32 values: Java's (float) cast rounds them, as Math.fround does in JS.
      // 3.4028235e38 is above Float.MAX_VALUE but rounds down to it; 3.4028235677973366e38 (half an ulp above)
      // rounds to Infinity in Java, which ours refuses instead (the test checks that it does).
      0.1, Math.PI, 16777217.0, 1e-50, -1e-50, 3.4028235e38, 3.4028235677973366e38, 1.0000000596046448,
    };
    FloatSerializer ser = new FloatSerializer();
    for (double d : inputs) {
      float f = (float) d;
      byte[] out = ser.serialize(TOPIC, f);
      Float back = new FloatDeserializer().deserialize(TOPIC, out);
      check(Float.floatToRawIntBits(back) == Float.floatToRawIntBits(f), "float " + d);
      add("float", Double.toString(d) + " -> " + Float.toString(f), doubleBits(d), out);
    }
    add("float", "null", nul(), ser.serialize(TOPIC, null));
  }

  static void doubles() {
    double[] inputs = {
      0.0, -0.0, 1.0, 0.1, -2.5, Math.PI, Double.MAX_VALUE, Double.MIN_VALUE, Double.MIN_NORMAL, Double.NaN,
      Double.POSITIVE_INFINITY, Double.NEGATIVE_INFINITY, 9007199254740993.0, -1e300,
    };
    DoubleSerializer ser = new DoubleSerializer();
    for (double d : inputs) {
      byte[] out = ser.serialize(TOPIC, d);
      Double back = new DoubleDeserializer().deserialize(TOPIC, out);
      check(Double.doubleToRawLongBits(back) == Double.doubleToRawLongBits(d), "double " + d);
      add("double", Double.toString(d), doubleBits(d), out);
    }
    add("double", "null", nul(), ser.serialize(TOPIC, null));
  }

  static void booleans() {
    BooleanSerializer ser = new BooleanSerializer();
    for (boolean b : new boolean[] {true, false}) {
      byte[] out = ser.serialize(TOPIC, b);
      check(new BooleanDeserializer().deserialize(TOPIC, out) == b, "boolean " + b);
      add("boolean", Boolean.toString(b), NODES.objectNode().put("boolean", b), out);
    }
    add("boolean", "null", nul(), ser.serialize(TOPIC, null));
  }

  static void uuids() {
    String[] inputs = {
      "123e4567-e89b-12d3-a456-426614174000", "00000000-0000-0000-0000-000000000000",
      "ffffffff-ffff-ffff-ffff-ffffffffffff", "FFFFFFFF-FFFF-FFFF-FFFF-FFFFFFFFFFFF", "A1b2C3d4-E5f6-4789-8aBc-DEF012345678",
      new UUID(0x0123456789abcdefL, 0xfedcba9876543210L).toString(),
    };
    UUIDSerializer ser = new UUIDSerializer();
    for (String s : inputs) {
      UUID uuid = UUID.fromString(s);
      byte[] out = ser.serialize(TOPIC, uuid);
      check(new UUIDDeserializer().deserialize(TOPIC, out).equals(uuid), "uuid " + s);
      add("uuid", s, utf16(s), out);
    }
    add("uuid", "null", nul(), ser.serialize(TOPIC, null));
  }

  static void bytes() {
    byte[] big = new byte[1000];
    for (int i = 0; i < big.length; i++) big[i] = (byte) (i * 31 + 7);
    byte[][] inputs = {new byte[0], {0}, {0, 1, 2, (byte) 0xff, (byte) 0x80}, big};
    for (byte[] b : inputs) {
      byte[] out = new ByteArraySerializer().serialize(TOPIC, b);
      // BytesSerializer and ByteBufferSerializer must agree with ByteArraySerializer: all three are "bytes" to us.
      check(Arrays.equals(out, new BytesSerializer().serialize(TOPIC, Bytes.wrap(b))), "Bytes " + b.length);
      check(Arrays.equals(out, new ByteBufferSerializer().serialize(TOPIC, ByteBuffer.wrap(b))), "ByteBuffer " + b.length);
      add("bytes", b.length + " bytes", NODES.objectNode().put("hex", HEX.formatHex(b)), out);
    }
    add("bytes", "null", nul(), new ByteArraySerializer().serialize(TOPIC, null));
  }

  static void voids() {
    add("void", "null", nul(), new VoidSerializer().serialize(TOPIC, null));
  }

  static void json() throws Exception {
    String[] inputs = {
      "{\"a\":1,\"b\":[true,false,null],\"c\":\"x\"}", "\"h\u00e9llo \uD83D\uDE00 \u65e5\u672c\"", "[]", "{}", "42", "-7",
      "1.5", "0", "true", "{\"nested\":{\"k\":[1,2,{\"deep\":[]}]},\"s\":\"tab\\tquote\\\"back\\\\slash/\"}",
      "\"line\\nbreak\\r\\u0008\\u000c\"", "\"</script>\"", "\"\u2028\u2029\"", "{\"big\":9007199254740991,\"neg\":-2147483649}",
      "[\"\\u0001\\u001f\\u007f\"]", "[0.5,-0.25,123.456]", "\"back\\\\u0001slash\"",
      // Known to differ: JS has one number type, so 100.0 reads back as 100, and 1e21 is spelled 1e+21.
      "[100.0,1e21,1.5e-7]", "{\"\uD834\uDD1E key\":\"\uD83D\uDE00\uD83D\uDE01\"}",
    };
    for (String text : inputs) {
      JsonNode tree = JACKSON.readTree(text);
      byte[] out = JACKSON.writeValueAsBytes(tree);
      check(JACKSON.readTree(out).equals(tree), "json " + text);
      add("json", text, NODES.objectNode().put("json", text), out);
    }
  }

  static void add(String serializer, String label, ObjectNode input, byte[] output) {
    ObjectNode c = CASES.addObject();
    c.put("serializer", serializer);
    c.put("label", label);
    c.set("input", input);
    if (output == null) c.putNull("output");
    else c.putObject("output").put("hex", HEX.formatHex(output));
  }

  static ObjectNode utf16(String s) {
    StringBuilder hex = new StringBuilder();
    for (int i = 0; i < s.length(); i++) hex.append(String.format("%04x", (int) s.charAt(i)));
    return NODES.objectNode().put("utf16", hex.toString());
  }

  static ObjectNode doubleBits(double d) {
    return NODES.objectNode().put("doubleBits", String.format("%016x", Double.doubleToRawLongBits(d)));
  }

  static ObjectNode nul() {
    return NODES.objectNode().put("null", true);
  }

  static String label(String s) {
    StringBuilder out = new StringBuilder();
    String head = s.length() > 40 ? s.substring(0, 40) : s;
    for (int i = 0; i < head.length(); i++) {
      char c = head.charAt(i);
      if (c >= 0x20 && c < 0x7f) out.append(c);
      else out.append(String.format("\\u%04x", (int) c));
    }
    return (s.length() > 40 ? out + "... (" + s.length() + " chars)" : out.toString());
  }

  static String loneSurrogatesToQuestionMarks(String s) {
    StringBuilder out = new StringBuilder();
    for (int i = 0; i < s.length(); i++) {
      char c = s.charAt(i);
      if (Character.isHighSurrogate(c) && i + 1 < s.length() && Character.isLowSurrogate(s.charAt(i + 1))) {
        out.append(c).append(s.charAt(++i));
      } else {
        out.append(Character.isSurrogate(c) ? '?' : c);
      }
    }
    return out.toString();
  }

  static void check(boolean ok, String what) {
    if (!ok) throw new IllegalStateException("Java could not read back its own output: " + what);
  }
}
