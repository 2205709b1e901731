import Database from 'better-sqlite3';
import pg from 'pg';
import { afterAll, describe, expect, it } from 'vitest';
import type { StoreOptions } from '../../main/store/index.js';
import { runUpdate } from '../../main/engine/index.js';
import { storedTotals } from '../../main/engine/reconcile-facts.js';
import { isPostgresUrl } from '../../main/store/index.js';
import { connectionConfig, parsePostgresTarget } from '../../main/store/postgres/target.js';
import type { RecordSource, SourceItem } from '../../main/sources/index.js';
import type { RunEvent, RunSummary } from '../../shared/run.js';
import { testBackends } from '../helpers/backends.js';
import { arraySource, hearingRecords } from '../helpers/records.js';

/** A hand behind the engine's back: one statement on the database, from its own connection. */
async function tamper(location: string, statement: string): Promise<void> {
  if (isPostgresUrl(location)) {
    const client = new pg.Client(connectionConfig(parsePostgresTarget(location)));
    await client.connect();
    try {
      await client.query(statement);
    } finally {
      await client.end();
    }
    return;
  }
  const db = new Database(location);
  try {
    db.pragma('foreign_keys = ON');
    db.exec(statement);
  } finally {
    db.close();
  }
}

/**
 * The records of `inner`, with `between` run once the engine asks for the item at `position`: by
 * then every batch before that window has committed and the next has not begun.
 */
function tamperingSource(inner: RecordSource, position: number, between: () => Promise<void>): RecordSource {
  return {
    description: inner.description,
    expectedCount: inner.expectedCount,
    async *items(options): AsyncGenerator<SourceItem> {
      for await (const item of inner.items(options)) {
        if (item.position === position) await between();
        yield item;
      }
    },
  };
}

// The engine reads windows of at least 256 records: the item at 300 is read after the first window's batches commit.
const RECORDS = hearingRecords(400);
const BETWEEN_WINDOWS = 300;

describe.each(testBackends())('cross-batch reconciliation ($name)', (backend) => {
  afterAll(() => backend.cleanup());

  async function run(source: (location: string) => RecordSource) {
    const location = await backend.freshLocation();
    const store = await backend.open(location);
    try {
      return await runUpdate({ store, source: source(location), batchSize: 25 });
    } finally {
      await store.close();
    }
  }

  it('reconciles a clean run: every check passes and the run succeeds', async () => {
    const summary = await run(() => arraySource(RECORDS));
    expect(summary.status).toBe('success');
    expect(summary.reconciliation).toMatchObject({ ok: true, problems: [] });
    expect(summary.reconciliation!.checks.map((c) => c.name)).toEqual(expect.arrayContaining(['hearings stored', 'no hearing lost a related row', 'checkpoint matches the run metrics']));
    expect(summary.reconciliation!.checks.every((c) => c.ok)).toBe(true);
  });

  it('writes its counts with thousands separators, as the run metrics beside them on the run page are', async () => {
    const summary = await run(() => arraySource(hearingRecords(1_200)));
    const details = Object.fromEntries(summary.reconciliation!.checks.map((c) => [c.name, c.detail]));
    expect(details['hearings stored']).toBe('all 1,200 hearings the run wrote are stored');
    expect(details['stored hearings match the run metrics']).toBe('stored: 1,200 added, 0 updated; metrics: 1,200 added, 0 updated');
    expect(details['journal matches the writes']).toBe('undo journal: 1,200 hearings; metrics: 1,200 written');
    expect(details['no hearing lost a related row']).toMatch(/\(1,200 committee links, 1,200 appearances, 1,200 videos, 0 transcripts\)/);
  });

  it('makes the run partial, naming the hearing, when a committed hearing is deleted between batches', async () => {
    const summary = await run((location) => tamperingSource(arraySource(RECORDS), BETWEEN_WINDOWS, () => tamper(location, "DELETE FROM hearings WHERE event_id = '100007'")));
    expect(summary.status).toBe('partial');
    expect(summary.reconciliation!.ok).toBe(false);
    expect(summary.reconciliation!.problems.join('\n')).toMatch(/hearings stored: 1 of 400 hearings the run wrote are no longer stored \(e\.g\. 100007\)/);
    expect(summary.error).toMatch(/reconciliation after the last batch failed: .*100007/);
    expect(summary.metrics.added).toBe(400);
  });

  it('makes the run partial when a hearing lost a video its record still lists', async () => {
    const summary = await run((location) => tamperingSource(arraySource(RECORDS), BETWEEN_WINDOWS, () => tamper(location, "DELETE FROM videos WHERE event_id = '100011'")));
    expect(summary.status).toBe('partial');
    expect(summary.reconciliation!.problems).toEqual([expect.stringMatching(/^no hearing lost a related row: 1 hearings have fewer or more related rows than their record lists .*\(e\.g\. 100011\)$/)]);
  });

  it('makes the run partial when the quarantine no longer matches the run\'s counts', async () => {
    const records = [...RECORDS.slice(0, 100), { eventId: 'not-a-number' }, ...RECORDS.slice(101)];
    const summary = await run((location) => tamperingSource(arraySource(records), BETWEEN_WINDOWS, () => tamper(location, 'DELETE FROM quarantine')));
    expect(summary.status).toBe('partial');
    expect(summary.reconciliation!.problems).toEqual([expect.stringMatching(/^quarantine matches the run metrics: quarantine: 0 entries; metrics: 1 quarantined$/)]);
  });

  it('makes the run partial when a witness its journal says it created appears in none of its hearings', async () => {
    const ghost = `INSERT INTO witnesses (normalized_name, organization_key, name, organization) VALUES ('ghost witness', '', 'Ghost Witness', NULL);
      INSERT INTO undo_journal (run_id, batch_seq, entity, entity_key, created_at)
      SELECT 1, 1, 'witness', CAST(id AS TEXT), '2026-01-01T00:00:00Z' FROM witnesses WHERE normalized_name = 'ghost witness'`;
    const summary = await run((location) => tamperingSource(arraySource(RECORDS), BETWEEN_WINDOWS, () => tamper(location, ghost)));
    expect(summary.status).toBe('partial');
    expect(summary.reconciliation!.problems).toEqual([
      'created committees and witnesses are used: 0 committees and 1 witnesses the run created are referred to by none of its hearings',
    ]);
  });
  /** An update stopped after its third batch (its checkpoint durable) and resumed by a fresh call, as after a restart; `between` runs in the pause. */
  async function stopAndResume(location: string, options: StoreOptions, between: () => Promise<void> = async () => {}) {
    const store = await backend.open(location, options);
    try {
      const controller = new AbortController();
      const stopAtThirdBatch = (event: RunEvent) => {
        if (event.type === 'batch-finished' && event.batch.seq === 3) controller.abort();
      };
      const stopped = await runUpdate({ store, source: arraySource(RECORDS), batchSize: 25, signal: controller.signal, onEvent: stopAtThirdBatch });
      expect(stopped.status).toBe('interrupted');
      await between();
      return await runUpdate({ store, source: arraySource(RECORDS), batchSize: 25, resumeRunId: stopped.runId });
    } finally {
      await store.close();
    }
  }

  const relatedRowsCheck = (summary: RunSummary) => summary.reconciliation!.checks.find((c) => c.name === 'no hearing lost a related row')!;
  // Each of RECORDS lists one committee, one witness, one video and no transcript.
  const ALL_PLANNED = /their records listed when planned \(400 committee links, 400 appearances, 400 videos, 0 transcripts\)/;

  it('passes a clean run on the totals its checkpoints carry, across a resume, without reading each record', async () => {
    const summary = await stopAndResume(await backend.freshLocation(), {});
    expect(summary.status).toBe('success');
    expect(relatedRowsCheck(summary)).toMatchObject({ ok: true, detail: expect.stringMatching(ALL_PLANNED) });
  });

  it('leaves the records the database refused out of the planned totals', async () => {
    const refused = new Set(['100020', '100333']);
    const location = await backend.freshLocation();
    const store = await backend.open(location, { failWriteOf: (eventId) => refused.has(eventId) });
    try {
      const summary = await runUpdate({ store, source: arraySource(RECORDS), batchSize: 25 });
      expect(summary.status).toBe('partial');
      expect(summary.metrics.quarantined).toBe(2);
      expect(summary.reconciliation!.ok).toBe(true);
      expect(relatedRowsCheck(summary).detail).toMatch(/\(398 committee links, 398 appearances, 398 videos, 0 transcripts\)/);
    } finally {
      await store.close();
    }
  });

  it('catches a video lost together with its mention in the stored record, which no record-by-record look can see', async () => {
    const dropFirstVideo = backend.name === 'sqlite'
      ? "UPDATE hearings SET content_json = json_remove(content_json, '$.videos[0]') WHERE event_id = '100011'"
      : "UPDATE hearings SET content_json = (content_json::jsonb #- '{videos,0}')::text WHERE event_id = '100011'";
    const summary = await run((location) => tamperingSource(arraySource(RECORDS), BETWEEN_WINDOWS, async () => {
      await tamper(location, "DELETE FROM videos WHERE event_id = '100011'");
      await tamper(location, dropFirstVideo);
    }));
    expect(summary.status).toBe('partial');
    expect(summary.reconciliation!.problems).toEqual([
      'no hearing lost a related row: the stored videos of the run\'s hearings do not add up to what the committed batches planned from their records, though each hearing has the rows its stored record lists',
    ]);
  });

  it('catches a video moved to another of the run\'s hearings, records and all, though the number of videos is unchanged', async () => {
    const record = (edit: string) => backend.name === 'sqlite' ? edit : edit.replace(/json_remove\(content_json, '\$\.videos\[0\]'\)/, "(content_json::jsonb #- '{videos,0}')::text")
      .replace(/json_insert\(content_json, '\$\.videos\[#\]', json\('(.*)'\)\)/, "jsonb_set(content_json::jsonb, '{videos}', (content_json::jsonb -> 'videos') || '[$1]'::jsonb)::text");
    const summary = await run((location) => tamperingSource(arraySource(RECORDS), BETWEEN_WINDOWS, async () => {
      await tamper(location, "DELETE FROM videos WHERE event_id = '100011'");
      await tamper(location, record("UPDATE hearings SET content_json = json_remove(content_json, '$.videos[0]') WHERE event_id = '100011'"));
      await tamper(location, "INSERT INTO videos (event_id, ordinal, name, url) VALUES ('100012', 1, NULL, 'https://example.test/moved')");
      await tamper(location, record(`UPDATE hearings SET content_json = json_insert(content_json, '$.videos[#]', json('{"name":null,"url":"https://example.test/moved"}')) WHERE event_id = '100012'`));
    }));
    expect(summary.status).toBe('partial');
    expect(summary.reconciliation!.problems).toEqual([expect.stringMatching(/^no hearing lost a related row: the stored videos of the run's hearings do not add up/)]);
  });

  it('names the hearing that lost a video record by record when the run began before its checkpoints carried totals', async () => {
    const location = await backend.freshLocation();
    const summary = await stopAndResume(location, {}, async () => {
      await tamper(location, 'UPDATE checkpoints SET planned_related_json = NULL');
      await tamper(location, "DELETE FROM videos WHERE event_id = '100011'");
    });
    expect(summary.status).toBe('partial');
    expect(summary.reconciliation!.problems).toEqual([expect.stringMatching(/^no hearing lost a related row: 1 hearings have fewer or more related rows than their record lists .*\(e\.g\. 100011\)$/)]);
  });
});

describe('the index the reconciliation counts a run by', () => {
  it('serves the run\'s hearings from the index alone on SQLite, never reading their rows', async () => {
    const backend = testBackends()[0]!;
    const location = await backend.freshLocation();
    const store = await backend.open(location);
    try {
      await runUpdate({ store, source: arraySource(RECORDS.slice(0, 10)), batchSize: 5 });
      const { sql: text, parameters } = storedTotals(1).compile(store.queries.db);
      const db = new Database(location, { readonly: true });
      try {
        const plan = db.prepare(`EXPLAIN QUERY PLAN ${text}`).all(...parameters) as { detail: string }[];
        expect(plan.map((row) => row.detail)).toContain('SEARCH h USING COVERING INDEX hearings_by_last_run (last_run_id=?)');
      } finally {
        db.close();
      }
    } finally {
      await store.close();
      await backend.cleanup();
    }
  });
});
