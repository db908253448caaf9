import { channel, tracingChannel } from 'node:diagnostics_channel';
import { afterEach, describe, expect, it } from 'vitest';
import type {
  ConnectContext,
  ConnectionCloseContext,
  RequestContext,
  SendContext,
} from '../../../src/diagnostics.js';
import { cleanup, producerFor, startCluster } from './harness.js';

// diagnostics_channel subscribers see records, Kafka requests and connections with the fields they need.

type Event<C> = { event: string; context: C };

const unsubscribers: Array<() => void> = [];

afterEach(async () => {
  for (const unsubscribe of unsubscribers.splice(0)) unsubscribe();
  await cleanup();
});

function listen<C extends object>(name: string): Array<Event<C>> {
  const events: Array<Event<C>> = [];
  const channels = tracingChannel<unknown, C>(name);
  const handlers = {
    start: (context: C) => events.push({ event: 'start', context }),
    end: (context: C) => events.push({ event: 'end', context }),
    asyncStart: (context: C) => events.push({ event: 'asyncStart', context }),
    asyncEnd: (context: C) => events.push({ event: 'asyncEnd', context }),
    error: (context: C) => events.push({ event: 'error', context }),
  };
  channels.subscribe(handlers);
  unsubscribers.push(() => channels.unsubscribe(handlers));
  return events;
}

describe('diagnostics_channel', () => {
  it('kafka-wire:send follows each record to its offset or its error', async () => {
    const cluster = await startCluster({ topics: { t: 1, u: 1 } });
    const producer = producerFor(cluster, { clientId: 'dc' });
    cluster.onProduce({ topic: 'u', partition: 0 }, { error: 'INVALID_RECORD' });
    const events = listen<SendContext>('kafka-wire:send');

    const sent = await producer.send({ topic: 't', value: 'a' });
    await expect(producer.send({ topic: 'u', value: 'b' })).rejects.toThrow(/INVALID_RECORD/);

    const ok = events.filter((e) => e.context.topic === 't');
    expect(ok.map((e) => e.event)).toEqual(['start', 'end', 'asyncStart', 'asyncEnd']);
    const context = ok[0]!.context;
    expect(context.clientId).toBe('dc');
    expect(context.record).toMatchObject({ topic: 't', value: 'a' });
    expect(context.result).toEqual(sent);
    expect(context.error).toBeUndefined();

    const failed = events.filter((e) => e.context.topic === 'u');
    expect(failed.map((e) => e.event)).toEqual(['start', 'end', 'error', 'asyncStart', 'asyncEnd']);
    expect(failed[0]!.context.error?.message).toMatch(/INVALID_RECORD/);
    expect(failed[0]!.context.result).toBeUndefined();
  });

  it('kafka-wire:request carries api, version, node, correlation id and sizes', async () => {
    const cluster = await startCluster({ topics: { t: 1 } });
    const events = listen<RequestContext>('kafka-wire:request');
    const producer = producerFor(cluster);
    await producer.send({ topic: 't', value: 'a' });

    const produce = events.filter((e) => e.context.api === 'Produce');
    expect(produce.map((e) => e.event)).toEqual(['start', 'end', 'asyncStart', 'asyncEnd']);
    const context = produce[0]!.context;
    const logged = cluster.requests.find((r) => r.api === 'Produce')!;
    expect(context).toMatchObject({
      apiKey: 0,
      apiVersion: logged.version,
      correlationId: logged.correlationId,
      nodeId: logged.nodeId,
      host: '127.0.0.1',
      port: cluster.portOf(logged.nodeId),
    });
    expect(context.size).toBeGreaterThan(61);
    expect(context.responseSize).toBeGreaterThan(0);
    // Every request the broker saw was published, ApiVersions and Metadata included.
    const started = events.filter((e) => e.event === 'start').map((e) => e.context.api);
    expect(started.sort()).toEqual(cluster.requests.map((r) => r.api).sort());
  });

  it('kafka-wire:connect and kafka-wire:connection-close report each connection', async () => {
    const cluster = await startCluster({ topics: { t: 1 } });
    const connects = listen<ConnectContext>('kafka-wire:connect');
    const closes: ConnectionCloseContext[] = [];
    const onClose = (message: unknown) => closes.push(message as ConnectionCloseContext);
    channel('kafka-wire:connection-close').subscribe(onClose);
    unsubscribers.push(() => channel('kafka-wire:connection-close').unsubscribe(onClose));

    const producer = producerFor(cluster);
    await producer.send({ topic: 't', value: 'a' });
    const opened = connects.filter((e) => e.event === 'asyncEnd').map((e) => e.context);
    expect(opened.length).toBe(cluster.openConnections());
    for (const context of opened) {
      expect(context).toMatchObject({ host: '127.0.0.1', tls: false });
      expect(typeof context.nodeId).toBe('number');
      expect(context.error).toBeUndefined();
    }
    await producer.close();
    expect(closes).toHaveLength(opened.length);
    expect(closes.map((c) => c.port).sort()).toEqual(opened.map((c) => c.port).sort());
  });

  it('kafka-wire:connect publishes the error of a connection that fails', async () => {
    const cluster = await startCluster({ topics: { t: 1 } });
    const ports = cluster.nodeIds().map((nodeId) => cluster.portOf(nodeId));
    await cluster.close();
    const connects = listen<ConnectContext>('kafka-wire:connect');
    // Silent: the refused connections are expected here, not worth a warning in the test output.
    const quiet = () => {};
    const logger = { debug: quiet, info: quiet, warn: quiet, error: quiet };
    const producer = producerFor(cluster, { maxBlockMs: 300, logger });
    await expect(producer.send({ topic: 't', value: 'a' })).rejects.toThrow();
    const failed = connects.filter((e) => e.event === 'error');
    expect(failed.length).toBeGreaterThan(0);
    expect(failed[0]!.context.error?.message).toMatch(/ECONNREFUSED|refused/i);
    // The bootstrap servers it tried: any of the cluster's, whichever it picked first.
    for (const event of failed) expect(ports).toContain(event.context.port);
  });
});
