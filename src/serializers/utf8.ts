// UTF-8 exactly as Java's String.getBytes(UTF_8) writes it, which is what StringSerializer, UUIDSerializer and
// every Confluent serializer that writes text produce. The one difference from Node's encoders: a lone
// surrogate (a JS or Java string can hold one, UTF-8 cannot) becomes '?' in Java but U+FFFD (3 bytes) in Node.

const LONE_SURROGATE = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/g;
// ES2024 (Node >= 20); our TypeScript lib is ES2023, hence the cast.
const isWellFormed = (String.prototype as unknown as { isWellFormed(this: string): boolean }).isWellFormed;

export function javaUtf8(text: string): Uint8Array {
  // isWellFormed is one scan in V8; the regex only runs for the rare malformed string.
  return Buffer.from(isWellFormed.call(text) ? text : text.replace(LONE_SURROGATE, '?'), 'utf8');
}
