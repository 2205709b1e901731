import fs from 'node:fs';
import { createRequire } from 'node:module';

/** The path `require('electron')` names, when that binary was actually downloaded. */
export function findElectronBinary(): string | null {
  try {
    const binary = createRequire(import.meta.url)('electron') as unknown;
    return typeof binary === 'string' && fs.existsSync(binary) ? binary : null;
  } catch {
    return null;
  }
}
