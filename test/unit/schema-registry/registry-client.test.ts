// SchemaRegistryClient against an in-process registry over real HTTP: what it sends, what it caches, and how
// each kind of refusal comes back as a typed error that says what to do.
import { createServer } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import {
  IncompatibleSchemaError,
  InvalidSchemaError,
  SchemaNotFoundError,
  SchemaRegistryAuthError,
  SchemaRegistryClient,
  SchemaRegistryError,
} from '../../../src/schema-registry/index.js';
import { FakeRegistry } from '../../fake/registry.js';

const orderV1 = { schema: '{"type":"record","name":"Order","fields":[{"name":"id","type":"int"}]}' };
const orderV2 = {
  schema:
    '{"type":"record","name":"Order","fields":[{"name":"id","type":"int"},{"name":"n","type":"string"}]}',
};

let registry: FakeRegistry | undefined;
afterEach(async () => {
  await registry?.close();
  registry = undefined;
});

async function start(
  options: ConstructorParameters<typeof SchemaRegistryClient>[0] extends infer O ? Partial<O> : never = {},
  fake = {},
) {
  registry = await FakeRegistry.start(fake);
  return new SchemaRegistryClient({ url: registry.url, ...options });
}

async function closedPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  await new Promise((resolve) => server.close(resolve));
  return port;
}

describe('register and lookup', () => {
  it('registers once per (subject, schema); later and concurrent calls share the answer', async () => {
    const client = await start();
    const ids = await Promise.all([1, 2, 3].map(() => client.register('orders-value', orderV1)));
    expect(ids).toEqual([1, 1, 1]);
    expect(await client.register('orders-value', orderV1)).toBe(1);
    expect(registry!.count('POST', '/subjects/orders-value/versions')).toBe(1);
    const sent = registry!.requests[0]!;
    expect(sent.body).toEqual({ schema: orderV1.schema });
    expect(sent.headers['content-type']).toBe('application/vnd.schemaregistry.v1+json');
    // Another subject, same schema: the registry gives the same id, but it is a separate registration.
    expect(await client.register('other-value', orderV1)).toBe(1);
    expect(await client.register('orders-value', orderV2)).toBe(2);
  });

  it('sends schemaType for Protobuf and JSON only, and normalize when asked', async () => {
    const client = await start();
    await client.register(
      'p-value',
      { schema: 'syntax = "proto3"; message M {}', schemaType: 'PROTOBUF' },
      { normalize: true },
    );
    expect(registry!.requests[0]).toMatchObject({
      path: '/subjects/p-value/versions?normalize=true',
      body: { schema: 'syntax = "proto3"; message M {}', schemaType: 'PROTOBUF' },
    });
    await client.register('a-value', { schema: '"string"', schemaType: 'AVRO' });
    expect(registry!.requests[1]!.body).toEqual({ schema: '"string"' });
  });

  it('lookup finds a registered schema and says when it is not there', async () => {
    const client = await start();
    await client.register('orders-value', orderV1);
    expect(await client.lookup('orders-value', orderV1)).toEqual({
      subject: 'orders-value',
      id: 1,
      version: 1,
      schema: orderV1.schema,
      schemaType: 'AVRO',
    });
    await expect(client.lookup('orders-value', orderV2)).rejects.toThrow(
      new SchemaNotFoundError(
        "Could not look up a schema under subject 'orders-value': the schema is not registered there (register it first, or turn autoRegisterSchemas on) (HTTP 404, error 40403). The registry says: Schema not found",
        { status: 404, errorCode: 40403, request: 'POST /subjects/orders-value' },
      ),
    );
    const error = await client.lookup('nope-value', orderV1).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(SchemaNotFoundError);
    expect(error).toMatchObject({
      status: 404,
      errorCode: 40401,
      request: 'POST /subjects/nope-value',
      retriable: false,
    });
    expect((error as Error).message).toMatch(/the subject does not exist/);
  });

  it('encodes subject names in paths', async () => {
    const client = await start();
    await client.register('a/b c-value', orderV1);
    expect(registry!.requests[0]!.path).toBe('/subjects/a%2Fb%20c-value/versions');
  });
});

describe('reading schemas', () => {
  it('caches schemas by id for good, and latest versions for latestCacheTtlMs', async () => {
    const client = await start({ latestCacheTtlMs: 60_000 });
    await client.register('orders-value', orderV1);
    expect(await client.getSchemaById(1)).toEqual({ schema: orderV1.schema, schemaType: 'AVRO' });
    await client.getSchemaById(1);
    expect(registry!.count('GET', '/schemas/ids/1')).toBe(1);

    expect(await client.getLatestSchema('orders-value')).toMatchObject({ id: 1, version: 1 });
    await client.register('orders-value', orderV2);
    // Still within the TTL: the cached answer.
    expect(await client.getLatestSchema('orders-value')).toMatchObject({ id: 1, version: 1 });
    const fresh = new SchemaRegistryClient({ url: registry!.url, latestCacheTtlMs: 0 });
    expect(await fresh.getLatestSchema('orders-value')).toMatchObject({ id: 2, version: 2 });
    expect(await fresh.getVersions('orders-value')).toEqual([1, 2]);
    expect(await fresh.getSchemaByVersion('orders-value', 1)).toMatchObject({ id: 1 });
    expect(await fresh.getSubjects()).toEqual(['orders-value']);
  });

  it('does not cache failures: the next call asks again', async () => {
    const client = await start();
    await expect(client.getSchemaById(1)).rejects.toBeInstanceOf(SchemaNotFoundError);
    await client.register('orders-value', orderV1);
    expect(await client.getSchemaById(1)).toMatchObject({ schema: orderV1.schema });
    await expect(client.getLatestSchema('x-value')).rejects.toBeInstanceOf(SchemaNotFoundError);
    await client.register('x-value', orderV1);
    expect(await client.getLatestSchema('x-value')).toMatchObject({ id: 1 });
  });
});

describe('compatibility', () => {
  it('turns a 409 into IncompatibleSchemaError with the registry reason and what to do', async () => {
    const client = await start(
      {},
      { refuse: () => 'READER_FIELD_MISSING_DEFAULT_VALUE, location: /fields/1' },
    );
    const error = await client.register('orders-value', orderV2).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(IncompatibleSchemaError);
    expect(error).toBeInstanceOf(SchemaRegistryError);
    expect(error).toMatchObject({ status: 409, errorCode: 409, retriable: false });
    expect((error as Error).message).toBe(
      "Could not register a schema under subject 'orders-value': the schema is incompatible with an earlier version under the subject's compatibility rule (HTTP 409, error 409). The registry says: Schema being registered is incompatible with an earlier schema for subject \"orders-value\", details: [READER_FIELD_MISSING_DEFAULT_VALUE, location: /fields/1] Change the schema compatibly (e.g. give new fields a default), or change the subject's compatibility level on purpose.",
    );
    expect(await client.testCompatibility('orders-value', orderV2)).toEqual({
      compatible: false,
      messages: ['READER_FIELD_MISSING_DEFAULT_VALUE, location: /fields/1'],
    });
  });

  it('reads and sets compatibility levels', async () => {
    const client = await start();
    expect(await client.getCompatibility()).toBe('BACKWARD');
    await client.setCompatibility('FULL', 'orders-value');
    expect(registry!.requests.at(-1)).toMatchObject({
      method: 'PUT',
      path: '/config/orders-value',
      body: { compatibility: 'FULL' },
    });
    expect(await client.getCompatibility('orders-value')).toBe('FULL');
  });

  it('invalid schemas come back as InvalidSchemaError', async () => {
    const client = await start();
    const error = await client.register('x-value', { schema: ' ' }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(InvalidSchemaError);
    expect((error as Error).message).toMatch(/refused the request as invalid \(HTTP 422, error 42201\)/);
  });
});

describe('auth, failover and failures', () => {
  it('sends basic auth, from options or from the URL', async () => {
    registry = await FakeRegistry.start({ credentials: 'alice:s3cr:t' });
    const withOption = new SchemaRegistryClient({
      url: registry.url,
      basicAuth: { username: 'alice', password: 's3cr:t' },
    });
    expect(await withOption.register('a-value', orderV1)).toBe(1);
    const url = new URL(registry.url);
    url.username = 'alice';
    url.password = encodeURIComponent('s3cr:t');
    const withUrl = new SchemaRegistryClient({ url: url.toString() });
    expect(await withUrl.getSchemaById(1)).toMatchObject({ schemaType: 'AVRO' });
    expect(registry.requests.at(-1)!.headers.authorization).toBe(
      `Basic ${Buffer.from('alice:s3cr:t').toString('base64')}`,
    );

    const wrong = new SchemaRegistryClient({
      url: registry.url,
      basicAuth: { username: 'alice', password: 'no' },
    });
    const error = await wrong.getSchemaById(1).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(SchemaRegistryAuthError);
    expect((error as Error).message).toBe(
      'Could not get the schema with id 1: the registry did not accept our credentials (HTTP 401, error 401). The registry says: Unauthorized Check basicAuth/headers.',
    );
  });

  it('tries the next URL when one does not answer, and says which ones failed when none does', async () => {
    const down = `http://127.0.0.1:${await closedPort()}`;
    registry = await FakeRegistry.start();
    const client = new SchemaRegistryClient({ url: `${down},${registry.url}` });
    expect(await client.register('a-value', orderV1)).toBe(1);
    // It stays on the URL that answered.
    expect(await client.register('b-value', orderV1)).toBe(1);

    const none = new SchemaRegistryClient({ url: [down], requestTimeoutMs: 2000 });
    const error = await none.getSubjects().catch((e: unknown) => e);
    expect(error).toBeInstanceOf(SchemaRegistryError);
    expect(error).toMatchObject({ retriable: true, status: undefined });
    expect((error as Error).message).toMatch(
      new RegExp(
        `^Could not list subjects: no schema registry answered \\(${down}: fetch failed \\(.*ECONNREFUSED.*\\)\\)\\. Check that it runs`,
      ),
    );
  });

  it('gives up on a registry that does not answer within requestTimeoutMs', async () => {
    const client = await start({ requestTimeoutMs: 100 }, { delayMs: 2000 });
    await expect(client.getSubjects()).rejects.toThrow(
      /no schema registry answered \(http:\/\/127\.0\.0\.1:\d+: no answer within 100 ms\)/,
    );
  });

  it('5xx answers are retriable; a non-JSON body is quoted as it is', async () => {
    const client = await start({}, { failWith: { status: 503, body: 'upstream unavailable' } });
    const error = await client.getSubjects().catch((e: unknown) => e);
    expect(error).toMatchObject({ name: 'SchemaRegistryError', status: 503, retriable: true });
    expect((error as Error).message).toBe(
      'Could not list subjects: the registry answered HTTP 503. The registry says: upstream unavailable',
    );
  });

  it('a URL that is not the API root is named in the error', async () => {
    registry = await FakeRegistry.start();
    const client = new SchemaRegistryClient({ url: `${registry.url}/wrong/root` });
    await expect(client.getSubjects()).rejects.toThrow(
      /nothing at http:\/\/127\.0\.0\.1:\d+\/wrong\/root\/subjects \(is the URL the registry's API root\?\)/,
    );
  });

  it('refuses URLs that cannot be a registry', () => {
    expect(() => new SchemaRegistryClient({ url: '' })).toThrow(/needs the registry's URL/);
    expect(() => new SchemaRegistryClient({ url: 'localhost:8081' })).toThrow(/not an http\(s\) URL/);
    expect(() => new SchemaRegistryClient({ url: 'http://' })).toThrow(/not a valid schema registry URL/);
  });
});

describe('answers that are not the registry API', () => {
  it('says so when a 200 answer is not JSON (a web page at the wrong URL, say)', async () => {
    const client = await start({}, { failWith: { status: 200, body: '<html>welcome</html>' } });
    await expect(client.getSubjects()).rejects.toThrow(
      /^Could not list subjects: http:\/\/127\.0\.0\.1:\d+ answered HTTP 200 with something that is not JSON \("<html>welcome<\/html>"\)\. Is the URL the registry's API root\?$/,
    );
  });
});
