// An in-process schema registry speaking the subset of Confluent's REST API the client uses, over real HTTP:
// subjects with versions, ids shared by identical schemas across subjects, lookup, latest, per-subject config,
// basic auth. Compatibility is whatever the test says (`refuse`); real compatibility checks are the integration
// tests' job (test/integration/schema-registry.test.ts, against a real registry).
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

interface StoredSchema {
  id: number;
  schema: string;
  schemaType: string;
  references: unknown[];
}

export interface RecordedRequest {
  method: string;
  path: string;
  headers: IncomingMessage['headers'];
  body: unknown;
}

export interface FakeRegistryOptions {
  /** user:password the registry requires (basic auth), or none. */
  credentials?: string;
  /** Return a reason to refuse a registration as incompatible (HTTP 409). */
  refuse?: (subject: string, schema: string) => string | undefined;
  /** Delay every answer (for timeout tests). */
  delayMs?: number;
  /** Answer every request with this status and body instead (for error mapping tests). */
  failWith?: { status: number; body: string };
}

export class FakeRegistry {
  readonly requests: RecordedRequest[] = [];
  private readonly server: Server;
  private readonly byId = new Map<number, StoredSchema>();
  private readonly subjects = new Map<string, StoredSchema[]>();
  private readonly config = new Map<string, string>();
  private nextId = 1;
  options: FakeRegistryOptions;

  private constructor(options: FakeRegistryOptions) {
    this.options = options;
    this.server = createServer((req, res) => {
      void this.handle(req, res);
    });
  }

  static async start(options: FakeRegistryOptions = {}): Promise<FakeRegistry> {
    const registry = new FakeRegistry(options);
    await new Promise<void>((resolve) => registry.server.listen(0, '127.0.0.1', resolve));
    return registry;
  }

  get url(): string {
    return `http://127.0.0.1:${(this.server.address() as AddressInfo).port}`;
  }

  close(): Promise<void> {
    this.server.closeAllConnections();
    return new Promise((resolve) => this.server.close(() => resolve()));
  }

  /** Requests other than the ones a test is not interested in. */
  count(method: string, pathPrefix: string): number {
    return this.requests.filter((r) => r.method === method && r.path.startsWith(pathPrefix)).length;
  }

  schemaById(id: number): StoredSchema | undefined {
    return this.byId.get(id);
  }

  private async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const chunks: Buffer[] = [];
    for await (const chunk of req) chunks.push(chunk as Buffer);
    const text = Buffer.concat(chunks).toString('utf8');
    const body = text === '' ? undefined : JSON.parse(text);
    const url = new URL(req.url ?? '/', 'http://fake');
    this.requests.push({
      method: req.method ?? '',
      path: url.pathname + url.search,
      headers: req.headers,
      body,
    });
    if (this.options.delayMs) await new Promise((r) => setTimeout(r, this.options.delayMs));
    const send = (status: number, payload: unknown) => {
      res.writeHead(status, { 'content-type': 'application/vnd.schemaregistry.v1+json' });
      res.end(JSON.stringify(payload));
    };
    if (this.options.failWith) {
      res.writeHead(this.options.failWith.status, { 'content-type': 'text/plain' });
      res.end(this.options.failWith.body);
      return;
    }
    if (this.options.credentials !== undefined) {
      const expected = `Basic ${Buffer.from(this.options.credentials).toString('base64')}`;
      if (req.headers.authorization !== expected) {
        send(401, { error_code: 401, message: 'Unauthorized' });
        return;
      }
    }
    const parts = url.pathname
      .split('/')
      .filter((p) => p !== '')
      .map(decodeURIComponent);
    const method = req.method;
    const notFound = (code: number, message: string) => send(404, { error_code: code, message });

    // POST /subjects/{s}/versions
    if (method === 'POST' && parts[0] === 'subjects' && parts[2] === 'versions' && parts.length === 3) {
      const subject = parts[1]!;
      const schemaType = body.schemaType ?? 'AVRO';
      if (typeof body.schema !== 'string' || body.schema.trim() === '') {
        send(422, {
          error_code: 42201,
          message: 'Either the input schema or one of its references is invalid',
        });
        return;
      }
      const versions = this.subjects.get(subject) ?? [];
      const existing = versions.find((v) => v.schema === body.schema && v.schemaType === schemaType);
      if (existing) {
        send(200, { id: existing.id });
        return;
      }
      const reason = this.options.refuse?.(subject, body.schema);
      if (reason !== undefined) {
        send(409, {
          error_code: 409,
          message: `Schema being registered is incompatible with an earlier schema for subject "${subject}", details: [${reason}]`,
        });
        return;
      }
      let stored = [...this.byId.values()].find(
        (s) => s.schema === body.schema && s.schemaType === schemaType,
      );
      if (!stored) {
        stored = { id: this.nextId++, schema: body.schema, schemaType, references: body.references ?? [] };
        this.byId.set(stored.id, stored);
      }
      versions.push(stored);
      this.subjects.set(subject, versions);
      send(200, { id: stored.id });
      return;
    }
    // POST /subjects/{s}  (lookup)
    if (method === 'POST' && parts[0] === 'subjects' && parts.length === 2) {
      const subject = parts[1]!;
      const versions = this.subjects.get(subject);
      if (!versions) return notFound(40401, `Subject '${subject}' not found.`);
      const schemaType = body.schemaType ?? 'AVRO';
      const index = versions.findIndex((v) => v.schema === body.schema && v.schemaType === schemaType);
      if (index < 0) return notFound(40403, 'Schema not found');
      const found = versions[index]!;
      send(200, { subject, id: found.id, version: index + 1, schema: found.schema, ...typeField(found) });
      return;
    }
    // GET /subjects/{s}/versions/{v}
    if (method === 'GET' && parts[0] === 'subjects' && parts[2] === 'versions' && parts.length === 4) {
      const subject = parts[1]!;
      const versions = this.subjects.get(subject);
      if (!versions) return notFound(40401, `Subject '${subject}' not found.`);
      const v = parts[3] === 'latest' ? versions.length : Number(parts[3]);
      const found = versions[v - 1];
      if (!found) return notFound(40402, `Version ${parts[3]} not found.`);
      send(200, { subject, id: found.id, version: v, schema: found.schema, ...typeField(found) });
      return;
    }
    if (method === 'GET' && parts[0] === 'subjects' && parts[2] === 'versions' && parts.length === 3) {
      const versions = this.subjects.get(parts[1]!);
      if (!versions) return notFound(40401, `Subject '${parts[1]}' not found.`);
      send(
        200,
        versions.map((_, i) => i + 1),
      );
      return;
    }
    if (method === 'GET' && parts[0] === 'subjects' && parts.length === 1) {
      send(200, [...this.subjects.keys()]);
      return;
    }
    if (method === 'DELETE' && parts[0] === 'subjects' && parts.length === 2) {
      const versions = this.subjects.get(parts[1]!);
      if (!versions) return notFound(40401, `Subject '${parts[1]}' not found.`);
      this.subjects.delete(parts[1]!);
      send(
        200,
        versions.map((_, i) => i + 1),
      );
      return;
    }
    // GET /schemas/ids/{id}
    if (method === 'GET' && parts[0] === 'schemas' && parts[1] === 'ids' && parts.length === 3) {
      const found = this.byId.get(Number(parts[2]));
      if (!found) return notFound(40403, 'Schema not found');
      send(200, { schema: found.schema, ...typeField(found) });
      return;
    }
    if (parts[0] === 'config') {
      const key = parts[1] ?? '';
      if (method === 'PUT') {
        this.config.set(key, body.compatibility);
        send(200, { compatibility: body.compatibility });
        return;
      }
      if (method === 'GET') {
        const level = this.config.get(key) ?? (key === '' ? 'BACKWARD' : undefined);
        if (level === undefined)
          return notFound(40408, `Subject '${key}' does not have subject-level compatibility configured`);
        send(200, { compatibilityLevel: level });
        return;
      }
    }
    if (method === 'POST' && parts[0] === 'compatibility') {
      const reason = this.options.refuse?.(parts[2]!, body.schema);
      send(
        200,
        reason === undefined ? { is_compatible: true } : { is_compatible: false, messages: [reason] },
      );
      return;
    }
    send(404, { error_code: 404, message: 'HTTP 404 Not Found' });
  }
}

// Like Confluent's registry: schemaType is left out for Avro.
const typeField = (s: StoredSchema) => (s.schemaType === 'AVRO' ? {} : { schemaType: s.schemaType });
