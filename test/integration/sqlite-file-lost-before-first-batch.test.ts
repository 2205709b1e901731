import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { printed, runCli, startCli, type CliResult } from '../helpers/cli.js';
import { tempFolderEachTest } from '../helpers/temp-folder.js';
import { goOnWithShmImmutable, makeImmutable } from '../helpers/immutable.js';

/**
 * SQLite file faults that land after an update opened its database and before its first batch,
 * through the built CLI on a real file, held there by the CLI's test seam (GATEHOUSE_PAUSE_AFTER_OPEN):
 * the statements a run makes before its own writes — the integrity check, the writer lock's first
 * look, the snapshot — met them unchecked. No run exists yet, so the update ends with the clear
 * error alone (exit 2), as a command that is not an update does, never SIGBUS or an unexpected error.
 * SQLite only: PostgreSQL has no file, -shm or snapshot folder to lose.
 */
const folder = tempFolderEachTest('gatehouse-file-lost-early-');

/** A store with one run in it, then a second update held at the seam once it has opened the store; `goOn` lets it go on. */
async function updatePausedAfterOpen(db: string, args: string[] = []) {
  const first = runCli(['update', '--db', db, '--source', 'synthetic:seed=11,count=300', '--no-snapshot', '--json']);
  expect(first.code, first.stderr).toBe(0);
  const fifo = path.join(path.dirname(db), 'go-on');
  execFileSync('mkfifo', [fifo]);
  const cli = startCli(['update', '--db', db, '--source', 'synthetic:seed=11,count=600', '--json', ...args], {
    GATEHOUSE_TEST_FAULTS: '1', GATEHOUSE_PAUSE_FIFO: fifo, GATEHOUSE_PAUSE_AFTER_OPEN: '1',
  });
  await printed(cli, /test seam: paused at the database opened/);
  return { cli, goOn: () => fs.writeFileSync(fifo, 'go on\n') };
}

function expectRefusedBeforeTheRun(result: CliResult, code: string, message: RegExp): void {
  expect(result.signal, result.stderr).toBeNull();
  expect(result.code, result.stderr).toBe(2);
  expect(JSON.parse(result.stdout)).toMatchObject({ error: { code, message: expect.stringMatching(message) } });
  expect(result.stderr).not.toMatch(/unexpected error/);
}

function escaped(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

/** The store as the first run left it: the next update is run 2 and succeeds. */
function expectTheNextUpdateToBeRunTwo(db: string): void {
  const next = runCli(['update', '--db', db, '--source', 'synthetic:seed=11,count=600', '--no-snapshot', '--json']);
  expect(next.code, next.stderr).toBe(0);
  expect(JSON.parse(next.stdout)).toMatchObject({ runId: 2, status: 'success', metrics: { fetched: 600, quarantined: 0 } });
}

describe('an update whose SQLite file is lost between opening it and its first batch', () => {
  it.for<{ check: string; args: string[] }>([{ check: 'skipped', args: [] }, { check: 'full', args: ['--full-integrity-check'] }])(
    'refuses with the -shm named (exit 2, not SIGBUS) when the -shm is made immutable after another process committed (integrity check $check)',
    { timeout: 120_000 },
    async ({ args }, context) => {
      const db = path.join(folder(), 'g.db');
      const result = await goOnWithShmImmutable(db, await updatePausedAfterOpen(db, args));
      if (result === null) return context.skip('chattr +i is not possible here (not root, or a file system without the attribute)');
      expectRefusedBeforeTheRun(result, 'DB_NOT_WRITABLE', new RegExp(`^cannot write database ${escaped(db)}: ${escaped(`${db}-shm`)} was made immutable \\(chattr \\+i\\)`));
      expectTheNextUpdateToBeRunTwo(db);
    },
  );

  it('refuses the snapshot it cannot make (exit 2, DB_NOT_WRITABLE) when the database folder is made immutable, instead of an unexpected EPERM', async (context) => {
    const db = path.join(folder(), 'g.db');
    const { cli, goOn } = await updatePausedAfterOpen(db, ['--snapshot']);
    const lift = makeImmutable(path.dirname(db));
    goOn();
    let result: CliResult;
    try {
      result = await cli.done;
    } finally {
      lift?.();
    }
    if (lift === null) return context.skip('chattr +i is not possible here (not root, or a file system without the attribute)');
    expectRefusedBeforeTheRun(result, 'DB_NOT_WRITABLE', new RegExp(`^cannot write snapshot into ${escaped(`${db}.backups`)}: EPERM`));
    expect(fs.existsSync(`${db}.backups`)).toBe(false);
    expectTheNextUpdateToBeRunTwo(db);
  }, 120_000);
});
