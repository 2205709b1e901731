// Second step of `npm run build`, after tsc: bundles the CLI (dist/main/cli.js) and the engine's
// worker thread (dist/main/api/engine-worker.js) into dist/cli/, which bin/gatehouse.js runs.
//
// Why: unbundled, every `gatehouse` command spent ~0.7 s of CPU before doing anything, resolving and
// compiling ~320 ES modules of dist/ plus zod's and kysely's trees one file at a time (bench/cli-start.ts
// measures it). One minified file per lazily loaded command (code splitting keeps main/cli.ts's
// per-command dynamic imports lazy) is compiled in a fraction of that.
//
// dist/main stays as tsc left it: the tests, the benches and electron-vite import it.
// Every output file sits in the one folder, so `new URL('./engine-worker.js', import.meta.url)` in
// main/api/worker-engine-host.ts finds the worker from whichever chunk it ended up in, and
// `gatehouse serve` still finds renderer/dist by walking up to package.json.
import { build } from 'esbuild';
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const outdir = path.join(root, 'dist/cli');

fs.rmSync(outdir, { recursive: true, force: true });
await build({
  absWorkingDir: root,
  entryPoints: ['dist/main/cli.js', 'dist/main/api/engine-worker.js'],
  entryNames: '[name]',
  outdir,
  bundle: true,
  splitting: true,
  format: 'esm',
  platform: 'node',
  target: 'node20',
  minify: true,
  sourcemap: true,
  // Native addons load from node_modules as before; pg-native and electron are optional and never installed for the CLI.
  external: ['better-sqlite3', 'pg-native', 'electron'],
  banner: {
    js: [
      // CommonJS packages (commander, pg) call require() for Node's built-ins; an ES module has none of its own.
      "import { createRequire as __gatehouseRequire } from 'node:module';",
      'const require = __gatehouseRequire(import.meta.url);',
      // --debug prints stack traces: map them back to dist/main and the TypeScript (reading the maps costs time, so only then).
      "if (process.argv.includes('--debug')) process.setSourceMapsEnabled(true);",
    ].join(' '),
  },
  logLevel: 'warning',
});
