import Database from 'better-sqlite3';
import { afterAll, describe, expect, it } from 'vitest';
import { runUpdate } from '../../main/engine/index.js';
import { recordRefusedIn, type PlannedChange } from '../../main/store/index.js';
import { KnownRows } from '../../main/store/known-rows.js';
import { SqliteHearingWriter } from '../../main/store/sqlite/hearing-writer.js';
import { applyRecordRules } from '../../main/validation/index.js';
import { sqliteBackend } from '../helpers/backends.js';
import { arraySource, hearingRecords } from '../helpers/records.js';

/**
 * The SQLite writer gathers a call's related rows and journal rows and inserts them fifty to a
 * statement, the rest in one statement of their number, once the hearings they point at are
 * written. A batch of 130 hearings with two videos each fills five 50-row statements of videos and
 * one of ten rows, and two of committee links and appearances with one of thirty. A row refused
 * inside a gathered statement must still cost only its own record.
 */
describe('related rows gathered into multi-row statements on sqlite', () => {
  const backend = sqliteBackend();
  afterAll(() => backend.cleanup());

  const RECORDS = hearingRecords(130, 100000, (i) => ({
    videos: ['first', 'second'].map((name) => ({ name, url: i === 77 && name === 'second' ? 'https://example.test/refused' : `https://example.test/video/${i}/${name}` })),
  }));

  it('stores every row in its order across full and partial statements, and isolates the record whose video the database refuses', async () => {
    const location = await backend.freshLocation();
    await (await backend.open(location)).close();
    const db = new Database(location);
    db.exec("CREATE TRIGGER refuse_video BEFORE INSERT ON videos WHEN NEW.url LIKE '%/refused' BEGIN SELECT RAISE(ABORT, 'refused video'); END");
    db.close();
    const store = await backend.open(location);
    try {
      const summary = await runUpdate({ store, source: arraySource(RECORDS), batchSize: 130 });
      expect(summary.status).toBe('partial');
      expect(summary.metrics).toMatchObject({ fetched: 130, added: 129, quarantined: 1 });
      const [entry, ...others] = await store.listQuarantine({ runId: summary.runId });
      expect(others).toEqual([]);
      expect(entry).toMatchObject({ eventId: '100077', sourcePosition: 77 });
      expect(entry!.reasons[0]!.message).toContain('refused video');
      expect((await store.getRun(summary.runId))!.reconciliation?.ok).toBe(true);
    } finally {
      await store.close();
    }
    const reader = new Database(location, { readonly: true });
    try {
      const written = RECORDS.map((_, i) => i).filter((i) => i !== 77);
      const videos = reader.prepare('SELECT event_id AS eventId, ordinal, name, url FROM videos ORDER BY event_id, ordinal').all();
      expect(videos).toEqual(written.flatMap((i) => ['first', 'second'].map((name, ordinal) => ({ eventId: String(100000 + i), ordinal, name, url: `https://example.test/video/${i}/${name}` }))));
      const links = reader.prepare('SELECT event_id AS eventId FROM hearing_committees ORDER BY event_id').pluck().all();
      expect(links).toEqual(written.map((i) => String(100000 + i)));
      const appearances = reader.prepare('SELECT event_id AS eventId FROM appearances ORDER BY event_id').pluck().all();
      expect(appearances).toEqual(written.map((i) => String(100000 + i)));
      const journaled = reader.prepare("SELECT entity_key FROM undo_journal WHERE entity = 'hearing' ORDER BY id").pluck().all();
      expect(journaled).toEqual(written.map((i) => String(100000 + i)));
    } finally {
      reader.close();
    }
  });
});

/**
 * Added hearings are gathered too, fifty to a statement (130 hearings: two statements and one of
 * thirty rows), and inserted before the related rows that point at them. A hearing row refused
 * inside a gathered statement, full or the rest, is written again row by row, so the refusal still
 * names its record.
 */
describe('added hearings gathered into multi-row statements on sqlite', () => {
  const backend = sqliteBackend();
  afterAll(() => backend.cleanup());

  const added = (records: Record<string, unknown>[]): PlannedChange[] =>
    records.map((raw, position) => {
      const outcome = applyRecordRules(raw, { isKnownCommittee: () => true });
      if (!outcome.ok) throw new Error('test record rejected');
      return { kind: 'added', hearing: outcome.hearing, contentHash: null, position, raw, diff: [] };
    });
  /** Rows per hearings INSERT, read from the statements as SQLite ran them (values inlined: `('100000', 119.0, …)`). */
  const hearingRowsPerStatement = (statements: string[]) =>
    statements.filter((text) => text.startsWith('INSERT INTO hearings ')).map((text) => text.match(/\('\d+', 119(\.0)?, /g)?.length ?? 0);

  it('inserts 130 added hearings in two 50-row statements and one of thirty, and names the record whose row the database refuses', async () => {
    const location = await backend.freshLocation();
    await (await backend.open(location)).close();
    const statements: string[] = [];
    const db = new Database(location, { verbose: (text) => statements.push(String(text)) });
    try {
      db.pragma('foreign_keys = ON');
      const writer = new SqliteHearingWriter(db, {});
      db.exec('BEGIN');
      const written = await writer.writeHearings(1, 1, added(hearingRecords(130)), new KnownRows());
      db.exec('COMMIT');
      expect(written.hearings).toBe(130);
      expect(hearingRowsPerStatement(statements)).toEqual([50, 50, 30]);
      expect(db.prepare('SELECT count(*) FROM hearings').pluck().get()).toBe(130);

      db.exec("CREATE TRIGGER refuse_hearing BEFORE INSERT ON hearings WHEN NEW.event_id IN ('200077', '300117') BEGIN SELECT RAISE(ABORT, 'refused hearing'); END");
      // 200077 lies in the second full statement, 300117 in the thirty-row rest.
      for (const [first, refused] of [[200000, '200077'], [300000, '300117']] as const) {
        db.exec('BEGIN');
        const error: unknown = await writer.writeHearings(1, 2, added(hearingRecords(130, first)), new KnownRows()).catch((refusal: unknown) => refusal);
        db.exec('ROLLBACK');
        expect(String(error)).toContain('refused hearing');
        expect(recordRefusedIn(error)).toBe(refused);
      }
    } finally {
      db.close();
    }
  });
});
