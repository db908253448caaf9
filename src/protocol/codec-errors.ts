// The two ways a protocol codec can fail, each with enough context to find the problem without a debugger:
// which API, which version, request or response, which field, and for decoding the byte offset.

import { KafkaWireError } from '../errors.js';

/** What was being encoded or decoded when the problem was found. */
export interface CodecContext {
  /** Kafka's name for the API, e.g. `Produce`. */
  readonly api: string;
  readonly apiKey: number;
  readonly apiVersion: number;
  readonly messageType: MessageType;
}

export type MessageType = 'request' | 'response' | 'request header' | 'response header';

/** Joins a field path kept as segments ('Responses', '[0]', 'PartitionResponses') into `Responses[0].PartitionResponses`. */
function joinPath(segments: readonly string[]): string {
  let path = '';
  for (const segment of segments) {
    path += segment.startsWith('[') || path === '' ? segment : `.${segment}`;
  }
  return path;
}

/** What both codec errors carry: the message's context and the path of the field at fault. */
abstract class KafkaCodecError extends KafkaWireError {
  readonly api: string;
  readonly apiKey: number;
  readonly apiVersion: number;
  readonly messageType: MessageType;
  /** What was wrong, without the context. */
  readonly reason: string;
  private readonly pathSegments: string[] = [];

  constructor(context: CodecContext, reason: string, options: { cause?: unknown } = {}) {
    super('', options);
    this.api = context.api;
    this.apiKey = context.apiKey;
    this.apiVersion = context.apiVersion;
    this.messageType = context.messageType;
    this.reason = reason;
  }

  /** The field at fault, e.g. `Responses[0].PartitionResponses[2].BaseOffset`; empty for the whole message. */
  get field(): string {
    return joinPath(this.pathSegments);
  }

  /** @internal Codecs add the enclosing field names as the error travels up through nested structs. */
  prependField(segment: string): void {
    this.pathSegments.unshift(segment);
    this.message = this.compose();
  }

  /** `Produce v9 request` */
  protected get described(): string {
    return `${this.api} v${this.apiVersion} ${this.messageType}`;
  }

  /** The message (set by subclass constructors once their own fields are, and after every prependField). */
  protected abstract compose(): string;
}

/**
 * Bytes that are not a valid encoding of the message we expected: truncated, corrupt, or of another version.
 * Thrown as the single error of a failed decode; no partial object is ever returned.
 */
export class KafkaDecodeError extends KafkaCodecError {
  override name = 'KafkaDecodeError';
  /** Offset into the decoded buffer (the frame without its size prefix, or the body) where decoding failed. */
  readonly offset: number;

  /** `reason`: what was wrong, e.g. `needed 4 bytes but only 2 remain`. */
  constructor(context: CodecContext, offset: number, reason: string, options: { cause?: unknown } = {}) {
    super(context, reason, options);
    this.offset = offset;
    this.message = this.compose();
  }

  protected compose(): string {
    const field = this.field === '' ? '' : ` in field ${this.field}`;
    return (
      `Could not decode a ${this.described}: ${this.reason} at byte offset ${this.offset}${field}. ` +
      'The bytes are truncated or corrupt, or are not this message at this version (a version negotiation or ' +
      'framing bug). Close the connection, since its byte stream can no longer be trusted; if it happens ' +
      'again with the same broker, report it to kafka-wire with the broker version.'
    );
  }
}

/** Why a message could not be encoded. */
export type EncodeProblem =
  /** A field holds a non-default value but the chosen version has no place for it. */
  | 'unsupported-field'
  /** A value does not fit its wire type (out of range, wrong JS type, null where not nullable, too long). */
  | 'invalid-value'
  /** The API version itself is outside what this codec implements. */
  | 'unsupported-version';

/**
 * A request or response that cannot be written at the chosen version. Like Java's
 * UnsupportedVersionException for fields, we refuse rather than silently drop data. Nothing was sent.
 */
export class KafkaEncodeError extends KafkaCodecError {
  override name = 'KafkaEncodeError';
  readonly problem: EncodeProblem;

  constructor(context: CodecContext, problem: EncodeProblem, reason: string) {
    super(context, reason);
    this.problem = problem;
    this.message = this.compose();
  }

  protected compose(): string {
    const field = this.field === '' ? '' : ` field ${this.field}`;
    const advice =
      this.problem === 'unsupported-field'
        ? 'Leave the field unset (or at its default) for this version, or negotiate a version that carries it.'
        : this.problem === 'unsupported-version'
          ? `Use a version between the codec's minVersion and maxVersion (negotiated with ApiVersions).`
          : 'Fix the value passed in; nothing was sent.';
    return `Cannot encode a ${this.described}:${field} ${this.reason}. ${advice}`;
  }
}
