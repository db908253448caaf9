import {
  IncompatibleSchemaError,
  InvalidSchemaError,
  SchemaNotFoundError,
  SchemaRegistryAuthError,
  SchemaRegistryError,
} from './errors.js';

// A client for Confluent's schema registry REST API (also spoken by Karapace and by Apicurio Registry at
// /apis/ccompat/v7). It registers and looks up schemas and caches what never changes: the id a (subject,
// schema) pair got, and the schema behind an id. Concurrent calls for the same thing share one request, and a
// failed request is not cached, so the next call tries again.

export type SchemaType = 'AVRO' | 'PROTOBUF' | 'JSON';

/** A schema another schema imports (Protobuf imports, Avro named types, JSON Schema $refs) by subject/version. */
export interface SchemaReference {
  /** The name the referring schema uses: the import path, the Avro full name or the $ref URL. */
  name: string;
  subject: string;
  version: number;
}

export interface Schema {
  /** The schema text: Avro JSON, a .proto file, or a JSON Schema document. */
  schema: string;
  /** Default 'AVRO', as in the registry's API. */
  schemaType?: SchemaType;
  references?: SchemaReference[];
}

export interface RegisteredSchema extends Schema {
  id: number;
  subject: string;
  version: number;
  schemaType: SchemaType;
}

export type CompatibilityLevel =
  | 'BACKWARD'
  | 'BACKWARD_TRANSITIVE'
  | 'FORWARD'
  | 'FORWARD_TRANSITIVE'
  | 'FULL'
  | 'FULL_TRANSITIVE'
  | 'NONE';

export interface SchemaRegistryClientOptions {
  /**
   * The registry's base URL, or several (tried in turn when one cannot be reached). For Apicurio use its
   * compatibility API: http://host:8080/apis/ccompat/v7. Credentials in the URL (http://user:pass@host) are
   * taken as basic auth.
   */
  url: string | readonly string[];
  /** HTTP basic auth (Java's basic.auth.user.info = "username:password"). */
  basicAuth?: { username: string; password: string };
  /** Extra headers on every request, e.g. { authorization: 'Bearer ...' }. */
  headers?: Record<string, string>;
  /** How long one HTTP request may take before it fails (and the next URL is tried). Default 30000. */
  requestTimeoutMs?: number;
  /**
   * How long getLatestSchema() answers from its cache (Java's latest.cache.ttl.sec). Default 300000 (5 min);
   * 0 disables the cache, Infinity keeps answers forever.
   */
  latestCacheTtlMs?: number;
  /** The fetch implementation. Default: the global fetch (Node >= 18). */
  fetch?: typeof fetch;
}

const CONTENT_TYPE = 'application/vnd.schemaregistry.v1+json';

export class SchemaRegistryClient {
  private readonly urls: string[];
  private readonly headers: Record<string, string>;
  private readonly requestTimeoutMs: number;
  private readonly latestCacheTtlMs: number;
  private readonly fetch: typeof fetch;
  private current = 0;
  private readonly registered = new Map<string, Promise<number>>();
  private readonly lookedUp = new Map<string, Promise<RegisteredSchema>>();
  private readonly byId = new Map<number, Promise<Schema & { schemaType: SchemaType }>>();
  private readonly latest = new Map<string, { at: number; schema: Promise<RegisteredSchema> }>();

  constructor(options: SchemaRegistryClientOptions) {
    const urls = typeof options.url === 'string' ? options.url.split(',') : [...options.url];
    if (urls.length === 0 || urls.some((u) => u.trim() === '')) {
      throw new TypeError(
        `SchemaRegistryClient needs the registry's URL, e.g. { url: 'http://localhost:8081' }, got ${JSON.stringify(options.url)}.`,
      );
    }
    let auth = options.basicAuth;
    this.urls = urls.map((raw) => {
      let url: URL;
      try {
        url = new URL(raw.trim());
      } catch {
        throw new TypeError(`'${raw}' is not a valid schema registry URL: use http(s)://host:port[/path].`);
      }
      if (url.protocol !== 'http:' && url.protocol !== 'https:') {
        throw new TypeError(`'${raw}' is not an http(s) URL; the schema registry speaks HTTP.`);
      }
      // fetch refuses URLs with credentials: move them into the Authorization header.
      if (url.username !== '' && auth === undefined) {
        auth = { username: decodeURIComponent(url.username), password: decodeURIComponent(url.password) };
      }
      url.username = '';
      url.password = '';
      return url.toString().replace(/\/+$/, '');
    });
    this.headers = { accept: `${CONTENT_TYPE}, application/json`, ...lowerCaseKeys(options.headers ?? {}) };
    if (auth !== undefined) {
      const token = Buffer.from(`${auth.username}:${auth.password}`, 'utf8').toString('base64');
      this.headers.authorization = `Basic ${token}`;
    }
    this.requestTimeoutMs = options.requestTimeoutMs ?? 30_000;
    this.latestCacheTtlMs = options.latestCacheTtlMs ?? 300_000;
    this.fetch = options.fetch ?? globalThis.fetch;
  }

  /**
   * Registers `schema` under `subject` (or finds it already there) and returns its id. The registry checks
   * it against the subject's compatibility rule and refuses it with IncompatibleSchemaError if it breaks it.
   * Cached per (subject, schema): the same call again answers without a request.
   */
  register(subject: string, schema: Schema, options: { normalize?: boolean } = {}): Promise<number> {
    const key = cacheKey(subject, schema, options.normalize);
    return this.cached(this.registered, key, async () => {
      const body = await this.request<{ id: number }>(
        'POST',
        `/subjects/${encodeURIComponent(subject)}/versions${options.normalize ? '?normalize=true' : ''}`,
        `register a schema under subject '${subject}'`,
        requestBody(schema),
      );
      return checkId(body?.id, `registering under subject '${subject}'`);
    });
  }

  /**
   * Finds `schema` among the versions of `subject` without registering it (for autoRegisterSchemas: false).
   * Rejects with SchemaNotFoundError if it is not there.
   */
  lookup(subject: string, schema: Schema, options: { normalize?: boolean } = {}): Promise<RegisteredSchema> {
    const key = cacheKey(subject, schema, options.normalize);
    return this.cached(this.lookedUp, key, async () => {
      const body = await this.request<RawSubjectVersion>(
        'POST',
        `/subjects/${encodeURIComponent(subject)}${options.normalize ? '?normalize=true' : ''}`,
        `look up a schema under subject '${subject}'`,
        requestBody(schema),
      );
      return subjectVersion(body, subject, schema);
    });
  }

  /** The schema with this id (ids never change meaning, so the answer is cached for good). */
  getSchemaById(id: number): Promise<Schema & { schemaType: SchemaType }> {
    return this.cached(this.byId, id, async () => {
      const body = await this.request<{
        schema: string;
        schemaType?: SchemaType;
        references?: SchemaReference[];
      }>('GET', `/schemas/ids/${id}`, `get the schema with id ${id}`);
      return {
        schema: body.schema,
        schemaType: body.schemaType ?? 'AVRO',
        ...(body.references?.length ? { references: body.references } : {}),
      };
    });
  }

  /** The newest version under `subject` (cached for latestCacheTtlMs). */
  getLatestSchema(subject: string): Promise<RegisteredSchema> {
    const now = Date.now();
    const hit = this.latest.get(subject);
    if (hit !== undefined && now - hit.at < this.latestCacheTtlMs) return hit.schema;
    const schema = this.getSchemaByVersion(subject, 'latest');
    this.latest.set(subject, { at: now, schema });
    schema.catch(() => {
      if (this.latest.get(subject)?.schema === schema) this.latest.delete(subject);
    });
    return schema;
  }

  async getSchemaByVersion(subject: string, version: number | 'latest'): Promise<RegisteredSchema> {
    const body = await this.request<RawSubjectVersion>(
      'GET',
      `/subjects/${encodeURIComponent(subject)}/versions/${version}`,
      `get version ${version} of subject '${subject}'`,
    );
    return subjectVersion(body, subject);
  }

  async getSubjects(): Promise<string[]> {
    return this.request<string[]>('GET', '/subjects', 'list subjects');
  }

  async getVersions(subject: string): Promise<number[]> {
    return this.request<number[]>(
      'GET',
      `/subjects/${encodeURIComponent(subject)}/versions`,
      `list the versions of subject '${subject}'`,
    );
  }

  /** Asks whether `schema` could be registered under `subject` next, and why not. */
  async testCompatibility(
    subject: string,
    schema: Schema,
  ): Promise<{ compatible: boolean; messages: string[] }> {
    const body = await this.request<{ is_compatible: boolean; messages?: string[] }>(
      'POST',
      `/compatibility/subjects/${encodeURIComponent(subject)}/versions/latest?verbose=true`,
      `test a schema's compatibility with subject '${subject}'`,
      requestBody(schema),
    );
    return { compatible: body.is_compatible, messages: body.messages ?? [] };
  }

  /** The compatibility level of `subject`, or the registry's default without a subject. */
  async getCompatibility(subject?: string): Promise<CompatibilityLevel> {
    const body = await this.request<{
      compatibilityLevel?: CompatibilityLevel;
      compatibility?: CompatibilityLevel;
    }>(
      'GET',
      subject === undefined ? '/config' : `/config/${encodeURIComponent(subject)}`,
      subject === undefined ? 'get the default compatibility level' : `get the compatibility of '${subject}'`,
    );
    const level = body.compatibilityLevel ?? body.compatibility;
    if (level === undefined) {
      throw new SchemaRegistryError(
        'The schema registry answered a config request without a compatibility level.',
        {
          request: 'GET /config',
        },
      );
    }
    return level;
  }

  /** Sets the compatibility level of `subject`, or the registry's default without a subject. */
  async setCompatibility(level: CompatibilityLevel, subject?: string): Promise<void> {
    await this.request(
      'PUT',
      subject === undefined ? '/config' : `/config/${encodeURIComponent(subject)}`,
      subject === undefined ? 'set the default compatibility level' : `set the compatibility of '${subject}'`,
      { compatibility: level },
    );
  }

  /** Deletes a subject (soft, or for good with `permanent`, which needs a soft delete first). Returns its versions. */
  async deleteSubject(subject: string, options: { permanent?: boolean } = {}): Promise<number[]> {
    for (const cache of [this.registered, this.lookedUp]) {
      for (const key of cache.keys()) if (key.startsWith(`${subject}\u0000`)) cache.delete(key);
    }
    this.latest.delete(subject);
    return this.request<number[]>(
      'DELETE',
      `/subjects/${encodeURIComponent(subject)}${options.permanent ? '?permanent=true' : ''}`,
      `delete subject '${subject}'`,
    );
  }

  private cached<K, V>(cache: Map<K, Promise<V>>, key: K, load: () => Promise<V>): Promise<V> {
    const hit = cache.get(key);
    if (hit !== undefined) return hit;
    const value = load();
    cache.set(key, value);
    value.catch(() => {
      if (cache.get(key) === value) cache.delete(key);
    });
    return value;
  }

  private async request<T>(method: string, path: string, what: string, body?: unknown): Promise<T> {
    const request = `${method} ${path}`;
    const failures: string[] = [];
    for (let attempt = 0; attempt < this.urls.length; attempt++) {
      const base = this.urls[this.current]!;
      let response: Response;
      let text: string;
      try {
        response = await this.fetch(base + path, {
          method,
          headers: body === undefined ? this.headers : { ...this.headers, 'content-type': CONTENT_TYPE },
          ...(body === undefined ? {} : { body: JSON.stringify(body) }),
          signal: AbortSignal.timeout(this.requestTimeoutMs),
        });
        text = await response.text();
      } catch (error) {
        // No answer from this registry: the next URL may be up.
        failures.push(`${base}: ${describeFetchError(error, this.requestTimeoutMs)}`);
        this.current = (this.current + 1) % this.urls.length;
        continue;
      }
      if (response.ok) {
        if (text === '') return undefined as T;
        try {
          return JSON.parse(text) as T;
        } catch {
          throw new SchemaRegistryError(
            `Could not ${what}: ${base} answered HTTP ${response.status} with something that is not JSON (${JSON.stringify(text.slice(0, 100))}). Is the URL the registry's API root?`,
            { status: response.status, request },
          );
        }
      }
      throw errorFor(response.status, text, request, what, base);
    }
    throw new SchemaRegistryError(
      `Could not ${what}: no schema registry answered (${failures.join('; ')}). Check that it runs and that the URL is right.`,
      { request, retriable: true },
    );
  }
}

interface RawSubjectVersion {
  subject?: string;
  id: number;
  version: number;
  schema: string;
  schemaType?: SchemaType;
  references?: SchemaReference[];
}

function subjectVersion(body: RawSubjectVersion, subject: string, sent?: Schema): RegisteredSchema {
  return {
    subject: body.subject ?? subject,
    id: checkId(body.id, `subject '${subject}'`),
    version: body.version,
    // The lookup answer may leave out the text it matched; the one we sent is the same schema.
    schema: body.schema ?? sent?.schema ?? '',
    schemaType: body.schemaType ?? sent?.schemaType ?? 'AVRO',
    ...(body.references?.length ? { references: body.references } : {}),
  };
}

function checkId(id: unknown, what: string): number {
  if (typeof id !== 'number' || !Number.isInteger(id)) {
    throw new SchemaRegistryError(
      `The schema registry answered ${what} without a schema id (got ${JSON.stringify(id)}): is the URL a Confluent-compatible registry API?`,
      { request: what },
    );
  }
  return id;
}

function requestBody(schema: Schema): Record<string, unknown> {
  const body: Record<string, unknown> = { schema: schema.schema };
  // AVRO is the API's default; older registries reject the field, so leave it out for Avro.
  if (schema.schemaType !== undefined && schema.schemaType !== 'AVRO') body.schemaType = schema.schemaType;
  if (schema.references?.length) body.references = schema.references;
  return body;
}

function cacheKey(subject: string, schema: Schema, normalize: boolean | undefined): string {
  const refs = schema.references?.length ? JSON.stringify(schema.references) : '';
  return `${subject}\u0000${normalize ? 1 : 0}\u0000${schema.schemaType ?? 'AVRO'}\u0000${refs}\u0000${schema.schema}`;
}

function errorFor(
  status: number,
  text: string,
  request: string,
  what: string,
  base: string,
): SchemaRegistryError {
  let errorCode: number | undefined;
  let said = text.trim().slice(0, 500);
  try {
    const parsed = JSON.parse(text) as { error_code?: unknown; message?: unknown };
    if (typeof parsed.error_code === 'number') errorCode = parsed.error_code;
    if (typeof parsed.message === 'string') said = parsed.message;
  } catch {
    // Not JSON (a proxy's HTML page, say): keep the text.
  }
  const code = errorCode === undefined ? `HTTP ${status}` : `HTTP ${status}, error ${errorCode}`;
  const registrySays = said === '' ? '' : ` The registry says: ${said}`;
  const details = { status, ...(errorCode === undefined ? {} : { errorCode }), request };
  // Confluent and Karapace answer error_code 409, Apicurio 0; the status is what they agree on.
  if (status === 409) {
    return new IncompatibleSchemaError(
      `Could not ${what}: the schema is incompatible with an earlier version under the subject's compatibility rule (${code}).${registrySays} Change the schema compatibly (e.g. give new fields a default), or change the subject's compatibility level on purpose.`,
      details,
    );
  }
  if (status === 422 || errorCode === 42201) {
    return new InvalidSchemaError(
      `Could not ${what}: the registry refused the request as invalid (${code}).${registrySays}`,
      details,
    );
  }
  if (status === 404) {
    const reason =
      errorCode === 40401
        ? 'the subject does not exist'
        : errorCode === 40402
          ? 'the version does not exist'
          : errorCode === 40403
            ? 'the schema is not registered there (register it first, or turn autoRegisterSchemas on)'
            : `nothing at ${base}${request.slice(request.indexOf(' ') + 1)} (is the URL the registry's API root?)`;
    return new SchemaNotFoundError(`Could not ${what}: ${reason} (${code}).${registrySays}`, details);
  }
  if (status === 401 || status === 403) {
    return new SchemaRegistryAuthError(
      `Could not ${what}: the registry ${status === 401 ? 'did not accept our credentials' : 'does not allow this operation for our credentials'} (${code}).${registrySays} Check basicAuth/headers.`,
      details,
    );
  }
  return new SchemaRegistryError(`Could not ${what}: the registry answered ${code}.${registrySays}`, {
    ...details,
    retriable: status >= 500 || status === 429,
  });
}

function describeFetchError(error: unknown, timeoutMs: number): string {
  if (error instanceof Error) {
    if (error.name === 'TimeoutError') return `no answer within ${timeoutMs} ms`;
    const cause = (error as { cause?: unknown }).cause;
    if (cause instanceof Error) return `${error.message} (${cause.message})`;
    return error.message;
  }
  return String(error);
}

function lowerCaseKeys(headers: Record<string, string>): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(headers)) out[k.toLowerCase()] = v;
  return out;
}
