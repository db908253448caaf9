import type * as Protobuf from 'protobufjs';
import { describeValue, SerializationError, subject } from '../serializers/types.js';
import type { Schema } from './client.js';
import { loadPackage } from './load.js';
import {
  type CompiledSchema,
  type RegistrySerializer,
  registrySerializer,
  type SchemaRegistrySerializerOptions,
} from './registry-serializer.js';

// Protobuf in Confluent's wire format (what KafkaProtobufSerializer writes): magic byte, schema id, the index
// path of the message inside its .proto file, then the message encoded by protobufjs. The registry stores the
// .proto text itself, so that is what this serializer takes.

export interface ProtobufSerializerOptions extends SchemaRegistrySerializerOptions {
  /** The .proto file's text (proto2 or proto3). Registered as given. Optional with useLatestVersion. */
  schema?: string;
  /**
   * Which message of the file a value is: 'Order', 'acme.Order' or a nested 'Order.Line'. Default: the file's
   * first message, as Confluent's serializers take it.
   */
  messageType?: string;
  /** Keep the .proto's field names (order_id) instead of protobufjs' camelCase (orderId). Default false. */
  keepCase?: boolean;
}

type ProtobufModule = typeof Protobuf;

/**
 * A serializer for Protobuf messages in Confluent's wire format. Values are plain objects with the message's
 * fields (or protobufjs message instances); each is verified against the message type first and refused with
 * protobufjs' reason. Imports of Google's well-known types (google/protobuf/*.proto) work; other imports need
 * schema references, which this serializer does not register yet.
 */
export function protobufSerializer<T = unknown>(options: ProtobufSerializerOptions): RegistrySerializer<T> {
  const { schema, messageType, keepCase = false } = options;
  if (schema !== undefined && typeof schema !== 'string') {
    throw new TypeError(
      `protobufSerializer: schema must be the .proto file's text, got ${describeValue(schema)}.`,
    );
  }
  return registrySerializer<T>(
    {
      name: 'protobufSerializer',
      schemaType: 'PROTOBUF',
      compile: async (registered) => {
        const protobuf = await loadPackage<ProtobufModule>(
          'protobufjs',
          'protobufjs',
          '>=7.2.0',
          'protobufSerializer',
        );
        return compileProtobuf(protobuf, registered, messageType, keepCase);
      },
    },
    schema === undefined ? undefined : { schema, schemaType: 'PROTOBUF' },
    options,
  );
}

/** Parses `schema` and finds the message to write plus its index path (Confluent's message indexes). */
function compileProtobuf(
  protobuf: ProtobufModule,
  schema: Schema,
  messageType: string | undefined,
  keepCase: boolean,
): CompiledSchema {
  const root = new protobuf.Root();
  let parsed: Protobuf.IParserResult;
  try {
    parsed = protobuf.parse(schema.schema, root, { keepCase });
    for (const file of parsed.imports ?? []) {
      const wellKnown = protobuf.common.get(file) as {
        nested?: Record<string, Protobuf.AnyNestedObject>;
      } | null;
      if (wellKnown === null || wellKnown.nested === undefined) {
        throw new Error(
          `it imports '${file}', which would need a schema reference; only Google's well-known types (google/protobuf/*.proto) can be imported for now`,
        );
      }
      root.addJSON(wellKnown.nested);
    }
    root.resolveAll();
  } catch (error) {
    throw new SerializationError(
      `protobufSerializer: cannot use this .proto schema: ${(error as Error).message}.`,
      {
        cause: error,
      },
    );
  }
  const file: Protobuf.NamespaceBase =
    parsed.package === undefined ? root : (root.lookup(parsed.package) as Protobuf.Namespace);
  const messages = (ns: Protobuf.NamespaceBase) =>
    ns.nestedArray.filter((o): o is Protobuf.Type => o instanceof protobuf.Type);
  const topLevel = messages(file);
  let type: Protobuf.Type | undefined;
  if (messageType === undefined) {
    type = topLevel[0];
    if (type === undefined) {
      throw new SerializationError('protobufSerializer: the .proto schema declares no message to write.');
    }
  } else {
    const name = messageType.replace(/^\./, '');
    const candidates = parsed.package === undefined ? [name] : [`${parsed.package}.${name}`, name];
    for (const candidate of candidates) {
      const found = root.lookup(candidate);
      if (found instanceof protobuf.Type && isInside(found, file)) {
        type = found;
        break;
      }
    }
    if (type === undefined) {
      const names = allMessages(topLevel, messages).join(', ');
      throw new SerializationError(
        `protobufSerializer: the .proto schema has no message '${messageType}'. Its messages: ${names || 'none'}.`,
      );
    }
  }
  const messageIndexes = indexPath(type, file, messages);
  const message = type;
  return {
    recordName: message.fullName.replace(/^\./, ''),
    messageIndexes,
    encode(data, context) {
      if (data instanceof message.ctor) return message.encode(data).finish();
      if (typeof data !== 'object' || data === null || Array.isArray(data)) {
        throw new SerializationError(
          `protobufSerializer: ${subject(context)} must be an object with the fields of ${message.fullName.slice(1)}, got ${describeValue(data)}.`,
        );
      }
      const problem = message.verify(data as Record<string, unknown>);
      if (problem !== null) {
        throw new SerializationError(
          `protobufSerializer: ${subject(context)} does not fit message ${message.fullName.slice(1)}: ${problem}.`,
        );
      }
      return message.encode(message.fromObject(data as Record<string, unknown>)).finish();
    },
  };
}

function isInside(type: Protobuf.ReflectionObject, file: Protobuf.NamespaceBase): boolean {
  for (let p: Protobuf.ReflectionObject | null = type.parent; p !== null; p = p.parent)
    if (p === file) return true;
  return false;
}

// Confluent's message indexes: the message's position among the messages declared at each level, from the
// file's top level down (nested enums, services and extensions do not count).
function indexPath(
  type: Protobuf.Type,
  file: Protobuf.NamespaceBase,
  messages: (ns: Protobuf.NamespaceBase) => Protobuf.Type[],
): number[] {
  const path: number[] = [];
  let current: Protobuf.Type = type;
  for (;;) {
    const parent = current.parent as Protobuf.NamespaceBase;
    path.unshift(messages(parent).indexOf(current));
    if (parent === file) return path;
    current = parent as Protobuf.Type;
  }
}

function allMessages(
  types: Protobuf.Type[],
  messages: (ns: Protobuf.NamespaceBase) => Protobuf.Type[],
  prefix = '',
): string[] {
  return types.flatMap((t) => [
    `${prefix}${t.name}`,
    ...allMessages(messages(t), messages, `${prefix}${t.name}.`),
  ]);
}
