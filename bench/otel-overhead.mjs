// What kafka-wire/otel's tracing costs on the 1M x 100 B workload (keyless, 6 partitions, acks=all,
// produce() with a callback, the loop pausing on false), against a real broker:
//
//   npm run build && node scripts/kafka.mjs up --port 19093
//   node bench/otel-overhead.mjs --bootstrap 127.0.0.1:19093 [--records 1000000] [--rounds 3]
//                                [--setups none,sampled-off,spans-on,header-only]
//
// Three setups, each run in a fresh process, alternated round by round so that a busy spell on the shared
// machine hits all of them alike:
//   none         no interceptor (the baseline)
//   sampled-off  otelTracing() under ParentBased(root: AlwaysOff): every record still gets a non-recording
//                span and a traceparent header (the unsampled decision travels to consumers), nothing is exported
//   spans-on     otelTracing() under AlwaysOn: every record's span is recorded and handed to a
//                BatchSpanProcessor whose exporter drops the spans (the cost of exporting them over the
//                network is the exporter's, not kafka-wire's)
//   header-only  (when asked for) no OpenTelemetry, an interceptor that adds a constant 55-byte traceparent
//                header: what carrying the trace context costs the producer and broker by itself
// All three run with the SDK's AsyncLocalStorage context manager registered, as an instrumented service
// has. Printed per run and as medians: records/s and this process's CPU ms per 1M records.
import { execFileSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';

const { values: args } = parseArgs({
  options: {
    bootstrap: { type: 'string', default: '127.0.0.1:19093' },
    records: { type: 'string', default: '1000000' },
    rounds: { type: 'string', default: '3' },
    child: { type: 'string' },
    topic: { type: 'string' },
    setups: { type: 'string', default: 'none,sampled-off,spans-on' },
  },
});
const SETUPS = args.setups.split(',');

if (args.child === undefined) await drive();
else await run(args.child);

async function drive() {
  const { createTopic } = await import('../scripts/lib/index.mjs');
  const results = Object.fromEntries(SETUPS.map((s) => [s, []]));
  for (let round = 1; round <= Number(args.rounds); round++) {
    // Each round rotates the order, so no setup always runs first (on a cold broker) or last.
    const order = SETUPS.map((_, i) => SETUPS[(i + round - 1) % SETUPS.length]);
    for (const setup of order) {
      const topic = `bench-otel-${setup}-${Date.now()}`;
      await createTopic(args.bootstrap, { topic, partitions: 6, replicationFactor: 1 });
      const out = execFileSync(
        process.execPath,
        [
          fileURLToPath(import.meta.url),
          '--child',
          setup,
          '--topic',
          topic,
          '--bootstrap',
          args.bootstrap,
          '--records',
          args.records,
        ],
        { encoding: 'utf8', stdio: ['ignore', 'pipe', 'inherit'] },
      );
      const result = JSON.parse(out.trim().split('\n').at(-1));
      results[setup].push(result);
      console.log(`round ${round} ${setup.padEnd(11)} ${JSON.stringify(result)}`);
    }
  }
  const median = (xs) => xs.toSorted((a, b) => a - b)[Math.floor(xs.length / 2)];
  const base = results.none;
  const baseCpu = median(base.map((r) => r.cpuMsPer1M));
  const baseRate = median(base.map((r) => r.recordsPerSecond));
  for (const setup of SETUPS) {
    const cpu = median(results[setup].map((r) => r.cpuMsPer1M));
    const rate = median(results[setup].map((r) => r.recordsPerSecond));
    console.log(
      `${setup.padEnd(11)} median ${rate} records/s (${pct(rate, baseRate)}), ${cpu} CPU ms per 1M records (${pct(cpu, baseCpu)})`,
    );
  }
}

function pct(value, base) {
  const p = ((value / base - 1) * 100).toFixed(1);
  return `${p.startsWith('-') ? p : `+${p}`} %`;
}

async function run(setup) {
  const { context, propagation } = await import('@opentelemetry/api');
  const { AsyncLocalStorageContextManager } = await import('@opentelemetry/context-async-hooks');
  const { W3CTraceContextPropagator } = await import('@opentelemetry/core');
  const { AlwaysOffSampler, AlwaysOnSampler, BasicTracerProvider, BatchSpanProcessor, ParentBasedSampler } =
    await import('@opentelemetry/sdk-trace-base');
  const { Producer } = await import('../dist/index.js');
  const { otelTracing } = await import('../dist/otel/index.js');

  context.setGlobalContextManager(new AsyncLocalStorageContextManager().enable());
  propagation.setGlobalPropagator(new W3CTraceContextPropagator());
  let exported = 0;
  const dropping = {
    export(spans, done) {
      exported += spans.length;
      done({ code: 0 });
    },
    shutdown: async () => {},
  };
  const provider = new BasicTracerProvider({
    sampler:
      setup === 'spans-on' ? new AlwaysOnSampler() : new ParentBasedSampler({ root: new AlwaysOffSampler() }),
    spanProcessors: [new BatchSpanProcessor(dropping, { maxQueueSize: 65_536, maxExportBatchSize: 4_096 })],
  });
  const traceparent = Buffer.from('00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-00');
  const headerOnly = {
    onSend: (r) => ({
      topic: r.topic,
      value: r.value,
      headers: [{ key: 'traceparent', value: traceparent }],
    }),
  };
  const interceptors = {
    none: [],
    'header-only': [headerOnly],
    'sampled-off': [otelTracing({ tracerProvider: provider })],
    'spans-on': [otelTracing({ tracerProvider: provider })],
  }[setup];
  const producer = new Producer({ bootstrapServers: args.bootstrap, acks: 'all', interceptors });
  const value = new Uint8Array(100).fill(120);
  const record = { topic: args.topic, value };
  // Metadata and the producer id first, so the clock measures the steady state.
  await producer.send(record);
  const count = Number(args.records);
  let failed = 0;
  const onDelivery = (error) => {
    if (error !== null) failed++;
  };
  const cpuStart = process.cpuUsage();
  const start = performance.now();
  for (let i = 0; i < count; i++) {
    if (!producer.produce(record, onDelivery)) await producer.waitForRoom();
  }
  await producer.flush();
  const ms = performance.now() - start;
  const cpu = process.cpuUsage(cpuStart);
  await producer.close();
  await provider.forceFlush();
  await provider.shutdown();
  console.log(
    JSON.stringify({
      setup,
      records: count,
      recordsPerSecond: Math.round(count / (ms / 1000)),
      cpuMsPer1M: Math.round(((cpu.user + cpu.system) / 1000) * (1e6 / count)),
      // Spans the exporter received (the warm-up record's included): every record's with spans-on.
      exported,
      failed,
    }),
  );
  if (failed > 0) process.exitCode = 1;
}
