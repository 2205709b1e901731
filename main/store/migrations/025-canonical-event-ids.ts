import { sql } from 'kysely';
import type { Db } from '../driver.js';
import type { Migration } from './index.js';

/**
 * Event ids stored by a Gatehouse from before they were compared by value: `"061"` was a hearing of
 * its own beside `61`, so the next run that read either spelling stored or updated the other. Each
 * stored spelling becomes its number's (`canonicalEventId` as it was when this migration landed),
 * with the rows that hang off the hearing, its undo journal entries and their before-images, so a
 * rollback of a run from before the upgrade puts back and removes the hearing under its new id.
 *
 * Where two spellings of one number are both stored, one hearing is kept as a run keeps one copy of
 * a hearing: the one a later run wrote (a later run's write stands, as its update would have), and
 * of two a single run wrote, the one it read first (its duplicate rule). The other is removed and
 * set aside in the quarantine of the run that wrote it, as `DUPLICATE_EVENT_ID` with its stored
 * content and a reason naming both spellings and the upgrade. Its journal entries are keyed
 * `061 (set aside by the upgrade to schema 25)`, a hearing no row is: a rollback of its run finds that
 * hearing gone and says so, instead of undoing the one kept (whose history its key keeps alone).
 */
export const migration025: Migration = {
  version: 25,
  name: 'canonical event ids',
  sql: () => '',
  backfill: async (db, _dialect, now) => {
    const spellingsOf = new Map<string, string[]>();
    for (const { eventId } of await db.selectFrom('hearings').select('eventId').where('eventId', 'like', '0_%').execute()) {
      const id = canonical(eventId);
      if (id !== eventId) spellingsOf.set(id, [...(spellingsOf.get(id) ?? []), eventId]);
    }
    const removed = new Set<string>();
    for (const [id, spellings] of spellingsOf) {
      const kept = await keepOneSpelling(db, id, [id, ...spellings], now, removed);
      if (kept !== id) await renameHearing(db, kept, id);
    }
    await renameJournalEntries(db, removed);
    const quarantined = await db.selectFrom('quarantine').select(['id', 'eventId']).where('eventId', 'like', '0_%').execute();
    for (const entry of quarantined) await db.updateTable('quarantine').set({ eventId: canonical(entry.eventId!) }).where('id', '=', entry.id).execute();
  },
};

/** `canonicalEventId` of shared/record.ts when this migration landed: a string of digits without its leading zeros. */
function canonical(eventId: string): string {
  return /^\d+$/.test(eventId) ? eventId.replace(/^0+(?=\d)/, '') : eventId;
}

interface Spelling {
  eventId: string;
  lastRunId: number;
  lastBatchSeq: number;
  lastPosition: number | null;
  contentJson: string;
}

/**
 * The stored spelling of `id` (of `spellings`, the number's own among them) that stays (see the migration's rule); every other one is removed,
 * set aside in its run's quarantine and added to `removed`.
 */
async function keepOneSpelling(db: Db, id: string, spellings: string[], now: Date, removed: Set<string>): Promise<string> {
  const rows: Spelling[] = await db
    .selectFrom('hearings')
    .select(['eventId', 'lastRunId', 'lastBatchSeq', 'lastPosition', 'contentJson'])
    .where('eventId', 'in', spellings)
    .execute();
  const [kept, ...others] = rows.sort(firstKept);
  for (const other of others) {
    const reason = {
      code: 'DUPLICATE_EVENT_ID',
      message: `eventId ${id} was stored twice, as "${other.eventId}" (run ${other.lastRunId}) and as "${kept!.eventId}" (run ${kept!.lastRunId}), by a Gatehouse from before event ids were compared by value; the upgrade to schema 25 kept the copy ${kept!.lastRunId === other.lastRunId ? 'the run read first' : 'the later run wrote'} and set this one aside`,
    };
    // Numbered as the store numbers quarantine (reserveIds: the table's highest id when no mark is
    // written, as none is before this schema), not by PostgreSQL's serial, which explicit ids leave behind.
    await db
      .insertInto('quarantine')
      .values({ id: sql<number>`(SELECT coalesce(max(id), 0) + 1 FROM quarantine)`, runId: other.lastRunId, batchSeq: other.lastBatchSeq, eventId: id, sourcePosition: other.lastPosition, reasonsJson: JSON.stringify([reason]), rawJson: other.contentJson, createdAt: now.toISOString() })
      .execute();
    await deleteHearing(db, other.eventId);
    removed.add(other.eventId);
  }
  return kept!.eventId;
}

/** The later run's first; of one run's, the one it read first; then the number's own spelling. */
function firstKept(a: Spelling, b: Spelling): number {
  if (a.lastRunId !== b.lastRunId) return b.lastRunId - a.lastRunId;
  if (a.lastPosition !== b.lastPosition) return (a.lastPosition ?? Infinity) - (b.lastPosition ?? Infinity);
  return a.eventId.length - b.eventId.length;
}

const RELATED = ['hearingCommittees', 'appearances', 'videos', 'transcripts'] as const;

/** Its related rows first: SQLite migrates with foreign keys off, so no cascade does it. */
async function deleteHearing(db: Db, eventId: string): Promise<void> {
  for (const table of RELATED) await db.deleteFrom(table).where('eventId', '=', eventId).execute();
  await db.deleteFrom('hearings').where('eventId', '=', eventId).execute();
}

/** Copied under its new id, its rows moved to it, then the old row removed: PostgreSQL checks the foreign keys at each statement. */
async function renameHearing(db: Db, from: string, to: string): Promise<void> {
  const row = await db.selectFrom('hearings').selectAll().where('eventId', '=', from).executeTakeFirstOrThrow();
  await db.insertInto('hearings').values({ ...row, eventId: to, contentJson: withEventId(row.contentJson, from, to) }).execute();
  for (const table of RELATED) await db.updateTable(table).set({ eventId: to }).where('eventId', '=', from).execute();
  await db.deleteFrom('hearings').where('eventId', '=', from).execute();
}

/** A hearing's stored JSON, or any image holding it, with `from` renamed `to` wherever it is the hearing's id. */
function withEventId(json: string, from: string, to: string): string {
  return JSON.stringify(JSON.parse(json, (key, value: unknown) => {
    if ((key === 'eventId' || key === 'event_id') && value === from) return to;
    if (key === 'content_json' && typeof value === 'string') return withEventId(value, from, to);
    return value;
  }));
}

/** Each hearing entry of the journal under its new key, its before-image renamed too; a removed spelling's set apart. */
async function renameJournalEntries(db: Db, removed: ReadonlySet<string>): Promise<void> {
  for (const spelling of removed) {
    await db.updateTable('undoJournal').set({ entityKey: `${spelling} (set aside by the upgrade to schema 25)` }).where('entity', '=', 'hearing').where('entityKey', '=', spelling).execute();
  }
  const entries = await db
    .selectFrom('undoJournal')
    .select(['id', 'entityKey', 'beforeJson'])
    .where('entity', '=', 'hearing')
    .where('entityKey', 'like', '0_%')
    .execute();
  for (const entry of entries) {
    const to = canonical(entry.entityKey);
    if (to === entry.entityKey) continue;
    const image = entry.beforeJson === null ? null : withEventId(typeof entry.beforeJson === 'string' ? entry.beforeJson : JSON.stringify(entry.beforeJson), entry.entityKey, to);
    await db.updateTable('undoJournal').set({ entityKey: to, beforeJson: image }).where('id', '=', entry.id).execute();
  }
}
