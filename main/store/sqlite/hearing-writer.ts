import type Database from 'better-sqlite3';
import { organizationKey, witnessKey, type NormalizedHearing, type Witness } from '../../../shared/record.js';
import { SAVEPOINT_STATEMENTS, savepointStatement, Savepoints, type BulkHearingWriter, type SavepointStep } from '../driver.js';
import { refusedWhileWriting } from '../faults.js';
import type { KnownRows } from '../known-rows.js';
import { committeesToCreate, eachRelatedRow, earlierWriteViolations, HEARING_COLUMNS, hearingRow, injectedWriteFault, RELATED_TABLES } from '../hearing-rows.js';
import type { HearingColumn, HearingRow, RelatedRowSink, RelatedTable } from '../hearing-rows.js';
import { snakeCase } from '../schema.js';
import type { PlannedChange, StoreOptions } from '../types.js';

/** Every statement the writer runs, prepared once per connection: a batch of 50 hearings runs them hundreds of times. */
function prepareStatements(db: Database.Database) {
  const each = (sql: (table: RelatedTable) => string) => Object.fromEntries(RELATED_TABLES.map(({ table }) => [table, db.prepare(sql(table))])) as Record<RelatedTable, Database.Statement>;
  return {
    updateHearing: db.prepare(UPDATE_HEARING),
    deleteRelated: each((table) => `DELETE FROM ${table} WHERE event_id = ?`),
    relatedRows: each((table) => `SELECT * FROM ${table} WHERE event_id = ? ORDER BY ordinal`),
    hearingRow: db.prepare('SELECT * FROM hearings WHERE event_id = ?'),
    committeeExists: db.prepare('SELECT 1 FROM committees WHERE system_code = ?'),
    insertCommittee: db.prepare('INSERT INTO committees (system_code, name, chamber, parent_code, created_run_id) VALUES (?, ?, ?, ?, ?)'),
    findWitness: db.prepare('SELECT id FROM witnesses WHERE normalized_name = ? AND organization_key = ?').pluck(),
    insertWitness: db.prepare('INSERT INTO witnesses (normalized_name, organization_key, name, organization) VALUES (?, ?, ?, ?)'),
    savepoint: Object.fromEntries(Object.entries(SAVEPOINT_STATEMENTS).map(([step, text]) => [step, db.prepare(text)])) as Record<SavepointStep, Database.Statement>,
    // json_each first and CROSS JOIN: the planner would otherwise scan the run's rows by last_run_id.
    earlierWrites: db.prepare('SELECT h.event_id FROM json_each(?) AS j CROSS JOIN hearings AS h ON h.event_id = j.value WHERE h.last_run_id = ?').pluck(),
  };
}

/** The prepared statement of a savepoint step; one the test seam StoreOptions.failSavepointRollBack asks for is prepared there and then. */
function savepointStep(db: Database.Database, s: ReturnType<typeof prepareStatements>, step: SavepointStep, options: StoreOptions): Database.Statement {
  const text = savepointStatement(step, options);
  return text === SAVEPOINT_STATEMENTS[step] ? s.savepoint[step] : db.prepare(text);
}

/**
 * Writes hearings and everything that hangs off them through statements prepared once, journaling
 * each before-image. The caller owns the transaction; nothing here commits.
 */
export class SqliteHearingWriter implements BulkHearingWriter {
  private readonly s: ReturnType<typeof prepareStatements>;
  readonly savepoints: Savepoints;
  /** The journal rows of the writeHearings call under way, in the order they were journaled. */
  private readonly journalRows: GatheredRows;
  /** The call's added hearings, inserted before the related rows that point at them. */
  private readonly hearingInserts: GatheredRows;
  /** The related rows of the call's hearings, inserted once the hearings they point at are. */
  private readonly relatedInserts: Record<RelatedTable, GatheredRows>;
  /** The hearing statements' bound values, refilled for each hearing rather than an array a hearing. */
  private readonly insertArgs: Value[] = new Array<Value>(INSERTED.length).fill(null);
  private readonly updateArgs: Value[] = new Array<Value>(UPDATED.length).fill(null);
  /** Each related row straight into its table's gathered rows, one closure for the writer's life. */
  private readonly gatherRelated: RelatedRowSink = (table, a, b, c, d) => this.relatedInserts[table].add4(a, b, c, d);

  constructor(
    db: Database.Database,
    private readonly options: StoreOptions,
  ) {
    this.s = prepareStatements(db);
    this.journalRows = new GatheredRows(db, 'undo_journal', JOURNAL_COLUMNS);
    this.hearingInserts = new GatheredRows(db, 'hearings', INSERTED.map(snakeCase), INSERTED.indexOf('eventId'));
    this.relatedInserts = Object.fromEntries(RELATED_TABLES.map(({ table, columns }) => [table, new GatheredRows(db, table, columns.map(snakeCase))])) as Record<RelatedTable, GatheredRows>;
    // This writer outlives its transactions: each savepoint is released as it holds.
    this.savepoints = new Savepoints(async (steps) => steps.forEach((step) => savepointStep(db, this.s, step, options).run()), false);
  }

  async writeHearings(runId: number, batchSeq: number, changes: PlannedChange[], known: KnownRows): Promise<{ hearings: number; related: number }> {
    const now = new Date().toISOString();
    // What a call that threw left unwritten belongs to a transaction or savepoint rolled back since.
    this.journalRows.discard();
    this.hearingInserts.discard();
    for (const { table } of RELATED_TABLES) this.relatedInserts[table].discard();
    let hearings = 0;
    let related = 0;
    const witnessId = (witness: Witness) => this.witnessId(witness, runId, batchSeq, now, known);
    for (const change of changes) {
      try {
        hearings += this.writeHearing(change, runId, batchSeq, now, known, witnessId);
      } catch (error) {
        throw refusedWhileWriting(error, change.hearing.eventId);
      }
    }
    hearings += this.hearingInserts.insert();
    // A refusal here falls on rows of many records: isolation finds whose by halving.
    for (const { table } of RELATED_TABLES) related += this.relatedInserts[table].insert();
    this.journalRows.insert();
    return { hearings, related };
  }

  /** One hearing's own statements (an added one's row and its related rows are gathered); the rows it updated (0 or 1). */
  private writeHearing(change: PlannedChange, runId: number, batchSeq: number, now: string, known: KnownRows, witnessId: (witness: Witness) => number): number {
    const { hearing } = change;
    if (this.options.failWriteOf?.(hearing.eventId)) throw injectedWriteFault(hearing.eventId, 'sqlite');
    this.ensureCommittees(hearing, runId, batchSeq, now, known);
    const before = change.kind === 'added' ? null : this.beforeImage(hearing.eventId);
    const hearingValues = hearingRow(change, runId, batchSeq);
    this.journal(runId, batchSeq, 'hearing', hearing.eventId, before, hearingValues.contentHash, now);
    if (before !== null) for (const { table } of RELATED_TABLES) this.s.deleteRelated[table].run(hearing.eventId);
    const updated = before === null ? 0 : this.s.updateHearing.run(...inOrder(this.updateArgs, UPDATED, hearingValues)).changes;
    if (before === null) this.hearingInserts.add(inOrder(this.insertArgs, INSERTED, hearingValues));
    eachRelatedRow(hearing, witnessId, this.gatherRelated);
    return updated;
  }

  async findEarlierWrites(runId: number, eventIds: string[]) {
    return earlierWriteViolations(this.s.earlierWrites.all(JSON.stringify(eventIds), runId) as string[]);
  }

  private ensureCommittees(hearing: NormalizedHearing, runId: number, batchSeq: number, now: string, known: KnownRows): void {
    const exists = (code: string) => {
      if (known.hasCommittee(code)) return true;
      if (this.s.committeeExists.get(code) === undefined) return false;
      known.addCommittee(code);
      return true;
    };
    for (const committee of committeesToCreate(hearing.committees, exists, known)) {
      this.s.insertCommittee.run(committee.code, committee.name, committee.chamber, committee.parent, runId);
      this.journal(runId, batchSeq, 'committee', committee.code, null, null, now);
    }
  }

  private witnessId(witness: Witness, runId: number, batchSeq: number, now: string, known: KnownRows): number {
    const key = witnessKey(witness);
    const cached = known.witnessId(key);
    if (cached !== undefined) return cached;
    const found = this.s.findWitness.get(witness.normalizedName, organizationKey(witness)) as number | undefined;
    const id = found ?? Number(this.s.insertWitness.run(witness.normalizedName, organizationKey(witness), witness.name, witness.organization).lastInsertRowid);
    if (found === undefined) this.journal(runId, batchSeq, 'witness', String(id), null, null, now);
    known.addWitness(key, id);
    return id;
  }

  /** Every row the hearing owns, exactly as stored: what a rollback puts back. */
  private beforeImage(eventId: string): string {
    const related = RELATED_TABLES.map(({ imageKey, table }) => [imageKey, this.s.relatedRows[table].all(eventId)]);
    return JSON.stringify({ hearing: this.s.hearingRow.get(eventId), ...Object.fromEntries(related) });
  }

  private journal(runId: number, batchSeq: number, entity: string, key: string, before: string | null, afterHash: string | null, now: string): void {
    this.journalRows.add([runId, batchSeq, entity, key, before, afterHash, now]);
  }
}

type Value = string | number | null;

/**
 * Rows for one table, gathered and then inserted ROWS_PER_STATEMENT to a statement (the rest in one
 * statement of their number), in the order they were added: one statement per row cost more in
 * binding and stepping than in the rows themselves (the undo journal; at 100,000 hearings, the
 * ≈ 380,000 related rows too: 400,000 four-column rows took ≈ 480–540 ms of CPU one a statement,
 * ≈ 390 ms at 32; the 100,000 hearing rows ≈ 1.7–2.1 s one a statement, ≈ 1.4–1.5 s at 10 to 25).
 * The rest matters most where isolation writes 16 or 24 changes a savepoint: written one a
 * statement, nearly all of a dirty run's rows were.
 */
class GatheredRows {
  /**
   * The values of the rows gathered so far, `count` of them: the array is kept from one call to the
   * next, where emptying it (length 0) gave its store up and a batch of 5,000 hearings grew it back
   * through a dozen copies (≈ 0.9 KB of garbage a hearing). Emptied by `discard`, so no written
   * value (an update's before-image) outlives its call.
   */
  private readonly values: Value[] = [];
  private count = 0;
  /**
   * The statement for each number of rows up to ROWS_PER_STATEMENT (index: rows − 1), prepared when
   * first needed, with its bound values refilled for each run: no copy of the values per statement.
   * They are spread as the call's arguments: better-sqlite3 reads an array argument one element at
   * a time through V8's generic `Array::Get`, and the arguments directly. At 50,000 hearings the
   * INSERTs' own CPU fell from ≈ 690 to ≈ 596 ms, the adaptive run's by ≈ 64 ms (18 alternated pairs).
   */
  private readonly statements: ({ statement: Database.Statement; args: Value[] } | undefined)[] = [];
  private readonly insertText: string;
  private readonly rowText: string;

  /**
   * `recordColumn`: where a row holds the eventId of its record. A multi-row statement the database
   * refuses is then written again row by row, so the refusal names the record whose row it was, as
   * when each record ran its own statement (isolation takes that record out first).
   */
  constructor(
    private readonly db: Database.Database,
    table: string,
    private readonly columns: readonly string[],
    private readonly recordColumn: number | null = null,
  ) {
    this.rowText = `(${columns.map(() => '?').join(', ')})`;
    this.insertText = `INSERT INTO ${table} (${columns.join(', ')}) VALUES`;
  }

  add(row: readonly Value[]): void {
    for (const value of row) this.values[this.count++] = value;
  }

  /** A row of a four-column table, with no array of its own. */
  add4(a: Value, b: Value, c: Value, d: Value): void {
    const { values } = this;
    values[this.count++] = a;
    values[this.count++] = b;
    values[this.count++] = c;
    values[this.count++] = d;
  }

  /** Inserts the rows added since the last insert or discard; returns how many the database inserted. */
  insert(): number {
    const rows = this.count / this.columns.length;
    let inserted = 0;
    for (let first = 0; first < rows; first += ROWS_PER_STATEMENT) inserted += this.insertRows(first, Math.min(ROWS_PER_STATEMENT, rows - first));
    this.discard();
    return inserted;
  }

  /** Rows `first` to `first + rows − 1` (of those gathered) in one statement. */
  private insertRows(first: number, rows: number): number {
    const { statement, args } = this.statementFor(rows);
    const start = first * this.columns.length;
    try {
      return statement.run(...filled(args, this.values, start)).changes;
    } catch (error) {
      if (rows === 1) throw this.recordColumn === null ? error : refusedWhileWriting(error, String(this.values[start + this.recordColumn]));
      if (this.recordColumn === null || !this.db.inTransaction) throw error;
      // SQLite undid the refused statement alone while the transaction lives on (a constraint, say):
      // row by row, the refusal falls on one record's row.
      let inserted = 0;
      for (let row = first; row < first + rows; row++) inserted += this.insertRows(row, 1);
      return inserted;
    }
  }

  private statementFor(rows: number): { statement: Database.Statement; args: Value[] } {
    let prepared = this.statements[rows - 1];
    if (prepared === undefined) {
      const statement = this.db.prepare(`${this.insertText} ${Array(rows).fill(this.rowText).join(', ')}`);
      prepared = { statement, args: new Array<Value>(this.columns.length * rows).fill(null) };
      this.statements[rows - 1] = prepared;
    }
    return prepared;
  }

  /** Forgets the rows added since the last insert or discard, written or not. */
  discard(): void {
    this.values.fill(null, 0, this.count);
    this.count = 0;
  }
}

/** `args`, refilled with the row's values of `columns`, in that order. */
function inOrder(args: Value[], columns: readonly HearingColumn[], row: HearingRow): Value[] {
  for (let i = 0; i < columns.length; i++) args[i] = row[columns[i]!];
  return args;
}

/** `args`, refilled with as many of `values` from `start`. */
function filled(args: Value[], values: readonly Value[], start: number): Value[] {
  for (let i = 0; i < args.length; i++) args[i] = values[start + i]!;
  return args;
}

const JOURNAL_COLUMNS = ['run_id', 'batch_seq', 'entity', 'entity_key', 'before_json', 'after_hash', 'created_at'];
/** At most 850 values a statement (the hearings' seventeen columns), far below SQLite's limit of 32,766. */
const ROWS_PER_STATEMENT = 50;

/**
 * The hearing statements bind by position, the row's values read out in these orders: bound by name
 * (`@eventId`, …), better-sqlite3 looks each of the 17 names up in the row object. 100,000 rows into
 * a 17-column table took ≈ 285–350 ms of CPU by name, ≈ 230–255 ms by position from an array.
 */
const INSERTED = HEARING_COLUMNS;
/** An update keeps the hearing's first run; the key comes last, for the WHERE clause. */
const UPDATED = [...HEARING_COLUMNS.filter((c) => c !== 'eventId' && c !== 'firstRunId'), 'eventId'] as const;
const UPDATE_HEARING = `UPDATE hearings SET ${UPDATED.slice(0, -1).map((c) => `${snakeCase(c)} = ?`).join(', ')}
  WHERE event_id = ?`;
