import {
  type SerializationContext,
  SerializationError,
  type Serialized,
  type Serializer,
} from '../serializers/types.js';
import type { Schema, SchemaRegistryClient, SchemaType } from './client.js';
import { type SubjectNameStrategy, topicNameStrategy } from './subject-name.js';
import { encodeFrame } from './wire-format.js';

// What the Avro, Protobuf and JSON Schema serializers share: pick the subject, get the schema id (register,
// look up, or take the latest version), check and encode the value, and frame it in Confluent's wire format.
// Once a subject's id is known, serialize() answers synchronously, so a warm serializer costs the producer no
// promise per record.

export interface SchemaRegistrySerializerOptions {
  registry: SchemaRegistryClient;
  /** Which subject the schema goes under (Java: subject.name.strategy). Default topicNameStrategy. */
  subjectNameStrategy?: SubjectNameStrategy;
  /** Register the schema if the subject does not have it yet (Java: auto.register.schemas). Default true. */
  autoRegisterSchemas?: boolean;
  /**
   * Write with the subject's latest registered schema instead of registering one (Java: use.latest.version).
   * The `schema` option may then be left out. Default false.
   */
  useLatestVersion?: boolean;
  /** Ask the registry to normalize the schema before comparing or storing it (Java: normalize.schemas). */
  normalizeSchemas?: boolean;
}

/** One schema, parsed and ready to write values with. */
export interface CompiledSchema {
  /** The record name the subject name strategies use (undefined if the schema has none). */
  recordName: string | undefined;
  /** Protobuf only: the path of the message written, which goes into the frame. */
  messageIndexes?: readonly number[];
  /** The payload for `data`; throws a SerializationError saying what in `data` does not fit the schema. */
  encode(data: unknown, context: SerializationContext | undefined): Uint8Array;
}

export interface SchemaFormat {
  /** The factory's name, for messages: 'avroSerializer'. */
  name: string;
  schemaType: SchemaType;
  /** Loads the format's package (on first use) and parses `schema`; rejects with what is wrong with it. */
  compile(schema: Schema): Promise<CompiledSchema>;
}

export interface RegistrySerializer<T> extends Serializer<T> {
  /**
   * Loads the format's package and parses the schema now, so that a missing package or a bad schema fails at
   * start-up rather than at the first send().
   */
  ready(): Promise<void>;
  /** Registers (or looks up) the schema for `topic` ahead of the first send; resolves with its id. */
  schemaId(topic: string, options?: { isKey?: boolean }): Promise<number>;
}

export function registrySerializer<T>(
  format: SchemaFormat,
  schema: Schema | undefined,
  options: SchemaRegistrySerializerOptions,
): RegistrySerializer<T> {
  const { registry } = options;
  if (registry === undefined || registry === null || typeof registry.register !== 'function') {
    throw new TypeError(
      `${format.name} needs { registry: new SchemaRegistryClient({ url }) } to register and look up schemas.`,
    );
  }
  const strategy = options.subjectNameStrategy ?? topicNameStrategy;
  const autoRegister = options.autoRegisterSchemas ?? true;
  const useLatest = options.useLatestVersion ?? false;
  const normalize = options.normalizeSchemas ?? false;
  if (schema === undefined && !useLatest) {
    throw new TypeError(
      `${format.name} needs the schema to write with ({ schema }), unless useLatestVersion takes the subject's latest one.`,
    );
  }

  let local: CompiledSchema | undefined;
  let compiling: Promise<CompiledSchema> | undefined;
  const ids = new Map<string, number>();
  const resolving = new Map<string, Promise<number>>();
  const compiledById = new Map<number, Promise<CompiledSchema>>();

  function compileLocal(): Promise<CompiledSchema> {
    compiling ??= format.compile(schema!).then(
      (compiled) => {
        local = compiled;
        return compiled;
      },
      (error: unknown) => {
        compiling = undefined;
        throw error;
      },
    );
    return compiling;
  }

  function subjectFor(topic: string, isKey: boolean, recordName: string | undefined): string {
    return strategy({ topic, isKey, recordName });
  }

  function idFor(subject: string): number | Promise<number> {
    const known = ids.get(subject);
    if (known !== undefined) return known;
    let pending = resolving.get(subject);
    if (pending === undefined) {
      const request = autoRegister
        ? registry.register(subject, schema!, { normalize })
        : registry.lookup(subject, schema!, { normalize }).then((found) => found.id);
      pending = request.then(
        (id) => {
          ids.set(subject, id);
          resolving.delete(subject);
          return id;
        },
        (error: unknown) => {
          resolving.delete(subject);
          throw error;
        },
      );
      resolving.set(subject, pending);
    }
    return pending;
  }

  async function withLatest(data: unknown, context: SerializationContext | undefined): Promise<Uint8Array> {
    // A record-name strategy needs the name before the subject is known: it comes from the local schema.
    const recordName = schema === undefined ? undefined : (await compileLocal()).recordName;
    const subject = subjectFor(context?.topic ?? '', context?.isKey ?? false, recordName);
    const latest = await registry.getLatestSchema(subject);
    if (latest.schemaType !== format.schemaType) {
      throw new SerializationError(
        `${format.name}: the latest schema of subject '${subject}' (id ${latest.id}) is ${latest.schemaType}, not ${format.schemaType}.`,
      );
    }
    let compiled = compiledById.get(latest.id);
    if (compiled === undefined) {
      compiled = format.compile(latest);
      compiledById.set(latest.id, compiled);
      compiled.catch(() => compiledById.delete(latest.id));
    }
    const writer = await compiled;
    return encodeFrame(latest.id, writer.encode(data, context), writer.messageIndexes);
  }

  function serializeWith(
    compiled: CompiledSchema,
    data: unknown,
    context: SerializationContext | undefined,
  ): Serialized | Promise<Serialized> {
    const subject = subjectFor(context?.topic ?? '', context?.isKey ?? false, compiled.recordName);
    // Encoding first means a value that does not fit the schema never registers anything.
    const payload = compiled.encode(data, context);
    const id = idFor(subject);
    return typeof id === 'number'
      ? encodeFrame(id, payload, compiled.messageIndexes)
      : id.then((resolved) => encodeFrame(resolved, payload, compiled.messageIndexes));
  }

  return {
    serialize(data: T, context: SerializationContext): Serialized | Promise<Serialized> {
      if (data === null || data === undefined) return null;
      if (context === undefined || typeof context.topic !== 'string') {
        throw new SerializationError(
          `${format.name} needs the context ({ topic, isKey, headers }) to choose the registry subject.`,
        );
      }
      if (useLatest) return withLatest(data, context);
      if (local !== undefined) return serializeWith(local, data, context);
      return compileLocal().then((compiled) => serializeWith(compiled, data, context));
    },

    async ready(): Promise<void> {
      if (schema !== undefined) await compileLocal();
    },

    async schemaId(topic: string, { isKey = false } = {}): Promise<number> {
      if (useLatest) {
        const recordName = schema === undefined ? undefined : (await compileLocal()).recordName;
        return (await registry.getLatestSchema(subjectFor(topic, isKey, recordName))).id;
      }
      const compiled = await compileLocal();
      return idFor(subjectFor(topic, isKey, compiled.recordName));
    },
  };
}
