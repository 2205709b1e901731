import { defineConfig } from 'vitest/config';

/** Browser and Electron end-to-end suites (`npm run test:e2e`); they build the renderer first. */
export default defineConfig({
  test: {
    include: ['test/e2e/**/*.e2e.test.ts'],
    testTimeout: 120_000,
    hookTimeout: 180_000,
    pool: 'forks',
    globalSetup: ['test/global-setup.ts'],
    setupFiles: ['test/setup.ts'],
    fileParallelism: false,
    // expect.poll waits for the UI as a locator does; vitest's 1 s default is short on a loaded 2-core CI machine.
    expect: { poll: { timeout: 30_000 } },
  },
});
