import { defineConfig } from 'vitest/config';

/**
 * Browser-mode end-to-end tests: the real engine behind startBrowserServer, the built renderer, Debian Chromium
 * driven by playwright-core. `npm run test:e2e` builds the renderer first.
 */
export default defineConfig({
  root: new URL('../..', import.meta.url).pathname,
  test: {
    include: ['tests/e2e/**/*.e2e.ts'],
    pool: 'forks',
    poolOptions: { forks: { singleFork: true } },
    fileParallelism: false,
    testTimeout: 180_000,
    hookTimeout: 120_000,
    // Real processes and a real browser: give waits room on a slow machine.
    expect: { poll: { timeout: 15_000, interval: 100 } },
    reporters: ['default'],
  },
});
