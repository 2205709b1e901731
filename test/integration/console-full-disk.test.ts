import { describe, expect, it } from 'vitest';
import { createApi, createInProcessEngineHost } from '../../main/api/index.js';
import { memoryPreferences } from '../../main/api/preferences.js';
import { openStore } from '../../main/store/index.js';
import { tester } from '../helpers/callers.js';
import { databaseOnSmallDisk } from '../helpers/small-disk.js';
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
    const refusedFull: string[] = [];
    // The console's runs take the flags in force: no snapshot, whose copy would meet the full disk first.
    const noSnapshots = ['flags', 'set', 'ENABLE_SNAPSHOTS', 'false', '--reason', 'a full disk test'];
    const cannotMount = await databaseOnSmallDisk(folder(), '4m', [noSnapshots], async (copyWithRoom) => {
      // Room enough to open (the -shm file, the lock row) but not the run's row: where gatehouse update already said DB_NOT_WRITABLE.
      for (const freeKb of [40, 48, 56]) {
        const outcome = await startFromConsole(copyWithRoom(freeKb));
        if ('runId' in outcome) continue;
        expect(outcome.code, `${freeKb} KB left: ${outcome.message}`).toBe('DB_NOT_WRITABLE');
        if (/disk has room/.test(String(outcome.hint))) refusedFull.push(outcome.message);
      }
    });
    if (cannotMount !== null) return context.skip(`cannot mount a tmpfs here: ${cannotMount}`);
    expect(refusedFull).toContainEqual(expect.stringMatching(/^cannot write database .*gatehouse\.db: database or disk is full$/));
  });
});

describe('the console writing anything else to a disk that fills up', () => {
  it('refuses a flag change with DB_NOT_WRITABLE and the disk-room hint, as runs.start does, never INTERNAL "database or disk is full"', async (context) => {
    const refusals: { code?: string; message: string; hint?: unknown }[] = [];
    const cannotMount = await databaseOnSmallDisk(folder(), '4m', [], async (copyWithRoom) => {
      const location = copyWithRoom(48);
      const store = await openStore(location);
      const engine = createInProcessEngineHost({ location });
      try {
        const api = createApi({ store, engine, transport: 'http', databaseLocation: location, preferences: memoryPreferences({}) });
        // Each change keeps a 1,900-character reason in the audit: a few fill the room left.
        for (let change = 1; change <= 40 && refusals.length === 0; change += 1) {
          await api['flags.set']({ flag: 'BATCH_SIZE', scope: 'global', value: 40 + change, reason: `change ${change} ${'x'.repeat(1_900)}` }, tester).catch((error: unknown) => {
            const { code, message, hints } = error as { code?: string; message: string; hints?: unknown };
            refusals.push({ code, message, hint: hints });
          });
        }
      } finally {
        await engine.close();
        await store.close().catch(() => undefined);
      }
    });
    if (cannotMount !== null) return context.skip(`cannot mount a tmpfs here: ${cannotMount}`);
    expect(refusals).toEqual([{ code: 'DB_NOT_WRITABLE', message: expect.stringMatching(/^cannot write database .*gatehouse\.db: database or disk is full$/), hint: expect.stringMatching(/disk has room/) }]);
  });
});
