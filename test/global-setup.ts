import crypto from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { dropRunSchemas, NAMED_SCHEMAS_VARIABLE, RUN_TAG_VARIABLE, schemasNamed } from './helpers/postgres.js';

/**
 * One temp folder per vitest run: TMPDIR points into it, so every temp folder a test makes (or a
 * process it starts makes) lands there, and the run removes the lot at the end. A test file whose
 * tests are all skipped still runs its setup but never its afterAll, and a failing test may stop
 * before its own cleanup: neither leaves anything in /tmp.
 *
 * PostgreSQL likewise: every schema uniqueSchema names carries this run's tag (inherited by the
 * workers), and the run drops whatever of them a test left, with what Gatehouse derived from them —
 * also the snapshots of one a test dropped itself, found by the names noted as they were given.
 */
export default function globalSetup(): () => Promise<void> {
  const root = fs.mkdtempSync(path.join(os.tmpdir(), 'gatehouse-tests-'));
  process.env.TMPDIR = root;
  const tag = `r${crypto.randomBytes(4).toString('hex')}`;
  process.env[RUN_TAG_VARIABLE] = tag;
  const named = path.join(root, 'postgres-schemas-named.txt');
  process.env[NAMED_SCHEMAS_VARIABLE] = named;
  return async () => {
    const everyName = schemasNamed(named);
    fs.rmSync(root, { recursive: true, force: true });
    const left = await dropRunSchemas(tag, everyName);
    if (left.length > 0) console.warn(`PostgreSQL schemas a test left behind, dropped at the end of the run: ${left.join(', ')}`);
  };
}
