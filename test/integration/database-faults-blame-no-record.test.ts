import { afterAll, describe, expect, it } from 'vitest';
import { runUpdate } from '../../main/engine/index.js';
import type { RunEvent } from '../../shared/run.js';
import { testBackends, withFreshStore } from '../helpers/backends.js';
import { availablePostgresBackend, connectToPostgres as connect } from '../helpers/postgres.js';
import { arraySource, hearingRecords } from '../helpers/records.js';

/**
 * A failure that is not the record's — a statement cancelled by a timeout or an administrator, a
 * server out of memory, a damaged file — must never send isolation hunting for a bad record: it
 * would split the batch and quarantine good records with the database's error as their reason.
 */
const coded = (code: string, message = code) => Object.assign(new Error(message), { code });

describe.each(testBackends())('whose fault a database error is, on $name', (backend) => {
  afterAll(() => backend.cleanup());

  const cases = {
    sqlite: {
      environment: ['SQLITE_CORRUPT', 'SQLITE_CORRUPT_INDEX', 'SQLITE_NOTADB', 'SQLITE_NOMEM', 'SQLITE_PROTOCOL', 'SQLITE_IOERR_WRITE', 'SQLITE_FULL'],
      transient: ['SQLITE_BUSY', 'SQLITE_BUSY_SNAPSHOT', 'SQLITE_LOCKED'],
      record: ['SQLITE_CONSTRAINT_CHECK', 'SQLITE_CONSTRAINT_TRIGGER', 'SQLITE_TOOBIG', 'SQLITE_MISMATCH', '', 'NOT_SQLITE_CORRUPT'],
    },
    postgres: {
      environment: ['53000', '53100', '53200', '53400', '58000', '58030', 'XX000', 'XX001', 'XX002', '25006'],
      transient: ['57014', '40001', '40P01', '57P01', '53300', '55P03'],
      record: ['23505', '23514', 'P0001', '22P02', '22001', '54000', '', '253000', '250060'],
    },
  }[backend.name];

  it('classes damage, exhaustion and cancelled statements as not the record\'s, and a refused row as the record\'s', async () => {
    await withFreshStore(backend, async (store) => {
      for (const [fault, codes] of Object.entries(cases)) {
        for (const code of codes) expect([code, store.classifyError(coded(code))]).toEqual([code, fault]);
      }
      expect(store.classifyError(null)).toBe('record');
      expect(store.classifyError('SQLITE_CORRUPT')).toBe('record');
    });
  });
});

const postgres = await availablePostgresBackend();

describe.skipIf(postgres === null)('a statement cancelled mid-batch, on postgres', () => {
  afterAll(() => postgres?.cleanup());

  const RECORDS = hearingRecords(120);
  /** Its write sleeps in a trigger while the test's `hold` row exists, so the watcher can cancel it. */
  const HELD_EVENT = '100067';

  /** Cancels (pg_cancel_backend, SQLSTATE 57014) every store session seen sleeping in the trigger, until stopped. */
  async function cancelSleepers(schema: string): Promise<{ done: Promise<number>; stop: () => void }> {
    let stopped = false;
    const watcher = await connect();
    const done = (async () => {
      let cancelled = 0;
      try {
        while (!stopped) {
          const { rows } = await watcher.query<{ cancelled: boolean }>(
            `SELECT pg_cancel_backend(pid) AS cancelled FROM pg_stat_activity WHERE application_name = $1 AND wait_event = 'PgSleep'`,
            [`gatehouse:${schema}`],
          );
          cancelled += rows.filter((row) => row.cancelled).length;
          if (rows.length === 0) await new Promise((resolve) => setTimeout(resolve, 20));
        }
        return cancelled;
      } finally {
        await watcher.end().catch(() => {});
      }
    })();
    return { done, stop: () => void (stopped = true) };
  }

  it('stops the run interrupted at the first cancel, without retrying it, with the reason, quarantining no record; the resume stores all as a clean run does', async () => {
    const url = await postgres!.freshLocation();
    const schema = new URL(url).searchParams.get('schema')!;
    const store = await postgres!.open(url);
    const admin = await connect();
    const warnings: string[] = [];
    try {
      await admin.query(`CREATE TABLE "${schema}".hold (on_event text)`);
      await admin.query(`INSERT INTO "${schema}".hold VALUES ($1)`, [HELD_EVENT]);
      await admin.query(`CREATE FUNCTION "${schema}".sleep_while_held() RETURNS trigger LANGUAGE plpgsql AS $$
        BEGIN IF EXISTS (SELECT 1 FROM "${schema}".hold WHERE on_event = NEW.event_id) THEN PERFORM pg_sleep(60); END IF; RETURN NEW; END $$`);
      await admin.query(`CREATE TRIGGER sleep_while_held BEFORE INSERT ON "${schema}".hearings FOR EACH ROW EXECUTE FUNCTION "${schema}".sleep_while_held()`);
      const canceller = await cancelSleepers(schema);
      const onEvent = (event: RunEvent) => void (event.type === 'warning' && warnings.push(event.message));
      const stopped = await runUpdate({ store, source: arraySource(RECORDS), batchSize: 50, sleep: async () => {}, onEvent });
      canceller.stop();
      // An administrator's cancel meant that statement to stop, and a statement_timeout's recurs: it is not tried again.
      expect(await canceller.done).toBeGreaterThanOrEqual(1);
      expect(warnings.filter((w) => /retrying/.test(w))).toEqual([]);
      expect(stopped.status).toBe('interrupted');
      expect(stopped.metrics).toMatchObject({ fetched: 50, added: 50, quarantined: 0 });
      const run = (await store.getRun(stopped.runId))!;
      expect(run.error).toMatch(/^the PostgreSQL server canceled a statement \(its statement_timeout for the role Gatehouse connects as, or an administrator's pg_cancel_backend\): canceling statement due to user request.*resume with --resume \d+$/);
      expect(run.batchList.map((batch) => batch.status)).toEqual(['committed']);
      expect(await store.listQuarantine()).toEqual([]);

      await admin.query(`DELETE FROM "${schema}".hold`);
      const resumed = await runUpdate({ store, source: arraySource(RECORDS), batchSize: 50, resumeRunId: stopped.runId });
      expect(resumed.status).toBe('success');
      expect(resumed.metrics).toMatchObject({ fetched: 120, added: 120, quarantined: 0 });
      expect(await store.countHearings()).toBe(120);
      expect(await store.listQuarantine()).toEqual([]);
    } finally {
      await admin.end();
      await store.close();
    }
  });
});

describe.skipIf(postgres === null)('a batch refused whole whose records each write, on postgres', () => {
  afterAll(() => postgres?.cleanup());

  it('stores every record, quarantines none and ends success (exit 0), its batch row isolated with the refusal', async () => {
    const url = await postgres!.freshLocation();
    const schema = new URL(url).searchParams.get('schema')!;
    const store = await postgres!.open(url);
    const admin = await connect();
    try {
      // A statement-level check no single record fails: more than 20 rows in one INSERT, the first time only (a sequence is not rolled back).
      await admin.query(`CREATE SEQUENCE "${schema}".refusals`);
      await admin.query(`CREATE FUNCTION "${schema}".refuse_large_once() RETURNS trigger LANGUAGE plpgsql AS $$
        BEGIN IF (SELECT count(*) FROM new_rows) > 20 AND nextval('"${schema}".refusals') = 1 THEN RAISE EXCEPTION 'too many rows at once' USING ERRCODE = '23514'; END IF; RETURN NULL; END $$`);
      await admin.query(`CREATE TRIGGER refuse_large_once AFTER INSERT ON "${schema}".hearings REFERENCING NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION "${schema}".refuse_large_once()`);
      const summary = await runUpdate({ store, source: arraySource(hearingRecords(120)), batchSize: 50, batchCeiling: null });
      expect(summary.status).toBe('success');
      expect(summary.metrics).toMatchObject({ fetched: 120, added: 120, quarantined: 0 });
      expect(summary.batches).toEqual({ total: 3, succeeded: 2, failed: 0, isolated: 1 });
      const [first] = (await store.getRun(summary.runId))!.batchList;
      expect(first).toMatchObject({ status: 'isolated', written: 50, quarantined: 0, error: expect.stringContaining('too many rows at once') });
      expect(await store.listQuarantine()).toEqual([]);
      expect(await store.countHearings()).toBe(120);
    } finally {
      await admin.end();
      await store.close();
    }
  });
});
