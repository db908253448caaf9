import { execFileSync } from 'node:child_process';
import { pathToFileURL } from 'node:url';
import { describe, expect, it } from 'vitest';

// The package as users load it: by name, through package.json "exports", from the built dist/ (npm test
// builds first). Node resolves a package's own name from inside it, so no install is needed.

function node(args: string[]): string {
  return execFileSync(process.execPath, args, { encoding: 'utf8', cwd: process.cwd() }).trim();
}

describe('package exports (after npm run build)', () => {
  it('imports every entry point by name as ESM', () => {
    const out = node([
      '--input-type=module',
      '-e',
      `import { Producer, murmur2 } from 'kafka-wire';
       import { encodeRecordBatch } from 'kafka-wire/records';
       import { ProduceApi } from 'kafka-wire/protocol';
       import { partitionForKey } from 'kafka-wire/partition';
       import { avroSerializer } from 'kafka-wire/schema-registry';
       import { awsMskIam } from 'kafka-wire/aws';
       import { otelTracing } from 'kafka-wire/otel';
       console.log([typeof Producer, murmur2(new TextEncoder().encode('21')), typeof encodeRecordBatch,
         ProduceApi.apiKey, partitionForKey(new TextEncoder().encode('foobar'), 10), typeof avroSerializer,
         awsMskIam({ region: 'eu-west-1' }).name, typeof otelTracing().onSend].join(' '));`,
    ]);
    expect(out).toBe('function -973932308 function 0 6 function AWS_MSK_IAM function');
  });

  it('gives a name exported by two entry points the same value (one class, so instanceof holds across them)', () => {
    // The entry points are linked files sharing chunks (scripts/bundle.mjs); a module copied into two of them
    // would make two classes of one error or builder.
    const out = node([
      '--input-type=module',
      '-e',
      `const { exports } = JSON.parse((await import('node:fs')).readFileSync('package.json', 'utf8'));
       const entries = Object.keys(exports).filter((path) => path !== './package.json')
         .map((path) => 'kafka-wire' + path.slice(1));
       const seen = new Map(); let shared = 0; const differ = [];
       for (const entry of entries) {
         for (const [name, value] of Object.entries(await import(entry))) {
           if (typeof value !== 'function' && (typeof value !== 'object' || value === null)) continue;
           if (!seen.has(name)) { seen.set(name, [entry, value]); continue; }
           shared++;
           if (seen.get(name)[1] !== value) differ.push(name + ' (' + seen.get(name)[0] + ', ' + entry + ')');
         }
       }
       console.log(shared > 0 ? 'shared ' + (differ.length === 0 ? 'identical' : differ.join(', ')) : 'none shared');`,
    ]);
    expect(out).toBe('shared identical');
  });

  it("finds the compression worker's body beside the linked files (the worker pool starts ./worker.js)", () => {
    // Not --input-type=module: a worker inherits the process's flags, and that one refuses a file.
    const out = node([
      '-e',
      `import('kafka-wire/records').then(async ({ CompressionWorkerPool, decompress }) => {
         const pool = new CompressionWorkerPool({ minBytes: 0 });
         const data = new TextEncoder().encode('kafka-wire '.repeat(1000));
         const compressed = await pool.compress('gzip', data.slice(), undefined);
         await pool.close();
         const back = new TextDecoder().decode(await decompress('gzip', compressed));
         console.log(compressed.length < data.length, back === 'kafka-wire '.repeat(1000));
       });`,
    ]);
    expect(out).toBe('true true');
  });

  it('loads the core as a few files, not one module per source file', () => {
    // Node's ESM loader costs ~0.6 ms of CPU and ~70 KiB per module; the core was 108 modules before they
    // were linked (bench/README.md, "Start-up and memory: the package as a few files"). A loader hook counts
    // the package's files Node loads, and answers the count through import.meta.resolve (synchronous).
    const hooks = `let files = 0;
      export async function resolve(specifier, context, next) {
        if (specifier === 'count:') return { url: 'data:,' + files, shortCircuit: true };
        return next(specifier, context);
      }
      export async function load(url, context, next) {
        if (url.startsWith(${JSON.stringify(pathToFileURL(process.cwd()).href)} + '/dist/')) files++;
        return next(url, context);
      }`;
    const out = node([
      '--input-type=module',
      '-e',
      `import { register } from 'node:module';
       register('data:text/javascript,' + encodeURIComponent(${JSON.stringify(hooks)}));
       await import('kafka-wire');
       console.log(import.meta.resolve('count:').slice('data:,'.length));`,
    ]);
    expect(Number(out)).toBeGreaterThan(0);
    expect(Number(out)).toBeLessThanOrEqual(20);
  });

  it('leaves node:tls, node:zlib, node:worker_threads and node:crypto unloaded until a producer needs them', () => {
    // Loaded up front they cost every producer ~2 MiB of RSS and ~5 ms; TLS, gzip/zstd, compression workers
    // and SCRAM load them on first use. Node lists the built-ins it has loaded in process.moduleLoadList.
    const out = node([
      '--input-type=module',
      '-e',
      `const before = new Set(process.moduleLoadList);
       const { Producer } = await import('kafka-wire');
       new Producer({ bootstrapServers: '127.0.0.1:9' });
       const loaded = process.moduleLoadList.filter((m) => !before.has(m) && /^NativeModule (tls|zlib|worker_threads|crypto)$/.test(m));
       console.log(JSON.stringify(loaded));`,
    ]);
    expect(JSON.parse(out)).toEqual([]);
  });

  it("works with require('kafka-wire') (require of ES modules, Node >= 20.19)", () => {
    const out = node([
      '-e',
      `const k = require('kafka-wire'); const r = require('kafka-wire/records');
       console.log(typeof k.Producer, typeof r.decodeRecordBatches);`,
    ]);
    expect(out).toBe('function function');
  });
});
