import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['src/**/*.test.ts', 'tests/unit/**/*.test.ts', 'renderer/**/*.test.ts'],
    exclude: ['**/node_modules/**', 'tests/e2e/**'],
    pool: 'forks',
    testTimeout: 60_000,
    hookTimeout: 600_000,
    globalSetup: ['tests/support/global-setup.ts'],
  },
});
