import { TransactionStateError, TransactionTimeoutError } from './errors.js';

// The transactional methods run one at a time, each waited for at most maxBlockMs: a call that outlasts it
// rejects with TransactionTimeoutError but goes on, and calling the same method again waits for (or reports)
// that same run.
//
// @locality: event loop.

interface PendingCall {
  method: string;
  result: Promise<void>;
  settled: boolean;
  /** The caller stopped waiting (maxBlockMs): the outcome is kept until the same method is called again. */
  timedOut: boolean;
}

export class TransactionCalls {
  private pending: PendingCall | null = null;

  constructor(
    private readonly transactionalId: string,
    private readonly maxBlockMs: number,
  ) {}

  /** Runs `start` as `method`, unless that method's earlier run is still to be reported. */
  call(method: string, start: () => Promise<void>): Promise<void> {
    const pending = this.pending;
    if (pending !== null && pending.method === method) {
      pending.timedOut = false;
      if (pending.settled) this.pending = null;
      return this.waitBounded(pending);
    }
    let result: Promise<void>;
    try {
      this.throwIfPending(method);
      result = start();
    } catch (error) {
      return Promise.reject(error);
    }
    const entry: PendingCall = { method, result, settled: false, timedOut: false };
    this.pending = entry;
    const settle = () => {
      entry.settled = true;
      if (this.pending === entry && !entry.timedOut) this.pending = null;
    };
    result.then(settle, settle);
    return this.waitBounded(entry);
  }

  /** Throws when another method is running, or timed out and has not been called again. */
  throwIfPending(method: string): void {
    const pending = this.pending;
    if (pending === null || pending.method === method) return;
    throw new TransactionStateError(
      pending.timedOut
        ? `Cannot call ${method}(): the previous ${pending.method}() timed out and must be called again to learn its outcome.`
        : `Cannot call ${method}() while ${pending.method}() is still running: await it first.`,
    );
  }

  private waitBounded(entry: PendingCall): Promise<void> {
    if (entry.settled) return entry.result;
    const maxBlockMs = this.maxBlockMs;
    return new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => {
        entry.timedOut = true;
        reject(
          new TransactionTimeoutError(
            `${entry.method}() of '${this.transactionalId}' did not complete within maxBlockMs (${maxBlockMs} ms): the coordinator is unreachable or busy, or records are still being delivered. It goes on: call ${entry.method}() again to wait for its outcome.`,
          ),
        );
      }, maxBlockMs);
      entry.result.then(
        () => {
          clearTimeout(timer);
          resolve();
        },
        (error: unknown) => {
          clearTimeout(timer);
          reject(error);
        },
      );
    });
  }
}
