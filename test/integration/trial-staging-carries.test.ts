import os from 'node:os';
import { sql } from 'kysely';
import { afterAll, describe, expect, it } from 'vitest';
import { flagStore, setFlag } from '../../main/flags/index.js';
import { addTask } from '../../main/scheduler/index.js';
import { STAGING_KEPT_TABLES, type Store } from '../../main/store/index.js';
import { REPLACED_TABLES, TABLES } from '../../main/store/schema.js';
import { parseTrialSpec, runTrials, seedSyntheticHistory, stagingTargetFor } from '../../main/trials/index.js';
import { saveSensitivity } from '../../main/validation/index.js';
import { testBackends } from '../helpers/backends.js';

const backends = testBackends();
afterAll(async () => {
  for (const backend of backends) await backend.cleanup();
});

/** Five weeks of daily runs, a task with tuned sensitivity, flags at every scope, and a live writer named in the lock row. */
async function tunedSource(store: Store): Promise<void> {
  await seedSyntheticHistory(store, { days: 35, firstDay: new Date('2025-02-24T00:00:00Z') });
  await addTask(store, { name: 'daily', cron: '0 6 * * *', source: 'synthetic:seed=1,count=5' }, new Date('2025-04-01T00:00:00Z'), 'ada');
  await saveSensitivity(store, { task: 'daily', settings: { metrics: { fetched: 'off', duration: 'high' }, minSignals: 1 }, reason: 'noisy feed', operator: 'ada' });
  await setFlag(store, { flag: 'ADAPTIVE_BATCHES', scope: 'global', value: false, reason: 'steady batches', operator: 'ada' });
  await setFlag(store, { flag: 'PAUSE_SCHEDULED_RUNS', scope: 'kill', value: true, reason: 'incident', operator: 'ada' });
  await setFlag(store, { flag: 'BATCH_SIZE', scope: 'task:daily', value: 25, reason: 'smaller pages', operator: 'ada' });
  // The source's writer, alive: it holds nothing in a copy, where it must not keep the trial's runs waiting.
  await sql`INSERT INTO writer_lock (id, run_id, pid, host, since, heartbeat_at) VALUES (1, NULL, ${process.pid}, ${os.hostname()}, ${new Date().toISOString()}, ${new Date(Date.now() + 3_600_000).toISOString()})`.execute(store.queries.db);
}

/** What a trial runs and is judged by, as stored: the same in the staging copy as in the source. */
async function standingConfiguration(store: Store) {
  const rows = async (table: string, order: string) => (await sql.raw<Record<string, unknown>>(`SELECT * FROM ${table} ORDER BY ${order}`).execute(store.queries.db)).rows;
  return {
    flagValues: (await flagStore(store).values()).map(({ flag, scope, valueJson, updatedBy }) => ({ flag, scope, valueJson, updatedBy })),
    flagEvents: (await rows('flag_events', 'id')).map(({ flag, scope, new_json }) => ({ flag, scope, new_json })),
    sensitivity: (await rows('sensitivity_versions', 'id')).map(({ task, version, settings_json }) => ({ task, version: Number(version), settings_json })),
    tasks: (await rows('scheduled_tasks', 'name')).map(({ name, cron, enabled }) => ({ name, cron, enabled: Number(enabled) })),
  };
}

type TrialNumbers = { kind: string; caught: boolean; caughtBy: string[]; verdict: string | null }[];

describe('a staging copy carries what a trial runs and is judged by', () => {
  it('names every table a restore keeps as copied or left out (a new table cannot slip past the PostgreSQL copy)', () => {
    const kept = Object.keys(TABLES).filter((table) => !(REPLACED_TABLES as string[]).includes(table)).sort();
    expect(Object.keys(STAGING_KEPT_TABLES).sort()).toEqual(kept);
    for (const decision of Object.values(STAGING_KEPT_TABLES)) if (decision !== 'copied') expect(decision.leftOut.length).toBeGreaterThan(20);
  });

  it('gives the same flags, sensitivity versions, tasks and per-kind trial results on SQLite and PostgreSQL', async () => {
    const results = new Map<string, TrialNumbers>();
    for (const backend of backends) {
      const source = await backend.freshLocation();
      const store = await backend.open(source);
      let before: Awaited<ReturnType<typeof standingConfiguration>>;
      try {
        await tunedSource(store);
        before = await standingConfiguration(store);
      } finally {
        await store.close();
      }
      const staging = await backend.freshLocation();
      await expect(runTrials({ source, staging: source, injections: [], controls: 1 })).rejects.toMatchObject({ code: 'USAGE' });
      const outcome = await runTrials({ source, staging, injections: ['spike', 'bad-date:0.2'].map(parseTrialSpec), controls: 1 });
      results.set(backend.name, outcome.trials.map(({ kind, caught, caughtBy, verdict }) => ({ kind, caught, caughtBy, verdict })));

      const copy = await backend.open(staging);
      const origin = await backend.open(source);
      try {
        expect(await standingConfiguration(copy), backend.name).toEqual(before);
        // The source is as it was, its writer's row too; the copy names no writer and lists no snapshot of the source's.
        expect(await standingConfiguration(origin)).toEqual(before);
        expect((await sql<{ pid: number }>`SELECT pid FROM writer_lock`.execute(origin.queries.db)).rows).toEqual([{ pid: process.pid }]);
        expect((await sql`SELECT id FROM writer_lock`.execute(copy.queries.db)).rows).toEqual([]);
        expect(await copy.trials.list()).toHaveLength(3);
        const runs = await copy.listRuns({ limit: 3 });
        // A trial run's flags are its label, on both backends (runUpdate is given them; no stored flag is resolved).
        expect(runs.map((run) => JSON.stringify(run.flags)).sort()).toEqual(outcome.trials.map((t) => JSON.stringify({ trial: t.label })).sort());
      } finally {
        await copy.close();
        await origin.close();
      }
      // A second session copies afresh over the first: the copied ids do not collide with the kept ledger's.
      const again = await runTrials({ source, staging, injections: [], controls: 1 });
      expect(again.ledger).toMatchObject({ trials: 4, controls: 2 });
    }
    if (results.size === 2) expect(results.get('postgres')).toEqual(results.get('sqlite'));
    expect(results.get('sqlite')).toEqual(expect.arrayContaining([expect.objectContaining({ kind: 'spike', caught: true }), expect.objectContaining({ kind: 'control', caught: false })]));
  }, 180_000);

  it('refuses a staging schema name that is not an identifier', () => {
    expect(() => stagingTargetFor('postgres://postgres@127.0.0.1:5432/postgres?schema=live', 'bad-name; drop')).toThrow(/letters, digits and underscores/);
  });
});
