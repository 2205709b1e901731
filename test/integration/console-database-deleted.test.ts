import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { createApi, createInProcessEngineHost } from '../../main/api/index.js';
import { memoryPreferences } from '../../main/api/preferences.js';
import { openStore } from '../../main/store/index.js';
import { toErrorPayload } from '../../shared/errors.js';
import { tester } from '../helpers/callers.js';
import { runCli } from '../helpers/cli.js';
import { tempFolderEachTest } from '../helpers/temp-folder.js';

const folder = tempFolderEachTest('gatehouse-console-database-deleted-');

describe('the console whose SQLite file was deleted while it served', () => {
  it('refuses Start run and a rollback preview with DB_UNREACHABLE, creating no new database whose run 1 would repeat a shown one', async () => {
    const location = path.join(folder(), 'gatehouse.db');
    const first = runCli(['update', '--db', location, '--source', 'synthetic:seed=1,count=30', '--no-snapshot']);
    expect(first.code, first.stderr).toBe(0);
    const store = await openStore(location);
    const engine = createInProcessEngineHost({ location });
    const refusal = (error: unknown) => ({ code: (error as { code?: string }).code, message: (error as Error).message });
    try {
      const api = createApi({ store, engine, transport: 'http', databaseLocation: location, preferences: memoryPreferences({}) });
      for (const name of ['gatehouse.db', 'gatehouse.db-wal', 'gatehouse.db-shm']) fs.rmSync(path.join(folder(), name), { force: true });

      const started = await api['runs.start']({ source: 'synthetic:seed=2,count=30', task: null }, tester).then((value) => ({ started: value }), refusal);
      expect(started).toEqual({ code: 'DB_UNREACHABLE', message: `no database at ${location}` });
      const previewed = await api['rollback.preview']({ runId: 1, batchSeq: null, onConflict: 'refuse' }, tester).then((value) => ({ previewed: value }), refusal);
      expect(previewed).toMatchObject({ code: 'DB_UNREACHABLE' });
      expect(fs.existsSync(location)).toBe(false);
    } finally {
      await engine.close();
      await store.close().catch(() => undefined);
    }
  });

  it('tells the console what happened to its database, not to check a --db it never had', async () => {
    const location = path.join(folder(), 'gatehouse.db');
    expect(runCli(['update', '--db', location, '--source', 'synthetic:seed=1,count=30', '--no-snapshot']).code).toBe(0);
    const store = await openStore(location);
    const engine = createInProcessEngineHost({ location });
    try {
      const api = createApi({ store, engine, transport: 'http', databaseLocation: location, preferences: memoryPreferences({}) });
      for (const name of ['gatehouse.db', 'gatehouse.db-wal', 'gatehouse.db-shm']) fs.rmSync(path.join(folder(), name), { force: true });
      const started = await api['runs.start']({ source: 'synthetic:seed=2,count=30', task: null }, tester).then(() => null, (error: unknown) => toErrorPayload(error, 'console'));
      expect(started).toEqual({
        code: 'DB_UNREACHABLE',
        message: `no database at ${location}`,
        hint: 'the database was deleted or moved after the console opened it: put it back where it was, or restart the console to start a new, empty one',
      });
    } finally {
      await engine.close();
      await store.close().catch(() => undefined);
    }
  });
});
