import Database from 'better-sqlite3';
import { afterAll, describe, expect, it } from 'vitest';
import { runUpdate } from '../../main/engine/index.js';
import { sqliteBackend } from '../helpers/backends.js';
import { arraySource, hearingRecords } from '../helpers/records.js';

/**
 * The SQLite writer gathers a call's related rows and journal rows and inserts them fifty to a
 * statement, the rest one by one, once the hearings they point at are written. A batch of 130
 * hearings with two videos each fills five 50-row statements of videos and ten single rows, and two
 * of committee links and appearances with thirty left over. A row refused inside a gathered
 * statement must still cost only its own record.
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
