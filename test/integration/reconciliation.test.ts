import Database from 'better-sqlite3';
import pg from 'pg';
import { afterAll, describe, expect, it } from 'vitest';
import { runUpdate } from '../../main/engine/index.js';
import { isPostgresUrl } from '../../main/store/index.js';
import { connectionConfig, parsePostgresTarget } from '../../main/store/postgres/target.js';
import type { RecordSource, SourceItem } from '../../main/sources/index.js';
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
});
