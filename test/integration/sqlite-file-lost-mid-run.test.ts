import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { fingerprint, latestCheckpoint } from '../../bench/kill-resume.js';
import type { Fingerprint } from '../../bench/domain-rows.js';
import { printed, runCli, startCli, type CliResult } from '../helpers/cli.js';
import { tempFolderEachTest } from '../helpers/temp-folder.js';
import { makeImmutable } from '../helpers/immutable.js';

/**
 * SQLite file faults met by an update already writing, through the built CLI on a real file: the
 * file deleted or moved away, or made immutable (chattr +i). A run deleted under went on committing
 * its batches into the unlinked file and reported success (exit 0); one whose -shm was made
 * immutable died of SIGBUS (exit 135) with no message, as SQLite's next write into the mapped
 * WAL index faulted. Both now stop `interrupted` (exit 130) naming the file, blaming no record,
 * and a resume once the file is back (the flag lifted) ends as a clean run of the same records.
 * SQLite only: PostgreSQL has no file to lose (a dropped schema refuses writes itself).
 */
const SOURCE = 'synthetic:seed=11,count=20000';
const folder = tempFolderEachTest('gatehouse-file-lost-');
const SIDE_FILES = ['', '-wal', '-shm'];

let cleanFingerprint: Fingerprint;
let cleanFolder: string;

beforeAll(async () => {
  cleanFolder = fs.mkdtempSync(path.join(os.tmpdir(), 'gatehouse-file-lost-clean-'));
  const clean = path.join(cleanFolder, 'clean.db');
  const run = runCli(['update', '--db', clean, '--source', SOURCE, '--no-snapshot', '--json']);
  expect(run.code, run.stderr).toBe(0);
  cleanFingerprint = await fingerprint(clean);
}, 120_000);
afterAll(() => fs.rmSync(cleanFolder, { recursive: true, force: true }));

/** Starts `update` and resolves once its first batch has committed (its checkpoint, polled), with the still-running process. */
async function updateAtFirstCheckpoint(db: string) {
  const cli = startCli(['update', '--db', db, '--source', SOURCE, '--no-snapshot', '--json']);
  let ended = false;
  void cli.done.then(() => (ended = true));
  while ((await latestCheckpoint(db)) === null) {
    if (ended) throw new Error(`update ended before its first checkpoint: ${(await cli.done).stderr}`);
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
  return cli;
}

function expectInterrupted(result: CliResult, reason: RegExp): { metrics: Record<string, number> } {
  expect(result.signal, result.stderr).toBeNull();
  expect(result.code, result.stderr).toBe(130);
  const summary = JSON.parse(result.stdout) as { status: string; error: string; metrics: Record<string, number> };
  expect(summary.status).toBe('interrupted');
  expect(summary.error).toMatch(reason);
  expect(summary.error).toMatch(/nothing was blamed on a record — resume with --resume 1$/);
  expect(summary.metrics.quarantined).toBe(0);
  expect(result.stderr).not.toMatch(/unexpected error/);
  return summary;
}

function escaped(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

function resumeToTheCleanRun(db: string) {
  const resumed = runCli(['update', '--db', db, '--source', SOURCE, '--resume', '1', '--json']);
  expect(resumed.code, resumed.stderr).toBe(0);
  expect(JSON.parse(resumed.stdout)).toMatchObject({ runId: 1, status: 'success', metrics: { fetched: 20_000, quarantined: 0 } });
  return fingerprint(db);
}

describe('an update whose SQLite file is deleted or moved away while it writes', () => {
  it('stops interrupted (exit 130) naming the missing file, instead of committing into the deleted file and reporting success', async () => {
    const db = path.join(folder(), 'g.db');
    const cli = await updateAtFirstCheckpoint(db);
    for (const suffix of SIDE_FILES) fs.rmSync(`${db}${suffix}`, { force: true });
    expectInterrupted(await cli.done, new RegExp(`^the database environment failed: no database at ${escaped(db)};`));
    expect(fs.existsSync(db)).toBe(false);
  }, 120_000);

  it('moved back, holds exactly what the interrupted run said it committed, and resumes to the clean run', async () => {
    const db = path.join(folder(), 'g.db');
    const away = path.join(folder(), 'away.db');
    const cli = await updateAtFirstCheckpoint(db);
    for (const suffix of SIDE_FILES) fs.renameSync(`${db}${suffix}`, `${away}${suffix}`);
    const summary = expectInterrupted(await cli.done, new RegExp(`no database at ${escaped(db)};`));
    for (const suffix of SIDE_FILES) if (fs.existsSync(`${away}${suffix}`)) fs.renameSync(`${away}${suffix}`, `${db}${suffix}`);
    expect((await fingerprint(db)).hearings!.rows).toBe(summary.metrics.added);
    expect(await resumeToTheCleanRun(db)).toEqual(cleanFingerprint);
  }, 120_000);
});


/**
 * Where the flag lands, held there by the CLI's test seam (GATEHOUSE_PAUSE_FIFO) until it is set:
 * between two batches, where the next statement is a read outside a transaction (the batch
 * boundary's flag kills) and no read mark was taken since the last COMMIT; and inside a batch's
 * transaction, refused before its COMMIT. The -shm between batches died of SIGBUS in 3 of 5 runs
 * of this file: the refusals all came, then the run's last raw statement (IntegrityGuard's PRAGMA
 * data_version, unchecked) wrote its read mark into the mapped -shm.
 */
const LANDINGS: { landing: string; env: Record<string, string> }[] = [
  { landing: 'between two batches', env: { GATEHOUSE_PAUSE_AFTER_BATCH: '1' } },
  // Batch 2 of this source (records 115050–115149; the first batch is 50, the next doubles).
  { landing: 'inside a batch', env: { GATEHOUSE_PAUSE_WRITE: '115100' } },
];

/** Starts `update` held at the seam's pause (`env`); `goOn` lets it go on. */
async function updatePausedAt(db: string, env: Record<string, string>) {
  const fifo = path.join(path.dirname(db), 'go-on');
  execFileSync('mkfifo', [fifo]);
  const cli = startCli(['update', '--db', db, '--source', SOURCE, '--no-snapshot', '--json'], { GATEHOUSE_TEST_FAULTS: '1', GATEHOUSE_PAUSE_FIFO: fifo, ...env });
  await printed(cli, /test seam: paused at /);
  return { cli, goOn: () => fs.writeFileSync(fifo, 'go on\n') };
}

describe.each(SIDE_FILES.flatMap((suffix) => LANDINGS.map((landing) => ({ suffix, name: `the database${suffix}`, ...landing }))))(
  'an update whose $name is made immutable (chattr +i) $landing',
  ({ suffix, env }) => {
    it('stops interrupted (exit 130, not SIGBUS) naming the file, and resumes to the clean run once the flag is lifted', async (context) => {
      const db = path.join(folder(), 'g.db');
      const { cli, goOn } = await updatePausedAt(db, env);
      const lift = makeImmutable(`${db}${suffix}`);
      goOn();
      if (lift === null) {
        await cli.done;
        return context.skip('chattr +i is not possible here (not root, or a file system without the attribute)');
      }
      let result: CliResult;
      try {
        result = await cli.done;
      } finally {
        lift();
      }
      const summary = expectInterrupted(result, new RegExp(`cannot write database ${escaped(db)}: ${escaped(`${db}${suffix}`)} was made immutable \\(chattr \\+i\\) while this process had it open`));
      // Batch 1 alone, either way: batch 2 was refused at its BEGIN, or before its COMMIT and rolled back.
      expect(summary.metrics.added).toBe(50);
      expect(await resumeToTheCleanRun(db)).toEqual(cleanFingerprint);
    }, 120_000);
  },
);
