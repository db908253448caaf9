// The OpenTelemetry messaging semantic conventions kafka-wire's spans follow (semconv 1.27 and later: the
// operation type of a producer's send is 'send', which replaced 'publish'). The messaging conventions are
// still marked Development; the attribute names live here so that a move to a later version is one edit.

export const MESSAGING_SYSTEM = 'messaging.system';
export const MESSAGING_OPERATION_TYPE = 'messaging.operation.type';
export const MESSAGING_OPERATION_NAME = 'messaging.operation.name';
export const MESSAGING_DESTINATION_NAME = 'messaging.destination.name';
export const MESSAGING_DESTINATION_PARTITION_ID = 'messaging.destination.partition.id';
export const MESSAGING_CLIENT_ID = 'messaging.client.id';
export const MESSAGING_KAFKA_MESSAGE_KEY = 'messaging.kafka.message.key';
export const MESSAGING_KAFKA_MESSAGE_TOMBSTONE = 'messaging.kafka.message.tombstone';
export const MESSAGING_KAFKA_OFFSET = 'messaging.kafka.offset';
export const ERROR_TYPE = 'error.type';

/** messaging.system's value for Kafka. */
export const KAFKA = 'kafka';
/** The operation of a producer span: one record handed to the broker. */
export const SEND = 'send';
