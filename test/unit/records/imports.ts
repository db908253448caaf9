// One import point for the records tests: the public API of kafka-wire/records plus the root error class.
export { KafkaWireError as KafkaWireErrorCheck } from '../../../src/errors.js';
export * from '../../../src/records/index.js';
