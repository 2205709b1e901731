import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { runCli } from '../helpers/cli.js';
import { fillLeaving, mountSmallDisk, unmountSmallDisk } from '../helpers/small-disk.js';

const folder = fs.mkdtempSync(path.join(os.tmpdir(), 'gatehouse-restore-full-'));
const disk = path.join(folder, 'disk');
fs.mkdirSync(disk);
const cannotMount = mountSmallDisk(disk, '8m');
if (cannotMount !== null) console.warn(`restore on a full disk skipped: no tmpfs can be mounted here (${cannotMount})`);

/**
 * A restore takes a safety snapshot of the database first; on a disk too full for it, the restore
 * ended with the snapshot's own bare "cannot write snapshot into …: database or disk is full", no
 * hint, and no word of whether the database had been replaced. It had not: now said so, with the room to free.
 */
describe.skipIf(cannotMount !== null)('a restore on a SQLite disk too full for its safety snapshot', () => {
  afterAll(() => {
    unmountSmallDisk(disk);
    fs.rmSync(folder, { recursive: true, force: true });
  });

  it('says nothing was restored and to free room (exit 6), audits it so, and the restore asked again with room finishes', () => {
    const db = path.join(disk, 'gatehouse.db');
    expect(runCli(['update', '--db', db, '--source', 'synthetic:seed=1,count=30', '--no-snapshot']).code).toBe(0);
    const snapshot = (JSON.parse(runCli(['backups', 'create', '--db', db, '--json']).stdout) as { id: string }).id;
    fillLeaving(disk, 100);

    const refused = runCli(['restore', '--db', db, '--backup', snapshot, '--reason', 'bad day', '--operator', 'sam']);
    const said = `restore from snapshot ${snapshot} failed: the safety snapshot of the database as it is, taken first, could not be taken (cannot write snapshot into ${db}.backups: database or disk is full); nothing was restored`;
    expect({ code: refused.code, stderr: refused.stderr }).toEqual({
      code: 6,
      stderr: `gatehouse: ${said}\n  hint: free room on the disk that holds the snapshots (a safety snapshot is about the size of the database), then try again\n`,
    });

    fs.rmSync(path.join(disk, 'filler'));
    const attempts = JSON.parse(runCli(['backups', 'attempts', '--db', db, '--json']).stdout) as { outcome: string; detail: string }[];
    expect(attempts[0]).toMatchObject({ outcome: 'failed', detail: `${said}; reason: bad day` });
    expect(runCli(['restore', '--db', db, '--backup', snapshot, '--reason', 'bad day', '--operator', 'sam']).code).toBe(0);
  });
});
