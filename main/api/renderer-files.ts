import fs from 'node:fs';
import path from 'node:path';

const CONTENT_TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.ico': 'image/x-icon',
  '.json': 'application/json',
  '.woff2': 'font/woff2',
};

export interface RendererFile {
  body: Buffer;
  contentType: string;
}

/**
 * A file of the built console, for `gatehouse serve` and the app:// protocol alike. Nothing
 * outside `root` is ever served; with `fallbackToIndex` an unknown path gets the page itself.
 */
export function rendererFile(root: string, pathname: string, options: { fallbackToIndex: boolean }): RendererFile | null {
  const resolvedRoot = path.resolve(root);
  let file = path.resolve(resolvedRoot, `.${decodeURIComponent(pathname === '/' ? '/index.html' : pathname)}`);
  if (!file.startsWith(resolvedRoot + path.sep)) return null;
  if (!fs.existsSync(file) || fs.statSync(file).isDirectory()) {
    if (!options.fallbackToIndex) return null;
    file = path.join(resolvedRoot, 'index.html');
    if (!fs.existsSync(file)) return null;
  }
  return { body: fs.readFileSync(file), contentType: CONTENT_TYPES[path.extname(file)] ?? 'application/octet-stream' };
}
