import { sql, type Selectable } from 'kysely';
import type { NormalizedHearing } from '../../../shared/record.js';
import type { StoreDriver } from '../driver.js';
import { NOT_JUDGED, type TrialRecordView } from '../../../shared/api-validation.js';
import { readStoredContent } from '../hearing-content.js';
import { atOrAfter, newestFirstPage, type KeysetPage } from '../keyset.js';
import { trialFromRow } from '../rows.js';
import { countHearings } from './runs.js';
import type { Database } from '../schema.js';

/** One trial: `session` groups one `gatehouse trial` invocation; `caughtBy` names what caught it (`record-rules:CODE`, `validator:RULE`): for an injection only alarms attributable to its kind. */
export type TrialRecord = TrialRecordView;
export type TrialLevel = TrialRecord['level'];

/**
 * Without a task and sensitivity version, a trial was judged by the default sensitivity; without a
 * window, it was held over one run, scored by it (null is only a ledger row from before migration 037).
 */
type OptionalOnRecord = 'task' | 'sensitivityVersion' | 'notJudged' | 'firstAlertRun' | 'firstAlertRunId' | 'alertVerdict' | 'windowRuns';
export type NewTrialRecord = Omit<TrialRecord, 'id' | OptionalOnRecord> & Partial<Pick<TrialRecord, OptionalOnRecord>>;

/** Who a staging copy's restore event names: what marks a database as a staging copy, not someone's real one. */
export const STAGING_COPY_OPERATOR = 'gatehouse trial';
const STAGING_COPY_REASON = 'staging copy of ';

/** The reason a staging copy's restore event gives: where its history came from. */
export function stagingCopyReason(copiedFrom: string): string {
  return `${STAGING_COPY_REASON}${copiedFrom}`;
}

/**
 * How a trial session's attempt row (writer_attempts, `backups attempts`) in its staging target
 * begins: what tells it from the source's own attempts, which the copy brings along.
 */
export const TRIAL_SESSION_OPERATION = 'a trial session';

/** A session's attempt as a fresh copy keeps it (its id is the copy's to give). */
export type KeptSessionAttempt = Omit<Selectable<Database['writerAttempts']>, 'id'>;

/** What is known of a session whose process died: the trials it finished are in the ledger, the run it was writing is left `running` until the next writer marks it interrupted. */
const UNFINISHED_SESSION = 'the process running it stopped before it reported an outcome (killed or crashed); the trials it finished are in the ledger, and the staging run it was writing, if any, is interrupted';

/** What a staging copy knows of an attempt the source had not ended when it was copied. */
const COPIED_OPEN = "copied from the source before it ended there: nothing of it is in this copy (it runs in one transaction, not committed when copied); its outcome is in the source's own attempts";

/** What a staging copy knows of a run the source had left `running` when it was copied (copyToStaging's snapshot). */
export const COPIED_RUNNING =
  "copied from the source while it was still running there (or stopped there, not yet settled): the batches it had committed then are in this copy, the rest is not; it goes on (or resumes) on the source, never here, and its outcome is in the source's own runs";

/**
 * A trial not judged is stored as its verdict NOT_JUDGED and its reason as its detail (trialFromRow
 * reads it back so): the ledger has no column of its own for it, and its detail is the reason.
 */
function trialRow({ caughtBy, caught, task, sensitivityVersion, notJudged, firstAlertRun, firstAlertRunId, alertVerdict, windowRuns, ...rest }: NewTrialRecord) {
  const reason = notJudged ? { verdict: NOT_JUDGED, detail: notJudged } : {};
  const oneRun = windowRuns === undefined;
  const window = {
    windowRuns: oneRun ? 1 : windowRuns,
    firstAlertRun: firstAlertRun ?? (oneRun && caught && !notJudged ? 1 : null),
    firstAlertRunId: firstAlertRunId ?? (oneRun && caught && !notJudged ? (rest.runId ?? null) : null),
    alertVerdict: alertVerdict ?? (oneRun && caught && !notJudged ? (rest.verdict ?? null) : null),
  };
  return { ...rest, ...reason, caught: caught ? 1 : 0, caughtByJson: JSON.stringify(caughtBy), task: task ?? null, sensitivityVersion: sensitivityVersion ?? null, ...window };
}

/** The staging trial ledger. */
export class Trials {
  constructor(private readonly driver: StoreDriver) {}

  async record(trial: NewTrialRecord): Promise<TrialRecord> {
    const row = await this.driver.db.insertInto('trials').values(trialRow(trial)).returningAll().executeTakeFirstOrThrow();
    return trialFromRow(row);
  }

  /** `task`: only the trials judged as that task (`gatehouse trial --task`), whatever its sensitivity version. */
  async list(options: { since?: string | null; until?: string; task?: string } = {}): Promise<TrialRecord[]> {
    const rows = await this.driver.db
      .selectFrom('trials')
      .selectAll()
      .$call((q) => atOrAfter(q, options.since ?? undefined))
      .$if(options.until !== undefined, (q) => q.where('at', '<=', options.until!))
      .$if(options.task !== undefined, (q) => q.where('task', '=', options.task!))
      .orderBy('id')
      .execute();
    return rows.map(trialFromRow);
  }

  /** One page of the ledger, newest first (the console's list; the summaries read it all with list); with `since` and `task`, as list reads them. */
  async latest(page: KeysetPage, filter: { since?: string | null; task?: string } = {}): Promise<TrialRecord[]> {
    const matching = atOrAfter(this.driver.db.selectFrom('trials').selectAll(), filter.since ?? undefined).$if(filter.task !== undefined, (q) => q.where('task', '=', filter.task!));
    const rows = await newestFirstPage(matching, page, 200).execute();
    return rows.map(trialFromRow);
  }

  /**
   * Writes the ledger a fresh staging copy keeps, and raises the run-id high-water mark above every
   * run id it names, in one transaction: the copy's own mark is the source's, so the next trial run
   * would otherwise take the id of a run an earlier session recorded (the ledger would name two runs).
   */
  async keep(trials: readonly NewTrialRecord[]): Promise<void> {
    await this.driver.transaction(async (trx) => {
      for (const trial of trials) await trx.insertInto('trials').values(trialRow(trial)).execute();
      const highest = sql<number>`(SELECT coalesce(max(run_id), 0) FROM trials)`;
      await trx.updateTable('sequences').set({ value: sql`CASE WHEN value > ${highest} THEN value ELSE ${highest} END` }).where('name', '=', 'runs').execute();
    });
  }

  /**
   * The trial sessions' attempts this staging target holds, for a fresh copy to keep like the
   * ledger. Read with the staging lock held: one still open belongs to a session that died, and is
   * kept as `unfinished`.
   */
  /** The trial sessions' attempts still open: read with the staging lock held, those of sessions that died. */
  async openSessionAttempts(): Promise<KeptSessionAttempt[]> {
    const rows = await this.driver.db.selectFrom('writerAttempts').selectAll().where('operation', 'like', `${TRIAL_SESSION_OPERATION}%`).where('outcome', 'is', null).orderBy('id').execute();
    return rows.map(({ id: _id, ...row }) => row);
  }

  async sessionAttempts(now: Date): Promise<KeptSessionAttempt[]> {
    const rows = await this.driver.db.selectFrom('writerAttempts').selectAll().where('operation', 'like', `${TRIAL_SESSION_OPERATION}%`).orderBy('id').execute();
    return rows.map(({ id: _id, ...row }) => (row.outcome === null ? { ...row, endedAt: now.toISOString(), outcome: 'unfinished', detail: UNFINISHED_SESSION } : row));
  }

  /**
   * Ends, in a fresh staging copy, the attempts the source had open as it was copied (a rollback or
   * restore under way there). Nothing in staging would ever end them: they showed as running in the
   * copy for good, and its next writer settled them as killed or crashed, of a process perhaps alive
   * and well on the source. Called before the kept sessions go in, so only the source's are open.
   */
  async endCopiedAttempts(at: string): Promise<void> {
    await this.driver.db.updateTable('writerAttempts').set({ endedAt: at, outcome: 'unfinished', detail: COPIED_OPEN }).where('outcome', 'is', null).execute();
  }

  /**
   * Ends, in a fresh staging copy, the runs the source had `running` as it was copied (an update
   * writing there, or one killed and not yet settled): `interrupted`, with the counts of their last
   * checkpoint, as the copy holds their committed batches and nothing after. Left `running`, one
   * read as live in staging — its pid is the source's writer, alive on this host — and the trial's
   * first run then settled it as a process that "stopped before it finished". Returns their ids.
   */
  async endCopiedRuns(at: string): Promise<number[]> {
    const running = await this.driver.db.selectFrom('runs').select('id').where('status', '=', 'running').orderBy('id').execute();
    if (running.length === 0) return [];
    const fromCheckpoint = (column: 'metricsJson' | 'batchCountsJson') =>
      sql<string>`coalesce((SELECT ${sql.ref(`checkpoints.${column}`)} FROM checkpoints WHERE checkpoints.run_id = runs.id), ${sql.ref(`runs.${column}`)})`;
    await this.driver.db
      .updateTable('runs')
      .set({ status: 'interrupted', finishedAt: at, error: COPIED_RUNNING, metricsJson: fromCheckpoint('metricsJson'), batchCountsJson: fromCheckpoint('batchCountsJson') })
      .where('status', '=', 'running')
      .execute();
    return running.map((run) => Number(run.id));
  }

  async keepSessionAttempts(attempts: readonly KeptSessionAttempt[]): Promise<void> {
    for (const attempt of attempts) await this.driver.db.insertInto('writerAttempts').values(attempt).execute();
  }

  /** Records, as a restore event, that this database is a staging copy of `copiedFrom` (a PostgreSQL copy's restore records its own). */
  async markStagingCopy(copiedFrom: string, at: string): Promise<void> {
    await this.driver.db
      .insertInto('restoreEvents')
      .values({
        snapshotId: `file ${copiedFrom}`, snapshotTakenAt: at, safetySnapshotId: null, operator: STAGING_COPY_OPERATOR, reason: stagingCopyReason(copiedFrom), at,
        hearingsBefore: 0, hearingsAfter: await countHearings(this.driver.db), repointedTasksJson: '[]',
      })
      .execute();
  }

  /** Whether a staging copy's restore event marks this database as one. */
  async isStagingCopy(): Promise<boolean> {
    const marker = await this.driver.db
      .selectFrom('restoreEvents')
      .select('id')
      .where('operator', '=', STAGING_COPY_OPERATOR)
      .where('reason', 'like', `${STAGING_COPY_REASON}%`)
      .limit(1)
      .executeTakeFirst();
    return marker !== undefined;
  }

  /** Stored hearings to replay or revise in a trial input, most recent first. */
  async sampleHearings(limit: number): Promise<NormalizedHearing[]> {
    const rows = await this.driver.db.selectFrom('hearings').select('contentJson').orderBy('lastRunId', 'desc').orderBy('eventId').limit(limit).execute();
    return rows.map((row) => readStoredContent(row.contentJson));
  }
}
