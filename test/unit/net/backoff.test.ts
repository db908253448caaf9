import { describe, expect, it } from 'vitest';
import { ExponentialBackoff, reconnectBackoff, retryBackoff } from '../../../src/net/backoff.js';

const lowest = () => 0;
const highest = () => 0.999;
const middle = () => 0.5;

describe('ExponentialBackoff (Java ExponentialBackoff formula)', () => {
  it('doubles from the initial value without jitter at the midpoint', () => {
    const b = retryBackoff({ random: middle });
    expect([0, 1, 2, 3, 4, 5, 10].map((n) => b.backoff(n))).toEqual([100, 200, 400, 800, 1000, 1000, 1000]);
  });

  it('stays within ±20% of the exponential term, capped at the maximum', () => {
    const low = retryBackoff({ random: lowest });
    const high = retryBackoff({ random: highest });
    expect([0, 1, 2, 3, 4].map((n) => low.backoff(n))).toEqual([80, 160, 320, 640, 800]);
    expect([0, 1, 2, 3, 4].map((n) => high.backoff(n))).toEqual([119, 239, 479, 959, 1000]);
  });

  it('reconnect defaults: 50 ms growing to 1000 ms, [40, 60) first, [800, 1000] at the ceiling', () => {
    const b = reconnectBackoff();
    for (let i = 0; i < 200; i++) {
      const first = b.backoff(0);
      expect(first).toBeGreaterThanOrEqual(40);
      expect(first).toBeLessThan(60);
      const capped = b.backoff(20);
      expect(capped).toBeGreaterThanOrEqual(800);
      expect(capped).toBeLessThanOrEqual(1000);
    }
    // The exponent stops at log2(1000 / 50) ≈ 4.32: never more than the cap, however many failures.
    expect(reconnectBackoff({ random: middle }).backoff(1e9)).toBe(1000);
  });

  it('is constant when the maximum does not exceed the initial value', () => {
    const b = new ExponentialBackoff({ initialMs: 500, maxMs: 300, random: highest });
    expect(b.backoff(0)).toBe(300);
    expect(b.backoff(7)).toBe(300);
  });

  it('rejects nonsensical parameters', () => {
    expect(() => new ExponentialBackoff({ initialMs: -1, maxMs: 10 })).toThrow(RangeError);
    expect(() => new ExponentialBackoff({ initialMs: 1, maxMs: 10, jitter: 1.5 })).toThrow(RangeError);
    expect(() => new ExponentialBackoff({ initialMs: 1, maxMs: 10, multiplier: 0.5 })).toThrow(RangeError);
  });
});
