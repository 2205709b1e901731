import type pg from 'pg';
import type { HearingImage, JournalEntry, LaterWrite, RollbackEventRecord, UndoRepository, UndoRunState, UndoTx } from '../undo-types.js';
import { rollbackEventFromRow } from '../rows.js';
import { inClientTransaction, type PostgresTarget } from './connection.js';

type Row = Record<string, unknown>;
const TARGET_FILTER = 'run_id = $1 AND ($2::integer IS NULL OR batch_seq = $2)';

/**
 * The undo journal on PostgreSQL. Before-images are jsonb built with to_jsonb(row), so
 * jsonb_populate_record puts them back column for column.
 */
export class PostgresUndoRepository implements UndoRepository {
  constructor(
    private readonly pool: pg.Pool,
    private readonly target: PostgresTarget,
  ) {}

  async transaction<T>(work: (tx: UndoTx) => Promise<T>, options: { dryRun: boolean }): Promise<T> {
    return inClientTransaction(this.pool, this.target, (client) => work(this.tx(client)), { dryRun: options.dryRun, reportUnreachable: true });
  }

  async listEvents(options: { runId?: number; limit?: number } = {}): Promise<RollbackEventRecord[]> {
    const { rows } = await this.pool.query('SELECT * FROM rollback_events WHERE ($1::bigint IS NULL OR run_id = $1) ORDER BY id DESC LIMIT $2', [
      options.runId ?? null,
      options.limit ?? 100,
    ]);
    return rows.map(rollbackEventFromRow);
  }

  private tx(db: pg.PoolClient): UndoTx {
    const q = async (sql: string, params: unknown[] = []) => (await db.query(sql, params)).rows as Row[];
    return {
      run: async (runId) => {
        const [run] = await q('SELECT status FROM runs WHERE id = $1 FOR UPDATE', [runId]);
        if (!run) return null;
        const batches = await q('SELECT seq, status FROM batches WHERE run_id = $1 ORDER BY seq', [runId]);
        return { status: run.status as UndoRunState['status'], batches: batches.map((b) => ({ seq: Number(b.seq), status: String(b.status) })) };
      },
      pendingJournal: async (target) =>
        (await q(`SELECT * FROM undo_journal WHERE ${TARGET_FILTER} AND undone_by IS NULL ORDER BY id`, [target.runId, target.batchSeq])).map(journalFromRow),
      laterHearingWrites: async (entries) => {
        const hearings = entries.filter((e) => e.entity === 'hearing');
        const rows = await q(
          `SELECT e.id AS entry_id, j.id, j.run_id, j.batch_seq FROM unnest($1::bigint[], $2::text[]) AS e(id, key)
           JOIN undo_journal j ON j.entity = 'hearing' AND j.entity_key = e.key AND j.id > e.id AND j.undone_by IS NULL
           ORDER BY j.id`,
          [hearings.map((e) => e.id), hearings.map((e) => e.key)],
        );
        const result = new Map<number, LaterWrite[]>();
        for (const row of rows) {
          const list = result.get(Number(row.entry_id)) ?? [];
          list.push({ journalId: Number(row.id), runId: Number(row.run_id), batchSeq: Number(row.batch_seq) });
          result.set(Number(row.entry_id), list);
        }
        return result;
      },
      currentHashes: async (eventIds) => {
        const rows = await q('SELECT event_id, content_hash FROM hearings WHERE event_id = ANY($1::text[])', [eventIds]);
        return new Map(rows.map((row) => [String(row.event_id), String(row.content_hash)]));
      },
      restoreHearing: async (image) => restoreHearing(db, image),
      deleteHearing: async (eventId) => ((await db.query('DELETE FROM hearings WHERE event_id = $1', [eventId])).rowCount ?? 0) > 0,
      deleteCreatedRow: async (entity, key) => deleteCreatedRow(db, entity, key),
      recordEvent: async (event) => {
        const [row] = await q(
          `INSERT INTO rollback_events (run_id, batch_seq, operator, at, reason, on_conflict, restored, deleted, skipped, forced,
            created_rows_deleted, created_rows_kept, run_rolled_back) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13) RETURNING id`,
          [event.runId, event.batchSeq, event.operator, event.at, event.reason, event.onConflict, event.restored, event.deleted,
            event.skipped, event.forced, event.createdRowsDeleted, event.createdRowsKept, event.runRolledBack],
        );
        return Number(row!.id);
      },
      markJournal: async (outcomes, eventId) => {
        await db.query(
          `UPDATE undo_journal j SET undone_by = $1, undo_outcome = o.outcome
           FROM unnest($2::bigint[], $3::text[]) AS o(id, outcome) WHERE j.id = o.id`,
          [eventId, outcomes.map((o) => o.journalId), outcomes.map((o) => o.outcome)],
        );
      },
      markBatchesRolledBack: async (runId, seqs) => {
        await db.query("UPDATE batches SET status = 'rolled_back' WHERE run_id = $1 AND ($2::integer[] IS NULL OR seq = ANY($2::integer[]))", [runId, seqs]);
      },
      markRunRolledBack: async (runId) => {
        await db.query("UPDATE runs SET status = 'rolled_back' WHERE id = $1", [runId]);
      },
    };
  }
}

async function restoreHearing(db: pg.PoolClient, image: HearingImage): Promise<void> {
  const eventId = String(image.hearing.event_id);
  // Deleting first cascades to the related rows, so the image goes back whole, not merged.
  await db.query('DELETE FROM hearings WHERE event_id = $1', [eventId]);
  await db.query('INSERT INTO hearings SELECT * FROM jsonb_populate_record(NULL::hearings, $1::jsonb)', [JSON.stringify(image.hearing)]);
  const groups: [string, Row[]][] = [
    ['hearing_committees', image.committees],
    ['appearances', image.appearances],
    ['videos', image.videos],
    ['transcripts', image.transcripts],
  ];
  for (const [table, rows] of groups) {
    if (rows.length === 0) continue;
    // Table names come from the fixed list above, never from the image.
    await db.query(`INSERT INTO ${table} SELECT * FROM jsonb_populate_recordset(NULL::${table}, $1::jsonb)`, [JSON.stringify(rows)]);
  }
}

async function deleteCreatedRow(db: pg.PoolClient, entity: 'committee' | 'witness', key: string): Promise<'deleted' | 'kept' | 'gone'> {
  if (entity === 'committee') {
    if ((await db.query('SELECT 1 FROM committees WHERE system_code = $1', [key])).rowCount === 0) return 'gone';
    const used = await db.query(
      'SELECT 1 FROM hearing_committees WHERE system_code = $1 UNION ALL SELECT 1 FROM committees WHERE parent_code = $1 LIMIT 1',
      [key],
    );
    if ((used.rowCount ?? 0) > 0) return 'kept';
    await db.query('DELETE FROM committees WHERE system_code = $1', [key]);
    return 'deleted';
  }
  if ((await db.query('SELECT 1 FROM witnesses WHERE id = $1', [key])).rowCount === 0) return 'gone';
  if (((await db.query('SELECT 1 FROM appearances WHERE witness_id = $1 LIMIT 1', [key])).rowCount ?? 0) > 0) return 'kept';
  await db.query('DELETE FROM witnesses WHERE id = $1', [key]);
  return 'deleted';
}

function journalFromRow(row: Row): JournalEntry {
  const before = row.before_json;
  return {
    id: Number(row.id),
    runId: Number(row.run_id),
    batchSeq: Number(row.batch_seq),
    entity: row.entity as JournalEntry['entity'],
    key: String(row.entity_key),
    before: before === null || before === undefined ? null : ((typeof before === 'string' ? JSON.parse(before) : before) as HearingImage),
    afterHash: (row.after_hash as string | null) ?? null,
  };
}
