// Publishes one record's journey on the kafka-wire:send tracing channel: start when produce()/send() takes it,
// end when that call returns, then error (if it failed) and asyncStart/asyncEnd when its outcome is known.
// Only called while someone subscribes (the caller checks `active(sendChannel)`).

import { type SendContext, settle, type TraceChannels } from '../diagnostics.js';
import type { DeliveryCallback } from './producer-batch.js';

export function traceSend(
  channel: TraceChannels<SendContext>,
  record: SendContext['record'],
  clientId: string,
  done: DeliveryCallback,
  produce: (done: DeliveryCallback) => boolean,
): boolean {
  const context: SendContext = { record, topic: record.topic, clientId };
  channel.start.publish(context);
  try {
    return produce((error, metadata) => {
      if (metadata !== null) context.result = metadata;
      settle(channel, context, error);
      done(error, metadata);
    });
  } finally {
    channel.end.publish(context);
  }
}
