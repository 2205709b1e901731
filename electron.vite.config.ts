import { resolve } from 'node:path';
import vue from '@vitejs/plugin-vue';
import { defineConfig } from 'electron-vite';

const root = import.meta.dirname;

/**
 * `electron-vite build` → out/main (main + engine worker, CJS), out/preload (one CJS file: a
 * sandboxed preload cannot load ESM or require npm packages), out/renderer (the same Vue app as
 * browser mode). Native modules stay external and are unpacked from the asar (electron-builder.yml).
 */
export default defineConfig({
  main: {
    build: {
      outDir: 'out/main',
      externalizeDeps: true,
      rollupOptions: {
        input: { index: resolve(root, 'main/electron/main.ts'), 'engine-worker': resolve(root, 'main/api/engine-worker.ts') },
        output: { format: 'cjs', entryFileNames: '[name].cjs' },
      },
    },
  },
  preload: {
    build: {
      outDir: 'out/preload',
      // Bundle zod and shared/ into the preload: the sandbox can require only electron.
      externalizeDeps: false,
      rollupOptions: {
        input: { index: resolve(root, 'main/electron/preload.ts') },
        external: ['electron'],
        output: { format: 'cjs', entryFileNames: '[name].cjs' },
      },
    },
  },
  renderer: {
    root: resolve(root, 'renderer'),
    base: './',
    plugins: [vue()],
    build: {
      outDir: 'out/renderer',
      rollupOptions: { input: resolve(root, 'renderer/index.html') },
    },
  },
});
