// Reads a topic with Kafka's Java consumer and decodes every value in Confluent's wire format with Java libraries,
// as an independent check of kafka-wire's schema-registry serializers:
//   avro      Apicurio's AvroKafkaDeserializer in Confluent mode (4-byte id in the payload, no headers)
//   json      Apicurio's JsonSchemaKafkaDeserializer in Confluent mode
//   protobuf  by hand: Apicurio's Protobuf deserializer reads its own framing, not Confluent's message indexes,
//             so this reads the indexes itself, fetches the .proto by id, builds a descriptor with protobuf-java
//             (via Apicurio's FileDescriptorUtils) and parses the message as a DynamicMessage
//
//   java -cp '<.cache/apicurio-serdes/libs>/*' scripts/registry/ReadWithJava.java \
//     <bootstrap> <topic> <avro|json|protobuf> <registry base URL, e.g. http://127.0.0.1:8080> <count> <timeoutMs>
//
// Prints one JSON line per record: {"offset", "key" (base64), "schemaId", "type", "value"}. int64 values are
// written as decimal strings so that JavaScript reads them exactly.

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.google.protobuf.Descriptors;
import com.google.protobuf.DynamicMessage;
import com.google.protobuf.Message;
import com.squareup.wire.schema.internal.parser.ProtoFileElement;
import com.squareup.wire.schema.internal.parser.ProtoParser;
import io.apicurio.registry.utils.protobuf.schema.FileDescriptorUtils;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.ByteBuffer;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Base64;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.UUID;
import org.apache.avro.generic.GenericData;
import org.apache.avro.generic.GenericRecord;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.Deserializer;

public class ReadWithJava {
  static final JsonNodeFactory NODES = JsonNodeFactory.instance;
  static final ObjectMapper JSON = new ObjectMapper();
  static final HttpClient HTTP = HttpClient.newHttpClient();

  public static void main(String[] args) throws Exception {
    if (args.length != 6) {
      throw new IllegalArgumentException("usage: ReadWithJava <bootstrap> <topic> <avro|json|protobuf> <registry base URL> <count> <timeoutMs>");
    }
    String bootstrap = args[0], topic = args[1], format = args[2], registry = args[3].replaceAll("/+$", "");
    int count = Integer.parseInt(args[4]);
    long deadline = System.currentTimeMillis() + Long.parseLong(args[5]);

    Map<String, Object> serde = new HashMap<>();
    serde.put("apicurio.registry.url", registry + "/apis/registry/v2");
    serde.put("apicurio.registry.as-confluent", "true");
    serde.put("apicurio.registry.use-id", "contentId");
    serde.put("apicurio.registry.headers.enabled", "false");
    Deserializer<Object> values = null;
    if (format.equals("avro")) values = newDeserializer("io.apicurio.registry.serde.avro.AvroKafkaDeserializer");
    else if (format.equals("json")) values = newDeserializer("io.apicurio.registry.serde.jsonschema.JsonSchemaKafkaDeserializer");
    else if (!format.equals("protobuf")) throw new IllegalArgumentException("format must be avro, json or protobuf: " + format);
    if (values != null) values.configure(serde, false);

    Properties props = new Properties();
    props.put("bootstrap.servers", bootstrap);
    props.put("group.id", "read-with-java-" + UUID.randomUUID());
    props.put("auto.offset.reset", "earliest");
    props.put("enable.auto.commit", "false");
    int read = 0;
    try (KafkaConsumer<byte[], byte[]> consumer = new KafkaConsumer<>(props, new ByteArrayDeserializer(), new ByteArrayDeserializer())) {
      List<TopicPartition> partitions = new ArrayList<>();
      consumer.partitionsFor(topic).forEach(p -> partitions.add(new TopicPartition(topic, p.partition())));
      consumer.assign(partitions);
      consumer.seekToBeginning(partitions);
      while (read < count) {
        if (System.currentTimeMillis() > deadline) {
          throw new IllegalStateException("read " + read + " of " + count + " records before the timeout");
        }
        for (ConsumerRecord<byte[], byte[]> record : consumer.poll(Duration.ofMillis(200))) {
          ObjectNode line = NODES.objectNode();
          line.put("offset", record.offset());
          line.put("key", record.key() == null ? null : Base64.getEncoder().encodeToString(record.key()));
          ByteBuffer frame = ByteBuffer.wrap(record.value());
          if (frame.get() != 0) throw new IllegalStateException("magic byte is not 0 at offset " + record.offset());
          int schemaId = frame.getInt();
          line.put("schemaId", schemaId);
          if (values != null) {
            Object decoded = values.deserialize(topic, record.value());
            line.put("type", decoded == null ? "null" : decoded.getClass().getName());
            line.set("value", toJson(decoded));
          } else {
            DynamicMessage message = readProtobuf(registry, schemaId, frame);
            line.put("type", message.getDescriptorForType().getFullName());
            line.set("value", toJson(message));
          }
          System.out.println(JSON.writeValueAsString(line));
          if (++read == count) break;
        }
      }
    }
  }

  @SuppressWarnings("unchecked")
  static Deserializer<Object> newDeserializer(String className) throws Exception {
    return (Deserializer<Object>) Class.forName(className).getDeclaredConstructor().newInstance();
  }

  // Confluent's framing after the id: a zigzag varint count of message indexes (0 meaning [0]), the indexes, then
  // the message.
  static DynamicMessage readProtobuf(String registry, int schemaId, ByteBuffer frame) throws Exception {
    int n = readZigzagVarint(frame);
    List<Integer> indexes = new ArrayList<>();
    if (n == 0) indexes.add(0);
    for (int i = 0; i < n; i++) indexes.add(readZigzagVarint(frame));
    HttpResponse<String> response = HTTP.send(
        HttpRequest.newBuilder(URI.create(registry + "/apis/ccompat/v7/schemas/ids/" + schemaId)).build(),
        HttpResponse.BodyHandlers.ofString());
    if (response.statusCode() != 200) throw new IllegalStateException("schema " + schemaId + ": HTTP " + response.statusCode());
    String proto = JSON.readTree(response.body()).get("schema").asText();
    ProtoFileElement element = ProtoParser.Companion.parse(FileDescriptorUtils.DEFAULT_LOCATION, proto);
    Descriptors.FileDescriptor file = FileDescriptorUtils.protoFileToFileDescriptor(element);
    Descriptors.Descriptor type = file.getMessageTypes().get(indexes.get(0));
    for (int i = 1; i < indexes.size(); i++) type = type.getNestedTypes().get(indexes.get(i));
    byte[] payload = new byte[frame.remaining()];
    frame.get(payload);
    return DynamicMessage.parseFrom(type, payload);
  }

  static int readZigzagVarint(ByteBuffer buf) {
    int value = 0;
    for (int shift = 0; ; shift += 7) {
      byte b = buf.get();
      value |= (b & 0x7f) << shift;
      if ((b & 0x80) == 0) break;
    }
    return (value >>> 1) ^ -(value & 1);
  }

  static JsonNode toJson(Object value) {
    if (value == null) return NODES.nullNode();
    if (value instanceof JsonNode) return (JsonNode) value;
    if (value instanceof Long) return NODES.textNode(value.toString());
    if (value instanceof Integer) return NODES.numberNode((Integer) value);
    if (value instanceof Double) return NODES.numberNode((Double) value);
    if (value instanceof Float) return NODES.numberNode((Float) value);
    if (value instanceof Boolean) return NODES.booleanNode((Boolean) value);
    if (value instanceof CharSequence) return NODES.textNode(value.toString());
    if (value instanceof ByteBuffer) {
      ByteBuffer b = ((ByteBuffer) value).duplicate();
      byte[] bytes = new byte[b.remaining()];
      b.get(bytes);
      return NODES.textNode(Base64.getEncoder().encodeToString(bytes));
    }
    if (value instanceof GenericData.EnumSymbol) return NODES.textNode(value.toString());
    if (value instanceof Descriptors.EnumValueDescriptor) return NODES.textNode(((Descriptors.EnumValueDescriptor) value).getName());
    if (value instanceof GenericRecord) {
      GenericRecord record = (GenericRecord) value;
      ObjectNode out = NODES.objectNode();
      record.getSchema().getFields().forEach(f -> out.set(f.name(), toJson(record.get(f.name()))));
      return out;
    }
    if (value instanceof Message) {
      ObjectNode out = NODES.objectNode();
      ((Message) value).getAllFields().forEach((field, v) -> out.set(field.getName(), toJson(v)));
      return out;
    }
    if (value instanceof List) {
      ArrayNode out = NODES.arrayNode();
      ((List<?>) value).forEach(v -> out.add(toJson(v)));
      return out;
    }
    if (value instanceof Map) {
      ObjectNode out = NODES.objectNode();
      ((Map<?, ?>) value).forEach((k, v) -> out.set(k.toString(), toJson(v)));
      return out;
    }
    throw new IllegalArgumentException("no JSON form for " + value.getClass().getName());
  }
}
