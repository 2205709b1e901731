import fs from 'node:fs';
import path from 'node:path';
import Database from 'better-sqlite3';
import { afterAll, describe, expect, it } from 'vitest';
import { runFlaggedUpdate } from '../../main/scheduler/index.js';
import { openSource } from '../../main/sources/index.js';
import type { Store } from '../../main/store/index.js';
import { sqliteBackend, withFreshStore } from '../helpers/backends.js';

/**
 * The integrity policy with the store kept open between runs, as the bench and a long-lived
 * process keep it: the whole-file quick_check (issue 13 #5) only when the file is not as the last
 * verified run left it (issue 12 #6: a run's cost must not grow with the database).
 */
const backend = sqliteBackend();
afterAll(() => backend.cleanup());

async function update(store: Store, spec: string, options: { full?: boolean } = {}) {
  const { summary } = await runFlaggedUpdate({ store, source: await openSource(spec), task: null, snapshots: false, fullIntegrityCheck: options.full });
  expect(summary.status).toBe('success');
  return summary.snapshot!.integrity!;
}

describe('the integrity check of a store kept open between runs', () => {
  it('reads the whole file on the first run only, and the reason is stored with each run', () =>
    withFreshStore(backend, async (store) => {
      expect((await update(store, 'synthetic:seed=1,count=30')).check).toBe('full');
      const second = await update(store, 'synthetic:seed=1,offset=30,count=30');
      expect(second.check).toBe('skipped');
      const [latest] = await store.listRuns({ limit: 1 });
      expect(latest!.snapshot!.integrity).toEqual(second);
      expect((await update(store, 'synthetic:seed=1,offset=60,count=30')).check).toBe('skipped');
    }));

  it('checks in full after another connection committed, or when the record of the last run is gone or unreadable', () =>
    withFreshStore(backend, async (store) => {
      await update(store, 'synthetic:seed=2,count=30');
      const other = new Database(store.location);
      other.exec("UPDATE hearings SET title = 'edited elsewhere' WHERE rowid = 1");
      other.close();
      expect(await update(store, 'synthetic:seed=2,offset=30,count=10')).toMatchObject({ check: 'full', reason: expect.stringMatching(/not as the last verified run left it: its (database|WAL) file/) });
      expect((await update(store, 'synthetic:seed=2,offset=40,count=10')).check).toBe('skipped');
      fs.writeFileSync(`${store.location}.verified.json`, 'not json');
      expect(await update(store, 'synthetic:seed=2,offset=50,count=10')).toEqual({ check: 'full', reason: 'quick_check passed; the file is not as the last verified run left it: no verified run has recorded it' });
      fs.rmSync(`${store.location}.verified.json`);
      expect((await update(store, 'synthetic:seed=2,offset=60,count=10')).check).toBe('full');
    }));

  it('leaves no partial record behind when the disk is full as the record is written, and checks in full next', () =>
    withFreshStore(backend, async (store) => {
      const partial = `${store.location}.verified.json.partial`;
      // A real ENOSPC from the kernel: the record's partial file is written through to /dev/full.
      fs.symlinkSync('/dev/full', partial);
      await update(store, 'synthetic:seed=5,count=30');
      expect(fs.existsSync(`${store.location}.verified.json`)).toBe(false);
      expect(fs.readdirSync(path.dirname(store.location)).filter((name) => name.endsWith('.partial'))).toEqual([]);
      expect(await update(store, 'synthetic:seed=5,offset=30,count=10')).toEqual({ check: 'full', reason: 'quick_check passed; the file is not as the last verified run left it: no verified run has recorded it' });
      expect((await update(store, 'synthetic:seed=5,offset=40,count=10')).check).toBe('skipped');
    }));

  it('runs the full check when asked, even on an untouched file', () =>
    withFreshStore(backend, async (store) => {
      await update(store, 'synthetic:seed=3,count=30');
      expect(await update(store, 'synthetic:seed=3,offset=30,count=10', { full: true })).toEqual({ check: 'full', reason: 'quick_check passed; asked for' });
    }));

  it('vouches for nothing after a run that began with a file another connection then changed', () =>
    withFreshStore(backend, async (store) => {
      await update(store, 'synthetic:seed=4,count=30');
      expect((await store.checkIntegrity()).check).toBe('skipped');
      const other = new Database(store.location);
      other.exec("UPDATE hearings SET title = 'edited during the run' WHERE rowid = 1");
      other.close();
      await store.recordVerifiedRun();
      expect(fs.existsSync(`${store.location}.verified.json`)).toBe(false);
    }));
});
