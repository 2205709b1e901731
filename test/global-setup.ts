import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';

/**
 * One temp folder per vitest run: TMPDIR points into it, so every temp folder a test makes (or a
 * process it starts makes) lands there, and the run removes the lot at the end. A test file whose
 * tests are all skipped still runs its setup but never its afterAll, and a failing test may stop
 * before its own cleanup: neither leaves anything in /tmp.
 */
export default function globalSetup(): () => void {
  const root = fs.mkdtempSync(path.join(os.tmpdir(), 'gatehouse-tests-'));
  process.env.TMPDIR = root;
  return () => fs.rmSync(root, { recursive: true, force: true });
}
