import { afterEach, describe, expect, it } from 'vitest';
import { type RecordMetadata, SendSettlement } from '../../../src/producer/producer-batch.js';

// send()'s settlement keeps only its promise's resolve function and rejects through it with a rejected
// promise. That inner promise must never surface as an unhandled rejection, and settling twice must stay the
// no-op it is with the promise's own functions.

const unhandled: unknown[] = [];
const onUnhandled = (reason: unknown) => unhandled.push(reason);

afterEach(() => {
  process.off('unhandledRejection', onUnhandled);
  unhandled.length = 0;
});

function settlement(): { promise: Promise<RecordMetadata>; settlement: SendSettlement } {
  let made!: SendSettlement;
  const promise = new Promise<RecordMetadata>((resolve) => {
    made = new SendSettlement(resolve);
  });
  return { promise, settlement: made };
}

/** Past the microtasks and the turn on which Node reports unhandled rejections. */
const turns = async (n = 3) => {
  for (let i = 0; i < n; i++) await new Promise((resolve) => setImmediate(resolve));
};

const metadata: RecordMetadata = { topic: 't', partition: 0, offset: 7n, timestamp: 1n };

describe("send()'s settlement", () => {
  it('resolves with the metadata, and a later reject changes nothing', async () => {
    process.on('unhandledRejection', onUnhandled);
    const { promise, settlement: s } = settlement();
    s.resolve(metadata);
    s.reject(new Error('late'));
    await expect(promise).resolves.toBe(metadata);
    await turns();
    expect(unhandled).toEqual([]);
  });

  it('rejects with the very error given, and nothing is left unhandled', async () => {
    process.on('unhandledRejection', onUnhandled);
    const { promise, settlement: s } = settlement();
    const error = new Error('refused');
    s.reject(error);
    s.reject(new Error('second'));
    s.resolve(metadata);
    await expect(promise).rejects.toBe(error);
    await turns();
    expect(unhandled).toEqual([]);
  });

  it("leaves the caller's own unhandled rejection to be reported, once", async () => {
    process.on('unhandledRejection', onUnhandled);
    const { settlement: s } = settlement();
    const error = new Error('nobody listens');
    s.reject(error);
    await turns();
    expect(unhandled).toEqual([error]);
  });
});
