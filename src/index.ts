// kafka-wire: an Apache Kafka producer that speaks the wire protocol itself.
export type {
  ConnectContext,
  ConnectionCloseContext,
  RequestContext,
  SendContext,
} from './diagnostics.js';
export { KafkaWireError, type KafkaWireErrorOptions } from './errors.js';
export type { LogFields, Logger } from './logger.js';
export {
  AuthenticationError,
  BrokerProtocolError,
  ClientClosedError,
  ConnectionSetupTimeoutError,
  NetworkError,
  RequestTimeoutError,
  UnsupportedVersionError,
} from './net/errors.js';
export type { SaslAuthenticationContext, SaslMechanism } from './net/sasl/mechanism.js';
export type { OidcClientCredentialsOptions } from './net/sasl/oidc.js';
export type {
  CustomSaslOption,
  OAuthBearerSaslOption,
  PlainSaslOption,
  ProvidedSaslOption,
  SaslOption,
  ScramSaslOption,
} from './net/sasl/options.js';
export type { OAuthBearerToken, OAuthBearerTokenProvider } from './net/sasl/token-cache.js';
export { murmur2, partitionForKey } from './partition/index.js';
export type {
  Acks,
  CompressionType,
  CustomPartitioner,
  PartitionerInput,
  ProducerInterceptor,
  ProducerOptions,
  ResolvedProducerConfig,
} from './producer/config.js';
// The option table (Java names, defaults) for tools that build settings from it, such as the command line.
export { type OptionDefinition, PRODUCER_OPTIONS } from './producer/config.js';
export {
  AbortError,
  BufferExhaustedError,
  DeliveryTimeoutError,
  InvalidRecordError,
  ProduceError,
  ProducerConfigError,
  ProducerFencedError,
  RecordTooLargeError,
  SendBatchError,
  TopicNotAvailableError,
  TransactionAbortableError,
  TransactionAbortedError,
  TransactionFatalError,
  TransactionStateError,
  TransactionTimeoutError,
  UndeliveredRecordsError,
} from './producer/errors.js';
export {
  type CloseOptions,
  type FlushOptions,
  Producer,
  type SendOptions,
  type TransactionScope,
} from './producer/producer.js';
export type { DeliveryCallback, RecordMetadata } from './producer/producer-batch.js';
export {
  metricValue,
  type ProducerMetric,
  type ProducerMetricGroup,
} from './producer/producer-metrics.js';
export type { ProducerRecord } from './producer/record-input.js';
export type {
  ConsumerGroupMetadata,
  TransactionOffset,
  TransactionState,
} from './producer/transaction-manager.js';
export { KafkaDecodeError, KafkaEncodeError } from './protocol/codec-errors.js';
export { AuthorizationError, KafkaProtocolError } from './protocol/errors.js';
export * from './serializers/index.js';
