// Schema registry round trips against a real Confluent-compatible registry: Apicurio Registry 2.4.2 (built from
// Maven Central and started by scripts/registry/registry.mjs), spoken to through its Confluent API. Records go
// out through our Producer with the serializers applied by hand, come back through Kafka's Java consumer, and
// are taken apart twice, independently of our code: in JS (frame bytes by hand, the schema fetched by id with
// plain HTTP, the payload decoded with that schema) and in Java (Apicurio's Avro and JSON Schema deserializers in
// Confluent mode; protobuf-java for Protobuf, see scripts/registry/ReadWithJava.java). Incompatible evolution is
// refused by the registry's own compatibility check.
import { Ajv } from 'ajv';
import avro from 'avsc';
import protobuf from 'protobufjs';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { type RunningRegistry, readWithJava, startRegistry } from '../../scripts/registry/registry.mjs';
import { Producer } from '../../src/index.js';
import {
  avroSerializer,
  IncompatibleSchemaError,
  jsonSchemaSerializer,
  protobufSerializer,
  type RegistrySerializer,
  recordNameStrategy,
  SchemaRegistryClient,
  topicRecordNameStrategy,
} from '../../src/schema-registry/index.js';
import {
  longSerializer,
  SerializationError,
  type Serializer,
  serializePart,
  stringSerializer,
} from '../../src/serializers/index.js';
import {
  type ConsumedRecord,
  consumeAll,
  createTopic,
  kafkaBootstrap,
  uniqueTopic,
} from '../harness/index.js';

let registryUrl: string;
let started: RunningRegistry;
let producer: Producer;
let client: SchemaRegistryClient;

beforeAll(async () => {
  const external = process.env.SCHEMA_REGISTRY_URL?.trim();
  if (external) {
    registryUrl = external;
  } else {
    const t0 = Date.now();
    started = await startRegistry({ name: `vitest-${process.pid}` });
    registryUrl = started.url;
    process.stderr.write(
      `schema-registry test: Apicurio Registry up at ${registryUrl} in ${Date.now() - t0} ms\n`,
    );
  }
  client = new SchemaRegistryClient({ url: registryUrl });
  producer = new Producer({ bootstrapServers: kafkaBootstrap(), lingerMs: 5 });
});

let failed = false;
afterEach((context) => {
  if (context.task.result?.state === 'fail') failed = true;
});

afterAll(async () => {
  await producer?.close({ timeoutMs: 10_000 });
  // The registry's log is worth keeping when something failed.
  await started?.stop({ keepLogs: failed });
  if (failed && started)
    process.stderr.write(`schema-registry test: registry log kept at ${started.logFile}\n`);
});

/** Serializes key and value as the typed producer will, then sends the bytes. */
async function send<K, V>(
  topic: string,
  keySerializer: Serializer<K>,
  valueSerializer: Serializer<V>,
  records: Array<{ key: K; value: V }>,
) {
  for (const record of records) {
    const headers: { key: string; value: Uint8Array | null }[] = [];
    const key = await serializePart(keySerializer, record.key, { topic, headers, isKey: true });
    const value = await serializePart(valueSerializer, record.value, { topic, headers, isKey: false });
    await producer.send({ topic, key, value, headers });
  }
}

async function freshTopic(prefix: string): Promise<string> {
  const topic = uniqueTopic(prefix);
  await createTopic({ topic, partitions: 1 });
  return topic;
}

/** The frame by hand: magic byte 0, then the int32 big-endian schema id. */
function frame(bytes: Uint8Array | null): { id: number; rest: Buffer } {
  expect(bytes).not.toBeNull();
  const b = Buffer.from(bytes!);
  expect(b[0]).toBe(0);
  return { id: b.readInt32BE(1), rest: b.subarray(5) };
}

/** What the registry holds for an id, asked with plain fetch rather than our client. */
async function registrySchema(id: number): Promise<{ schema: string; schemaType?: string }> {
  const response = await fetch(`${registryUrl}/schemas/ids/${id}`);
  expect(response.status).toBe(200);
  return (await response.json()) as { schema: string; schemaType?: string };
}

function javaRead(topic: string, format: 'avro' | 'json' | 'protobuf', count: number) {
  return readWithJava({
    bootstrap: kafkaBootstrap(),
    topic,
    format,
    registryBaseUrl: started.baseUrl,
    count,
  });
}

async function subjects(): Promise<string[]> {
  return (await (await fetch(`${registryUrl}/subjects`)).json()) as string[];
}

const avroLong = {
  fromBuffer: (buf: Buffer) => buf.readBigInt64LE(0),
  toBuffer: (n: bigint) => {
    const b = Buffer.alloc(8);
    b.writeBigInt64LE(BigInt(n));
    return b;
  },
  fromJSON: BigInt,
  toJSON: Number,
  isValid: (n: unknown) => typeof n === 'bigint',
  compare: (a: bigint, b: bigint) => (a === b ? 0 : a < b ? -1 : 1),
};

const orderV1 = {
  type: 'record',
  name: 'Order',
  namespace: 'com.acme',
  fields: [
    { name: 'id', type: 'long' },
    { name: 'customer', type: 'string' },
    { name: 'amounts', type: { type: 'array', items: 'double' } },
    { name: 'note', type: ['null', 'string'], default: null },
  ],
};
interface OrderV1 {
  id: bigint;
  customer: string;
  amounts: number[];
  note: string | null;
}

describe('Avro', () => {
  it('values written by our producer decode with the schema the registry holds for their id', async () => {
    const topic = await freshTopic('sr-avro');
    const orders: OrderV1[] = [
      { id: 1n, customer: 'Zoë', amounts: [9.99, 0.01], note: null },
      { id: 2n ** 62n + 7n, customer: '🚚 fleet', amounts: [], note: 'rush' },
      { id: -5n, customer: '', amounts: [-1e300], note: '' },
    ];
    const value = avroSerializer<OrderV1>({ registry: client, schema: orderV1 });
    await send(
      topic,
      stringSerializer,
      value,
      orders.map((o, i) => ({ key: `order-${i}`, value: o })),
    );
    const consumed = await consumeAll({ topic, count: orders.length });
    expect(consumed).toHaveLength(orders.length);
    const ids = new Set<number>();
    for (const [i, record] of consumed.entries()) {
      expect(record.key?.toString('utf8')).toBe(`order-${i}`);
      const { id, rest } = frame(record.value);
      ids.add(id);
      const stored = await registrySchema(id);
      expect(stored.schemaType ?? 'AVRO').toBe('AVRO');
      const reader = avro.Type.forSchema(JSON.parse(stored.schema), {
        registry: { long: avro.types.LongType.__with(avroLong) },
      });
      expect(reader.fromBuffer(rest)).toEqual(orders[i]);
    }
    expect(ids.size).toBe(1);
    expect(await subjects()).toContain(`${topic}-value`);
    expect(await value.schemaId(topic)).toBe([...ids][0]);

    // Java: Kafka's consumer, Apicurio's AvroKafkaDeserializer in Confluent mode.
    const java = await javaRead(topic, 'avro', orders.length);
    expect(java.map((r) => r.type)).toEqual(orders.map(() => 'org.apache.avro.generic.GenericData$Record'));
    expect(java.map((r) => r.value)).toEqual(orders.map((o) => ({ ...o, id: o.id.toString() })));
  });

  it('refuses an incompatible new version with a clear error, and takes a compatible one', async () => {
    const topic = await freshTopic('sr-evolve');
    const subject = `${topic}-value`;
    await send(topic, longSerializer, avroSerializer<OrderV1>({ registry: client, schema: orderV1 }), [
      { key: 1n, value: { id: 1n, customer: 'a', amounts: [], note: null } },
    ]);
    await client.setCompatibility('BACKWARD', subject);
    expect(await client.getCompatibility(subject)).toBe('BACKWARD');

    // A new field without a default: v2 readers cannot read v1 data, so BACKWARD refuses it.
    const breaking = { ...orderV1, fields: [...orderV1.fields, { name: 'priority', type: 'int' }] };
    const error = await send(topic, longSerializer, avroSerializer({ registry: client, schema: breaking }), [
      { key: 2n, value: { id: 2n, customer: 'b', amounts: [], note: null, priority: 1 } },
    ]).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(SerializationError);
    expect((error as Error).cause).toBeInstanceOf(IncompatibleSchemaError);
    expect((error as Error).message).toMatch(
      new RegExp(
        `^The value serializer for topic '${topic}' failed: Could not register a schema under subject '${subject}': the schema is incompatible with an earlier version under the subject's compatibility rule \\(HTTP 409`,
      ),
    );
    expect((error as Error).message).toMatch(/Change the schema compatibly/);
    expect(await client.testCompatibility(subject, { schema: JSON.stringify(breaking) })).toMatchObject({
      compatible: false,
    });

    // With a default it is compatible: a second version, a second id, both readable from the topic.
    const compatible = {
      ...orderV1,
      fields: [...orderV1.fields, { name: 'priority', type: 'int', default: 0 }],
    };
    await send(topic, longSerializer, avroSerializer({ registry: client, schema: compatible }), [
      { key: 3n, value: { id: 3n, customer: 'c', amounts: [], note: null, priority: 9 } },
    ]);
    expect(await client.getVersions(subject)).toEqual([1, 2]);
    const consumed = await consumeAll({ topic, count: 2 });
    const decoded = [];
    for (const record of consumed) {
      const { id, rest } = frame(record.value);
      const reader = avro.Type.forSchema(JSON.parse((await registrySchema(id)).schema), {
        registry: { long: avro.types.LongType.__with(avroLong) },
      });
      decoded.push({ id, key: record.key!.readBigInt64BE(0), value: reader.fromBuffer(rest) });
    }
    expect(decoded.map((d) => d.key)).toEqual([1n, 3n]);
    expect(decoded[0]!.id).not.toBe(decoded[1]!.id);
    expect(decoded[1]!.value).toMatchObject({ id: 3n, priority: 9 });
  });

  it('registers under the record name strategies', async () => {
    const topic = await freshTopic('sr-names');
    const record = { id: 1n, customer: 'x', amounts: [], note: null };
    await send(
      topic,
      stringSerializer,
      avroSerializer<OrderV1>({ registry: client, schema: orderV1, subjectNameStrategy: recordNameStrategy }),
      [{ key: 'a', value: record }],
    );
    await send(
      topic,
      stringSerializer,
      avroSerializer<OrderV1>({
        registry: client,
        schema: orderV1,
        subjectNameStrategy: topicRecordNameStrategy,
      }),
      [{ key: 'b', value: record }],
    );
    const all = await subjects();
    expect(all).toContain('com.acme.Order');
    expect(all).toContain(`${topic}-com.acme.Order`);
    expect(all).not.toContain(`${topic}-value`);
    expect(await consumeAll({ topic, count: 2 })).toHaveLength(2);
  });
});

const shopProto = `syntax = "proto3";
package acme.shop;

import "google/protobuf/timestamp.proto";

message Customer {
  string name = 1;
}

message Order {
  int64 id = 1;
  repeated Line lines = 2;
  google.protobuf.Timestamp placed_at = 3;

  message Line {
    string sku = 1;
    uint32 quantity = 2;
  }
}
`;

/** Reads Confluent's message-index list by hand (zigzag varints; a lone 0 means [0]). */
function messageIndexes(rest: Buffer): { indexes: number[]; payload: Buffer } {
  let offset = 0;
  const varint = () => {
    let result = 0;
    for (let shift = 0; ; shift += 7) {
      const byte = rest[offset++]!;
      result |= (byte & 0x7f) << shift;
      if (byte < 0x80) break;
    }
    return (result >>> 1) ^ -(result & 1);
  };
  const count = varint();
  return {
    indexes: count === 0 ? [0] : Array.from({ length: count }, varint),
    payload: rest.subarray(offset),
  };
}

describe('Protobuf', () => {
  it('frames carry the message indexes, and messages decode with the registered .proto', async () => {
    const topic = await freshTopic('sr-proto');
    const orderSer = protobufSerializer({
      registry: client,
      schema: shopProto,
      messageType: 'Order',
      keepCase: true,
    });
    const lineSer = protobufSerializer({
      registry: client,
      schema: shopProto,
      messageType: 'Order.Line',
      subjectNameStrategy: topicRecordNameStrategy,
    });
    const order = {
      id: 77,
      lines: [{ sku: 'A-1', quantity: 3 }],
      placed_at: { seconds: 1_700_000_000, nanos: 9 },
    };
    await send(topic, stringSerializer, orderSer, [{ key: 'order', value: order }]);
    await send(topic, stringSerializer, lineSer as RegistrySerializer<unknown>, [
      { key: 'line', value: { sku: 'B-2', quantity: 1 } },
    ]);

    const consumed = await consumeAll({ topic, count: 2 });
    const decode = async (record: ConsumedRecord) => {
      const { id, rest } = frame(record.value);
      const stored = await registrySchema(id);
      expect(stored.schemaType).toBe('PROTOBUF');
      const { indexes, payload } = messageIndexes(rest);
      const parsed = protobuf.parse(stored.schema, { keepCase: true });
      parsed.root.addJSON(protobuf.common.get('google/protobuf/timestamp.proto')!.nested!);
      // Walk the indexes from the file's top-level messages down.
      let scope: protobuf.NamespaceBase = parsed.root.lookup(parsed.package!) as protobuf.Namespace;
      let type: protobuf.Type | undefined;
      for (const index of indexes) {
        type = scope.nestedArray.filter((o): o is protobuf.Type => o instanceof protobuf.Type)[index];
        scope = type!;
      }
      return { indexes, message: type!.toObject(type!.decode(payload), { longs: Number }) };
    };
    expect(await decode(consumed[0]!)).toEqual({ indexes: [1], message: order });
    expect(await decode(consumed[1]!)).toEqual({ indexes: [1, 0], message: { sku: 'B-2', quantity: 1 } });
    expect(await subjects()).toEqual(
      expect.arrayContaining([`${topic}-value`, `${topic}-acme.shop.Order.Line`]),
    );

    // Java: protobuf-java parses each message with a descriptor built from the registered .proto.
    const java = await javaRead(topic, 'protobuf', 2);
    expect(java.map((r) => ({ type: r.type, value: r.value }))).toEqual([
      {
        type: 'acme.shop.Order',
        value: {
          id: '77',
          lines: [{ sku: 'A-1', quantity: 3 }],
          placed_at: { seconds: '1700000000', nanos: 9 },
        },
      },
      { type: 'acme.shop.Order.Line', value: { sku: 'B-2', quantity: 1 } },
    ]);
  });

  it('an incompatible change of a field type is refused', async () => {
    const topic = await freshTopic('sr-proto-evolve');
    const v1 = 'syntax = "proto3";\npackage acme;\nmessage Reading { int32 value = 1; string unit = 2; }\n';
    await send(topic, stringSerializer, protobufSerializer({ registry: client, schema: v1 }), [
      { key: 'r', value: { value: 5, unit: 'C' } },
    ]);
    await client.setCompatibility('BACKWARD', `${topic}-value`);
    const v2 = v1.replace('int32 value = 1', 'string value = 1');
    const error = await send(topic, stringSerializer, protobufSerializer({ registry: client, schema: v2 }), [
      { key: 'r', value: { value: 'five', unit: 'C' } },
    ]).catch((e: unknown) => e);
    expect((error as Error).cause).toBeInstanceOf(IncompatibleSchemaError);
    expect((error as Error).message).toMatch(/the schema is incompatible with an earlier version/);
  });
});

const readingSchema = {
  $schema: 'http://json-schema.org/draft-07/schema#',
  title: 'Reading',
  type: 'object',
  properties: {
    sensor: { type: 'string' },
    value: { type: 'number' },
    tags: { type: 'array', items: { type: 'string' } },
  },
  required: ['sensor', 'value'],
};

describe('JSON Schema', () => {
  it('values are checked, written as JSON after the frame, and valid under the registered schema', async () => {
    const topic = await freshTopic('sr-json');
    const serializer = jsonSchemaSerializer<{ sensor: string; value: number; tags?: string[] }>({
      registry: client,
      schema: readingSchema,
    });
    const readings = [
      { sensor: 'dock-7', value: 21.5, tags: ['°C', '🚚'] },
      { sensor: 'yard', value: -3 },
    ];
    await send(
      topic,
      stringSerializer,
      serializer,
      readings.map((r) => ({ key: r.sensor, value: r })),
    );
    await expect(
      send(topic, stringSerializer, serializer, [{ key: 'bad', value: { sensor: 1 } as never }]),
    ).rejects.toThrow(/does not match the JSON Schema 'Reading': value must have required property 'value'/);

    const consumed = await consumeAll({ topic, count: 2 });
    for (const [i, record] of consumed.entries()) {
      const { id, rest } = frame(record.value);
      const stored = await registrySchema(id);
      expect(stored.schemaType).toBe('JSON');
      const validate = new Ajv({ strict: false }).compile(JSON.parse(stored.schema));
      const decoded = JSON.parse(rest.toString('utf8'));
      expect(validate(decoded)).toBe(true);
      expect(decoded).toEqual(readings[i]);
    }

    // Java: Apicurio's JsonSchemaKafkaDeserializer in Confluent mode (it validates against the schema too).
    const java = await javaRead(topic, 'json', 2);
    expect(java.map((r) => r.value)).toEqual(readings);
  });

  it('an incompatible change of a property type is refused', async () => {
    const topic = await freshTopic('sr-json-evolve');
    await send(topic, stringSerializer, jsonSchemaSerializer({ registry: client, schema: readingSchema }), [
      { key: 'a', value: { sensor: 'a', value: 1 } },
    ]);
    await client.setCompatibility('BACKWARD', `${topic}-value`);
    const v2 = { ...readingSchema, properties: { ...readingSchema.properties, value: { type: 'string' } } };
    const error = await send(
      topic,
      stringSerializer,
      jsonSchemaSerializer({ registry: client, schema: v2 }),
      [{ key: 'b', value: { sensor: 'b', value: 'high' } }],
    ).catch((e: unknown) => e);
    expect((error as Error).cause).toBeInstanceOf(IncompatibleSchemaError);
  });
});
