import { defineConfig } from 'vitest/config';

// What `npm run test:mutation` runs: the `unit` project of vitest.config.ts alone (Stryker's vitest
// runner runs one vitest instance per worker and cannot pick one project out of several).
export default defineConfig({
  test: {
    name: 'unit',
    include: ['test/unit/**/*.test.ts'],
    testTimeout: 10_000,
  },
});
