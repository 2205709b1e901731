import vue from '@vitejs/plugin-vue';
import { defineConfig } from 'vite';

// No node: imports here: the lint rule for renderer/ forbids them, and a URL is enough.
const here = decodeURIComponent(new URL('.', import.meta.url).pathname);

/** Browser mode build (`npm run build:renderer`): `gatehouse serve` serves renderer/dist. */
export default defineConfig({
  root: here,
  base: './',
  plugins: [vue()],
  build: {
    outDir: `${here}dist`,
    emptyOutDir: true,
    // Chart.js is most of the bundle; one file is fine for a local console.
    chunkSizeWarningLimit: 1_000,
    rollupOptions: {
      // zod ships comments Rollup cannot place; harmless, and noisy on every build.
      onwarn(warning, warn) {
        if (warning.code !== 'INVALID_ANNOTATION') warn(warning);
      },
    },
  },
});
