import type { Logger } from '../logger.js';
import type { ProducerInterceptor, ResolvedProducerConfig } from './config.js';
import { type Settlement, settle } from './producer-batch.js';
import type { ProducerRecord } from './record-input.js';

// Java's producer interceptors (interceptor.classes): user code that sees every record before it is
// serialized and partitioned, and its outcome before the caller does. Tracing (kafka-wire/otel), auditing
// and header stamping hook in here. As in Java, an interceptor that throws is reported and skipped: it never
// costs the record or the caller's callback.

/** The `interceptors` option of one producer, run in the order given. */
export class Interceptors<K, V> {
  private readonly list: readonly ProducerInterceptor<K, V>[];
  private readonly logger: Logger;
  /** Whether any interceptor listens for outcomes; if none does, callbacks are not wrapped at all. */
  private readonly acknowledges: boolean;

  constructor(list: readonly ProducerInterceptor<K, V>[], logger: Logger) {
    this.list = list;
    this.logger = logger;
    this.acknowledges = list.some((interceptor) => interceptor.onAcknowledgement !== undefined);
  }

  configure(config: ResolvedProducerConfig): void {
    for (const interceptor of this.list) {
      if (interceptor.configure === undefined) continue;
      try {
        interceptor.configure(config);
      } catch (error) {
        this.report(interceptor, 'configure', error);
      }
    }
  }

  onSend(record: ProducerRecord<K, V>): ProducerRecord<K, V> {
    let current = record;
    for (const interceptor of this.list) {
      if (interceptor.onSend === undefined) continue;
      try {
        const next = interceptor.onSend(current);
        // A missing return is a bug in the interceptor; the record it was given still goes on.
        if (next !== null && typeof next === 'object') current = next;
        else this.report(interceptor, 'onSend', new TypeError('onSend returned no record'));
      } catch (error) {
        this.report(interceptor, 'onSend', error);
      }
    }
    return current;
  }

  /**
   * `callback` wrapped so that every interceptor's onAcknowledgement runs first. The wrapper keeps `record`
   * until the outcome is known, so it is made only when an interceptor wants to hear.
   */
  acknowledging(record: ProducerRecord<K, V>, callback: Settlement): Settlement {
    if (!this.acknowledges) return callback;
    return (error, metadata) => {
      for (const interceptor of this.list) {
        if (interceptor.onAcknowledgement === undefined) continue;
        try {
          interceptor.onAcknowledgement(metadata ?? undefined, error ?? undefined, record);
        } catch (failure) {
          this.report(interceptor, 'onAcknowledgement', failure);
        }
      }
      settle(callback, error, metadata);
    };
  }

  close(): void {
    for (const interceptor of this.list) {
      if (interceptor.close === undefined) continue;
      try {
        interceptor.close();
      } catch (error) {
        this.report(interceptor, 'close', error);
      }
    }
  }

  /** Java logs a warning and carries on; so does this, through the producer's logger. */
  private report(interceptor: object, method: string, error: unknown): void {
    const name = interceptor.constructor?.name ?? 'Object';
    const reason = error instanceof Error ? `${error.name}: ${error.message}` : String(error);
    this.logger.warn(
      { interceptor: name, method, err: error },
      `Interceptor ${name}.${method} threw (${reason}); it was skipped and the record went on. Fix the interceptor.`,
    );
  }
}

/** The interceptors option checked: an array of objects (a single object is taken as a list of one). */
export function checkInterceptors<K, V>(
  option: unknown,
  refuse: (reason: string) => Error,
): ProducerInterceptor<K, V>[] | undefined {
  if (option === undefined) return undefined;
  const list = Array.isArray(option) ? option : [option];
  for (const [index, item] of list.entries()) {
    if (item === null || typeof item !== 'object') {
      throw refuse(
        `entry ${index} is ${item === null ? 'null' : typeof item}; expected an object with onSend and/or onAcknowledgement methods.`,
      );
    }
    for (const method of ['configure', 'onSend', 'onAcknowledgement', 'close'] as const) {
      const value = (item as Record<string, unknown>)[method];
      if (value !== undefined && typeof value !== 'function') {
        throw refuse(`entry ${index}'s ${method} is ${typeof value}; expected a function.`);
      }
    }
  }
  return list.length === 0 ? undefined : (list as ProducerInterceptor<K, V>[]);
}
