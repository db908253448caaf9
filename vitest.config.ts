import { defineConfig } from 'vitest/config';

// Two projects: unit tests need nothing but Node; integration tests talk to a real Kafka that
// test/integration/global-setup.ts starts (or that KAFKA_BOOTSTRAP_SERVERS points at).
export default defineConfig({
  test: {
    projects: [
      {
        test: {
          name: 'unit',
          include: ['test/unit/**/*.test.ts'],
          environment: 'node',
        },
      },
      {
        test: {
          name: 'integration',
          include: ['test/integration/**/*.test.ts'],
          environment: 'node',
          globalSetup: ['test/integration/global-setup.ts'],
          testTimeout: 120_000,
          hookTimeout: 300_000,
          // One broker set is shared; files run one after another so fault tests do not trip each other.
          pool: 'forks',
          poolOptions: { forks: { singleFork: true } },
        },
      },
    ],
  },
});
