import type { ExpressionBuilder, Selectable } from 'kysely';
import type { RollbackEventView } from '../../shared/api-operations.js';
import type { BatchCounts, BatchStatus, RunStatus } from '../../shared/run.js';
import { slices } from '../../shared/slices.js';
import { atOrAfter, columnsOf, newestFirstPage, RELATED_TABLES, refuseUnknownRun, restoreThatRemoved, snakeCase, type RemovingRestore, type Database, type Db, type QueryLayer, type Store, type TableName, withAppearancesByWitness } from '../store/index.js';

// The undo journal as rollback reads it, and the primitives a rollback needs inside its one
// transaction (UndoTx). What to restore and how conflicts resolve is decided in rollback.ts.

/** Where a journal entry stands in its run's write order. */
export type JournalPosition = Pick<JournalEntry, 'batchSeq' | 'id'>;

/** A whole run (`batchSeq` null) or one of its batches. */
export interface UndoTarget {
  runId: number;
  batchSeq: number | null;
}

/** Every row a hearing owned before the write, exactly as stored (column names as keys). */
export interface HearingImage {
  hearing: Record<string, unknown>;
  committees: Record<string, unknown>[];
  appearances: Record<string, unknown>[];
  videos: Record<string, unknown>[];
  transcripts: Record<string, unknown>[];
}

export interface JournalEntry {
  id: number;
  runId: number;
  batchSeq: number;
  entity: 'hearing' | 'committee' | 'witness';
  /** eventId for a hearing, system code for a committee, witness id for a witness. */
  key: string;
  /** null: the row did not exist before the write. Always null for committees and witnesses. */
  before: HearingImage | null;
  afterHash: string | null;
  /** An earlier rollback skipped this write (it was in conflict) and left it standing. */
  skippedBefore: boolean;
}

export type JournalOutcome = 'restored' | 'deleted' | 'skipped' | 'created-deleted' | 'created-kept';

/** What one rollback did, as reported to the operator and recorded in its event. */
export type RollbackCounts = Pick<RollbackEventRecord, 'restored' | 'deleted' | 'skipped' | 'forced' | 'createdRowsDeleted' | 'createdRowsKept'>;

/** A recorded rollback: `batchSeq` null when the whole run was rolled back. */
export type RollbackEventRecord = RollbackEventView;

function rollbackEventFromRow(row: Selectable<Database['rollbackEvents']>): RollbackEventRecord {
  return { ...row, onConflict: row.onConflict as RollbackEventRecord['onConflict'], runRolledBack: row.runRolledBack === 1 };
}

type Row = Record<string, unknown>;

/** A before-image row (SQL column names as keys) as the insert of its table: exactly its columns, nothing the image adds. */
function imageRow(table: TableName, row: Row): Row {
  return Object.fromEntries(columnsOf(table).map((column) => [column, row[snakeCase(column)] ?? null]));
}

/**
 * A before-image's rows of one related table numbered 0, 1, 2… in their order, as a writer numbers
 * a record's entries. Migrations 028 and 029 took out of the images each appearance of a witness
 * they merged into one listed before it, and left the rest numbered as they were (0, 2): put back
 * so, the hearing kept the gap for good, since the next fetch of its record finds it unchanged.
 */
function numberedInOrder(rows: Row[]): Row[] {
  if (rows.every((row, i) => Number(row.ordinal) === i)) return rows;
  return [...rows].sort((a, b) => Number(a.ordinal) - Number(b.ordinal)).map((row, ordinal) => ({ ...row, ordinal }));
}

/** The undo journal of a store as rollback reads and applies it. */
export function undoJournal(store: Pick<Store, 'queries'>): UndoJournal {
  return new UndoJournal(store.queries);
}

class UndoJournal {
  constructor(private readonly driver: QueryLayer) {}

  /**
   * One write transaction; with `dryRun` one that writes nothing (on PostgreSQL a read-only
   * snapshot, which holds no row another writer waits for), computing from the journal exactly
   * what the rollback would do.
   */
  async transaction<T>(work: (tx: UndoTx) => Promise<T>, options: { dryRun: boolean }): Promise<T> {
    return this.driver.transaction((trx) => work(undoTx(this.driver, trx, options)), options);
  }

  /** The run's batches that still have journal rows a rollback would take (never undone, or skipped and left standing). */
  async batchesWithPendingWrites(runId: number): Promise<Set<number>> {
    const rows = await pendingRows(this.driver.db, { runId, batchSeq: null }).select('batchSeq').distinct().execute();
    return new Set(rows.map((row) => row.batchSeq));
  }

  /**
   * Newest first; `after` is the id of the last event of the previous page; `since` keeps the events
   * at or after that instant. A `runId` no run has is NOT_FOUND, as quarantine's list refuses it.
   */
  async listEvents(options: { runId?: number; since?: string; limit?: number; after?: number } = {}): Promise<RollbackEventRecord[]> {
    const rows = await this.driver.db
      .selectFrom('rollbackEvents')
      .selectAll()
      .$if(options.runId !== undefined, (q) => q.where('runId', '=', options.runId!))
      .$call((q) => atOrAfter(q, options.since))
      .$call((q) => newestFirstPage(q, options, 100))
      .execute();
    // Events name their run, so only an empty page needs to ask whether the run is there.
    if (rows.length === 0 && options.runId !== undefined) await refuseUnknownRun(this.driver.db, options.runId);
    return rows.map(rollbackEventFromRow);
  }
}

export type { RemovingRestore } from '../store/index.js';

/** The rollback primitives inside its one transaction. */
export type UndoTx = ReturnType<typeof undoTx>;

function undoTx(driver: QueryLayer, trx: Db, { dryRun }: { dryRun: boolean }) {
  // The created rows, and which of them a before-image that another rollback may still put back names, read once.
  let created: { target: UndoTarget; entries: JournalEntry[]; rows: NamedRows } | null = null;
  let namedByImages: Promise<NamedRows> | null = null;
  const namedByStandingImages = () => (namedByImages ??= created ? rowsNamedByStandingImages(trx, created.target, created.entries) : Promise.resolve(noNamedRows()));
  // A dry run writes nothing: what its undos would leave is kept here, for the created rows' decisions.
  const previewed: PreviewedUndos = { left: [], namedByRestored: noNamedRows() };
  return {
    /**
     * The run's status (and error, which decides whether a failed run is resumable) and its batches'
     * seqs and statuses; null when there is no such run. A rollback locks the run's row on
     * PostgreSQL, so a review written meanwhile waits for it; a dry run locks nothing.
     */
    run: async (runId: number) => {
      const run = await trx.selectFrom('runs').select(['status', 'error', 'task']).where('id', '=', runId).$if(driver.backend === 'postgres' && !dryRun, (q) => q.forUpdate()).executeTakeFirst();
      if (!run) return null;
      const batches = await trx.selectFrom('batches').select(['seq', 'status']).where('runId', '=', runId).orderBy('seq').execute();
      return { status: run.status as RunStatus, error: run.error, task: run.task, batches };
    },
    /** The restore that took run `runId` away, when one did (it was given once and is gone). */
    restoreThatRemoved: (runId: number): Promise<RemovingRestore | null> => restoreThatRemoved(trx, runId),
    /**
     * What the journal holds of a run whose row is gone: the batches with writes still to undo, and
     * whether it recorded any write at all (all since rolled back, when none is left).
     */
    journalOfRun: async (runId: number): Promise<{ pendingBatches: number[]; recorded: boolean }> => {
      const pending = await pendingRows(trx, { runId, batchSeq: null }).select('batchSeq').distinct().orderBy('batchSeq').execute();
      const any = pending.length > 0 || (await trx.selectFrom('undoJournal').select('id').where('runId', '=', runId).limit(1).executeTakeFirst()) !== undefined;
      return { pendingBatches: pending.map((row) => row.batchSeq), recorded: any };
    },
    /** The run's newest rollback event, read inside the rollback's transaction (and so under its writer lock). */
    newestEvent: async (runId: number): Promise<RollbackEventRecord | null> => {
      const row = await trx.selectFrom('rollbackEvents').selectAll().where('runId', '=', runId).orderBy('id', 'desc').limit(1).executeTakeFirst();
      return row ? rollbackEventFromRow(row) : null;
    },
    /** How many hearing writes of the target are not yet consumed by a rollback. */
    pendingHearingCount: async (target: UndoTarget) => {
      const row = await pendingRows(trx, target).where('entity', '=', 'hearing').select((eb) => eb.fn.countAll<number | string>().as('n')).executeTakeFirst();
      return Number(row?.n ?? 0);
    },
    /**
     * One page of the target's pending hearing writes in the order they were written (`order`
     * 'asc': oldest first, after `from`; 'desc': newest first, before it), with their before-images
     * only when `images` asks: a run's whole journal at once is a million images. Keyed by (batch,
     * id), which is write order within a run (batches commit one after another), because the run's
     * index serves that order as it stands; ordered by id alone, SQLite sorted the whole run for
     * every page (a million-hearing rollback took 124 s instead of 56).
     */
    pendingHearingPage: async (target: UndoTarget, page: { order: 'asc' | 'desc'; from: JournalPosition | null; limit: number; images: boolean }) => {
      const rows = await pendingRows(trx, target)
        .where('entity', '=', 'hearing')
        .$if(page.from !== null, (q) => q.where((eb) => eb(eb.refTuple('batchSeq', 'id'), page.order === 'asc' ? '>' : '<', eb.tuple(page.from!.batchSeq, page.from!.id))))
        .select(['id', 'runId', 'batchSeq', 'entity', 'entityKey', 'afterHash', 'undoOutcome'])
        .$if(page.images, (q) => q.select('beforeJson'))
        .orderBy('batchSeq', page.order)
        .orderBy('id', page.order)
        .limit(page.limit)
        .execute();
      return rows.map((row) => journalEntry({ beforeJson: null, ...row }));
    },
    /** The committees and witnesses the target created, not yet consumed by a rollback, oldest first. */
    pendingCreatedRows: async (target: UndoTarget): Promise<JournalEntry[]> => {
      const rows = await pendingRows(trx, target).where('entity', '<>', 'hearing').selectAll().orderBy('id').execute();
      const entries = rows.map(journalEntry);
      created = { target, entries, rows: createdRowsOf(entries) };
      return entries;
    },
    /**
     * The committees and witnesses an earlier rollback kept because a hearing still referred to
     * them (outcome `created-kept`), oldest first: the hearings this rollback undoes may be the last
     * that did — a batch rolled back before the rest of its run, a run before the later run that
     * linked its new committee — and the rows would otherwise outlive every write that used them,
     * with no journal entry left to take them. They join the created rows deleteCreatedRows decides.
     */
    keptCreatedRows: async (): Promise<JournalEntry[]> => {
      const rows = await trx.selectFrom('undoJournal').selectAll().where('entity', 'in', ['committee', 'witness']).where('undoOutcome', '=', 'created-kept').orderBy('id').execute();
      const entries = rows.map(journalEntry);
      if (created && entries.length > 0) {
        created.entries = [...created.entries, ...entries];
        created.rows = createdRowsOf(created.entries);
        namedByImages = null;
      }
      return entries;
    },
    /** Whether the run has writes outside `batchSeq` that no rollback has consumed or skipped. */
    othersLeftInRun: async (runId: number, batchSeq: number) => {
      const row = await trx.selectFrom('undoJournal').select('id').where('runId', '=', runId).where('batchSeq', '<>', batchSeq).where('undoneBy', 'is', null).limit(1).executeTakeFirst();
      return row !== undefined;
    },
    /** For each hearing entry: later journal rows of the same hearing (any run) not themselves rolled back. */
    laterHearingWrites: (entries: JournalEntry[]) => laterWrites(driver, trx, entries),
    undoneSinceWritten: (entries: JournalEntry[]) => undoneSinceWritten(driver, trx, entries),
    beforeImagesUndone: (entries: JournalEntry[]) => beforeImagesUndone(driver, trx, entries),
    /** content_hash of the hearings that exist now. */
    currentHashes: async (eventIds: string[]) => {
      const rows = await trx.selectFrom('hearings').select(['eventId', 'contentHash']).where(driver.anyOf('eventId', eventIds)).execute();
      return new Map(rows.map((row) => [row.eventId, row.contentHash]));
    },
    /**
     * Applies a page's undos: deletes the hearings the target added and those it changed, in one
     * statement (the foreign keys cascade, so each before-image goes back whole, not merged), then
     * inserts the before-images. A dry run writes none of it (a preview of 100,000 hearings held
     * the row of each one it rewrote until its end, and an update rewriting one waited 4.5 s of a
     * 5 s lock timeout): it notes what the undos leave for deleteCreatedRows instead.
     */
    undoHearings: async (undos: PageUndos) => {
      if (dryRun) return previewUndos(previewed, undos, created?.rows ?? noNamedRows());
      const eventIds = [...undos.deletions, ...undos.restorations.map((image) => String(image.hearing.event_id))];
      if (eventIds.length > 0) await trx.deleteFrom('hearings').where(driver.anyOf('eventId', eventIds)).execute();
      await insertRows(trx, 'hearings', undos.restorations.map((image) => imageRow('hearings', image.hearing)));
      for (const { imageKey, name } of RELATED_TABLES) await insertRows(trx, name, undos.restorations.flatMap((image) => numberedInOrder(image[imageKey]).map((row) => imageRow(name, row))));
    },
    /**
     * Deletes the committees and witnesses the journal says were created (`entries`, in the order
     * they are undone), unless something still refers to them; each entry's outcome, in that order.
     * Created rows are undone after every hearing, so the links read here are final; they are read
     * for all the rows at once, not a row at a time (a preview of 3,500 hearings made 17,500 round
     * trips), and the deletions decided in memory in the same order a row at a time would take.
     * A dry run decides the same way and deletes nothing: nothing after reads these tables, and
     * its deletes only cost the writers it does not hold off. On PostgreSQL the witnesses' index
     * (CREATE INDEX, a SHARE lock on the appearances) stopped every batch of an update for up to
     * 3.7 s of a 100,000-hearing preview, and a deleted row's lock stops a batch naming that row.
     * Its hearings were not undone either, so it reads the links the undos would leave: those of
     * hearings the target does not undo, and those its before-images put back.
     */
    deleteCreatedRows: async (entries: JournalEntry[]): Promise<CreatedRowOutcome[]> => {
      const named = await namedByStandingImages();
      const codes = [...new Set(entries.filter((entry) => entry.entity === 'committee').map((entry) => entry.key))];
      const ids = [...new Set(entries.filter((entry) => entry.entity === 'witness').map((entry) => Number(entry.key)))];
      const afterUndos = dryRun && created ? { target: created.target, ...previewed } : null;
      const committees = await committeeLinks(driver, trx, codes, afterUndos);
      const deleted = { committees: new Set<string>(), witnesses: new Set<number>() };
      const decide = async () => {
        const witnesses = await witnessLinks(driver, trx, ids, afterUndos);
        return entries.map((entry) =>
          entry.entity === 'committee' ? committeeOutcome(entry.key, committees, named.committees, deleted.committees) : witnessOutcome(Number(entry.key), witnesses, named.witnesses, deleted.witnesses),
        );
      };
      if (dryRun) return decide();
      const outcomes = await withAppearancesByWitness(trx, ids.length, async () => {
        const decided = await decide();
        for (const part of slices([...deleted.witnesses], MARKED_PER_STATEMENT)) await trx.deleteFrom('witnesses').where(driver.anyOf('id', part)).execute();
        return decided;
      });
      // Parent and child go in one statement: the parent_code key is checked at its end, not row by row.
      for (const part of slices([...deleted.committees], MARKED_PER_STATEMENT)) await trx.deleteFrom('committees').where(driver.anyOf('systemCode', part)).execute();
      return outcomes;
    },
    recordEvent: async (event: Omit<RollbackEventRecord, 'id'>) => {
      const row = await trx.insertInto('rollbackEvents').values({ ...event, runRolledBack: event.runRolledBack ? 1 : 0 }).returning('id').executeTakeFirstOrThrow();
      return row.id;
    },
    /** Marks the consumed journal rows with the event, journal ids grouped by outcome. */
    markJournal: (outcomes: Map<JournalOutcome, number[]>, eventId: number) => markJournal(driver, trx, outcomes, eventId),
    /**
     * Marks batches `rolled_back`: the listed seqs, or every batch of the run when seqs is null. A
     * failed batch wrote nothing, so stays failed. The run's batch counts move each marked batch from
     * succeeded or isolated to rolledBack, so a success rate read from them (overview, reports) no
     * longer counts what support undid as committed.
     */
    markBatchesRolledBack: async (runId: number, seqs: number[] | null) => {
      // One filter for the count and the update: the run's committed or isolated batches (those of `seqs`, when given).
      const toMark = (eb: ExpressionBuilder<Database, 'batches'>) =>
        eb.and([eb('runId', '=', runId), eb('status', 'in', ['committed', 'isolated']), ...(seqs === null ? [] : [eb('seq', 'in', seqs.length > 0 ? seqs : [-1])])]);
      // Counted by status, not listed: a whole run can have more batches than a statement takes parameters.
      const marked = await trx
        .selectFrom('batches')
        .select(['status', (eb) => eb.fn.countAll<number | string>().as('count')])
        .where(toMark)
        .groupBy('status')
        .execute();
      if (marked.length === 0) return;
      await trx.updateTable('batches').set({ status: 'rolled_back' }).where(toMark).execute();
      // A run whose row was deleted outside Gatehouse has no counts to move.
      const run = await trx.selectFrom('runs').select('batchCountsJson').where('id', '=', runId).executeTakeFirst();
      if (!run) return;
      const moved = Object.fromEntries(marked.map(({ status, count }) => [status, Number(count)])) as Partial<Record<BatchStatus, number>>;
      await trx.updateTable('runs').set({ batchCountsJson: JSON.stringify(withRolledBack(JSON.parse(run.batchCountsJson) as BatchCounts, moved)) }).where('id', '=', runId).execute();
    },
    /** A rolled-back run cannot be resumed: the keys its batches handled go with it. */
    markRunRolledBack: async (runId: number) => {
      await trx.updateTable('runs').set({ status: 'rolled_back' }).where('id', '=', runId).execute();
      await trx.deleteFrom('runHandled').where('runId', '=', runId).execute();
    },
  };
}

/** A page's hearings to delete (eventIds) and to put back (their before-images), and those a skip leaves as they are. */
export interface PageUndos {
  deletions: string[];
  restorations: HearingImage[];
  left: string[];
}

/** What a dry run's undos would leave: the target's hearings they leave as they are, and the created rows the before-images they put back name. */
interface PreviewedUndos {
  left: string[];
  namedByRestored: NamedRows;
}

/** After the undos of a dry run: the hearing links of `target` standing are those of `left`, and its restorations add `namedByRestored`. */
type AfterUndos = PreviewedUndos & { target: UndoTarget };

function previewUndos(previewed: PreviewedUndos, undos: PageUndos, created: NamedRows): void {
  for (const eventId of undos.left) previewed.left.push(eventId);
  addNamedRows(previewed.namedByRestored, undos.restorations, created);
}

/**
 * Whether a hearing's link (`eventIdColumn`) still stands once the undos are done: its hearing is
 * not one the target undoes (no pending journal row of the target writes it), or a skip leaves it.
 */
function linkStandsAfter(driver: QueryLayer, after: AfterUndos, eventIdColumn: 'hearingCommittees.eventId' | 'appearances.eventId') {
  return (eb: ExpressionBuilder<Database, 'hearingCommittees' | 'appearances'>) =>
    eb.or([
      eb.not(
        eb.exists(
          eb
            .selectFrom('undoJournal')
            .select('undoJournal.id')
            .where('undoJournal.entity', '=', 'hearing')
            .whereRef('undoJournal.entityKey', '=', eventIdColumn)
            .where('undoJournal.runId', '=', after.target.runId)
            .$if(after.target.batchSeq !== null, (q) => q.where('undoJournal.batchSeq', '=', after.target.batchSeq!))
            .where((journal) => journal.or([journal('undoJournal.undoneBy', 'is', null), journal('undoJournal.undoOutcome', '=', 'skipped')])),
        ),
      ),
      driver.anyOf(eventIdColumn, after.left),
    ]);
}

/** Bound parameters per statement: under SQLite's 32,766 and PostgreSQL's 65,535. */
const PARAMETERS_PER_STATEMENT = 30_000;

/** `rows` (all of `table`'s columns) in as few multi-row inserts as the parameter limit allows. */
async function insertRows(trx: Db, table: TableName, rows: Row[]): Promise<void> {
  const perStatement = Math.floor(PARAMETERS_PER_STATEMENT / columnsOf(table).length);
  for (const part of slices(rows, perStatement)) await trx.insertInto(table).values(part as never).execute();
}

/** The target's journal rows that still stand. */
function pendingRows(trx: Db, target: UndoTarget) {
  return trx
    .selectFrom('undoJournal')
    .where('runId', '=', target.runId)
    .$if(target.batchSeq !== null, (q) => q.where('batchSeq', '=', target.batchSeq!))
    .where(stillStands);
}

type JournalRow = Pick<Selectable<Database['undoJournal']>, 'id' | 'runId' | 'batchSeq' | 'entity' | 'entityKey' | 'beforeJson' | 'afterHash' | 'undoOutcome'>;

function journalEntry(row: JournalRow): JournalEntry {
  return {
    id: row.id,
    runId: row.runId,
    batchSeq: row.batchSeq,
    entity: row.entity as JournalEntry['entity'],
    key: row.entityKey,
    before: row.beforeJson === null ? null : (JSON.parse(row.beforeJson) as HearingImage),
    afterHash: row.afterHash,
    skippedBefore: row.undoOutcome === 'skipped',
  };
}

/** One query for all the entries: every live journal row of the same hearings, later ones kept per entry. */
async function laterWrites(driver: QueryLayer, trx: Db, entries: JournalEntry[]) {
  const hearings = entries.filter((entry) => entry.entity === 'hearing');
  const result = new Map<number, { journalId: number; runId: number; batchSeq: number; task: string | null }[]>();
  if (hearings.length === 0) return result;
  // A loop, not Math.min(...): a run of a million hearings overflowed the stack as arguments.
  const firstId = hearings.reduce((first, entry) => Math.min(first, entry.id), Number.POSITIVE_INFINITY);
  const rows = await trx
    .selectFrom('undoJournal')
    // The later run's task: support rolling back one task's run is told when another task's data is at stake.
    .leftJoin('runs', 'runs.id', 'undoJournal.runId')
    .select(['undoJournal.id as id', 'undoJournal.runId as runId', 'undoJournal.batchSeq as batchSeq', 'undoJournal.entityKey as entityKey', 'runs.task as task'])
    .where('undoJournal.entity', '=', 'hearing')
    .where(driver.anyOf('undoJournal.entityKey', [...new Set(hearings.map((entry) => entry.key))]))
    .where('undoJournal.id', '>', firstId)
    .where(stillStands)
    .orderBy('undoJournal.id')
    .execute();
  const byHearing = groupBy(rows, (row) => row.entityKey);
  for (const entry of hearings) {
    const later = (byHearing.get(entry.key) ?? []).filter((row) => row.id > entry.id);
    if (later.length > 0) result.set(entry.id, later.map((row) => ({ journalId: row.id, runId: row.runId, batchSeq: row.batchSeq, task: row.task })));
  }
  return result;
}

/**
 * Each entry joined to the earlier writes of its hearing (`earlier`) that a rollback (`event`) undid
 * after the entry was written: the forced rollbacks of earlier runs both questions below ask about.
 */
function earlierWritesUndoneSince(driver: QueryLayer, trx: Db, entries: JournalEntry[]) {
  return trx
    .selectFrom('undoJournal as entry')
    .innerJoin('undoJournal as earlier', (join) => join.onRef('earlier.entityKey', '=', 'entry.entityKey').onRef('earlier.id', '<', 'entry.id'))
    .innerJoin('rollbackEvents as event', 'event.id', 'earlier.undoneBy')
    .where(driver.anyOf('entry.id', entries.map((entry) => entry.id)))
    .where('earlier.entity', '=', 'hearing')
    .where('earlier.undoOutcome', 'in', ['restored', 'deleted'])
    .whereRef('event.at', '>', 'entry.createdAt');
}

/** A rollback that undid an earlier write of a hearing after a later write of it: forced through the later one. */
export interface UndoneSince {
  rollbackEventId: number;
  runId: number;
  operator: string;
}

/**
 * For each entry, the rollback (the latest) that undid an earlier write of its hearing after this
 * entry was written: a forced rollback of an earlier run, which put the hearing back past this
 * write. What explains a hearing no later write touched yet no longer as this write left it.
 */
async function undoneSinceWritten(driver: QueryLayer, trx: Db, entries: JournalEntry[]): Promise<Map<number, UndoneSince>> {
  const result = new Map<number, UndoneSince>();
  if (entries.length === 0) return result;
  const rows = await earlierWritesUndoneSince(driver, trx, entries)
    .select(['entry.id as entryId', 'event.id as rollbackEventId', 'event.runId as runId', 'event.operator as operator'])
    .orderBy('event.id')
    .execute();
  for (const row of rows) result.set(Number(row.entryId), { rollbackEventId: Number(row.rollbackEventId), runId: Number(row.runId), operator: row.operator });
  return result;
}

/** The version an entry's before-image holds: written by `runId`, and undone since by rollback `rollbackEventId`. */
export interface UndoneVersion {
  runId: number;
  rollbackEventId: number;
}

/**
 * For each entry, the write just before it of the same hearing — whose result is the entry's
 * before-image — when a rollback undid that write after this entry was written (a forced rollback of
 * an earlier run). Restoring the entry's before-image then brings back what that rolled-back run
 * wrote, which support must be told before forcing it.
 */
async function beforeImagesUndone(driver: QueryLayer, trx: Db, entries: JournalEntry[]): Promise<Map<number, UndoneVersion>> {
  const result = new Map<number, UndoneVersion>();
  if (entries.length === 0) return result;
  const rows = await earlierWritesUndoneSince(driver, trx, entries)
    .select(['entry.id as entryId', 'earlier.runId as runId', 'event.id as rollbackEventId'])
    .where(({ not, exists, selectFrom }) =>
      not(exists(selectFrom('undoJournal as between').select('between.id').where('between.entity', '=', 'hearing').whereRef('between.entityKey', '=', 'entry.entityKey').whereRef('between.id', '>', 'earlier.id').whereRef('between.id', '<', 'entry.id'))),
    )
    .execute();
  for (const row of rows) result.set(Number(row.entryId), { runId: Number(row.runId), rollbackEventId: Number(row.rollbackEventId) });
  return result;
}


/** Journal ids per statement when marking: one list of a million ids is a 7 MB parameter. */
const MARKED_PER_STATEMENT = 10_000;

/** A run's batch counts once `moved` of its committed and isolated batches are rolled back. */
function withRolledBack(counts: BatchCounts, moved: Partial<Record<BatchStatus, number>>): BatchCounts {
  const committed = moved.committed ?? 0;
  const isolated = moved.isolated ?? 0;
  return { ...counts, succeeded: counts.succeeded - committed, isolated: counts.isolated - isolated, rolledBack: (counts.rolledBack ?? 0) + committed + isolated };
}

async function markJournal(driver: QueryLayer, trx: Db, outcomes: Map<JournalOutcome, number[]>, eventId: number): Promise<void> {
  for (const [outcome, ids] of outcomes) {
    for (const part of slices(ids, MARKED_PER_STATEMENT)) {
      await trx.updateTable('undoJournal').set({ undoneBy: eventId, undoOutcome: outcome }).where(driver.anyOf('id', part)).execute();
    }
  }
}

/**
 * A journal row whose write still stands: never undone, or skipped by a rollback that left it as it
 * was. A skipped write stays pending, so a later rollback (e.g. with force) can still undo it.
 */
function stillStands(eb: ExpressionBuilder<Database, 'undoJournal'>) {
  return eb.or([eb('undoneBy', 'is', null), eb('undoOutcome', '=', 'skipped')]);
}

/** The committees and witnesses (by id) that before-images name. */
interface NamedRows {
  committees: Set<string>;
  witnesses: Set<number>;
}

function noNamedRows(): NamedRows {
  return { committees: new Set(), witnesses: new Set() };
}

/** Before-images read per page when looking for the created rows they name. */
const IMAGES_PER_PAGE = 1_000;

/**
 * Which of the `created` committees and witnesses a before-image still standing in the journal
 * names, outside the target: another rollback may yet put that image back, and its committee links
 * and appearances point at these rows (by code, by witness id). Deleting one made that rollback fail
 * on a foreign key — or, on SQLite, which gives a freed witness id again, put back an appearance of
 * whichever witness took the id. Only images written after the first of these rows was created can
 * name one; rolling back the latest run reads none.
 */
async function rowsNamedByStandingImages(trx: Db, target: UndoTarget, created: JournalEntry[]): Promise<NamedRows> {
  const named = noNamedRows();
  if (created.length === 0) return named;
  const createdRows = createdRowsOf(created);
  let after = created.reduce((first, entry) => Math.min(first, entry.id), Number.POSITIVE_INFINITY);
  for (;;) {
    const rows = await trx
      .selectFrom('undoJournal')
      .select(['id', 'beforeJson'])
      .where('entity', '=', 'hearing')
      .where('beforeJson', 'is not', null)
      .where('id', '>', after)
      .where(stillStands)
      .where((eb) => (target.batchSeq === null ? eb('runId', '<>', target.runId) : eb.or([eb('runId', '<>', target.runId), eb('batchSeq', '<>', target.batchSeq)])))
      .orderBy('id')
      .limit(IMAGES_PER_PAGE)
      .execute();
    const images = rows.map((row) => (typeof row.beforeJson === 'string' ? JSON.parse(row.beforeJson) : row.beforeJson) as HearingImage);
    addNamedRows(named, images, createdRows);
    if (rows.length < IMAGES_PER_PAGE) return named;
    after = rows.at(-1)!.id;
  }
}

/** The committees (by code) and witnesses (by id) the journal's `created` entries name. */
function createdRowsOf(created: JournalEntry[]): NamedRows {
  return {
    committees: new Set(created.filter((entry) => entry.entity === 'committee').map((entry) => entry.key)),
    witnesses: new Set(created.filter((entry) => entry.entity === 'witness').map((entry) => Number(entry.key))),
  };
}

/** Adds to `named` the rows of `created` that `images` name. */
function addNamedRows(named: NamedRows, images: HearingImage[], created: NamedRows): NamedRows {
  for (const image of images) {
    for (const link of image.committees) if (created.committees.has(String(link.system_code))) named.committees.add(String(link.system_code));
    for (const appearance of image.appearances) if (created.witnesses.has(Number(appearance.witness_id))) named.witnesses.add(Number(appearance.witness_id));
  }
  return named;
}

/** What undoing a created committee or witness did: deleted it, kept it (still referred to), or found it gone already. */
export type CreatedRowOutcome = 'deleted' | 'kept' | 'gone';

/** The created committees that exist, those hearings link to, and the committees whose parent each of them is (parent code → child codes). */
interface CommitteeLinks {
  existing: Set<string>;
  linked: Set<string>;
  children: Map<string, string[]>;
}

/** `after`: a dry run's, whose hearings were not undone; the links counted are those its undos would leave. */
async function committeeLinks(driver: QueryLayer, trx: Db, codes: string[], after: AfterUndos | null): Promise<CommitteeLinks> {
  const links: CommitteeLinks = { existing: new Set(), linked: new Set(after?.namedByRestored.committees), children: new Map() };
  for (const part of slices(codes, MARKED_PER_STATEMENT)) {
    for (const row of await trx.selectFrom('committees').select('systemCode').where(driver.anyOf('systemCode', part)).execute()) links.existing.add(row.systemCode);
    const linked = trx
      .selectFrom('hearingCommittees')
      .select('hearingCommittees.systemCode')
      .distinct()
      .where(driver.anyOf('hearingCommittees.systemCode', part))
      .$if(after !== null, (q) => q.where(linkStandsAfter(driver, after!, 'hearingCommittees.eventId')));
    for (const row of await linked.execute()) links.linked.add(row.systemCode);
    const children = await trx.selectFrom('committees').select(['systemCode', 'parentCode']).where(driver.anyOf('parentCode', part)).execute();
    for (const [parent, rows] of groupBy(children, (row) => row.parentCode!)) links.children.set(parent, rows.map((row) => row.systemCode));
  }
  return links;
}

/** A committee is kept while a hearing links to it, a standing before-image names it, or a child not deleted before it still names it as parent. */
function committeeOutcome(code: string, links: CommitteeLinks, namedByImages: Set<string>, deleted: Set<string>): CreatedRowOutcome {
  if (!links.existing.has(code) || deleted.has(code)) return 'gone';
  if (namedByImages.has(code) || links.linked.has(code)) return 'kept';
  if ((links.children.get(code) ?? []).some((child) => !deleted.has(child))) return 'kept';
  deleted.add(code);
  return 'deleted';
}

/** The created witnesses that exist, and those appearances name (one pass over the appearances per slice, or the rollback's own index: main/store/witness-index.ts). */
async function witnessLinks(driver: QueryLayer, trx: Db, ids: number[], after: AfterUndos | null): Promise<{ existing: Set<number>; referenced: Set<number> }> {
  const links = { existing: new Set<number>(), referenced: new Set<number>(after?.namedByRestored.witnesses) };
  for (const part of slices(ids, MARKED_PER_STATEMENT)) {
    for (const row of await trx.selectFrom('witnesses').select('id').where(driver.anyOf('id', part)).execute()) links.existing.add(Number(row.id));
    const referenced = trx
      .selectFrom('appearances')
      .select('appearances.witnessId')
      .distinct()
      .where(driver.anyOf('appearances.witnessId', part))
      .$if(after !== null, (q) => q.where(linkStandsAfter(driver, after!, 'appearances.eventId')));
    for (const row of await referenced.execute()) links.referenced.add(Number(row.witnessId));
  }
  return links;
}

function witnessOutcome(id: number, links: { existing: Set<number>; referenced: Set<number> }, namedByImages: Set<number>, deleted: Set<number>): CreatedRowOutcome {
  if (!links.existing.has(id) || deleted.has(id)) return 'gone';
  if (links.referenced.has(id) || namedByImages.has(id)) return 'kept';
  deleted.add(id);
  return 'deleted';
}

function groupBy<T, K>(items: T[], keyOf: (item: T) => K): Map<K, T[]> {
  const groups = new Map<K, T[]>();
  for (const item of items) {
    const group = groups.get(keyOf(item));
    if (group) group.push(item);
    else groups.set(keyOf(item), [item]);
  }
  return groups;
}
