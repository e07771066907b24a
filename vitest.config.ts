import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    pool: 'forks',
    testTimeout: 120_000,
    hookTimeout: 120_000,
    // two cores: two test files at a time; thread-count tests oversubscribe on purpose
    maxWorkers: 2,
  },
});
