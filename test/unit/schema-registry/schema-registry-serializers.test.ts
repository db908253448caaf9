// The Avro, Protobuf and JSON Schema serializers against an in-process registry. Every frame is taken apart by
// hand (magic byte, id, indexes) and its payload decoded with the schema the registry holds for that id, so the
// test checks what a consumer elsewhere would see, not what our own code thinks it wrote.
import { Ajv2020 } from 'ajv/dist/2020.js';
import avro from 'avsc';
import protobuf from 'protobufjs';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import {
  avroSerializer,
  IncompatibleSchemaError,
  jsonSchemaSerializer,
  protobufSerializer,
  recordNameStrategy,
  SchemaNotFoundError,
  SchemaRegistryClient,
  topicRecordNameStrategy,
} from '../../../src/schema-registry/index.js';
import { loadPackage } from '../../../src/schema-registry/load.js';
import {
  type SerializationContext,
  SerializationError,
  serializePart,
  stringSerializer,
} from '../../../src/serializers/index.js';
import { FakeRegistry } from '../../fake/registry.js';

let fake: FakeRegistry;
let registry: SchemaRegistryClient;
beforeEach(async () => {
  fake = await FakeRegistry.start();
  registry = new SchemaRegistryClient({ url: fake.url });
});
afterEach(() => fake.close());

const value = (topic = 'orders'): SerializationContext => ({ topic, headers: [], isKey: false });
const key = (topic = 'orders'): SerializationContext => ({ topic, headers: [], isKey: true });

/** Magic byte and id by hand; the rest is the payload (plus indexes for Protobuf). */
function split(bytes: Uint8Array | null) {
  expect(bytes).not.toBeNull();
  const b = Buffer.from(bytes!);
  expect(b[0]).toBe(0);
  return { id: b.readInt32BE(1), rest: b.subarray(5) };
}

const orderSchema = {
  type: 'record',
  name: 'Order',
  namespace: 'acme',
  fields: [
    { name: 'id', type: 'long' },
    { name: 'customer', type: 'string' },
    { name: 'lines', type: { type: 'array', items: 'double' } },
    { name: 'note', type: ['null', 'string'], default: null },
  ],
};
interface Order {
  id: bigint | number;
  customer: string;
  lines: number[];
  note: string | null;
}

describe('avroSerializer', () => {
  it('writes the frame Confluent deserializers read: id from the registry, Avro binary under that schema', async () => {
    const serializer = avroSerializer<Order>({ registry, schema: orderSchema });
    const order: Order = { id: 2n ** 60n + 1n, customer: 'Zoë', lines: [1.5, -2], note: null };
    const { id, rest } = split(await serializer.serialize(order, value()));
    expect(fake.requests.map((r) => `${r.method} ${r.path}`)).toEqual([
      'POST /subjects/orders-value/versions',
    ]);
    const stored = fake.schemaById(id)!;
    expect(JSON.parse(stored.schema)).toEqual(orderSchema);
    const reader = avro.Type.forSchema(JSON.parse(stored.schema), {
      registry: { long: avro.types.LongType.__with(bigLong) },
    });
    expect(reader.fromBuffer(Buffer.from(rest))).toEqual({ ...order, id: 2n ** 60n + 1n });
  });

  it('answers synchronously once the id is known, and registers once for many records', async () => {
    const serializer = avroSerializer<Order>({ registry, schema: orderSchema });
    const first = serializer.serialize({ id: 1, customer: 'a', lines: [], note: 'x' }, value());
    expect(first).toBeInstanceOf(Promise);
    await first;
    const later = serializer.serialize({ id: 2, customer: 'b', lines: [], note: null }, value());
    expect(later).toBeInstanceOf(Uint8Array);
    await Promise.all(
      Array.from({ length: 20 }, (_, i) =>
        serializer.serialize({ id: i, customer: 'c', lines: [], note: null }, value()),
      ),
    );
    expect(fake.count('POST', '/subjects/orders-value/versions')).toBe(1);
    // The key subject is another registration.
    await serializer.serialize({ id: 1, customer: 'a', lines: [], note: null }, key());
    expect(fake.count('POST', '/subjects/orders-key/versions')).toBe(1);
  });

  it('refuses values that do not fit, naming each field, before registering anything', async () => {
    const serializer = avroSerializer<Order>({ registry, schema: orderSchema });
    const bad = { id: 1.5, customer: 7, lines: [1, 'x'], note: null } as unknown as Order;
    const error = await Promise.resolve()
      .then(() => serializer.serialize(bad, value()))
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(SerializationError);
    expect((error as Error).message).toBe(
      "avroSerializer: the value for topic 'orders' does not fit the Avro schema 'acme.Order': field 'id' must be \"long\", got the number 1.5; field 'customer' must be \"string\", got the number 7; field 'lines.1' must be \"double\", got the string 'x'.",
    );
    expect(fake.requests).toHaveLength(0);
    // An int64 beyond the range is refused, not wrapped.
    await expect(
      Promise.resolve().then(() =>
        serializer.serialize({ id: 2n ** 63n, customer: 'a', lines: [], note: null }, value()),
      ),
    ).rejects.toThrow(/field 'id' must be "long", got the bigint 9223372036854775808n/);
  });

  it('uses the subject name strategies', async () => {
    await avroSerializer<Order>({
      registry,
      schema: orderSchema,
      subjectNameStrategy: recordNameStrategy,
    }).serialize({ id: 1, customer: 'a', lines: [], note: null }, value('t1'));
    await avroSerializer<Order>({
      registry,
      schema: orderSchema,
      subjectNameStrategy: topicRecordNameStrategy,
    }).serialize({ id: 1, customer: 'a', lines: [], note: null }, value('t2'));
    expect(await registry.getSubjects()).toEqual(['acme.Order', 't2-acme.Order']);
    const primitive = avroSerializer<string>({
      registry,
      schema: '"string"',
      subjectNameStrategy: topicRecordNameStrategy,
    });
    await primitive.serialize('x', value('t3'));
    expect(await registry.getSubjects()).toContain('t3-string');
  });

  it('with autoRegisterSchemas off, only looks the schema up, and says when it is missing', async () => {
    const serializer = avroSerializer<Order>({ registry, schema: orderSchema, autoRegisterSchemas: false });
    const error = await Promise.resolve(
      serializer.serialize({ id: 1, customer: 'a', lines: [], note: null }, value()),
    ).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(SchemaNotFoundError);
    expect((error as Error).message).toMatch(
      /Could not look up a schema under subject 'orders-value': the subject does not exist/,
    );
    const id = await registry.register('orders-value', { schema: JSON.stringify(orderSchema) });
    expect(
      split(await serializer.serialize({ id: 1, customer: 'a', lines: [], note: null }, value())).id,
    ).toBe(id);
    expect(fake.count('POST', '/subjects/orders-value/versions')).toBe(1);
  });

  it('with useLatestVersion, writes with the latest registered schema, no local schema needed', async () => {
    const v1 = { type: 'record', name: 'P', fields: [{ name: 'a', type: 'int' }] };
    const v2 = {
      type: 'record',
      name: 'P',
      fields: [
        { name: 'a', type: 'int' },
        { name: 'b', type: 'string', default: '' },
      ],
    };
    await registry.register('p-value', { schema: JSON.stringify(v1) });
    const id2 = await registry.register('p-value', { schema: JSON.stringify(v2) });
    const serializer = avroSerializer<{ a: number; b: string }>({ registry, useLatestVersion: true });
    const { id, rest } = split(await serializer.serialize({ a: 1, b: 'z' }, value('p')));
    expect(id).toBe(id2);
    expect(avro.Type.forSchema(v2 as avro.Schema).fromBuffer(Buffer.from(rest))).toEqual({ a: 1, b: 'z' });
    expect(await serializer.schemaId('p')).toBe(id2);
  });

  it('surfaces an incompatible schema as IncompatibleSchemaError inside the send error', async () => {
    fake.options.refuse = () => 'READER_FIELD_MISSING_DEFAULT_VALUE';
    const serializer = avroSerializer<Order>({ registry, schema: orderSchema });
    const error = await Promise.resolve(
      serializePart(serializer, { id: 1, customer: 'a', lines: [], note: null }, value()),
    ).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(SerializationError);
    expect((error as Error).message).toMatch(
      /^The value serializer for topic 'orders' failed: Could not register a schema under subject 'orders-value': the schema is incompatible/,
    );
    expect((error as Error).cause).toBeInstanceOf(IncompatibleSchemaError);
    // Not cached: once the registry accepts it, the same serializer goes on.
    fake.options.refuse = undefined;
    expect(
      split(await serializer.serialize({ id: 1, customer: 'a', lines: [], note: null }, value())).id,
    ).toBe(1);
  });

  it('reports bad schemas at ready(), and refuses to start without registry or schema', async () => {
    await expect(avroSerializer({ registry, schema: '{"type":"record"' }).ready()).rejects.toThrow(
      /^avroSerializer: the schema is not valid JSON/,
    );
    await expect(
      avroSerializer({
        registry,
        schema: { type: 'record', name: 'X', fields: [{ name: 'a', type: 'nope' }] },
      }).ready(),
    ).rejects.toThrow(/^avroSerializer: avsc cannot use this Avro schema: undefined type name: nope/);
    expect(() => avroSerializer({ registry: undefined as never, schema: orderSchema })).toThrow(
      /needs \{ registry: new SchemaRegistryClient/,
    );
    expect(() => avroSerializer({ registry })).toThrow(/needs the schema to write with/);
  });
});

const orderProto = `syntax = "proto3";
package acme.shop;

import "google/protobuf/timestamp.proto";

message Customer {
  string name = 1;
}

message Order {
  int64 id = 1;
  repeated Line lines = 2;
  google.protobuf.Timestamp placed_at = 3;
  Status status = 4;

  enum Status {
    NEW = 0;
    SHIPPED = 1;
  }
  message Note { string text = 1; }
  message Line {
    string sku = 1;
    uint32 quantity = 2;
  }
}
`;

/** Reads Confluent's message-index list by hand: zigzag varints, a lone 0 meaning [0]. */
function readIndexes(rest: Buffer): { indexes: number[]; payload: Buffer } {
  let offset = 0;
  const varint = () => {
    let result = 0;
    let shift = 0;
    for (;;) {
      const byte = rest[offset++]!;
      result |= (byte & 0x7f) << shift;
      if (byte < 0x80) break;
      shift += 7;
    }
    return (result >>> 1) ^ -(result & 1);
  };
  const count = varint();
  const indexes = count === 0 ? [0] : Array.from({ length: count }, varint);
  return { indexes, payload: rest.subarray(offset) };
}

describe('protobufSerializer', () => {
  it('writes the message indexes of the message chosen, and the message decodes with the registered .proto', async () => {
    const serializer = protobufSerializer({
      registry,
      schema: orderProto,
      messageType: 'Order',
      keepCase: true,
    });
    const order = {
      id: 42,
      lines: [{ sku: 'A-1', quantity: 3 }],
      placed_at: { seconds: 1_700_000_000, nanos: 5 },
      status: 1,
    };
    const { id, rest } = split(await serializer.serialize(order, value()));
    const stored = fake.schemaById(id)!;
    expect(stored).toMatchObject({ schema: orderProto, schemaType: 'PROTOBUF' });
    expect(fake.requests[0]!.body).toMatchObject({ schemaType: 'PROTOBUF' });
    const { indexes, payload } = readIndexes(rest);
    expect(indexes).toEqual([1]);
    const root = protobuf.parse(stored.schema, { keepCase: true }).root;
    root.addJSON(protobuf.common.get('google/protobuf/timestamp.proto')!.nested!);
    const decoded = root.lookupType('acme.shop.Order').decode(payload);
    expect(root.lookupType('acme.shop.Order').toObject(decoded, { longs: Number })).toEqual(order);
  });

  it.each([
    ['Customer', [0], '00'],
    ['Order.Note', [1, 0], '040200'],
    ['acme.shop.Order.Line', [1, 1], '040202'],
    [undefined, [0], '00'],
  ])('message %s has indexes %j', async (messageType, indexes, bytes) => {
    const serializer = protobufSerializer({
      registry,
      schema: orderProto,
      ...(messageType ? { messageType } : {}),
    });
    const { rest } = split(await serializer.serialize({}, value()));
    expect(readIndexes(rest).indexes).toEqual(indexes);
    expect(rest.subarray(0, bytes.length / 2).toString('hex')).toBe(bytes);
  });

  it('uses the full message name for record strategies', async () => {
    await protobufSerializer({
      registry,
      schema: orderProto,
      messageType: 'Order.Line',
      subjectNameStrategy: recordNameStrategy,
    }).serialize({ sku: 'x' }, value());
    expect(await registry.getSubjects()).toEqual(['acme.shop.Order.Line']);
  });

  it('refuses values protobufjs would silently coerce, with its reason', async () => {
    const serializer = protobufSerializer({ registry, schema: orderProto, messageType: 'Order' });
    await expect(Promise.resolve().then(() => serializer.serialize({ id: 'abc' }, value()))).rejects.toThrow(
      new SerializationError(
        "protobufSerializer: the value for topic 'orders' does not fit message acme.shop.Order: id: integer|Long expected.",
      ),
    );
    await expect(Promise.resolve().then(() => serializer.serialize([1] as never, value()))).rejects.toThrow(
      /must be an object with the fields of acme\.shop\.Order, got an array/,
    );
    expect(fake.requests).toHaveLength(0);
  });

  it('names the messages there are when the one asked for is not, and refuses imports it cannot resolve', async () => {
    await expect(
      protobufSerializer({ registry, schema: orderProto, messageType: 'Ordr' }).ready(),
    ).rejects.toThrow(
      "protobufSerializer: the .proto schema has no message 'Ordr'. Its messages: Customer, Order, Order.Note, Order.Line.",
    );
    await expect(
      protobufSerializer({
        registry,
        schema: 'syntax = "proto3"; import "other.proto"; message A { B b = 1; }',
      }).ready(),
    ).rejects.toThrow(/imports 'other\.proto', which would need a schema reference/);
    await expect(
      protobufSerializer({ registry, schema: 'syntax = "proto3"; message {' }).ready(),
    ).rejects.toThrow("protobufSerializer: cannot use this .proto schema: illegal type name '{' (line 1).");
  });
});

const personSchema = {
  $schema: 'https://json-schema.org/draft/2020-12/schema',
  title: 'Person',
  type: 'object',
  properties: { name: { type: 'string' }, age: { type: 'integer', minimum: 0 }, emoji: { type: 'string' } },
  required: ['name'],
  additionalProperties: false,
};

describe('jsonSchemaSerializer', () => {
  it('validates, then writes Jackson-spelled JSON after the frame', async () => {
    const serializer = jsonSchemaSerializer<{ name: string; age?: number; emoji?: string }>({
      registry,
      schema: personSchema,
    });
    const person = { name: 'Zoë', age: 7, emoji: '🚚' };
    const { id, rest } = split(await serializer.serialize(person, value()));
    const stored = fake.schemaById(id)!;
    expect(stored.schemaType).toBe('JSON');
    expect(rest.toString('utf8')).toBe('{"name":"Zoë","age":7,"emoji":"\\uD83D\\uDE9A"}');
    const validate = new Ajv2020().compile(JSON.parse(stored.schema));
    const decoded = JSON.parse(rest.toString('utf8'));
    expect(validate(decoded)).toBe(true);
    expect(decoded).toEqual(person);
  });

  it('refuses values that break the schema with every reason', async () => {
    const serializer = jsonSchemaSerializer({ registry, schema: personSchema });
    await expect(
      Promise.resolve().then(() => serializer.serialize({ age: -1, extra: 1 }, value())),
    ).rejects.toThrow(
      new SerializationError(
        "jsonSchemaSerializer: the value for topic 'orders' does not match the JSON Schema 'Person': value must have required property 'name', value must NOT have additional properties, value/age must be >= 0.",
      ),
    );
    const unchecked = jsonSchemaSerializer({ registry, schema: personSchema, validate: false });
    expect(split(await unchecked.serialize({ age: -1 }, value())).rest.toString()).toBe('{"age":-1}');
  });

  it('takes the title as record name, and says when there is none', async () => {
    await jsonSchemaSerializer({
      registry,
      schema: personSchema,
      subjectNameStrategy: recordNameStrategy,
    }).serialize({ name: 'a' }, value());
    expect(await registry.getSubjects()).toEqual(['Person']);
    const untitled = jsonSchemaSerializer({
      registry,
      schema: { type: 'object' },
      subjectNameStrategy: recordNameStrategy,
    });
    await expect(Promise.resolve().then(() => untitled.serialize({}, value()))).rejects.toThrow(
      /^recordNameStrategy needs a record name, and this schema has none: .* the JSON Schema a "title"/,
    );
  });

  it('picks the draft from $schema and explains draft-04', async () => {
    const draft7 = {
      $schema: 'http://json-schema.org/draft-07/schema#',
      type: 'object',
      properties: { a: { type: 'string' } },
    };
    await expect(
      Promise.resolve().then(() =>
        jsonSchemaSerializer({ registry, schema: draft7 }).serialize({ a: 1 }, value()),
      ),
    ).rejects.toThrow(/value\/a must be string/);
    await expect(
      jsonSchemaSerializer({
        registry,
        schema: { $schema: 'http://json-schema.org/draft-04/schema#' },
      }).ready(),
    ).rejects.toThrow(/draft-04, which Ajv 8 does not read by itself/);
  });
});

describe('optional packages', () => {
  it('a missing package is an error that says what to install', async () => {
    await expect(
      loadPackage('kafka-wire-no-such-package', 'kafka-wire-no-such-package', '^1.0.0', 'someSerializer'),
    ).rejects.toThrow(
      new SerializationError(
        "someSerializer needs the 'kafka-wire-no-such-package' package, which is not installed. Install it next to kafka-wire: npm install kafka-wire-no-such-package@'^1.0.0'",
      ),
    );
  });
});

describe('with core serializers', () => {
  it('key and value serializers of different kinds share a record context', async () => {
    const context = key('mixed');
    const keyBytes = serializePart(stringSerializer, 'k-1', context);
    expect(Buffer.from(keyBytes as Uint8Array).toString()).toBe('k-1');
    const valueBytes = await serializePart(
      avroSerializer<Order>({ registry, schema: orderSchema }),
      { id: 1, customer: 'a', lines: [], note: null },
      value('mixed'),
    );
    expect(split(valueBytes).id).toBe(1);
  });
});

const bigLong = {
  fromBuffer: (buf: Buffer) => buf.readBigInt64LE(0),
  toBuffer: (n: bigint) => {
    const b = Buffer.alloc(8);
    b.writeBigInt64LE(BigInt(n));
    return b;
  },
  fromJSON: BigInt,
  toJSON: Number,
  isValid: (n: unknown) => typeof n === 'bigint' || typeof n === 'number',
  compare: (a: bigint, b: bigint) => (a === b ? 0 : a < b ? -1 : 1),
};
