// kafka-wire/otel: OpenTelemetry tracing for the producer, as a producer interceptor. Kept out of the core
// import: only this subpath imports @opentelemetry/api, an optional peer dependency that every application
// using OpenTelemetry already has.
export { type OtelTracingOptions, otelTracing } from './tracing.js';
