import fs from 'node:fs';
import path from 'node:path';
import { build } from 'vite';

const root = path.resolve(import.meta.dirname, '../../renderer');

function newestSourceMs(folder: string): number {
  let newest = 0;
  for (const entry of fs.readdirSync(folder, { withFileTypes: true })) {
    const full = path.join(folder, entry.name);
    newest = Math.max(newest, entry.isDirectory() ? newestSourceMs(full) : fs.statSync(full).mtimeMs);
  }
  return newest;
}

/** Builds renderer/dist when it is missing or older than renderer/src or shared/. */
export async function ensureRendererBuilt(): Promise<string> {
  const dist = path.join(root, 'dist');
  const index = path.join(dist, 'index.html');
  const sources = Math.max(newestSourceMs(path.join(root, 'src')), newestSourceMs(path.resolve(root, '../shared')), fs.statSync(path.join(root, 'index.html')).mtimeMs);
  if (!fs.existsSync(index) || fs.statSync(index).mtimeMs < sources) {
    await build({ configFile: path.join(root, 'vite.config.ts'), logLevel: 'warn' });
  }
  return dist;
}
