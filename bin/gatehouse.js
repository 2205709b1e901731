#!/usr/bin/env node
// The bundled CLI (scripts/bundle-cli.mjs, part of `npm run build`): one file per command starts far faster than dist/main's modules.
// --debug prints stack traces mapped to the TypeScript: the maps are switched on before the first chunk loads (a static
// import would load the chunks cli.js imports before any code of theirs could switch them on, and their frames stay minified).
if (process.argv.includes('--debug')) process.setSourceMapsEnabled(true);
await import('../dist/cli/cli.js');
