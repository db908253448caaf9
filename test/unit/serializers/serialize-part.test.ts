// serializePart: how the producer runs a key or value serializer. Synchronous serializers stay synchronous,
// null never reaches a serializer, and every failure becomes a SerializationError naming topic and part.
import { describe, expect, it } from 'vitest';
import {
  type SerializationContext,
  SerializationError,
  type Serializer,
  serializePart,
  stringSerializer,
} from '../../../src/serializers/index.js';

const context = (isKey: boolean): SerializationContext => ({ topic: 'orders', headers: [], isKey });

describe('serializePart', () => {
  it('returns bytes directly, not a promise, for a synchronous serializer', () => {
    const out = serializePart(stringSerializer, 'hi', context(false));
    expect(out).toBeInstanceOf(Uint8Array);
    expect(Buffer.from(out as Uint8Array).toString()).toBe('hi');
  });

  it('never calls the serializer for null or undefined', () => {
    let calls = 0;
    const counting: Serializer<string> = {
      serialize: () => {
        calls++;
        return new Uint8Array(1);
      },
    };
    expect(serializePart(counting, null, context(true))).toBeNull();
    expect(serializePart(counting, undefined, context(true))).toBeNull();
    expect(calls).toBe(0);
  });

  it('awaits an asynchronous serializer, and the serializer sees topic, part and headers it may add to', async () => {
    const seen: SerializationContext[] = [];
    const tagging: Serializer<string> = {
      async serialize(data, ctx) {
        seen.push(ctx);
        ctx.headers.push({ key: 'content-type', value: Buffer.from('text/plain') });
        return Buffer.from(data.toUpperCase());
      },
    };
    const ctx = context(true);
    const out = serializePart(tagging, 'abc', ctx);
    expect(out).toBeInstanceOf(Promise);
    expect(Buffer.from((await out) as Uint8Array).toString()).toBe('ABC');
    expect(seen).toEqual([
      { topic: 'orders', isKey: true, headers: [expect.objectContaining({ key: 'content-type' })] },
    ]);
    expect(ctx.headers).toHaveLength(1);
  });

  it('refuses a serializer that returns something other than bytes or null', async () => {
    const bad = { serialize: () => 'text' } as unknown as Serializer<string>;
    expect(() => serializePart(bad, 'x', context(false))).toThrow(
      new SerializationError(
        "The value serializer for topic 'orders' returned the string 'text'; a serializer must return a Uint8Array (or Buffer) or null.",
      ),
    );
    const badAsync = { serialize: async () => [1, 2] } as unknown as Serializer<string>;
    await expect(serializePart(badAsync, 'x', context(true))).rejects.toThrow(
      "The key serializer for topic 'orders' returned an array; a serializer must return a Uint8Array (or Buffer) or null.",
    );
  });

  it("wraps a serializer's own errors, keeping them as the cause; SerializationErrors pass as they are", async () => {
    const cause = new TypeError('schema says id is a number');
    const throwing: Serializer<string> = {
      serialize: () => {
        throw cause;
      },
    };
    let error: unknown;
    try {
      serializePart(throwing, 'x', context(true));
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(SerializationError);
    expect((error as Error).message).toBe(
      "The key serializer for topic 'orders' failed: schema says id is a number",
    );
    expect((error as Error).cause).toBe(cause);

    const rejecting: Serializer<string> = { serialize: () => Promise.reject(cause) };
    await expect(serializePart(rejecting, 'x', context(false))).rejects.toMatchObject({
      name: 'SerializationError',
      message: "The value serializer for topic 'orders' failed: schema says id is a number",
      cause,
    });

    const own = new SerializationError('already clear');
    await expect(serializePart({ serialize: () => Promise.reject(own) }, 'x', context(false))).rejects.toBe(
      own,
    );
  });
});
