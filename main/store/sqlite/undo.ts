import type Database from 'better-sqlite3';
import { GatehouseError } from '../../../shared/errors.js';
import { rollbackEventFromRow } from '../rows.js';
import type {
  HearingImage,
  JournalEntry,
  JournalOutcome,
  LaterWrite,
  NewRollbackEvent,
  RollbackEventRecord,
  UndoRepository,
  UndoRunState,
  UndoTarget,
  UndoTx,
} from '../undo-types.js';

type Row = Record<string, unknown>;

/** Column lists of the before-image tables: a restore writes exactly these, nothing the image adds. */
const HEARING_COLUMNS = [
  'event_id', 'congress', 'chamber', 'meeting_type', 'meeting_status', 'title', 'starts_at', 'update_date', 'room',
  'building', 'address', 'content_hash', 'content_json', 'first_run_id', 'last_run_id', 'last_batch_seq', 'last_position',
] as const;
const RELATED_COLUMNS = {
  hearing_committees: ['event_id', 'system_code', 'is_primary', 'ordinal'],
  appearances: ['event_id', 'witness_id', 'ordinal', 'position'],
  videos: ['event_id', 'ordinal', 'name', 'url'],
  transcripts: ['event_id', 'ordinal', 'jacket_number', 'url'],
} as const;

function insertSql(table: string, columns: readonly string[]): string {
  return `INSERT INTO ${table} (${columns.join(', ')}) VALUES (${columns.map(() => '?').join(', ')})`;
}

function targetParams(target: UndoTarget) {
  return { runId: target.runId, batchSeq: target.batchSeq };
}

const TARGET_FILTER = 'run_id = @runId AND (@batchSeq IS NULL OR batch_seq = @batchSeq)';

export class SqliteUndoRepository implements UndoRepository {
  constructor(private readonly db: Database.Database) {}

  async transaction<T>(work: (tx: UndoTx) => Promise<T>, options: { dryRun: boolean }): Promise<T> {
    if (this.db.inTransaction) throw new GatehouseError('INTERNAL', 'nested transactions are not supported');
    this.db.exec('BEGIN IMMEDIATE');
    try {
      const result = await work(this.tx());
      this.db.exec(options.dryRun ? 'ROLLBACK' : 'COMMIT');
      return result;
    } catch (error) {
      if (this.db.inTransaction) this.db.exec('ROLLBACK');
      throw error;
    }
  }

  async listEvents(options: { runId?: number; limit?: number } = {}): Promise<RollbackEventRecord[]> {
    const rows = this.db
      .prepare('SELECT * FROM rollback_events WHERE (@runId IS NULL OR run_id = @runId) ORDER BY id DESC LIMIT @limit')
      .all({ runId: options.runId ?? null, limit: options.limit ?? 100 }) as Row[];
    return rows.map(rollbackEventFromRow);
  }

  private tx(): UndoTx {
    const db = this.db;
    return {
      run: async (runId) => this.runState(runId),
      pendingJournal: async (target) => {
        const rows = db
          .prepare(`SELECT * FROM undo_journal WHERE ${TARGET_FILTER} AND undone_by IS NULL ORDER BY id`)
          .all(targetParams(target)) as Row[];
        return rows.map(journalFromRow);
      },
      laterHearingWrites: async (entries) => this.laterWrites(entries),
      currentHashes: async (eventIds) => {
        const rows = db
          .prepare('SELECT event_id, content_hash FROM hearings WHERE event_id IN (SELECT value FROM json_each(?))')
          .all(JSON.stringify(eventIds)) as { event_id: string; content_hash: string }[];
        return new Map(rows.map((row) => [row.event_id, row.content_hash]));
      },
      restoreHearing: async (image) => this.restoreHearing(image),
      deleteHearing: async (eventId) => db.prepare('DELETE FROM hearings WHERE event_id = ?').run(eventId).changes > 0,
      deleteCreatedRow: async (entity, key) => this.deleteCreatedRow(entity, key),
      recordEvent: async (event) => this.recordEvent(event),
      markJournal: async (outcomes, eventId) => this.markJournal(outcomes, eventId),
      markBatchesRolledBack: async (runId, seqs) => {
        db.prepare(`UPDATE batches SET status = 'rolled_back' WHERE run_id = ?
          AND (? IS NULL OR seq IN (SELECT value FROM json_each(?)))`)
          .run(runId, seqs === null ? null : 1, JSON.stringify(seqs ?? []));
      },
      markRunRolledBack: async (runId) => {
        db.prepare("UPDATE runs SET status = 'rolled_back' WHERE id = ?").run(runId);
      },
    };
  }

  private runState(runId: number): UndoRunState | null {
    const run = this.db.prepare('SELECT status FROM runs WHERE id = ?').get(runId) as { status: UndoRunState['status'] } | undefined;
    if (!run) return null;
    const batches = this.db.prepare('SELECT seq, status FROM batches WHERE run_id = ? ORDER BY seq').all(runId) as UndoRunState['batches'];
    return { status: run.status, batches };
  }

  private laterWrites(entries: JournalEntry[]): Map<number, LaterWrite[]> {
    const find = this.db.prepare(`SELECT id, run_id, batch_seq FROM undo_journal
      WHERE entity = 'hearing' AND entity_key = ? AND id > ? AND undone_by IS NULL ORDER BY id`);
    const result = new Map<number, LaterWrite[]>();
    for (const entry of entries) {
      if (entry.entity !== 'hearing') continue;
      const rows = find.all(entry.key, entry.id) as { id: number; run_id: number; batch_seq: number }[];
      if (rows.length > 0) result.set(entry.id, rows.map((row) => ({ journalId: row.id, runId: row.run_id, batchSeq: row.batch_seq })));
    }
    return result;
  }

  private restoreHearing(image: HearingImage): void {
    const eventId = String(image.hearing.event_id);
    // Deleting first cascades to the related rows, so the image goes back whole, not merged.
    this.db.prepare('DELETE FROM hearings WHERE event_id = ?').run(eventId);
    this.db.prepare(insertSql('hearings', HEARING_COLUMNS)).run(...HEARING_COLUMNS.map((c) => image.hearing[c] ?? null));
    const groups: [keyof typeof RELATED_COLUMNS, Row[]][] = [
      ['hearing_committees', image.committees],
      ['appearances', image.appearances],
      ['videos', image.videos],
      ['transcripts', image.transcripts],
    ];
    for (const [table, rows] of groups) {
      const columns = RELATED_COLUMNS[table];
      const insert = this.db.prepare(insertSql(table, columns));
      for (const row of rows) insert.run(...columns.map((c) => row[c] ?? null));
    }
  }

  private deleteCreatedRow(entity: 'committee' | 'witness', key: string): 'deleted' | 'kept' | 'gone' {
    if (entity === 'committee') {
      if (!this.db.prepare('SELECT 1 FROM committees WHERE system_code = ?').get(key)) return 'gone';
      const used = this.db
        .prepare(`SELECT 1 FROM hearing_committees WHERE system_code = @key
          UNION ALL SELECT 1 FROM committees WHERE parent_code = @key LIMIT 1`)
        .get({ key });
      if (used) return 'kept';
      this.db.prepare('DELETE FROM committees WHERE system_code = ?').run(key);
      return 'deleted';
    }
    const id = Number(key);
    if (!this.db.prepare('SELECT 1 FROM witnesses WHERE id = ?').get(id)) return 'gone';
    if (this.db.prepare('SELECT 1 FROM appearances WHERE witness_id = ? LIMIT 1').get(id)) return 'kept';
    this.db.prepare('DELETE FROM witnesses WHERE id = ?').run(id);
    return 'deleted';
  }

  private recordEvent(event: NewRollbackEvent): number {
    const result = this.db
      .prepare(`INSERT INTO rollback_events (run_id, batch_seq, operator, at, reason, on_conflict, restored, deleted, skipped,
        forced, created_rows_deleted, created_rows_kept, run_rolled_back) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`)
      .run(event.runId, event.batchSeq, event.operator, event.at, event.reason, event.onConflict, event.restored, event.deleted,
        event.skipped, event.forced, event.createdRowsDeleted, event.createdRowsKept, event.runRolledBack ? 1 : 0);
    return Number(result.lastInsertRowid);
  }

  private markJournal(outcomes: { journalId: number; outcome: JournalOutcome }[], eventId: number): void {
    const mark = this.db.prepare('UPDATE undo_journal SET undone_by = ?, undo_outcome = ? WHERE id = ?');
    for (const { journalId, outcome } of outcomes) mark.run(eventId, outcome, journalId);
  }
}

function journalFromRow(row: Row): JournalEntry {
  return {
    id: Number(row.id),
    runId: Number(row.run_id),
    batchSeq: Number(row.batch_seq),
    entity: row.entity as JournalEntry['entity'],
    key: String(row.entity_key),
    before: row.before_json === null || row.before_json === undefined ? null : (JSON.parse(String(row.before_json)) as HearingImage),
    afterHash: (row.after_hash as string | null) ?? null,
  };
}
