// The body of a compression worker thread (see worker-pool.ts). It runs the same synchronous codecs the
// event loop would, so its output is byte-identical to in-loop compression.
//
// Message in:  CompressionJob { id, codec, level, data, headroom, returnInput } (data's buffer transferred)
// Message out: { id, data: Uint8Array } with the compressed bytes starting at `headroom` of a buffer of
//              exactly headroom + compressed length, transferred back (the caller writes the batch header
//              into the headroom, so the main thread copies nothing), or { id, error: string }; with
//              returnInput, `input` carries data's buffer back too (transferred), for the pool's next job.
import { parentPort } from 'node:worker_threads';
import { compressSyncTransient, isCompressionCodecReady, loadCompressionCodec } from './index.js';
import type { CompressionAnswer, CompressionJob } from './worker-pool.js';

async function run(job: CompressionJob): Promise<void> {
  const port = parentPort!;
  const input = job.returnInput ? (job.data.buffer as ArrayBuffer) : undefined;
  const transfer: ArrayBuffer[] = input === undefined ? [] : [input];
  let answer: CompressionAnswer;
  try {
    if (!isCompressionCodecReady(job.codec)) await loadCompressionCodec(job.codec);
    const compressed = compressSyncTransient(job.codec, job.data, job.level);
    // Codecs may return a view of a larger, pooled or reused buffer, which must not be transferred: copy
    // into an exact buffer here, off the event loop.
    const out = new Uint8Array(job.headroom + compressed.length);
    out.set(compressed, job.headroom);
    answer = { id: job.id, data: out, input };
    transfer.push(out.buffer);
  } catch (error) {
    answer = { id: job.id, error: error instanceof Error ? error.message : String(error), input };
  }
  port.postMessage(answer, transfer);
}

parentPort?.on('message', (job: CompressionJob) => {
  void run(job);
});
