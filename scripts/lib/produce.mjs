// Kafka's own Java producer (scripts/java/ProduceJson.java), for tests that need records written by the
// reference client: to read back with our code, or to compare with what our producer writes.
import { withConfigFile } from './client-config.mjs';
import { runJavaHelper } from './java-helpers.mjs';

function field(value) {
  if (value === null || value === undefined) return '~';
  return (typeof value === 'string' ? Buffer.from(value, 'utf8') : Buffer.from(value)).toString('base64');
}

/**
 * Sends `records` to `topic` with the Java producer and returns where each landed, in order.
 * A key or value left out or null is sent as null; strings are sent as UTF-8.
 * @param {{ bootstrap: string, topic: string, records: Array<{ key?: string | Uint8Array | null,
 *   value?: string | Uint8Array | null, headers?: Array<{ key: string, value: string | Uint8Array | null }>,
 *   partition?: number, timestamp?: number | bigint }>, config?: Record<string, string>, version?: string }} options
 */
export async function produceWithJava(options) {
  const lines = options.records.map((r) =>
    [
      r.partition ?? '-',
      r.timestamp ?? '-',
      field(r.key),
      field(r.value),
      ...(r.headers ?? []).map((h) => `${Buffer.from(h.key, 'utf8').toString('base64')}:${field(h.value)}`),
    ].join('\t'),
  );
  const { stdout } = await withConfigFile(options.config, (configArgs) =>
    runJavaHelper('ProduceJson', [options.bootstrap, options.topic, ...configArgs], {
      version: options.version,
      input: `${lines.join('\n')}\n`,
      timeoutMs: 120_000,
    }),
  );
  return stdout
    .split('\n')
    .filter((line) => line.length > 0)
    .map((line) => {
      const r = JSON.parse(line);
      return { partition: r.partition, offset: BigInt(r.offset), timestamp: BigInt(r.timestamp) };
    });
}
