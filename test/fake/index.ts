// The fake Kafka cluster for producer unit tests; see cluster.ts for what it does on its own.
export * from './cluster.js';
