import { sql, type Selectable, type SelectQueryBuilder } from 'kysely';
import type { Anomaly } from '../../../shared/validation.js';
import { slices } from '../../../shared/slices.js';
import { foldAnomalousRuns } from '../../validation/anomaly-folds.js';
import type { Db } from '../driver.js';
import type { Database } from '../schema.js';
import type { FoldedRun } from '../types.js';

/** Runs per UPDATE when fold ids are written: three bound parameters each, far below either backend's limit. */
const FOLD_UPDATE_CHUNK = 500;

/** The columns folding reads of a run: what the anomalies list shows of it, and the fold it has stored. */
export const FOLDED_RUN_COLUMNS = ['id', 'task', 'status', 'startedAt', 'review', 'validationJson', 'foldStartId'] as const;

type FoldedRunRow = Pick<Selectable<Database['runs']>, (typeof FOLDED_RUN_COLUMNS)[number]>;

/** A run as folding reads it, from its FOLDED_RUN_COLUMNS (a bigint fold id arrives as text on PostgreSQL). */
export function foldedRunFromRow({ id, validationJson, foldStartId, ...run }: FoldedRunRow): FoldedRun & { foldStartId: number | null } {
  return {
    ...run,
    runId: id,
    status: run.status as FoldedRun['status'],
    validation: validationJson === null ? null : (JSON.parse(validationJson) as FoldedRun['validation']),
    foldStartId: foldStartId === null ? null : Number(foldStartId),
  };
}

/** The anomalous runs of one task (null: the runs without one), oldest first, with only what folding needs and the fold id each one has stored. */
async function anomalousForFolding(db: Db, task: string | null): Promise<(FoldedRun & { foldStartId: number | null })[]> {
  const rows = await db
    .selectFrom('runs')
    .select(FOLDED_RUN_COLUMNS)
    .where('verdict', '=', 'anomalous')
    .where((eb) => (task === null ? eb('task', 'is', null) : eb('task', '=', task)))
    .orderBy('startedAt')
    .orderBy('id')
    .execute();
  return rows.map(foldedRunFromRow);
}

/**
 * Stores the fold of every anomalous run of `task` by the validator's rule (foldAnomalousRuns), and
 * clears it from the task's runs no longer anomalous. Folds never cross tasks, and a run judged
 * out of start order (an import, a resume) can change the folds of later runs: the whole task is
 * folded again, and only the runs whose fold changed are written.
 */
export async function refoldTask(db: Db, task: string | null): Promise<void> {
  const runs = await anomalousForFolding(db, task);
  const stored = new Map(runs.map((run) => [run.runId, run.foldStartId]));
  const changed: [runId: number, foldStartId: number][] = [];
  for (const fold of foldAnomalousRuns(runs)) {
    const start = fold.runs[0]!.runId;
    for (const { runId } of fold.runs) if (stored.get(runId) !== start) changed.push([runId, start]);
  }
  for (const part of slices(changed, FOLD_UPDATE_CHUNK)) {
    const cases = sql.join(part.map(([runId, start]) => sql`WHEN ${runId} THEN CAST(${start} AS bigint)`), sql` `);
    await db
      .updateTable('runs')
      .set({ foldStartId: sql<number>`CASE ${sql.ref('id')} ${cases} END` })
      .where('id', 'in', part.map(([runId]) => runId))
      .execute();
  }
  await db
    .updateTable('runs')
    .set({ foldStartId: null })
    .where((eb) => (task === null ? eb('task', 'is', null) : eb('task', '=', task)))
    .where('foldStartId', 'is not', null)
    .where((eb) => eb.or([eb('verdict', 'is', null), eb('verdict', '<>', 'anomalous')]))
    .execute();
}

/** Anomalous runs read per page when an appended run looks back for the changes it continues. */
const LOOK_BACK_PAGE = 500;

/**
 * The fold of an anomalous run recorded after every other anomalous run of its task (the usual
 * case: today's run), by foldAnomalousRuns' rule without folding the task again: a run with any
 * fresh anomaly opens its own fold; one whose anomalies all continue changes raised earlier joins
 * the fold of the latest run that carried the first of them. Looks back only as far as those
 * changes were last carried. Returns false, writing nothing, when the run is not the task's latest.
 */
export async function foldAppendedRun(db: Db, run: { runId: number; task: string | null; startedAt: string; anomalies: readonly Anomaly[] }): Promise<boolean> {
  const sameTask = <Q extends SelectQueryBuilder<Database, 'runs', object>>(q: Q): Q => q.where((eb) => (run.task === null ? eb('task', 'is', null) : eb('task', '=', run.task))) as Q;
  const later = await db
    .selectFrom('runs')
    .select('id')
    .where('verdict', '=', 'anomalous')
    .$call(sameTask)
    .where((eb) => eb.or([eb('startedAt', '>', run.startedAt), eb.and([eb('startedAt', '=', run.startedAt), eb('id', '>', run.runId)])]))
    .limit(1)
    .executeTakeFirst();
  if (later) return false;
  const continued = run.anomalies.length > 0 && run.anomalies.every((a) => a.ongoing === true && a.changeId) ? run.anomalies.map((a) => a.changeId!) : [];
  const fold = continued.length === 0 ? run.runId : ((await foldCarrying(db, sameTask, run, continued)) ?? run.runId);
  await db.updateTable('runs').set({ foldStartId: fold }).where('id', '=', run.runId).execute();
  return true;
}

/**
 * The fold of the latest run before `run` carrying `changeIds[0]`, when every one of `changeIds`
 * was carried by some earlier run of the task; null otherwise. Newest first, a page at a time.
 */
async function foldCarrying(
  db: Db,
  sameTask: <Q extends SelectQueryBuilder<Database, 'runs', object>>(q: Q) => Q,
  run: { runId: number; startedAt: string },
  changeIds: readonly string[],
): Promise<number | null> {
  const missing = new Set(changeIds);
  let fold: number | null = null;
  let before = run;
  for (;;) {
    const page = await db
      .selectFrom('runs')
      .select(['id', 'startedAt', 'validationJson', 'foldStartId'])
      .where('verdict', '=', 'anomalous')
      .$call(sameTask)
      .where((eb) => eb.or([eb('startedAt', '<', before.startedAt), eb.and([eb('startedAt', '=', before.startedAt), eb('id', '<', before.runId)])]))
      .orderBy('startedAt', 'desc')
      .orderBy('id', 'desc')
      .limit(LOOK_BACK_PAGE)
      .execute();
    for (const row of page) {
      const carried = ((row.validationJson === null ? null : (JSON.parse(row.validationJson) as FoldedRun['validation']))?.anomalies ?? []).map((a) => a.changeId);
      if (fold === null && carried.includes(changeIds[0])) fold = row.foldStartId === null ? null : Number(row.foldStartId);
      for (const changeId of carried) if (changeId) missing.delete(changeId);
      if (missing.size === 0) return fold;
    }
    if (page.length < LOOK_BACK_PAGE) return null;
    before = { runId: page.at(-1)!.id, startedAt: page.at(-1)!.startedAt };
  }
}

/**
 * Folds again every task whose stored folds cannot be right: an anomalous run without a fold id
 * (a database migrated from before folds were stored, a restore of a snapshot from then) or a run
 * that keeps one without being anomalous.
 */
export async function refoldWhereStale(db: Db): Promise<void> {
  const stale = await db
    .selectFrom('runs')
    .select('task')
    .distinct()
    .where((eb) =>
      eb.or([
        eb.and([eb('verdict', '=', 'anomalous'), eb('foldStartId', 'is', null)]),
        eb.and([eb('foldStartId', 'is not', null), eb.or([eb('verdict', 'is', null), eb('verdict', '<>', 'anomalous')])]),
      ]),
    )
    .execute();
  for (const { task } of stale) await refoldTask(db, task);
}
