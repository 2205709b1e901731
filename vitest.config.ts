import vue from '@vitejs/plugin-vue';
import { defineConfig } from 'vitest/config';

export default defineConfig({
  // Compiles .vue files for the renderer's component tests (test/unit/renderer, happy-dom).
  plugins: [vue()],
  test: {
    include: ['test/unit/**/*.test.ts', 'test/integration/**/*.test.ts'],
    // Two forks on a 2-core machine (vitest's default is one fewer than the cores, so one): most files wait on a
    // spawned CLI or PostgreSQL, and a second file fills that core. Tests wait for states, not clocks, so the cost
    // of sharing is time alone, which the longer timeouts allow for.
    testTimeout: 120_000,
    hookTimeout: 120_000,
    pool: 'forks',
    maxWorkers: 2,
    globalSetup: ['test/global-setup.ts'],
    setupFiles: ['test/setup.ts'],
  },
});
