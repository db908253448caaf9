// kafka-wire/otel: OpenTelemetry for the producer: tracing as a producer interceptor (otelTracing), and the
// producer's metrics as observable instruments (otelMetrics). Kept out of the core import: only this subpath
// imports @opentelemetry/api, an optional peer dependency that every application using OpenTelemetry has.

export {
  instrumentName,
  type MetricsSource,
  type OtelMetricsHandle,
  type OtelMetricsOptions,
  otelMetrics,
} from './metrics.js';
export { type OtelTracingOptions, otelTracing } from './tracing.js';
