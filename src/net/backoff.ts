// Exponential backoff with jitter, the formula of Java's org.apache.kafka.common.utils.ExponentialBackoff, used
// for retry.backoff.ms (KIP-580), reconnect.backoff.ms and the growing socket connection setup timeout:
//   backoff(attempts) = min(max, initial * multiplier^min(attempts, expMax) * random(1 - jitter, 1 + jitter))
// where expMax = log_multiplier(max / initial), so the exponent stops growing once the un-jittered term reaches
// max. The cap is applied after the jitter, so at the ceiling the value lies in [max * (1 - jitter), max]: many
// clients failing at once still spread out. attempts counts failures so far: backoff(0) is the first delay.

export interface ExponentialBackoffOptions {
  initialMs: number;
  maxMs: number;
  /** Growth factor per attempt; Java uses 2 everywhere. */
  multiplier?: number;
  /** Relative jitter in [0, 1]; Java uses 0.2 (±20%). */
  jitter?: number;
  /** Source of randomness in [0, 1); tests pin it. */
  random?: () => number;
}

export class ExponentialBackoff {
  readonly initialMs: number;
  readonly maxMs: number;
  readonly multiplier: number;
  readonly jitter: number;
  readonly #expMax: number;
  readonly #random: () => number;

  constructor(options: ExponentialBackoffOptions) {
    const { maxMs, multiplier = 2, jitter = 0.2, random = Math.random } = options;
    if (!(maxMs >= 0) || !(options.initialMs >= 0)) {
      throw new RangeError(`backoff intervals must be >= 0 (got initial ${options.initialMs}, max ${maxMs})`);
    }
    if (!(jitter >= 0 && jitter <= 1))
      throw new RangeError(`backoff jitter must be in [0, 1] (got ${jitter})`);
    if (!(multiplier >= 1)) throw new RangeError(`backoff multiplier must be >= 1 (got ${multiplier})`);
    this.initialMs = Math.min(options.initialMs, maxMs);
    this.maxMs = maxMs;
    this.multiplier = multiplier;
    this.jitter = jitter;
    this.#random = random;
    this.#expMax =
      maxMs > this.initialMs && multiplier > 1
        ? Math.log(maxMs / Math.max(this.initialMs, 1)) / Math.log(multiplier)
        : 0;
  }

  /** The delay in whole milliseconds after `attempts` failures (0 = the first delay). */
  backoff(attempts: number): number {
    if (this.#expMax === 0) return this.initialMs;
    const term = this.initialMs * this.multiplier ** Math.min(Math.max(attempts, 0), this.#expMax);
    const factor = 1 - this.jitter + 2 * this.jitter * this.#random();
    return Math.min(Math.floor(term * factor), this.maxMs);
  }
}

/** Java's retry backoff defaults: retry.backoff.ms 100, retry.backoff.max.ms 1000, ×2, ±20%. */
export function retryBackoff(options: Partial<ExponentialBackoffOptions> = {}): ExponentialBackoff {
  return new ExponentialBackoff({
    ...options,
    initialMs: options.initialMs ?? 100,
    maxMs: options.maxMs ?? 1000,
  });
}

/** Java's reconnect backoff defaults: reconnect.backoff.ms 50, reconnect.backoff.max.ms 1000, ×2, ±20%. */
export function reconnectBackoff(options: Partial<ExponentialBackoffOptions> = {}): ExponentialBackoff {
  return new ExponentialBackoff({
    ...options,
    initialMs: options.initialMs ?? 50,
    maxMs: options.maxMs ?? 1000,
  });
}
