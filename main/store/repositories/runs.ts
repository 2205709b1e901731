import os from 'node:os';
import { sql } from 'kysely';
import { GatehouseError } from '../../../shared/errors.js';
import type { QuarantineEntry } from '../../../shared/record.js';
import { emptyBatchCounts, emptyMetrics, type BatchRecord, type RunStop, type RunSummary } from '../../../shared/run.js';
import { slices } from '../../../shared/slices.js';
import type { StoredRunDetail } from '../../../shared/api.js';
import type { Db, StoreDriver } from '../driver.js';
import { newestFirstPage } from '../keyset.js';
import { deadProcessOf } from '../process.js';
import { SCHEMA_VERSION } from '../migrations/index.js';
import { readStoredContent } from '../hearing-content.js';
import { checkpointFromRow, jsonOrNull, quarantineFromRow, rawToJson, runFromRow, textSafe } from '../rows.js';
import { foldAppendedRun, refoldTask } from './anomaly-folds.js';
import { startedWithin } from './reported-runs.js';
import type { Checkpoint, NewQuarantineEntry, NewRun, QuarantineQuery, ResumeLinks, RunOutcome, RunQuery, StoredHearing } from '../types.js';

/**
 * The content is parsed only when asked for: a hearing whose hash matches its record's (most of a
 * daily update) is classified unchanged without it.
 */
function storedHearing(row: { eventId: string; contentHash: string; contentJson: string; lastRunId: number | null }): StoredHearing {
  let content: StoredHearing['content'] | undefined;
  return {
    eventId: row.eventId,
    contentHash: row.contentHash,
    lastRunId: row.lastRunId,
    get content() {
      content ??= readStoredContent(row.contentJson);
      return content;
    },
  };
}

/** Rows per multi-row INSERT: far below either backend's limit on bound parameters. */
const ROWS_PER_INSERT = 500;
/** Event ids per page when a resumed run rebuilds its duplicate check. */
const EVENT_ID_PAGE = 10_000;

/**
 * Adds every key `readPage` returns to `keys`, a page of at most `pageSize` keys at a time in key
 * order, each page read after the last key of the one before, until a page comes back short.
 */
async function addKeysPaged(keys: { add(key: string): void }, pageSize: number, readPage: (after: string | null) => Promise<string[]>): Promise<void> {
  if (!Number.isInteger(pageSize) || pageSize < 1) throw new RangeError(`page size must be a whole number of at least 1, got ${pageSize}`);
  let after: string | null = null;
  for (;;) {
    const page = await readPage(after);
    for (const key of page) keys.add(key);
    if (page.length < pageSize) return;
    after = page.at(-1)!;
  }
}

/**
 * The tables whose ids a user sees or cites and a restore replaces: each draws its ids from a
 * high-water mark in `sequences`, which a restore keeps, so no id is given twice — SQLite's next
 * rowid (max + 1) would hand a restored-away id out again. Witness and undo-journal ids are
 * internal: only rows a restore replaces with them name them.
 */
type MarkedTable = 'runs' | 'quarantine';

/**
 * Reserves `count` ids of `table` from its high-water mark (one statement however many) and returns
 * the first. A mark not yet written starts at the table's highest id.
 */
async function reserveIds(trx: Db, table: MarkedTable, count: number): Promise<number> {
  const highest = sql<number>`(SELECT coalesce(max(id), 0) FROM ${sql.table(table)})`;
  const { value: last } = await trx
    .insertInto('sequences')
    .values({ name: table, value: sql`${highest} + ${count}` })
    .onConflict((oc) => oc.column('name').doUpdateSet({ value: sql`CASE WHEN sequences.value > ${highest} THEN sequences.value ELSE ${highest} END + ${count}` }))
    .returning('value')
    .executeTakeFirstOrThrow();
  return Number(last) - count + 1;
}

/** A run's row as it starts: `running`, with empty metrics. */
function startedRunRow(id: number, run: NewRun) {
  return {
    id, status: 'running', mode: run.mode, batchSize: run.batchSize, task: run.task, source: run.source, startedAt: run.startedAt,
    pid: run.pid, host: run.host, metricsJson: JSON.stringify(emptyMetrics()), batchCountsJson: JSON.stringify(emptyBatchCounts()),
    flagsJson: JSON.stringify(run.flags), resumedFrom: run.resumedFrom, schemaVersion: SCHEMA_VERSION,
    sourceFingerprintJson: jsonOrNull(run.sourceFingerprint ?? null), sourceWindowJson: jsonOrNull(run.sourceWindow ?? null),
    startedBy: run.startedBy ?? null, afterResumeOf: run.afterResumeOf ?? null,
  };
}

/** The columns that say how a run ended. */
function endedRunColumns(outcome: RunOutcome) {
  return {
    status: outcome.status, finishedAt: outcome.finishedAt, metricsJson: JSON.stringify(outcome.metrics), batchCountsJson: JSON.stringify(outcome.batchCounts),
    validationJson: jsonOrNull(outcome.validation), verdict: outcome.validation?.verdict ?? null, error: textSafe(outcome.error),
    stopJson: jsonOrNull(outcome.stop ?? null),
  };
}

/** How a run ended, written inside `trx` with the folds its verdict moves (see finishRun). */
async function endRun(trx: Db, runId: number, outcome: RunOutcome): Promise<void> {
  const before = await trx.selectFrom('runs').select(['task', 'startedAt', 'foldStartId']).where('id', '=', runId).executeTakeFirst();
  await trx.updateTable('runs').set(endedRunColumns(outcome)).where('id', '=', runId).execute();
  if (!(outcome.resumable ?? outcome.status === 'interrupted')) await trx.deleteFrom('runHandled').where('runId', '=', runId).execute();
  if (!before || (outcome.validation?.verdict !== 'anomalous' && before.foldStartId === null)) return;
  // Today's run only looks back for the changes it continues; one recorded before later ones (an import, a resume) or judged again moves the task's folds.
  const appended = before.foldStartId === null && (await foldAppendedRun(trx, { runId, task: before.task, startedAt: before.startedAt, anomalies: outcome.validation!.anomalies }));
  if (!appended) await refoldTask(trx, before.task, { startedAt: before.startedAt, runId });
}

/**
 * The folds a history of finished runs moves: each task with an anomalous run among them is folded
 * again from the first of those in start order, as finishRun folds a run recorded before later ones.
 */
async function refoldRecorded(trx: Db, recorded: readonly { id: number; run: NewRun; outcome: RunOutcome }[]): Promise<void> {
  const firstAnomalous = new Map<string | null, { startedAt: string; runId: number }>();
  for (const { id, run, outcome } of recorded) {
    if (outcome.validation?.verdict !== 'anomalous') continue;
    const first = firstAnomalous.get(run.task);
    if (!first || Date.parse(run.startedAt) < Date.parse(first.startedAt)) firstAnomalous.set(run.task, { startedAt: run.startedAt, runId: id });
  }
  for (const [task, from] of firstAnomalous) await refoldTask(trx, task, from);
}

/** Runs, their batches, checkpoints and quarantine, and the hearing reads that plan a run: the Store's own methods. */
export class RunRepository {
  constructor(protected readonly driver: StoreDriver) {}

  private get db(): Db {
    return this.driver.db;
  }

  /** Every stored committee's code; `exceptCreatedBy`: but those that run created (what it knew when it began). */
  async knownCommitteeCodes(options: { exceptCreatedBy?: number } = {}): Promise<Set<string>> {
    let query = this.db.selectFrom('committees').select('systemCode');
    const runId = options.exceptCreatedBy;
    if (runId !== undefined) query = query.where((eb) => eb.or([eb('createdRunId', 'is', null), eb('createdRunId', '!=', runId)]));
    return new Set((await query.execute()).map((row) => row.systemCode));
  }

  /** The stored names of these committees, by code (a committee stored without a name is left out). */
  async committeeNames(codes: string[]): Promise<Map<string, string>> {
    if (codes.length === 0) return new Map();
    const rows = await this.db.selectFrom('committees').select(['systemCode', 'name']).where('systemCode', 'in', codes).execute();
    return new Map(rows.flatMap((row) => (row.name === null ? [] : [[row.systemCode, row.name] as const])));
  }

  /** Whether any hearing is stored: one row read at most, on either backend. */
  async holdsHearings(): Promise<boolean> {
    return (await this.db.selectFrom('hearings').select('eventId').limit(1).executeTakeFirst()) !== undefined;
  }

  async loadHearings(eventIds: string[]): Promise<Map<string, StoredHearing>> {
    // An id holding U+0000 is refused by the record rules, so it cannot be stored or found.
    const rows = await this.db
      .selectFrom('hearings')
      .select(['eventId', 'contentHash', 'contentJson', 'lastRunId'])
      .where(this.driver.anyOf('eventId', eventIds.filter((id) => !id.includes('\u0000'))))
      .execute();
    return new Map(rows.map((row) => [row.eventId, storedHearing(row)]));
  }

  /**
   * Adds the event ids this run has already committed to `eventIds` (rebuilds the run's duplicate
   * check on resume). Straight into the caller's set, the engine's compact one: a Set<string> in
   * between would hold ≈ 45 bytes of heap per hearing, 1,000,000 of them on a large database.
   * Adding an id twice is harmless, so a retry after a dropped connection may start over. Read a
   * page at a time in key order (the index on last_run_id and event_id serves each page as one
   * range): one result of a million rows held ≈ 280 MB at once.
   */
  async addEventIdsWrittenByRun(runId: number, eventIds: { add(eventId: string): void }, pageSize = EVENT_ID_PAGE): Promise<void> {
    await addKeysPaged(eventIds, pageSize, async (after) => {
      let page = this.db.selectFrom('hearings').select('eventId').where('lastRunId', '=', runId);
      if (after !== null) page = page.where('eventId', '>', after);
      return (await page.orderBy('eventId').limit(pageSize).execute()).map((row) => row.eventId);
    });
  }

  /**
   * Adds the keys of the items this run's committed batches handled (written, unchanged or
   * quarantined: `WriteTx.recordHandled`) to `keys`, a page at a time in key order, straight into
   * the caller's compact set (see addEventIdsWrittenByRun). What a resume by identity skips.
   */
  async addKeysHandledByRun(runId: number, keys: { add(key: string): void }, pageSize = EVENT_ID_PAGE): Promise<void> {
    await addKeysPaged(keys, pageSize, async (after) => {
      let page = this.db.selectFrom('runHandled').select('itemKey').where('runId', '=', runId);
      if (after !== null) page = page.where('itemKey', '>', after);
      return (await page.orderBy('itemKey').limit(pageSize).execute()).map((row) => row.itemKey);
    });
  }

  protected async recordHandled(trx: Db, runId: number, keys: readonly string[]): Promise<void> {
    for (const part of slices([...keys], ROWS_PER_INSERT)) {
      const rows = part.map((itemKey) => ({ runId, itemKey: textSafe(itemKey)! }));
      await trx.insertInto('runHandled').values(rows).onConflict((oc) => oc.columns(['runId', 'itemKey']).doNothing()).execute();
    }
  }

  /** The id comes from a high-water mark no restore lowers, so a run id is never given twice. */
  async createRun(run: NewRun): Promise<number> {
    return this.driver.transaction(async (trx) => {
      const id = await reserveIds(trx, 'runs', 1);
      await trx.insertInto('runs').values(startedRunRow(id, run)).execute();
      return id;
    });
  }

  /**
   * The run createRun made for `run`, if its row is there: still running, under the same process
   * (pid, host) and started at the same instant from the same source — an identity the caller made,
   * which no other run of the writer holding the lock shares. Asked before createRun is tried again
   * after a try whose answer was lost (a connection cut as the server ran its COMMIT): that try may
   * have made the row, and a second one would be a second run for one update. Null: no try made it.
   */
  async runCreatedFor(run: Pick<NewRun, 'pid' | 'host' | 'startedAt' | 'source'>): Promise<number | null> {
    const row = await this.db
      .selectFrom('runs')
      .select('id')
      .where('status', '=', 'running')
      .where('pid', '=', run.pid)
      .where('host', '=', run.host)
      .where('startedAt', '=', run.startedAt)
      .where('source', '=', run.source)
      .orderBy('id', 'desc')
      .limit(1)
      .executeTakeFirst();
    return row ? Number(row.id) : null;
  }

  /**
   * Runs that already ended — a history stored at once (the validation bench's odd cases hold
   * thousands of runs a case) — with the rows and folds createRun then finishRun leave run by run,
   * their ids in the order given, all or none. Multi-row statements in one transaction: createRun
   * and finishRun a run (two transactions, five statements) took 45 s for 2,400 runs on PostgreSQL.
   */
  async recordFinishedRuns(runs: readonly { run: NewRun; outcome: RunOutcome }[]): Promise<number[]> {
    if (runs.length === 0) return [];
    return this.driver.transaction(async (trx) => {
      const first = await reserveIds(trx, 'runs', runs.length);
      const recorded = runs.map((finished, index) => ({ id: first + index, ...finished }));
      for (const part of slices(recorded, ROWS_PER_INSERT)) {
        await trx.insertInto('runs').values(part.map(({ id, run, outcome }) => ({ ...startedRunRow(id, run), ...endedRunColumns(outcome) }))).execute();
      }
      await refoldRecorded(trx, recorded);
      return recorded.map(({ id }) => id);
    });
  }

  /**
   * Puts an interrupted run back to `running` under this process, for `update --resume` (and the
   * scheduler's, `tasks run`'s and the console's resumes). A resume continues the same run id — its
   * checkpoint, undo journal and batches name it, and run ids are never reused — so `resumedFrom`
   * names the run it continued, which is the run itself: set from its first resume on, null for a
   * run never resumed. `committedBatches`: the batches it had committed when a task's Run resumed it
   * (its story, taskResumeOf); null for a resume by hand, which no task's Run made — it also ends the
   * story of an earlier task's resume, which is no longer how the run went on.
   */
  async reopenRun(runId: number, owner: { pid: number; host: string }, committedBatches: number | null): Promise<void> {
    await this.db.updateTable('runs')
      .set({ status: 'running', finishedAt: null, error: null, stopJson: null, pid: owner.pid, host: owner.host, resumedFrom: runId, resumedAfterBatches: committedBatches, followUpError: null })
      .where('id', '=', runId).execute();
  }

  /**
   * Why the new run a task's Run starts after the resume of run `runId` could not start (a halt, the
   * writer lock, its source): kept with the resumed run, so the operator who pressed Run reads it
   * there and on the task after a reload, not only in a log (taskResumeOf).
   */
  async recordFollowUpFailure(runId: number, error: string): Promise<void> {
    await this.db.updateTable('runs').set({ followUpError: error }).where('id', '=', runId).execute();
  }

  /**
   * What a task's resume stored around run `runId`: on a resumed run, the batches it had committed
   * when last resumed, the new run that followed it (the newest that names it) or why none could
   * start; on such a new run, the run it followed. Null when the run does not exist.
   */
  async resumeLinks(runId: number): Promise<ResumeLinks | null> {
    const row = await this.db.selectFrom('runs').select(['task', 'resumedAfterBatches', 'followUpError', 'afterResumeOf']).where('id', '=', runId).executeTakeFirst();
    if (!row) return null;
    const followUp = await this.db.selectFrom('runs').select('id').where('afterResumeOf', '=', runId).orderBy('id', 'desc').limit(1).executeTakeFirst();
    return {
      task: row.task,
      resumedAfterBatches: row.resumedAfterBatches,
      followUpError: row.followUpError,
      afterResumeOf: row.afterResumeOf === null ? null : Number(row.afterResumeOf),
      followedBy: followUp ? Number(followUp.id) : null,
    };
  }

  /**
   * Records how the run ended, and with its verdict the folds of its task's anomalies
   * (repositories/anomaly-folds.ts), in one transaction: a run that is or was anomalous may open,
   * join or leave a fold. A run that cannot be resumed forgets its handled keys in the same transaction.
   */
  async finishRun(runId: number, outcome: RunOutcome): Promise<void> {
    await this.driver.transaction((trx) => endRun(trx, runId, outcome));
  }

  /**
   * Deletes the handled keys of runs that ended and cannot be resumed (left by versions that kept
   * them, or by a run whose end another writer recorded); `resumable` decides a failed run, which
   * one that failed on a lost connection still is. Returns the runs whose keys went.
   */
  async pruneHandledKeys(resumable: (run: { status: string; error: string | null }) => boolean): Promise<number[]> {
    // The runs that keep keys (few: a run forgets them when it ends), looked up by id; not a scan of every run ever made at each start.
    const ended = await this.db
      .selectFrom('runs')
      .select(['id', 'status', 'error'])
      .where('id', 'in', (eb) => eb.selectFrom('runHandled').select('runHandled.runId').distinct())
      .where('status', 'not in', ['running', 'interrupted'])
      .execute();
    const runIds = ended.filter((run) => !resumable(run)).map((run) => run.id);
    for (const part of slices(runIds, ROWS_PER_INSERT)) await this.db.deleteFrom('runHandled').where('runId', 'in', part).execute();
    return runIds;
  }

  /**
   * What is learned about a run after createRun, named as its summary names it: whether a snapshot
   * was taken before it, why and which, and the cross-batch reconciliation of what it wrote (judged
   * in main/engine/reconcile.ts), the kills that reached it mid-run and what its source noticed
   * (each the whole list each time).
   * A note left out leaves its column as it is.
   */
  async annotateRun(runId: number, notes: Partial<Pick<RunSummary, 'backupId' | 'snapshot' | 'reconciliation' | 'flagChanges' | 'sourceWarnings'>>): Promise<void> {
    const columns = {
      backupId: notes.backupId, snapshotJson: jsonOrNull(notes.snapshot), reconciliationJson: jsonOrNull(notes.reconciliation), flagChangesJson: jsonOrNull(notes.flagChanges),
      sourceWarningsJson: jsonOrNull(notes.sourceWarnings),
    };
    await this.db.updateTable('runs').set(columns).where('id', '=', runId).execute();
  }

  /** Quarantine entries written outside a batch transaction (e.g. after an all-or-nothing rollback). */
  async addQuarantine(entries: NewQuarantineEntry[]): Promise<void> {
    await this.driver.transaction((trx) => this.insertQuarantine(trx, entries));
  }

  protected async insertQuarantine(trx: Db, entries: NewQuarantineEntry[]): Promise<void> {
    if (entries.length === 0) return;
    const createdAt = new Date().toISOString();
    let id = await reserveIds(trx, 'quarantine', entries.length);
    for (const part of slices(entries, ROWS_PER_INSERT)) {
      const rows = part.map((entry) => ({
        id: id++, runId: entry.runId, batchSeq: entry.batchSeq, eventId: textSafe(entry.eventId), sourcePosition: entry.sourcePosition,
        reasonsJson: JSON.stringify(entry.reasons), rawJson: rawToJson(entry.raw), createdAt,
      }));
      await trx.insertInto('quarantine').values(rows).execute();
    }
  }

  protected async recordBatch(trx: Db, batch: BatchRecord): Promise<void> {
    const { runId, seq, ...rest } = { ...batch, error: textSafe(batch.error) };
    await trx.insertInto('batches').values({ runId, seq, ...rest }).onConflict((oc) => oc.columns(['runId', 'seq']).doUpdateSet(rest)).execute();
  }

  protected async saveCheckpoint(trx: Db, checkpoint: Checkpoint): Promise<void> {
    const values = {
      batchSeq: checkpoint.batchSeq, nextPosition: checkpoint.nextPosition, metricsJson: JSON.stringify(checkpoint.metrics),
      batchCountsJson: JSON.stringify(checkpoint.batchCounts), positionsDoneJson: JSON.stringify(checkpoint.positionsDoneInBatch), updatedAt: checkpoint.updatedAt,
      plannedRelatedJson: jsonOrNull(checkpoint.plannedRelated),
    };
    await trx.insertInto('checkpoints').values({ runId: checkpoint.runId, ...values }).onConflict((oc) => oc.column('runId').doUpdateSet(values)).execute();
  }

  async getCheckpoint(runId: number): Promise<Checkpoint | null> {
    const row = await this.db.selectFrom('checkpoints').selectAll().where('runId', '=', runId).executeTakeFirst();
    return row ? checkpointFromRow(row) : null;
  }

  /**
   * What is left of a run whose row is not there (deleted outside Gatehouse: a DELETE from the
   * sqlite3 shell, whose foreign keys are off, or psql with triggers disabled): its checkpoint, its
   * batches and its quarantined records, which name it by id alone.
   */
  async remainsOfRun(runId: number): Promise<{ checkpoint: boolean; batches: number; quarantined: number }> {
    const count = async (table: 'batches' | 'quarantine' | 'checkpoints') =>
      Number((await this.db.selectFrom(table).select((eb) => eb.fn.countAll().as('n')).where('runId', '=', runId).executeTakeFirstOrThrow()).n);
    return { checkpoint: (await count('checkpoints')) > 0, batches: await count('batches'), quarantined: await count('quarantine') };
  }

  /** Runs still marked `running` whose writer is gone become `interrupted`; returns their ids. */
  async markOrphanedRunsInterrupted(options: { now: Date; except?: number }): Promise<number[]> {
    const running = await this.db.selectFrom('runs').select(['id', 'pid', 'host']).where('status', '=', 'running').execute();
    const orphans = await this.driver.writerLock.orphans(running.filter((run) => run.id !== options.except));
    if (orphans.length === 0) return [];
    const fromCheckpoint = (column: 'metricsJson' | 'batchCountsJson') =>
      sql<string>`coalesce((SELECT ${sql.ref(`checkpoints.${column}`)} FROM checkpoints WHERE checkpoints.run_id = runs.id), ${sql.ref(`runs.${column}`)})`;
    await this.db
      .updateTable('runs')
      .set({
        status: 'interrupted', finishedAt: options.now.toISOString(), error: sql`coalesce(error, 'the process running it stopped before it finished')`,
        stopJson: sql`coalesce(stop_json, ${PROCESS_GONE})`,
        metricsJson: fromCheckpoint('metricsJson'), batchCountsJson: fromCheckpoint('batchCountsJson'),
      })
      .where('id', 'in', orphans)
      .where('status', '=', 'running')
      .execute();
    return orphans;
  }

  async getRun(runId: number): Promise<StoredRunDetail | null> {
    const row = await this.db.selectFrom('runs').selectAll().where('id', '=', runId).executeTakeFirst();
    if (!row) return null;
    const batches = await this.db.selectFrom('batches').selectAll().where('runId', '=', runId).orderBy('seq').execute();
    const [run] = await this.withCheckpointCounts(await this.withWriterGone([row]));
    return { ...run!, batchList: batches as BatchRecord[] };
  }

  async listRuns(query: RunQuery = {}): Promise<RunSummary[]> {
    const { status, verdict, task, source, search } = query;
    // Filtered by the status shown (effectiveStatus), as the lists and the Overview count it: a run stored
    // `running` whose process is gone is interrupted. Such runs are few (one writer at a time), so they are
    // found first and the filter stays in SQL, before the limit.
    const gone = status === undefined ? [] : await this.runsWithProcessGone();
    const asked = status !== undefined && status.length > 0 ? status : [''];
    const rows = await this.db
      .selectFrom('runs')
      .selectAll()
      .$if(status !== undefined, (q) =>
        q.where((eb) => {
          const stored = gone.length === 0 ? eb('status', 'in', asked) : eb.and([eb('status', 'in', asked), eb('id', 'not in', gone)]);
          return gone.length > 0 && asked.includes('interrupted') ? eb.or([stored, eb('id', 'in', gone)]) : stored;
        }),
      )
      .$if(verdict !== undefined, (q) => q.where('verdict', 'in', verdict!.length > 0 ? verdict! : ['']))
      .$if(task !== undefined, (q) => q.where('task', task === null ? 'is' : '=', task!))
      .$if(source !== undefined, (q) => q.where('source', '=', source!))
      .$call((q) => startedWithin(q, query))
      .$if(search !== undefined, (q) =>
        q.where((eb) => eb.or([this.driver.contains('source', search!), this.driver.contains('task', search!), this.driver.contains('error', search!)])),
      )
      .$call((q) => newestFirstPage(q, query, 50))
      .execute();
    return this.withCheckpointCounts(await this.withWriterGone(rows));
  }

  /** The runs as read, each stored `running` that no writer runs flagged processGone (writerGone). */
  private async withWriterGone<Row extends Parameters<typeof runFromRow>[0] & RunningRow>(rows: Row[]): Promise<RunSummary[]> {
    const gone = new Set(await this.runsWithoutWriter(rows.filter((row) => row.status === 'running')));
    return rows.map((row) => ({ ...runFromRow(row), ...writerGone(row, gone.has(row.id)) }));
  }

  /**
   * Of runs read `running`, those no writer runs (WriterLock.runsWithoutWriter), asked of the lock
   * after they were read: one that ended and let the lock go meanwhile is read again, and left out.
   */
  private async runsWithoutWriter(running: RunningRow[]): Promise<number[]> {
    const judged = await this.driver.writerLock.runsWithoutWriter(running.map(({ id, pid, host }) => ({ id, pid, host })));
    if (judged.length === 0) return [];
    const still = await this.db.selectFrom('runs').select('id').where('id', 'in', judged).where('status', '=', 'running').execute();
    return still.map((row) => row.id);
  }

  /**
   * A run stored `running` is read with its last checkpoint's counts, not the zeros its row keeps
   * until it ends: one still going in another process (a CLI update under the console) was listed
   * as "0 fetched, 0 batches" while its batches committed, and one whose process is gone beside
   * its committed batches until the next writer marked it (markOrphanedRunsInterrupted, which
   * counts it from the same checkpoint). The engine's own reads of its running row take nothing
   * from these counts (finish-run.ts storedRun omits them): it counts from its state.
   */
  private async withCheckpointCounts(runs: RunSummary[]): Promise<RunSummary[]> {
    const running = runs.filter((run) => run.status === 'running').map((run) => run.runId);
    if (running.length === 0) return runs;
    const checkpoints = await this.db.selectFrom('checkpoints').select(['runId', 'metricsJson', 'batchCountsJson']).where('runId', 'in', running).execute();
    const byRun = new Map(checkpoints.map((checkpoint) => [Number(checkpoint.runId), checkpoint]));
    return runs.map((run) => {
      const checkpoint = run.status === 'running' ? byRun.get(run.runId) : undefined;
      return checkpoint ? { ...run, metrics: JSON.parse(checkpoint.metricsJson), batches: JSON.parse(checkpoint.batchCountsJson) } : run;
    });
  }

  /** The runs stored `running` whose process is gone from this host: interrupted, not yet marked. */
  private async runsWithProcessGone(): Promise<number[]> {
    return this.runsWithoutWriter(await this.db.selectFrom('runs').select(['id', 'status', 'pid', 'host']).where('status', '=', 'running').execute());
  }

  /** A run that does not exist is NOT_FOUND, not an empty list (a mistyped id must not read as "nothing quarantined"). */
  async listQuarantine(query: QuarantineQuery = {}): Promise<QuarantineEntry[]> {
    const { runId, batchSeq, after } = query;
    const rows = await this.db
      .selectFrom('quarantine')
      .selectAll()
      .$if(runId !== undefined, (q) => q.where('runId', '=', runId!))
      .$if(batchSeq !== undefined, (q) => q.where('batchSeq', batchSeq === null ? 'is' : '=', batchSeq!))
      .$if(after !== undefined, (q) => q.where('id', '>', after!))
      .orderBy('id')
      .limit(query.limit ?? 1000)
      .execute();
    // Entries name their run, so only an empty page needs to ask whether the run is there.
    if (rows.length === 0 && runId !== undefined) await refuseUnknownRun(this.db, runId);
    return rows.map(quarantineFromRow);
  }

  /** The largest numeric eventId stored (eventIds are strings of digits, DESIGN §3); null when there are none. */
  async highestEventId(): Promise<number | null> {
    const row = await this.db.selectFrom('hearings').select(sql<string | number | null>`max(CAST(event_id AS BIGINT))`.as('highest')).executeTakeFirst();
    return row?.highest === null || row?.highest === undefined ? null : Number(row.highest);
  }

  countHearings(): Promise<number> {
    return countHearings(this.db);
  }
}

/**
 * A list filtered by a run that does not exist is NOT_FOUND, not an empty list: a mistyped id must
 * not read as "nothing quarantined" or "never rolled back". Asked only when a page came back empty.
 */
export async function refuseUnknownRun(db: Db, runId: number): Promise<void> {
  const run = await db.selectFrom('runs').select('id').where('id', '=', runId).executeTakeFirst();
  if (!run) throw await unknownRun(db, runId);
}

/** The restore that took a run away; `certain` false when only the latest restore (recorded before restores listed their removed runs) can be named. */
export interface RemovingRestore {
  id: number;
  snapshotId: string;
  snapshotTakenAt: string;
  operator: string;
  at: string;
  certain: boolean;
}

/**
 * The newest restore, when run `runId` was given once (ids come from a high-water mark no restore
 * lowers) and no longer exists: a restore took it away with everything it wrote.
 */
export async function restoreThatRemoved(db: Db, runId: number): Promise<RemovingRestore | null> {
  const mark = await db.selectFrom('sequences').select('value').where('name', '=', 'runs').executeTakeFirst();
  if (!mark || Number(mark.value) < runId) return null;
  // Restores are few: each one's list of removed runs is read, newest first.
  const restores = await db.selectFrom('restoreEvents').select(['id', 'snapshotId', 'snapshotTakenAt', 'operator', 'at', 'removedRunIdsJson']).orderBy('id', 'desc').execute();
  const removing = restores.find((restore) => restore.removedRunIdsJson !== null && (JSON.parse(restore.removedRunIdsJson) as number[]).includes(runId));
  // Restores recorded before they listed what they removed: only the latest can be named.
  const latest = restores.find((restore) => restore.removedRunIdsJson === null);
  const found = removing ?? latest;
  return found ? { id: Number(found.id), snapshotId: found.snapshotId, snapshotTakenAt: found.snapshotTakenAt, operator: found.operator, at: found.at, certain: found === removing } : null;
}

/** "run N no longer exists: a restore took the database back to before it (restore R: …)", the words every surface says it in. */
export function removedByRestore(runId: number, restore: RemovingRestore): string {
  return `run ${runId} no longer exists: a restore took the database back to before it (${restore.certain ? `restore ${restore.id}` : 'the latest'}: snapshot ${restore.snapshotId} of ${restore.snapshotTakenAt}, restored by ${restore.operator} at ${restore.at}), and what it wrote went with it`;
}

/** "run N does not exist", with where to find the runs that do: the words every command and page says it in. */
export function runDoesNotExist(runId: number): GatehouseError {
  return new GatehouseError('NOT_FOUND', `run ${runId} does not exist`, { hint: { cli: 'see gatehouse runs list', console: 'see the Runs page' } });
}

/**
 * NOT_FOUND for a run that is not stored. One a restore took away is said to be so, naming the
 * restore, not as an id that never was: run ids are never reused, and support reading a ticket that
 * names the run would otherwise hunt for a mistyped id while the restore stands in the audit.
 */
export async function unknownRun(db: Db, runId: number): Promise<GatehouseError> {
  const restore = await restoreThatRemoved(db, runId);
  if (!restore) return runDoesNotExist(runId);
  return new GatehouseError('NOT_FOUND', removedByRestore(runId, restore), {
    hint: {
      cli: `see gatehouse backups restores; its rollback events (gatehouse rollback --list --run ${runId}) and reviews outlive the restore`,
      console: 'see the restores on the Backups page; the run\'s rollback events and reviews outlive the restore',
    },
  });
}

export async function countHearings(db: Db): Promise<number> {
  const row = await db.selectFrom('hearings').select((eb) => eb.fn.countAll<number>().as('n')).executeTakeFirstOrThrow();
  return Number(row.n);
}

/** The stop of a run whose process ended without recording one (markOrphanedRunsInterrupted). */
const PROCESS_GONE = JSON.stringify({ kind: 'process-gone' } satisfies RunStop);

type RunningRow = { id: number; status: string; pid: number | null; host: string | null };

/**
 * A run stored `running` that no writer runs, flagged as read, with nothing written, so a killed run
 * is not shown as going until the next writer marks it: its process gone from this host
 * (deadProcessOf), or, `lockFree`, one that holds no writer lock — known on another host too.
 */
function writerGone(row: RunningRow, lockFree: boolean): Pick<RunSummary, 'processGone'> {
  if (row.status !== 'running') return {};
  const dead = deadProcessOf(row);
  if (dead) return { processGone: dead };
  return lockFree && row.pid !== null ? { processGone: { pid: row.pid, host: row.host ?? os.hostname(), writerLockFree: true } } : {};
}
