// Runs the unit tests (vitest's unit project) on another runtime (scripts/runtimes.mjs). Vitest itself runs on
// Node 22/24, Bun and Deno; the few tests that assert what only Node does are left out on the runtime that
// differs, each listed below with the reason, and the list is printed on every run so nothing drops silently.
// A listed test that starts passing there should leave the list.
//
// Usage: node scripts/runtime-unit-tests.mjs NAME [vitest args...]   (NAME: node22, node24, bun, deno)
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { scriptCommand } from './runtimes.mjs';

/** Runtime -> tests (vitest's full name: describe titles and test title joined by spaces) not run there, and why. */
export const NODE_ONLY_TESTS = {
  bun: [
    {
      test: 'json refuses what JSON cannot hold',
      why: "JavaScriptCore words JSON.stringify's cycle error 'cyclic structures', not V8's 'circular'; the serializer passes it on as is",
    },
    {
      test: 'tries the next URL when one does not answer',
      why: "Bun's fetch reports a refused connection as 'ECONNREFUSED: Unable to connect', not undici's 'fetch failed (... ECONNREFUSED)'; the error still names the URL and the cause",
    },
    {
      test: 'round trip with gzip decode(encode(batch))',
      why: "Bun's zlib compresses level 1 differently in zlib.gzip and zlib.gzipSync (both valid gzip, both decode), so the test's same-bytes check fails",
    },
    {
      test: 'leaves no TCP handles or pending timers in process.getActiveResourcesInfo()',
      why: "Bun's process.getActiveResourcesInfo() returns an empty list (1.4.5), so handles cannot be counted there; the test beside it ('closes every connection and stops listening on every port') checks the same close() through sockets",
    },
    {
      test: 'keeps no caller record object while its batch waits for the broker',
      why: "needs V8's gc() (v8.setFlagsFromString('--expose-gc')), which JavaScriptCore does not have; what it checks (the producer keeps no reference to the caller's record) is the same code on every engine",
    },
    {
      test: 'keeps no caller record object while records wait for room in bufferMemory',
      why: "needs V8's gc() (v8.setFlagsFromString('--expose-gc')), which JavaScriptCore does not have; what it checks is the same code on every engine",
    },
    {
      test: "lets go of a waiting record's value once room freed and its bytes went into a batch",
      why: "needs V8's gc() (v8.setFlagsFromString('--expose-gc')), which JavaScriptCore does not have; what it checks is the same code on every engine",
    },
  ],
  deno: [
    {
      test: 'tries the next URL when one does not answer',
      why: "Deno's fetch reports a refused connection as 'Connection refused (os error 111)', without Node's ECONNREFUSED code; the error still names the URL and the cause",
    },
    {
      test: 'round trip with gzip decode(encode(batch))',
      why: "Deno's zlib compresses level 1 differently in zlib.gzip and zlib.gzipSync (both valid gzip, both decode), so the test's same-bytes check fails",
    },
    {
      test: 'says when the broker certificate has expired',
      why: "Deno's TLS (rustls) reports an expired broker certificate as UNABLE_TO_VERIFY_LEAF_SIGNATURE, so kafka-wire can only give the untrusted-CA advice; still a non-retriable AuthenticationError",
    },
    {
      test: 'says when the broker requires a client certificate',
      why: "Deno reads the broker's TLS 1.3 certificate-required alert as soon as the handshake ends; this test's connection skips ApiVersions, so connect() succeeds and its later send on the failed connection says only 'is closed'. Connections that negotiate (every producer connection) report the AuthenticationError",
    },
  ],
};

/** vitest -t pattern matching every test but the listed ones. */
export function exclusionPattern(tests) {
  const escaped = tests.map(({ test }) => test.replace(/[.*+?^${}()|[\]\\]/g, '\\$&'));
  return `^(?!.*(?:${escaped.join('|')}))`;
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const [name, ...vitestArgs] = process.argv.slice(2);
  if (!name) {
    console.error('usage: node scripts/runtime-unit-tests.mjs NAME [vitest args...]');
    process.exit(2);
  }
  const excluded = NODE_ONLY_TESTS[name] ?? [];
  for (const { test, why } of excluded) console.log(`not run on ${name}: "${test}": ${why}`);
  const [binary, ...args] = scriptCommand(name);
  const pattern = excluded.length > 0 ? ['-t', exclusionPattern(excluded)] : [];
  const { status, signal } = spawnSync(
    binary,
    [...args, 'node_modules/vitest/vitest.mjs', 'run', '--project', 'unit', ...pattern, ...vitestArgs],
    { stdio: 'inherit' },
  );
  process.exit(status ?? (signal ? 1 : 0));
}
