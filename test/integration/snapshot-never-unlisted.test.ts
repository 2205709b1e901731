import fs from 'node:fs';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { createSnapshotOnRequest, listSnapshots, snapshotFolder } from '../../main/backup/index.js';
import { runUpdate } from '../../main/engine/index.js';
import { openSource } from '../../main/sources/index.js';
import { sqliteBackend, withStoreAt } from '../helpers/backends.js';
import { runCli, startCli } from '../helpers/cli.js';
import { tempFolderEachTest } from '../helpers/temp-folder.js';

/**
 * A SQLite snapshot is a file beside the database and a line in its manifest; retention, restore
 * and `backups list` read only the manifest. A snapshot whose line cannot be written is not kept:
 * its copy, the size of the database, never stays in the folder counted nowhere. (On PostgreSQL a
 * snapshot's schema and its row are one transaction.)
 */
describe('a SQLite snapshot its manifest cannot list', () => {
  const backend = sqliteBackend();
  afterAll(() => backend.cleanup());

  async function storedDatabase(): Promise<string> {
    const location = await backend.freshLocation();
    await withStoreAt(backend, location, async (store) => {
      expect(await runUpdate({ store, source: await openSource('synthetic:seed=137,count=200') })).toMatchObject({ status: 'success' });
    });
    return location;
  }

  const snapshotFiles = (location: string) => fs.readdirSync(snapshotFolder(location)).filter((name) => name.endsWith('.sqlite')).sort();

  it('refuses, with the manifest named, before copying anything when the manifest cannot be read', async () => {
    const location = await storedDatabase();
    fs.mkdirSync(snapshotFolder(location), { recursive: true });
    const before = snapshotFiles(location);
    fs.writeFileSync(path.join(snapshotFolder(location), 'manifest.json'), '{"snapshots": [');
    await withStoreAt(backend, location, async (store) => {
      await expect(createSnapshotOnRequest(store)).rejects.toMatchObject({ code: 'INPUT_INVALID', message: expect.stringMatching(/snapshot manifest .*manifest\.json is unreadable/) });
    });
    // Before: each attempt left another copy of the database in the folder, listed nowhere.
    expect(snapshotFiles(location)).toEqual(before);
  });

  it('removes its copy when the manifest cannot be written, says so, and the next snapshot is listed', async () => {
    const location = await storedDatabase();
    await withStoreAt(backend, location, async (store) => {
      const listed = (await listSnapshots(store)).map((s) => s.file).sort();
      // What a full disk does to the manifest's new version, made certain: a folder where its temporary file goes.
      const blocker = path.join(snapshotFolder(location), `manifest.json.${process.pid}.tmp`);
      fs.mkdirSync(blocker, { recursive: true });
      await expect(createSnapshotOnRequest(store)).rejects.toMatchObject({
        code: 'DB_NOT_WRITABLE',
        message: expect.stringMatching(/^cannot list snapshot \S+ in .*manifest\.json: .*; its copy was removed, nothing was kept$/),
      });
      // Before: the copy stayed in the folder beside the manifest that does not list it.
      expect(snapshotFiles(location)).toEqual(listed);
      fs.rmdirSync(blocker);
      const taken = await createSnapshotOnRequest(store);
      expect((await listSnapshots(store)).map((s) => s.id)).toContain(taken.id);
      expect(snapshotFiles(location)).toEqual([...listed, taken.file].sort());
    });
  });
});

describe('a SQLite snapshot killed as its copy gets its name', () => {
  const folder = tempFolderEachTest('gatehouse-snapshot-kill-');

  it('leaves no copy in the folder that backups list does not list, and the next snapshot is listed', async () => {
    const database = path.join(folder(), 'gatehouse.db');
    // Large enough that reading its checksum takes a while: the copy used to be named before that read, and listed after it.
    expect(runCli(['update', '--db', database, '--source', 'synthetic:seed=139,count=3000', '--no-snapshot']).code).toBe(0);
    const backups = `${database}.backups`;
    fs.mkdirSync(backups);
    const snapshot = startCli(['backups', 'create', '--db', database, '--json']);
    // The moment a copy has its final name, the process dies, as a power cut or kill -9 would take it.
    const watcher = fs.watch(backups, (_event, name) => {
      if (name !== null && /^[^.]+\.sqlite$/.test(name) && fs.existsSync(path.join(backups, name))) snapshot.child.kill('SIGKILL');
    });
    try {
      await snapshot.done;
    } finally {
      watcher.close();
    }
    const listedFiles = () => (JSON.parse(runCli(['backups', 'list', '--db', database, '--json']).stdout) as { snapshots: { file: string }[] }).snapshots.map((s) => s.file).sort();
    const copies = () => fs.readdirSync(backups).filter((name) => name.endsWith('.sqlite')).sort();
    expect(copies()).toHaveLength(1);
    // Before: the copy, the size of the database, stayed unlisted for good — counted by no retention and no list.
    expect(copies()).toEqual(listedFiles());
    expect(runCli(['backups', 'create', '--db', database]).code).toBe(0);
    expect(copies()).toHaveLength(2);
    expect(copies()).toEqual(listedFiles());
    expect(fs.readdirSync(backups).filter((name) => name.includes('.partial'))).toEqual([]);
  });
});
