// The first 'message' listener of crash-on-level-worker.mjs: the thread exits on a job at level -999.
import { parentPort } from 'node:worker_threads';

parentPort.on('message', (job) => {
  if (job.level === -999) process.exit(5);
});
