// A compression worker that works until a job asks for level -999, then dies in the middle of that job
// (worker-pool.test.ts): a crash after the pool lent it a spare buffer, without stubs. Modules evaluate in
// import order, so the hook's listener is registered before the real worker's and runs first.
import './crash-on-level-hook.mjs';
import '../../../dist/records/compression/worker.js';
