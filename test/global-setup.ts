import crypto from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { dropRunSchemas, RUN_TAG_VARIABLE } from './helpers/postgres.js';

/**
 * One temp folder per vitest run: TMPDIR points into it, so every temp folder a test makes (or a
 * process it starts makes) lands there, and the run removes the lot at the end. A test file whose
 * tests are all skipped still runs its setup but never its afterAll, and a failing test may stop
 * before its own cleanup: neither leaves anything in /tmp.
 *
 * PostgreSQL likewise: every schema uniqueSchema names carries this run's tag (inherited by the
 * workers), and the run drops whatever of them a test left, with what Gatehouse derived from them.
 */
export default function globalSetup(): () => Promise<void> {
  const root = fs.mkdtempSync(path.join(os.tmpdir(), 'gatehouse-tests-'));
  process.env.TMPDIR = root;
  const tag = `r${crypto.randomBytes(4).toString('hex')}`;
  process.env[RUN_TAG_VARIABLE] = tag;
  return async () => {
    fs.rmSync(root, { recursive: true, force: true });
    const left = await dropRunSchemas(tag);
    if (left.length > 0) console.warn(`PostgreSQL schemas a test left behind, dropped at the end of the run: ${left.join(', ')}`);
  };
}
