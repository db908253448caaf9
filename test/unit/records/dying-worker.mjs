// A compression worker that dies as soon as it starts (worker-pool.test.ts): a crash, without stubs.
process.exit(3);
