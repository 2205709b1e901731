import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import Database from 'better-sqlite3';
import { describe, expect, it } from 'vitest';
import { printed, runCli, startCli, type CliResult } from '../helpers/cli.js';
import { tempFolderEachTest } from '../helpers/temp-folder.js';
import { goOnWithShmImmutable } from '../helpers/immutable.js';

/**
 * SQLite file faults that land while a command other than update has its database open (withStore:
 * restore, rollback, flags set…), held there by the CLI's test seam (GATEHOUSE_PAUSE_AFTER_OPEN). Those
 * opens never checked the file before writing, as an update's does: a restore into a file moved away
 * reported success into a file no one reads; one whose -shm was made immutable ended with SIGBUS.
 * SQLite only: PostgreSQL has no file or -shm to lose.
 */
const folder = tempFolderEachTest('gatehouse-file-lost-outside-update-');

/** A store of 300 hearings with a manual snapshot of them, then 600: a restore of the snapshot would bring it back to 300. */
function storeWithSnapshot(): { db: string; snapshotId: string } {
  const db = path.join(folder(), 'g.db');
  expect(runCli(['update', '--db', db, '--source', 'synthetic:seed=11,count=300', '--no-snapshot', '--json']).code).toBe(0);
  const snapshot = runCli(['backups', 'create', '--db', db, '--json']);
  expect(snapshot.code, snapshot.stderr).toBe(0);
  expect(runCli(['update', '--db', db, '--source', 'synthetic:seed=11,count=600', '--no-snapshot', '--json']).code).toBe(0);
  return { db, snapshotId: (JSON.parse(snapshot.stdout) as { id: string }).id };
}

/** `args` started and held at the seam once its database is open; `goOn` lets it go on. */
async function pausedAfterOpen(db: string, args: string[]) {
  const fifo = path.join(path.dirname(db), 'go-on');
  execFileSync('mkfifo', [fifo]);
  const cli = startCli(args, { GATEHOUSE_TEST_FAULTS: '1', GATEHOUSE_PAUSE_FIFO: fifo, GATEHOUSE_PAUSE_AFTER_OPEN: '1' });
  await printed(cli, /test seam: paused at the database opened/);
  return { cli, goOn: () => fs.writeFileSync(fifo, 'go on\n') };
}

function hearingsIn(file: string): number {
  const db = new Database(file, { readonly: true });
  try {
    return Number(db.prepare('SELECT count(*) FROM hearings').pluck().get());
  } finally {
    db.close();
  }
}

/**
 * What a command other than update is told to do once its file is gone: put it back and ask again.
 * It was told "(an interrupted run then resumes)", a run no restore, rollback or flag change has.
 */
const PUT_BACK_AND_ASK_AGAIN = 'the database file was deleted or moved while this command had it open: put it back where it was to keep what was written to it, then run the command again';

function expectRefused(result: CliResult, exitCode: number, code: string, message: RegExp): void {
  expect(result.signal, result.stderr).toBeNull();
  expect(result.code, result.stderr).toBe(exitCode);
  expect(JSON.parse(result.stdout)).toMatchObject({ error: { code, message: expect.stringMatching(message) } });
  expect(result.stderr).not.toMatch(/unexpected error/);
}

describe('a command other than update whose SQLite file is lost while it has it open', () => {
  it('refuses a restore into a database file moved away (DB_UNREACHABLE, exit 6) and restores nothing into it', async () => {
    const { db, snapshotId } = storeWithSnapshot();
    const { cli, goOn } = await pausedAfterOpen(db, ['restore', '--db', db, '--backup', snapshotId, '--reason', 'file moved', '--json']);
    const moved = `${db}.moved`;
    fs.renameSync(db, moved);
    goOn();
    const result = await cli.done;
    expectRefused(result, 6, 'DB_UNREACHABLE', /^no database at /);
    expect(JSON.parse(result.stdout).error.hint).toBe(PUT_BACK_AND_ASK_AGAIN);
    fs.renameSync(moved, db);
    expect(hearingsIn(db)).toBe(600);
    const restores = runCli(['backups', 'restores', '--db', db, '--json']);
    expect(JSON.parse(restores.stdout)).toEqual([]);
  }, 120_000);

  it('refuses a restore whose -shm was made immutable with the -shm named (DB_NOT_WRITABLE, exit 2), not SIGBUS', async (context) => {
    const { db, snapshotId } = storeWithSnapshot();
    const result = await goOnWithShmImmutable(db, await pausedAfterOpen(db, ['restore', '--db', db, '--backup', snapshotId, '--reason', 'shm immutable', '--json']));
    if (result === null) return context.skip('chattr +i is not possible here (not root, or a file system without the attribute)');
    expectRefused(result, 2, 'DB_NOT_WRITABLE', /-shm was made immutable \(chattr \+i\) while this process had it open$/);
    expect(hearingsIn(db)).toBe(600);
  }, 120_000);

  it('refuses a flag change into a database file moved away (DB_UNREACHABLE, exit 6) and audits nothing there', async () => {
    const { db } = storeWithSnapshot();
    const { cli, goOn } = await pausedAfterOpen(db, ['flags', 'set', 'BATCH_SIZE', '25', '--db', db, '--reason', 'file moved', '--json']);
    const moved = `${db}.moved`;
    fs.renameSync(db, moved);
    goOn();
    const result = await cli.done;
    expectRefused(result, 6, 'DB_UNREACHABLE', /^no database at /);
    expect(JSON.parse(result.stdout).error.hint).toBe(PUT_BACK_AND_ASK_AGAIN);
    const events = new Database(moved, { readonly: true });
    try {
      expect(events.prepare('SELECT count(*) FROM flag_events').pluck().get()).toBe(0);
    } finally {
      events.close();
    }
  }, 120_000);

  it('refuses a rollback of a run whose database file was moved away (DB_UNREACHABLE, exit 6), rolling back nothing and saying to run it again, not to resume a run', async () => {
    const { db } = storeWithSnapshot();
    const { cli, goOn } = await pausedAfterOpen(db, ['rollback', '--db', db, '--run', '2', '--reason', 'file moved', '--operator', 'ann']);
    const moved = `${db}.moved`;
    fs.renameSync(db, moved);
    goOn();
    const result = await cli.done;
    expect({ code: result.code, signal: result.signal }).toEqual({ code: 6, signal: null });
    expect(result.stderr).toContain(`gatehouse: no database at ${db}\n  hint: ${PUT_BACK_AND_ASK_AGAIN}\n`);
    expect(result.stderr).not.toMatch(/resume/);
    expect(hearingsIn(moved)).toBe(600);
  }, 120_000);
});
