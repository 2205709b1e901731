import fs from 'node:fs';
import path from 'node:path';
import { GatehouseError } from '../../shared/errors.js';

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
 * outside `root` is ever served — not by `..`, and not through a symlink inside the build that
 * leads out of it (real paths are compared); with `fallbackToIndex` an unknown path gets the page
 * itself. A path whose percent-encoding is malformed is refused as INPUT_INVALID.
 */
export function rendererFile(root: string, pathname: string, options: { fallbackToIndex: boolean }): RendererFile | null {
  const realRoot = realPath(path.resolve(root));
  if (realRoot === null) return null;
  const candidate = path.resolve(realRoot, `.${decodePath(pathname === '/' ? '/index.html' : pathname)}`);
  if (!within(realRoot, candidate)) return null;
  const real = realPath(candidate);
  if (real !== null && !within(realRoot, real)) return null;
  if (real !== null && fs.statSync(real).isFile()) return read(real);
  if (!options.fallbackToIndex) return null;
  const index = realPath(path.join(realRoot, 'index.html'));
  return index !== null && within(realRoot, index) ? read(index) : null;
}

function within(realRoot: string, file: string): boolean {
  return file.startsWith(realRoot + path.sep);
}

function read(file: string): RendererFile {
  return { body: fs.readFileSync(file), contentType: CONTENT_TYPES[path.extname(file)] ?? 'application/octet-stream' };
}

function realPath(file: string): string | null {
  try {
    return fs.realpathSync(file);
  } catch {
    return null;
  }
}

function decodePath(pathname: string): string {
  try {
    return decodeURIComponent(pathname);
  } catch {
    throw new GatehouseError('INPUT_INVALID', 'the path has malformed percent-encoding');
  }
}
