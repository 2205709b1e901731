import type { Db } from '../driver.js';
import type { Dialect, Migration } from './index.js';

/**
 * The ledger kept of a trial only its last run's verdict: a level shift, held over several runs and
 * caught when any of them alarmed (b255db4), read "caught" beside its last run's "ok", and when it
 * first alarmed — the detection delay — was in its detail's words only. Each trial now records how
 * many runs it was scored over (`window_runs`), on which of them (1-based) an alarm that counts first
 * fired and that run's id (`first_alert_run`, `first_alert_run_id`), and that run's verdict
 * (`alert_verdict`).
 *
 * Rows written before are filled from what they hold. One scored over its window says so in its
 * detail ("runs A–B (N days): first alarmed on day D of N (run R); last …"); its alarming run's
 * verdict is read from the runs table when staging still holds that run (a fresh copy keeps only
 * the ledger, so one of an older session's runs is gone and its verdict stays unknown). Any other
 * kind was held over one run, scored by it: its window is 1 and a catch is its run's. A level shift
 * without that detail was scored by the older rule, on its last run alone (a shift the validator
 * caught on an earlier day and then took as the new level counted as a miss): its window stays NULL,
 * which is how the summaries and reports tell it apart rather than add it in as a window's score.
 */
export const migration037: Migration = {
  version: 37,
  name: 'trial windows and first alarms',
  sql: (dialect) => `ALTER TABLE trials ADD COLUMN window_runs INTEGER;
ALTER TABLE trials ADD COLUMN first_alert_run INTEGER;
ALTER TABLE trials ADD COLUMN first_alert_run_id ${dialect.long};
ALTER TABLE trials ADD COLUMN alert_verdict TEXT;`,
  backfill: fillWindows,
};

/** As run-trials.ts words a window's detail and names the one kind held over several runs; copied, not imported, so a later rewording cannot change what this migration did. */
const WINDOW_DETAIL = /^runs \d+–\d+ \((\d+) days\): (?:first alarmed on day (\d+) of \d+ \(run (\d+)\)|no alarm that counts on any of them); last /;
const MULTI_RUN_KIND = 'level-shift';

interface OldTrial {
  id: number;
  kind: string;
  runId: number | null;
  caught: number | boolean;
  verdict: string | null;
  detail: string | null;
}

async function fillWindows(db: Db, _dialect: Dialect): Promise<void> {
  const rows: OldTrial[] = await db.selectFrom('trials').select(['id', 'kind', 'runId', 'caught', 'verdict', 'detail']).orderBy('id').execute();
  for (const row of rows) {
    const filled = await windowOf(db, row);
    if (filled !== null) await db.updateTable('trials').set(filled).where('id', '=', row.id).execute();
  }
}

async function windowOf(db: Db, row: OldTrial): Promise<{ windowRuns: number; firstAlertRun: number | null; firstAlertRunId: number | null; alertVerdict: string | null } | null> {
  const window = row.detail === null ? null : WINDOW_DETAIL.exec(row.detail);
  if (window) {
    const firstAlertRunId = window[3] === undefined ? null : Number(window[3]);
    return { windowRuns: Number(window[1]), firstAlertRun: window[2] === undefined ? null : Number(window[2]), firstAlertRunId, alertVerdict: firstAlertRunId === null ? null : await storedVerdict(db, firstAlertRunId) };
  }
  if (row.kind === MULTI_RUN_KIND) return null;
  const caught = row.caught === true || Number(row.caught) === 1;
  const runId = row.runId === null ? null : Number(row.runId);
  return { windowRuns: 1, firstAlertRun: caught ? 1 : null, firstAlertRunId: caught ? runId : null, alertVerdict: caught ? row.verdict : null };
}

async function storedVerdict(db: Db, runId: number): Promise<string | null> {
  const run = await db.selectFrom('runs').select('verdict').where('id', '=', runId).executeTakeFirst();
  return run?.verdict ?? null;
}
