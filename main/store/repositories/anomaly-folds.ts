import { sql, type Expression, type ExpressionBuilder, type Selectable, type SelectQueryBuilder, type SqlBool } from 'kysely';
import type { Anomaly } from '../../../shared/validation.js';
import { slices } from '../../../shared/slices.js';
import { changeKey, foldStarts } from '../../validation/anomaly-folds.js';
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

/** A run's place in start order: its start, then its id. */
export interface RunPosition {
  startedAt: string;
  runId: number;
}

type TaskFilter = <Q extends SelectQueryBuilder<Database, 'runs', object>>(q: Q) => Q;

function ofTask(task: string | null): TaskFilter {
  return <Q extends SelectQueryBuilder<Database, 'runs', object>>(q: Q): Q => q.where((eb) => (task === null ? eb('task', 'is', null) : eb('task', '=', task))) as Q;
}

/** Runs before (`<`), after (`>`) or at or after (`>=`) `position` in start order. */
export function inStartOrder(eb: ExpressionBuilder<Database, 'runs'>, op: '<' | '>' | '>=', position: RunPosition): Expression<SqlBool> {
  return eb.or([eb('startedAt', op === '>=' ? '>' : op, position.startedAt), eb.and([eb('startedAt', '=', position.startedAt), eb('id', op, position.runId)])]);
}

/** The anomalous runs of one task (null: the runs without one) from `from` on, oldest first, with only what folding needs and the fold id each one has stored. */
async function anomalousForFolding(db: Db, task: string | null, from: RunPosition | undefined): Promise<(FoldedRun & { foldStartId: number | null })[]> {
  const rows = await db
    .selectFrom('runs')
    .select(FOLDED_RUN_COLUMNS)
    .where('verdict', '=', 'anomalous')
    .$call(ofTask(task))
    .$if(from !== undefined, (q) => q.where((eb) => inStartOrder(eb, '>=', from!)))
    .orderBy('startedAt')
    .orderBy('id')
    .execute();
  return rows.map(foldedRunFromRow);
}

/**
 * Stores the fold of every anomalous run of `task` from the run at `from` on (every run when it is
 * not given) by the validator's rule (foldStarts), and clears it from those runs no longer
 * anomalous. Folds never cross tasks, and a run judged out of start order (an import, a resume)
 * can change the folds of the runs after it but never of those before: only the runs from it on are
 * folded again, continuing the changes earlier runs raised, and only those whose fold changed are written.
 */
export async function refoldTask(db: Db, task: string | null, from?: RunPosition): Promise<void> {
  const runs = await anomalousForFolding(db, task, from);
  const openedBefore = from === undefined ? new Map<string, number>() : await changesOpenedBefore(db, task, from, runs);
  const stored = new Map(runs.map((run) => [run.runId, run.foldStartId]));
  const changed = foldStarts(runs, openedBefore).flatMap(({ run, foldStartId }) => (stored.get(run.runId) === foldStartId ? [] : [[run.runId, foldStartId] as const]));
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
    .$if(from !== undefined, (q) => q.where((eb) => inStartOrder(eb, '>=', from!)))
    .execute();
}

/**
 * The changes `runs` (the task's anomalous runs from `from` on, start order) continue that runs
 * before `from` raised, each as changeKey → the fold of the latest earlier run that carried it:
 * what folding from `from` on starts with. Looks back only for those changes, only as far as they were last carried.
 */
async function changesOpenedBefore(db: Db, task: string | null, from: RunPosition, runs: readonly FoldedRun[]): Promise<Map<string, number>> {
  const raised = new Set<string>();
  const continued = new Set<string>();
  for (const run of runs) {
    for (const a of run.validation?.anomalies ?? []) if (a.ongoing === true && a.changeId && !raised.has(a.changeId)) continued.add(a.changeId);
    for (const a of run.validation?.anomalies ?? []) if (a.changeId) raised.add(a.changeId);
  }
  const carriers = continued.size === 0 ? new Map() : await latestCarriers(db, ofTask(task), from, [...continued]);
  return new Map([...carriers].flatMap(([changeId, fold]) => (fold === null ? [] : [[changeKey(task, changeId), fold] as const])));
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
  const sameTask = ofTask(run.task);
  const later = await db
    .selectFrom('runs')
    .select('id')
    .where('verdict', '=', 'anomalous')
    .$call(sameTask)
    .where((eb) => inStartOrder(eb, '>', run))
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
 * was carried by some earlier run of the task; null otherwise.
 */
async function foldCarrying(db: Db, sameTask: TaskFilter, run: RunPosition, changeIds: readonly string[]): Promise<number | null> {
  const carriers = await latestCarriers(db, sameTask, run, changeIds);
  return changeIds.every((changeId) => carriers.has(changeId)) ? (carriers.get(changeIds[0]!) ?? null) : null;
}

/**
 * For each of `changeIds` some anomalous run of the task before `before` carried, the fold the
 * latest such run stored. Newest first, a page at a time, until every one is found or the runs run out.
 */
async function latestCarriers(db: Db, sameTask: TaskFilter, before: RunPosition, changeIds: readonly string[]): Promise<Map<string, number | null>> {
  const found = new Map<string, number | null>();
  const wanted = new Set(changeIds);
  let last = before;
  for (;;) {
    const page = await db
      .selectFrom('runs')
      .select(['id', 'startedAt', 'validationJson', 'foldStartId'])
      .where('verdict', '=', 'anomalous')
      .$call(sameTask)
      .where((eb) => inStartOrder(eb, '<', last))
      .orderBy('startedAt', 'desc')
      .orderBy('id', 'desc')
      .limit(LOOK_BACK_PAGE)
      .execute();
    for (const row of page) {
      const carried = ((row.validationJson === null ? null : (JSON.parse(row.validationJson) as FoldedRun['validation']))?.anomalies ?? []).map((a) => a.changeId);
      for (const changeId of carried) {
        if (changeId && wanted.has(changeId) && !found.has(changeId)) found.set(changeId, row.foldStartId === null ? null : Number(row.foldStartId));
      }
      if (found.size === wanted.size) return found;
    }
    if (page.length < LOOK_BACK_PAGE) return found;
    last = { runId: page.at(-1)!.id, startedAt: page.at(-1)!.startedAt };
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
