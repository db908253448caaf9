// One reused output buffer per codec and thread, for compressors whose result the caller copies at once
// (into a batch, or a worker's answer). A fresh worst-case buffer per frame (the section's size, several MiB
// for well-compressing batches) was mostly never written, yet counted as external memory that drove V8's
// garbage collections (25 % of the event loop's time with lz4 on 1 KiB records, bench/profile.mjs).

/** Scratches larger than this are not kept between calls. */
const MAX_RETAINED_SCRATCH = 8 * 1024 * 1024;

export class OutputScratch {
  private buffer: Uint8Array = new Uint8Array(0);

  /**
   * A buffer of at least `bound` bytes: the kept one when it is large enough, else a new one (at least double
   * the kept one's size, kept in its place unless it is over MAX_RETAINED_SCRATCH).
   */
  take(bound: number): Uint8Array {
    let out = this.buffer;
    if (out.length < bound) {
      out = Buffer.allocUnsafeSlow(Math.max(bound, Math.min(out.length * 2, MAX_RETAINED_SCRATCH)));
      if (out.length <= MAX_RETAINED_SCRATCH) this.buffer = out;
    }
    return out;
  }
}
