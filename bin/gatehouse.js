#!/usr/bin/env node
// The bundled CLI (scripts/bundle-cli.mjs, part of `npm run build`): one file per command starts far faster than dist/main's modules.
import '../dist/cli/cli.js';
