// CPU the metrics hooks themselves take for the counts the 1M x 100 B workload makes, without a broker, so the
// cost can be read at a resolution the end-to-end A/B (bench/metrics-overhead.mjs) cannot reach on a busy
// machine:
//
//   npm run build && node bench/metrics-hooks.mjs
//
// Upper bound on the calls: every 16 KiB batch (146 records of 109 B) in a Produce request of its own, i.e.
// 6,850 requests per million records, each recording one batch, one request and response frame and one latency.
// The per-record hooks (one size comparison per append, one subscriber check per produce()) are not in it.
import { ProducerBatch } from '../dist/producer/producer-batch.js';
import { ProducerMetrics } from '../dist/producer/producer-metrics.js';

const metrics = new ProducerMetrics({
  clientId: 'bench',
  now: Date.now,
  sources: {
    bufferTotalBytes: () => 0,
    bufferUsedBytes: () => 0,
    waitingRecords: () => 0,
    requestsInFlight: () => 0,
    metadataAgeMs: () => 0,
  },
});
const batches = Array.from({ length: 6 }, (_, partition) => {
  const batch = new ProducerBatch('bench', partition, Date.now(), Number.POSITIVE_INFINITY);
  for (let i = 0; i < 146; i++) batch.records.push({ size: 109 });
  batch.sizeInBytes = 61 + 146 * 109;
  batch.maxRecordSize = 109;
  return batch;
});
const encoded = batches.map((batch) => new Uint8Array(batch.sizeInBytes));
const requests = 6850;
for (let round = 1; round <= 5; round++) {
  const start = process.cpuUsage();
  for (let i = 0; i < requests; i++) {
    metrics.produceRequestSent([batches[i % 6]], [encoded[i % 6]], Date.now());
    metrics.requestSent(0, encoded[i % 6].length + 100);
    metrics.responseReceived(0, 80);
    metrics.produceResponse(0, 3, 0);
  }
  const used = process.cpuUsage(start);
  console.log(
    `round ${round}: ${((used.user + used.system) / 1000).toFixed(1)} CPU ms per 1M records' worth of hooks`,
  );
}
