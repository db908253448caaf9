// The body of a compression worker thread (see worker-pool.ts). It runs the same synchronous codecs the
// event loop would, so its output is byte-identical to in-loop compression.
//
// Message in:  { id, codec, level, data: Uint8Array, headroom }  (data's buffer is usually transferred)
// Message out: { id, data: Uint8Array } with the compressed bytes starting at `headroom` of a buffer of
//              exactly headroom + compressed length, transferred back (the caller writes the batch header
//              into the headroom, so the main thread copies nothing), or { id, error: string }.
import { parentPort } from 'node:worker_threads';
import type { CompressionType } from '../types.js';
import { compressSyncTransient, isCompressionCodecReady, loadCompressionCodec } from './index.js';

interface Job {
  id: number;
  codec: CompressionType;
  level: number | undefined;
  data: Uint8Array;
  headroom: number;
}

async function run(job: Job): Promise<void> {
  const port = parentPort!;
  try {
    if (!isCompressionCodecReady(job.codec)) await loadCompressionCodec(job.codec);
    const compressed = compressSyncTransient(job.codec, job.data, job.level);
    // Codecs may return a view of a larger, pooled or reused buffer, which must not be transferred: copy
    // into an exact buffer here, off the event loop.
    const out = new Uint8Array(job.headroom + compressed.length);
    out.set(compressed, job.headroom);
    port.postMessage({ id: job.id, data: out }, [out.buffer]);
  } catch (error) {
    port.postMessage({ id: job.id, error: error instanceof Error ? error.message : String(error) });
  }
}

parentPort?.on('message', (job: Job) => {
  void run(job);
});
