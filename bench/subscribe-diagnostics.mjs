// Preloaded with `node --import` by bench/metrics-overhead.mjs: a no-op subscriber on every kafka-wire
// diagnostics channel, so the producer builds and publishes every context, as it does under an APM.
import { channel, tracingChannel } from 'node:diagnostics_channel';

const noop = () => {};
const handlers = { start: noop, end: noop, asyncStart: noop, asyncEnd: noop, error: noop };
for (const name of ['kafka-wire:send', 'kafka-wire:request', 'kafka-wire:connect']) {
  tracingChannel(name).subscribe(handlers);
}
channel('kafka-wire:connection-close').subscribe(noop);
