// Kafka's own decoding of request/response bodies (scripts/java/KafkaMessageJson.java): the reference for
// checking our encoders' bytes and our decoders' results.
import { runJavaHelper } from './java-helpers.mjs';

/**
 * Decodes `body` (no size prefix, no header) as `kind` of API `apiKey` at `version` with Kafka's classes and
 * returns Kafka's JSON form of it (spec field names in lowerCamelCase). Rejects on bytes left over.
 * @param {'request' | 'response'} kind
 * @param {number} apiKey
 * @param {number} version
 * @param {Uint8Array} body
 * @param {{ version?: string, allowTrailing?: boolean }} [options] version: the Kafka version whose classes decode
 */
export async function decodeWithKafka(kind, apiKey, version, body, options = {}) {
  const args = [kind, String(apiKey), String(version)];
  if (options.allowTrailing) args.push('--allow-trailing');
  const { stdout } = await runJavaHelper('KafkaMessageJson', args, {
    version: options.version,
    input: Buffer.from(body).toString('hex'),
    timeoutMs: 60_000,
  });
  return JSON.parse(stdout);
}
