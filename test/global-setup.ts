import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';

/**
 * One temp folder per vitest run, holding every test file's data folder (test/setup.ts). A file
 * whose tests are all skipped runs its setup but never its afterAll, so the run removes the lot.
 */
export default function globalSetup(): () => void {
  const root = fs.mkdtempSync(path.join(os.tmpdir(), 'gatehouse-tests-'));
  process.env.GATEHOUSE_TEST_ROOT = root;
  return () => fs.rmSync(root, { recursive: true, force: true });
}
