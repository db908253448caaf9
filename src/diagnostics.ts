// node:diagnostics_channel tracing channels: tools (APMs, OpenTelemetry instrumentations, tests) subscribe to
// follow records, Kafka requests and connections without kafka-wire knowing about them. Publishing costs nothing
// while nobody subscribes: every publisher checks `active()` first and builds no context object otherwise.
//
// Each channel is a TracingChannel (start, end, asyncStart, asyncEnd, error), named `kafka-wire:<what>`. The
// context object handed to `start` is the same one later events carry, completed with `result` or `error`.
//
// Bun and Deno implement node:diagnostics_channel partly (Deno lacked TracingChannel.hasSubscribers, older
// versions tracingChannel itself): where tracingChannel is missing the channels are null and nothing is
// published; where hasSubscribers is missing it is computed from the five sub-channels.

import * as dc from 'node:diagnostics_channel';

/** The five channels of one TracingChannel, as published to by hand (the operations span callbacks). */
export interface TraceChannels<C extends object> {
  readonly start: { publish(context: C): void };
  readonly end: { publish(context: C): void };
  readonly asyncStart: { publish(context: C): void };
  readonly asyncEnd: { publish(context: C): void };
  readonly error: { publish(context: C): void };
  readonly hasSubscribers?: boolean;
}

/** `kafka-wire:send`: one record, from produce()/send() to its outcome. */
export interface SendContext {
  /** The record as given to send()/produce() (before serialization). */
  readonly record: { readonly topic: string; readonly partition?: number | undefined };
  readonly topic: string;
  readonly clientId: string;
  /** Where the record was written (asyncEnd). */
  result?: { topic: string; partition: number; offset: bigint; timestamp: bigint };
  /** Why it was not (error, then asyncEnd). */
  error?: Error;
}

/** `kafka-wire:request`: one Kafka request on one connection, from its write to its response. */
export interface RequestContext {
  /** Kafka's name of the API (Produce, Metadata, ...), or `api-key-N` for a raw frame. */
  readonly api: string;
  readonly apiKey: number;
  readonly apiVersion: number;
  readonly correlationId: number;
  /** The broker's node id (negative for a bootstrap server not yet known by id). */
  readonly nodeId: number | undefined;
  readonly host: string;
  readonly port: number;
  /** Bytes of the request frame, size prefix included. */
  readonly size: number;
  /** Bytes of the response frame, size prefix included (asyncEnd; absent for requests without a response). */
  responseSize?: number;
  error?: Error;
}

/** `kafka-wire:connect`: opening one connection (TCP, TLS, ApiVersions, SASL) until requests may be sent. */
export interface ConnectContext {
  readonly nodeId: number | undefined;
  readonly host: string;
  readonly port: number;
  readonly tls: boolean;
  error?: Error;
}

/** `kafka-wire:connection-close` (a plain channel): a connection that was ready closed. */
export interface ConnectionCloseContext {
  readonly nodeId: number | undefined;
  readonly host: string;
  readonly port: number;
  /** Why, unless the client closed it on purpose with nothing in flight. */
  readonly error: Error | undefined;
}

export const SEND_CHANNEL = 'kafka-wire:send';
export const REQUEST_CHANNEL = 'kafka-wire:request';
export const CONNECT_CHANNEL = 'kafka-wire:connect';
export const CONNECTION_CLOSE_CHANNEL = 'kafka-wire:connection-close';

function tracing<C extends object>(name: string): TraceChannels<C> | null {
  const make = (dc as { tracingChannel?: (name: string) => TraceChannels<C> }).tracingChannel;
  if (typeof make !== 'function') return null;
  try {
    return make(name);
  } catch {
    return null;
  }
}

export const sendChannel = tracing<SendContext>(SEND_CHANNEL);
export const requestChannel = tracing<RequestContext>(REQUEST_CHANNEL);
export const connectChannel = tracing<ConnectContext>(CONNECT_CHANNEL);
export const connectionCloseChannel: { hasSubscribers: boolean; publish(message: unknown): void } | null =
  typeof dc.channel === 'function' ? dc.channel(CONNECTION_CLOSE_CHANNEL) : null;

/** True when someone listens on `channel`: only then may a publisher build a context. */
export function active<C extends object>(channel: TraceChannels<C> | null): channel is TraceChannels<C> {
  if (channel === null) return false;
  const has = channel.hasSubscribers;
  if (has !== undefined) return has;
  const subscribed = (c: unknown) => (c as { hasSubscribers?: boolean }).hasSubscribers === true;
  return (
    subscribed(channel.start) ||
    subscribed(channel.end) ||
    subscribed(channel.asyncStart) ||
    subscribed(channel.asyncEnd) ||
    subscribed(channel.error)
  );
}

/** Publishes an operation's outcome: error (when it failed), then asyncStart and asyncEnd. */
export function settle<C extends { error?: Error }>(
  channel: TraceChannels<C>,
  context: C,
  error: Error | null | undefined,
): void {
  if (error) {
    context.error = error;
    channel.error.publish(context);
  }
  channel.asyncStart.publish(context);
  channel.asyncEnd.publish(context);
}
