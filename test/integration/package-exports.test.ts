import { execFileSync } from 'node:child_process';
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

  it("works with require('kafka-wire') (require of ES modules, Node >= 20.19)", () => {
    const out = node([
      '-e',
      `const k = require('kafka-wire'); const r = require('kafka-wire/records');
       console.log(typeof k.Producer, typeof r.decodeRecordBatches);`,
    ]);
    expect(out).toBe('function function');
  });
});
