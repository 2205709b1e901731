import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { beforeEach } from 'vitest';

/**
 * A fresh folder under the system's temp folder for each test of the suite it is called in,
 * removed after the test however it ends. Read the returned getter inside a test or a later hook.
 */
export function tempFolderEachTest(prefix: string): () => string {
  let folder: string | null = null;
  beforeEach(() => {
    const made = fs.mkdtempSync(path.join(os.tmpdir(), prefix));
    folder = made;
    return () => fs.rmSync(made, { recursive: true, force: true });
  });
  return () => {
    if (folder === null) throw new Error('tempFolderEachTest: the folder exists only inside a test or a later hook');
    return folder;
  };
}
