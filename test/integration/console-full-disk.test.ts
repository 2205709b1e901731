import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { createApi, createInProcessEngineHost } from '../../main/api/index.js';
import { memoryPreferences } from '../../main/api/preferences.js';
import { openStore } from '../../main/store/index.js';
import { tester } from '../helpers/callers.js';
import { runCli } from '../helpers/cli.js';
import { copyLeaving, mountSmallDisk, unmountSmallDisk } from '../helpers/small-disk.js';
import { tempFolderEachTest } from '../helpers/temp-folder.js';

const folder = tempFolderEachTest('gatehouse-console-full-disk-');

/** The console's Start run (runs.start) on `location`: what it started, or the error it refused with. */
async function startFromConsole(location: string): Promise<{ runId: number } | { code?: string; message: string; hint?: unknown }> {
  const store = await openStore(location);
  const engine = createInProcessEngineHost({ location });
  try {
    const api = createApi({ store, engine, transport: 'http', databaseLocation: location, preferences: memoryPreferences({}) });
    return await api['runs.start']({ source: 'synthetic:seed=2,count=30', task: null }, tester);
  } catch (error) {
    const { code, message, hints } = error as { code?: string; message: string; hints?: unknown };
    return { code, message, hint: hints };
  } finally {
    await engine.close();
    await store.close().catch(() => undefined);
  }
}

describe('the console starting a run on a disk that fills up as the run is created', () => {
  it('refuses it with DB_NOT_WRITABLE and the disk-room hint, as gatehouse update does, never a bare driver error', async (context) => {
    const pristine = path.join(folder(), 'pristine.db');
    expect(runCli(['update', '--db', pristine, '--source', 'synthetic:seed=1,count=30', '--no-snapshot']).code).toBe(0);
    // The console's runs take the flags in force: no snapshot, whose copy would meet the full disk first.
    expect(runCli(['flags', 'set', 'ENABLE_SNAPSHOTS', 'false', '--db', pristine, '--reason', 'a full disk test']).code).toBe(0);
    const disk = path.join(folder(), 'disk');
    fs.mkdirSync(disk);
    const cannotMount = mountSmallDisk(disk, '4m');
    if (cannotMount !== null) return context.skip(`cannot mount a tmpfs here: ${cannotMount}`);
    const refusedFull: string[] = [];
    try {
      // Room enough to open (the -shm file, the lock row) but not the run's row: where gatehouse update already said DB_NOT_WRITABLE.
      for (const freeKb of [40, 48, 56]) {
        const outcome = await startFromConsole(copyLeaving(disk, pristine, freeKb));
        if ('runId' in outcome) continue;
        expect(outcome.code, `${freeKb} KB left: ${outcome.message}`).toBe('DB_NOT_WRITABLE');
        if (/disk has room/.test(String(outcome.hint))) refusedFull.push(outcome.message);
      }
    } finally {
      unmountSmallDisk(disk);
    }
    expect(refusedFull).toContainEqual(expect.stringMatching(/^cannot write database .*gatehouse\.db: database or disk is full$/));
  });
});
