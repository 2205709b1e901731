import { afterAll, describe, expect, it } from 'vitest';
import type { RunMode } from '../../shared/run.js';
import { setFlag, unsetFlag } from '../../main/flags/index.js';
import { runFlaggedUpdate } from '../../main/scheduler/index.js';
import type { Store } from '../../main/store/index.js';
import { testBackends, withStoreAt, type TestBackend } from '../helpers/backends.js';
import { countedQueries } from '../helpers/counted-queries.js';
import { arraySource, hearingRecords } from '../helpers/records.js';

const RECORDS = 40;
const BATCH = 10;

/**
 * What support does to the flags while the run waits on its source, and what the run is then let
 * do before its source goes on: read the halts stored twice more, or look at the halt requests
 * (SQLite) five times more. Either way it has looked at the change and acted on what it saw.
 */
interface Step {
  change(support: Store): Promise<(() => void) | void>;
  waitFor: 'reads' | 'looks';
}

const haltOther: Step = { waitFor: 'reads', change: async (support) => void (await setFlag(support, { flag: 'HALT_UPDATES', value: 'true', scope: 'task:other', reason: 'other feed broken', operator: 'ops-bo' })) };
const liftOther: Step = { waitFor: 'reads', change: async (support) => void (await unsetFlag(support, { flag: 'HALT_UPDATES', scope: 'task:other', reason: 'other feed fixed', operator: 'ops-bo' })) };
/** On SQLite: a halt of another task being set, its request pending beside the database (its writer waiting for the write lock); withdrawn after the wait. */
const requestHaltOther: Step = {
  waitFor: 'looks',
  change: async (support) => {
    const id = support.writerNotes!.leave({ flag: 'HALT_UPDATES', scope: 'task:other', valueJson: 'true', updatedAt: new Date().toISOString(), updatedBy: 'ops-bo', reason: 'other feed broken' }, new Date(Date.now() + 60_000));
    return () => void support.writerNotes!.withdraw(id);
  },
};

/**
 * A run of task `daily` whose source waits before records 5, 15 and 25 (mid-batch) while `steps[i]`
 * is done and looked at. Its batches, and how often it read the flags (what a yes of its stop
 * watch costs: a window ended early, a safe point), are returned.
 */
async function dailyRun(backend: TestBackend, mode: RunMode, steps: readonly Step[]) {
  const db = await backend.freshLocation();
  return withStoreAt(backend, db, (store) => withStoreAt(backend, db, async (support) => {
    for (const [flag, value] of [['BATCH_SIZE', String(BATCH)], ['ADAPTIVE_BATCHES', 'false']] as const) await setFlag(support, { flag, value, scope: 'global', reason: 'test setup', operator: 'setup' });
    // The run alone: no halt anywhere. Otherwise another task's, stored before it starts.
    if (steps.length > 0) await haltOther.change(support);
    const waiting = { reads: [] as (() => void)[], looks: [] as (() => void)[] };
    const seen = (kind: Step['waitFor']) => {
      for (const resume of waiting[kind].splice(0)) resume();
    };
    const notes = store.writerNotes && Object.assign(Object.create(store.writerNotes) as NonNullable<Store['writerNotes']>, {
      pending: () => {
        const pending = store.writerNotes!.pending();
        seen('looks');
        return pending;
      },
    });
    const watched = new Proxy(store, {
      get(target, property) {
        if (property === 'writerNotes') return notes;
        const value = Reflect.get(target, property, target) as unknown;
        if (property !== 'haltsStored') return typeof value === 'function' ? value.bind(target) : value;
        return async () => {
          const stored = await target.haltsStored();
          seen('reads');
          return stored;
        };
      },
    });
    const after = async (kind: Step['waitFor']) => {
      for (let i = 0; i < (kind === 'reads' ? 2 : 5); i++) await new Promise<void>((resolve) => waiting[kind].push(resolve));
    };
    const records = hearingRecords(RECORDS, 850000);
    const source = { ...arraySource(records), async *items() {
      for (let position = 0; position < records.length; position += 1) {
        const step = steps[(position - 5) / 10];
        if (position % 10 === 5 && step) {
          const undo = await step.change(support);
          await after(step.waitFor);
          undo?.();
        }
        yield { position, raw: records[position] };
      }
    } };
    const { result, statements } = await countedQueries(store, () => runFlaggedUpdate({ store: watched, source, task: 'daily', mode, snapshots: false }));
    expect(result.summary).toMatchObject({ status: 'success', flagChanges: [] });
    expect(result.summary.metrics.added).toBe(RECORDS);
    const batches = (await store.getRun(result.summary.runId))!.batchList.map((batch) => batch.written);
    return { batches, flagReads: statements.filter((s) => /from "flag_values"/i.test(s.sql)).length };
  }));
}

describe.each(testBackends())('HALT_UPDATES of another task costs a run nothing ($name)', (backend) => {
  afterAll(() => backend.cleanup());

  it('a batch run waiting on its source keeps its batches and its flag reads through another task\'s halt stored before it, lifted, set again and requested', async () => {
    const alone = await dailyRun(backend, 'batch', []);
    expect(alone.batches).toEqual([10, 10, 10, 10]);
    const steps = backend.name === 'sqlite' ? [liftOther, haltOther, requestHaltOther] : [liftOther, haltOther];
    expect(await dailyRun(backend, 'batch', steps)).toEqual(alone);
  }, 60_000);

  it('an all-or-nothing run waiting on its source does not run its safe point for another task\'s halt (stored before it, lifted and set again; requested on SQLite)', async () => {
    const alone = await dailyRun(backend, 'all-or-nothing', []);
    // On SQLite the run holds the file: no halt can be stored meanwhile, only requested.
    const steps = backend.name === 'sqlite' ? [requestHaltOther] : [liftOther, haltOther];
    expect(await dailyRun(backend, 'all-or-nothing', steps)).toEqual(alone);
  }, 60_000);
});
