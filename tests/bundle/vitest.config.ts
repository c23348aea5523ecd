import { defineConfig } from 'vitest/config';

/**
 * The offline bundle test (tests/bundle/): builds a bundle, installs it in a network namespace with no network and
 * runs it. Minutes long and several GB of disk, so it is its own `npm test` stage, run once, one file at a time.
 */
export default defineConfig({
  root: new URL('../..', import.meta.url).pathname,
  test: {
    include: ['tests/bundle/**/*.test.ts'],
    pool: 'forks',
    fileParallelism: false,
    testTimeout: 900_000,
    hookTimeout: 1_800_000,
    reporters: ['default'],
  },
});
