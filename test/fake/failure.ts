// The error a promise must reject with, for the network tests: fails the test if it resolves instead, or if the
// rejection is not one of kafka-wire's own errors (a TypeError from a bug must not pass for a clean refusal).

import { expect } from 'vitest';
import { KafkaWireError } from '../../src/errors.js';

export async function failure(promise: Promise<unknown>): Promise<KafkaWireError> {
  const error = await promise.then(
    () => {
      throw new Error('expected a rejection');
    },
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(KafkaWireError);
  return error as KafkaWireError;
}
