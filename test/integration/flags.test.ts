import pg from 'pg';
import { afterAll, describe, expect, it } from 'vitest';
import { evaluateAllFlags, evaluateFlag, flagStore, flagToActOn, flagViews, resolveRunFlags, revertFlagEvent, setFlag, unsetFlag } from '../../main/flags/index.js';
import { runFlaggedUpdate } from '../../main/scheduler/index.js';
import type { QueryLayer, Store, StoreOptions } from '../../main/store/index.js';
import { testBackends, withFreshStore } from '../helpers/backends.js';
import { refuseInserts } from '../helpers/refuse-inserts.js';
import { arraySource, hearingRecords } from '../helpers/records.js';

const reason = 'testing';

describe.each(testBackends())('feature flags on $name', (backend) => {
  afterAll(() => backend.cleanup());

  const withStore = <T>(work: (store: Store) => Promise<T>, options?: StoreOptions) => withFreshStore(backend, work, options);

  it('returns the default with reason DEFAULT when nothing is stored', async () => {
    await withStore(async (store) => {
      expect(await evaluateFlag(store, 'BATCH_SIZE')).toEqual({ flag: 'BATCH_SIZE', value: 50, reason: 'DEFAULT' });
      const all = await evaluateAllFlags(store);
      expect(all.map((r) => r.flag)).toContain('ENABLE_BATCH_PROCESSING');
      expect(all.every((r) => r.reason === 'DEFAULT')).toBe(true);
    });
  });

  it('lets a task-scoped value win over the global one', async () => {
    await withStore(async (store) => {
      await setFlag(store, { flag: 'ENABLE_BATCH_PROCESSING', value: 'false', reason });
      await setFlag(store, { flag: 'ENABLE_BATCH_PROCESSING', value: true, scope: 'task:daily', reason });
      expect(await evaluateFlag(store, 'ENABLE_BATCH_PROCESSING')).toMatchObject({ value: false, reason: 'STATIC', scope: 'global' });
      expect(await evaluateFlag(store, 'ENABLE_BATCH_PROCESSING', { task: 'daily' })).toMatchObject({ value: true, reason: 'TARGETING_MATCH', scope: 'task:daily' });
      expect(await evaluateFlag(store, 'ENABLE_BATCH_PROCESSING', { task: 'hourly' })).toMatchObject({ value: false, reason: 'STATIC' });
      expect((await resolveRunFlags(store, 'daily')).ENABLE_BATCH_PROCESSING).toBe(true);
    });
  });

  it('lets a kill win over every task and global value set earlier, saying who killed it and when, until the kill is lifted', async () => {
    await withStore(async (store) => {
      await setFlag(store, { flag: 'ENABLE_RECORD_ISOLATION', value: true, scope: 'task:daily', reason: 'daily needs isolation' });
      await setFlag(store, { flag: 'PAUSE_SCHEDULED_RUNS', value: 'off', scope: 'task:daily', reason: 'daily keeps running through maintenance' });
      const at = new Date('2026-03-02T07:30:00Z');
      await setFlag(store, { flag: 'ENABLE_RECORD_ISOLATION', value: 'off', scope: 'kill', reason: 'isolation loops on bad batches', operator: 'ops-bob', now: at });
      await setFlag(store, { flag: 'PAUSE_SCHEDULED_RUNS', value: true, scope: 'kill', reason: 'incident 42', operator: 'ops-bob', now: at });
      const killed = 'killed by ops-bob at 2026-03-02T07:30:00.000Z';
      expect(await evaluateFlag(store, 'ENABLE_RECORD_ISOLATION', { task: 'daily' })).toEqual({
        flag: 'ENABLE_RECORD_ISOLATION', value: false, reason: 'DISABLED', scope: 'kill', killed: `${killed}, over task:daily's true`,
        kill: { by: 'ops-bob', at: '2026-03-02T07:30:00.000Z', over: { scope: 'task:daily', value: true } },
      });
      expect(await evaluateFlag(store, 'PAUSE_SCHEDULED_RUNS', { task: 'daily' })).toMatchObject({ value: true, reason: 'DISABLED', killed: `${killed}, over task:daily's false` });
      expect(await evaluateFlag(store, 'PAUSE_SCHEDULED_RUNS', { task: 'hourly' })).toMatchObject({ value: true, reason: 'DISABLED', killed });
      expect(await evaluateFlag(store, 'ENABLE_RECORD_ISOLATION')).toMatchObject({ value: false, reason: 'DISABLED', killed });
      expect(await resolveRunFlags(store, 'daily')).toMatchObject({ ENABLE_RECORD_ISOLATION: false, PAUSE_SCHEDULED_RUNS: true });
      // A later global or task value does not lift a kill either.
      await setFlag(store, { flag: 'ENABLE_RECORD_ISOLATION', value: true, reason: 'turned on for everyone' });
      expect(await evaluateFlag(store, 'ENABLE_RECORD_ISOLATION', { task: 'hourly' })).toMatchObject({ value: false, reason: 'DISABLED', killed: `${killed}, over global's true` });

      await unsetFlag(store, { flag: 'ENABLE_RECORD_ISOLATION', scope: 'kill', reason: 'fixed in 2.4', operator: 'ops-bob' });
      expect(await evaluateFlag(store, 'ENABLE_RECORD_ISOLATION', { task: 'daily' })).toMatchObject({ value: true, reason: 'TARGETING_MATCH' });
      expect((await flagStore(store).history({ flag: 'ENABLE_RECORD_ISOLATION' })).map((e) => [e.scope, e.oldJson, e.newJson, e.actor])).toEqual([
        ['kill', 'false', null, 'ops-bob'], ['global', null, 'true', expect.any(String)], ['kill', null, 'false', 'ops-bob'], ['task:daily', null, 'true', expect.any(String)],
      ]);
    });
  });

  it('refuses a kill that would turn something on, or of a flag with no off position, and stores nothing', async () => {
    await withStore(async (store) => {
      await expect(setFlag(store, { flag: 'ENABLE_RECORD_ISOLATION', value: true, scope: 'kill', reason })).rejects.toMatchObject({ code: 'USAGE', message: 'a kill holds ENABLE_RECORD_ISOLATION at false, not true' });
      await expect(setFlag(store, { flag: 'PAUSE_SCHEDULED_RUNS', value: false, scope: 'kill', reason })).rejects.toMatchObject({ code: 'USAGE', message: expect.stringContaining('at true, not false') });
      await expect(setFlag(store, { flag: 'BATCH_SIZE', value: 10, scope: 'kill', reason })).rejects.toMatchObject({ code: 'USAGE', message: expect.stringContaining('no off position') });
      await expect(setFlag(store, { flag: 'BATCH_SIZE', value: 10, scope: 'killed', reason })).rejects.toMatchObject({ code: 'USAGE', message: expect.stringContaining('"kill"') });
      expect(await flagStore(store).values()).toEqual([]);
      expect(await flagStore(store).history()).toEqual([]);
      // A kill row written around the checks (an older build, by hand) still kills: it fails safe.
      await flagStore(store).change({ flag: 'ADAPTIVE_BATCHES', scope: 'kill', valueJson: '{', actor: 't', reason, at: new Date().toISOString() });
      expect(await evaluateFlag(store, 'ADAPTIVE_BATCHES')).toMatchObject({ value: false, reason: 'DISABLED' });
      await flagStore(store).change({ flag: 'BATCH_SIZE', scope: 'kill', valueJson: '5', actor: 't', reason, at: new Date().toISOString() });
      expect(await evaluateFlag(store, 'BATCH_SIZE')).toMatchObject({ value: 50, reason: 'DEFAULT' });
    });
  });

  // SQLite's BEGIN IMMEDIATE already shuts a second writer out; PostgreSQL's row lock has no row to hold on a first value.
  it.runIf(backend.name === 'postgres')('keeps the old value in the trail when another process sets the same flag first, concurrently', async () => {
    const location = await backend.freshLocation();
    const store = await backend.open(location);
    const other = new pg.Client({ connectionString: location.replace(/[?&]schema=[^&]*/, '') });
    await other.connect();
    try {
      await other.query(`SET search_path TO "${new URL(location).searchParams.get('schema')!}"`);
      // Another Gatehouse process in the middle of setting BATCH_SIZE for the first time.
      await other.query('BEGIN');
      await other.query(`INSERT INTO flag_values (flag, scope, value_json, updated_at, updated_by) VALUES ('BATCH_SIZE', 'global', '10', now(), 'other')`);
      await other.query(`INSERT INTO flag_events (flag, scope, old_json, new_json, actor, reason, at) VALUES ('BATCH_SIZE', 'global', NULL, '10', 'other', 'first', now())`);
      const mine = setFlag(store, { flag: 'BATCH_SIZE', value: 20, reason: 'second', operator: 'me' });
      // Wait for the state, not a clock: this change blocked behind the other process's transaction.
      const blocked = async () => (await other.query<{ n: number }>('SELECT count(*)::int AS n FROM pg_stat_activity WHERE pg_backend_pid() = ANY(pg_blocking_pids(pid))')).rows[0]!.n > 0;
      while (!(await blocked())) await new Promise((resolve) => setImmediate(resolve));
      await other.query('COMMIT');
      expect(await mine).toMatchObject({ oldJson: '10', newJson: '20' });
      expect((await flagStore(store).history({ flag: 'BATCH_SIZE' })).map((e) => [e.actor, e.oldJson, e.newJson])).toEqual([['me', '10', '20'], ['other', null, '10']]);
      expect(await evaluateFlag(store, 'BATCH_SIZE')).toMatchObject({ value: 20 });
    } finally {
      await other.end();
      await store.close();
    }
  });

  // SQLite's BEGIN IMMEDIATE already runs one change at a time; an unset on PostgreSQL has no row to lock beside a first set.
  it.runIf(backend.name === 'postgres')('records an unset made while another process first sets the flag after that set, not as "null → null" before it', async () => {
    const location = await backend.freshLocation();
    const setter = await backend.open(location);
    const unsetter = await backend.open(location);
    const schema = new URL(location).searchParams.get('schema')!;
    const outside = new pg.Client({ connectionString: location.replace(/[?&]schema=[^&]*/, '') });
    await outside.connect();
    try {
      await outside.query(`SET search_path TO "${schema}"`);
      // The set's audit event is held at its insert: the outside session holds the id it will draw, uncommitted.
      await outside.query('BEGIN');
      const { rows } = await outside.query<{ next: string }>(`SELECT nextval('flag_events_id_seq') + 1 AS next`);
      await outside.query(`INSERT INTO flag_events (id, flag, scope, old_json, new_json, actor, reason, at) VALUES ($1, 'X', 'global', NULL, NULL, 'outside', 'holds an id', now())`, [rows[0]!.next]);
      const blocked = async (by: string) => (await outside.query<{ n: number }>(`SELECT count(*)::int AS n FROM pg_stat_activity WHERE ${by} = ANY(pg_blocking_pids(pid))`)).rows[0]!.n;
      const kill = setFlag(setter, { flag: 'ADAPTIVE_BATCHES', value: false, scope: 'kill', reason: 'runaway batches', operator: 'ann' });
      while ((await blocked('pg_backend_pid()')) === 0) await new Promise((resolve) => setImmediate(resolve));
      // Support lifts the kill meanwhile, from another process: it waits for the kill, or it would have read "nothing stored".
      let lifted = false;
      const lift = unsetFlag(unsetter, { flag: 'ADAPTIVE_BATCHES', scope: 'kill', reason: 'batches fixed', operator: 'bo' }).finally(() => (lifted = true));
      // A session of this store (not another test's on the same server) waits behind someone other than the outside session.
      const waitingBehindKill = async () => (await outside.query<{ n: number }>('SELECT count(*)::int AS n FROM pg_stat_activity WHERE application_name = $1 AND cardinality(pg_blocking_pids(pid)) > 0 AND NOT (pg_backend_pid() = ANY(pg_blocking_pids(pid)))', [`gatehouse:${schema}`.slice(0, 63)])).rows[0]!.n > 0;
      while (!lifted && !(await waitingBehindKill())) await new Promise((resolve) => setImmediate(resolve));
      await outside.query('ROLLBACK');
      await Promise.all([kill, lift]);
      // Each event starts from the value the one before it left, and the newest says what is in force.
      expect((await flagStore(setter).history({ flag: 'ADAPTIVE_BATCHES' })).map((e) => [e.actor, e.oldJson, e.newJson])).toEqual([['bo', 'false', null], ['ann', null, 'false']]);
      expect(await flagStore(setter).values('ADAPTIVE_BATCHES')).toEqual([]);
      expect(await evaluateFlag(setter, 'ADAPTIVE_BATCHES')).toMatchObject({ value: true, reason: 'DEFAULT' });
    } finally {
      await outside.end();
      await setter.close();
      await unsetter.close();
    }
  });

  it('answers an unknown flag with FLAG_NOT_FOUND instead of throwing', async () => {
    await withStore(async (store) => {
      expect(await evaluateFlag(store, 'NO_SUCH_FLAG')).toMatchObject({ value: null, reason: 'ERROR', errorCode: 'FLAG_NOT_FOUND' });
    });
  });

  it('falls back to the default when the stored value is broken', async () => {
    await withStore(async (store) => {
      await flagStore(store).change({ flag: 'BATCH_SIZE', scope: 'global', valueJson: '"lots"', actor: 't', reason, at: new Date().toISOString() });
      await flagStore(store).change({ flag: 'BLOCK_ON_ANOMALY', scope: 'global', valueJson: '{not json', actor: 't', reason, at: new Date().toISOString() });
      await flagStore(store).change({ flag: 'BATCH_SIZE', scope: 'task:big', valueJson: '20000', actor: 't', reason, at: new Date().toISOString() });
      expect(await evaluateFlag(store, 'BATCH_SIZE')).toMatchObject({ value: 50, reason: 'ERROR', errorCode: 'TYPE_MISMATCH' });
      expect(await evaluateFlag(store, 'BLOCK_ON_ANOMALY')).toMatchObject({ value: false, reason: 'ERROR', errorCode: 'PARSE_ERROR' });
      expect(await evaluateFlag(store, 'BATCH_SIZE', { task: 'big' })).toMatchObject({ value: 50, reason: 'ERROR', errorCode: 'TYPE_MISMATCH' });
    });
  });

  it('shows the default with reason ERROR when the database cannot be read, but never acts on it: a run\'s flags and a flag acted on refuse', async () => {
    const store = await backend.open(await backend.freshLocation());
    await store.close();
    expect(await evaluateFlag(store, 'BATCH_SIZE')).toMatchObject({ value: 50, reason: 'ERROR', errorCode: 'GENERAL' });
    expect(await evaluateFlag(null, 'ENABLE_SNAPSHOTS')).toMatchObject({ value: true, reason: 'ERROR' });
    // Defaults read as "no kill": a run, the scheduler's pause or a rollout would act as if nothing were killed.
    await expect(resolveRunFlags(store, 'daily')).rejects.toThrow();
    await expect(flagToActOn(store, 'PAUSE_SCHEDULED_RUNS')).rejects.toThrow();
  });

  it('setting a kill again keeps who killed it and when, the kill in force, and records the second ask as its own event', async () => {
    await withStore(async (store) => {
      const killedAt = new Date('2026-03-02T07:30:00Z');
      await setFlag(store, { flag: 'ENABLE_RECORD_ISOLATION', value: false, scope: 'kill', reason: 'isolation loops', operator: 'ops-bob', now: killedAt });
      await setFlag(store, { flag: 'ENABLE_RECORD_ISOLATION', value: 'off', scope: 'kill', reason: 'making sure', operator: 'ops-carol', now: new Date('2026-03-02T07:45:00Z') });
      expect(await evaluateFlag(store, 'ENABLE_RECORD_ISOLATION')).toMatchObject({ value: false, reason: 'DISABLED', killed: 'killed by ops-bob at 2026-03-02T07:30:00.000Z' });
      const [view] = (await flagViews(store)).filter((flag) => flag.name === 'ENABLE_RECORD_ISOLATION');
      expect(view).toMatchObject({ killedAt: killedAt.toISOString(), scopes: [{ scope: 'kill', value: false, updatedBy: 'ops-bob', updatedAt: killedAt.toISOString() }] });
      expect((await flagStore(store).history({ flag: 'ENABLE_RECORD_ISOLATION' })).map((e) => [e.oldJson, e.newJson, e.actor, e.reason])).toEqual([
        ['false', 'false', 'ops-carol', 'making sure'],
        [null, 'false', 'ops-bob', 'isolation loops'],
      ]);
    });
  });

  it('records every change as an audit event with who, when, old → new and reason', async () => {
    await withStore(async (store) => {
      const now = new Date('2026-03-01T10:00:00Z');
      await setFlag(store, { flag: 'BATCH_SIZE', value: '200', reason: 'bigger batches', operator: 'alice', now });
      await setFlag(store, { flag: 'BATCH_SIZE', value: 300, reason: 'even bigger', operator: 'bob', now });
      await unsetFlag(store, { flag: 'BATCH_SIZE', reason: 'back to default', operator: 'carol', now });
      const history = await flagStore(store).history({ flag: 'BATCH_SIZE' });
      expect(history.map((e) => [e.oldJson, e.newJson, e.actor, e.reason])).toEqual([
        ['300', null, 'carol', 'back to default'],
        ['200', '300', 'bob', 'even bigger'],
        [null, '200', 'alice', 'bigger batches'],
      ]);
      expect(history[0]!.at).toBe(now.toISOString());
      expect((await setFlag(store, { flag: 'ENABLE_SNAPSHOTS', value: 'off', reason })).actor).not.toBe('');
    });
  });

  it('refuses a change without a reason, with a bad value, an unknown flag or a bad scope, and stores nothing', async () => {
    await withStore(async (store) => {
      await expect(setFlag(store, { flag: 'BATCH_SIZE', value: 10, reason: undefined })).rejects.toMatchObject({ code: 'USAGE' });
      await expect(setFlag(store, { flag: 'BATCH_SIZE', value: 10, reason: '   ' })).rejects.toMatchObject({ code: 'USAGE' });
      await expect(setFlag(store, { flag: 'BATCH_SIZE', value: '0', reason })).rejects.toMatchObject({ code: 'USAGE' });
      await expect(setFlag(store, { flag: 'BATCH_SIZE', value: '10001', reason })).rejects.toMatchObject({ code: 'USAGE' });
      await expect(setFlag(store, { flag: 'BATCH_SIZE', value: 'many', reason })).rejects.toMatchObject({ code: 'USAGE' });
      await expect(setFlag(store, { flag: 'ENABLE_SNAPSHOTS', value: 'maybe', reason })).rejects.toMatchObject({ code: 'USAGE' });
      await expect(setFlag(store, { flag: 'NO_SUCH_FLAG', value: 1, reason })).rejects.toMatchObject({ code: 'NOT_FOUND' });
      await expect(setFlag(store, { flag: 'BATCH_SIZE', value: 10, scope: 'team:x', reason })).rejects.toMatchObject({ code: 'USAGE' });
      expect(await flagStore(store).history()).toEqual([]);
      expect(await flagStore(store).values()).toEqual([]);
    });
  });

  it('writes no value without its audit event: when the event cannot be written, set, unset and revert change nothing', async () => {
    await withStore(async (store) => {
      await setFlag(store, { flag: 'BATCH_SIZE', value: 100, reason: 'before the fault', operator: 'ann' });
      const change = await setFlag(store, { flag: 'BATCH_SIZE', value: 40, reason: 'smaller', operator: 'ann' });
      const values = await flagStore(store).values();
      const events = await flagStore(store).history();
      // The audit table refuses every new row, as a full disk or a lost connection would refuse the event's statement.
      await refuseInserts(store, 'flag_events');
      await expect(setFlag(store, { flag: 'BATCH_SIZE', value: 10, reason: 'kill it', operator: 'bo' })).rejects.toThrow(/audit write refused/);
      await expect(setFlag(store, { flag: 'ENABLE_SNAPSHOTS', value: false, scope: 'kill', reason: 'a first value', operator: 'bo' })).rejects.toThrow(/audit write refused/);
      await expect(unsetFlag(store, { flag: 'BATCH_SIZE', reason: 'back to default', operator: 'bo' })).rejects.toThrow(/audit write refused/);
      await expect(revertFlagEvent(store, change.id, { reason: 'undo', operator: 'bo' })).rejects.toThrow(/audit write refused/);
      expect(await flagStore(store).values()).toEqual(values);
      expect(await flagStore(store).history()).toEqual(events);
      expect(await evaluateFlag(store, 'BATCH_SIZE')).toMatchObject({ value: 40 });
    });
  });

  it('writes the value through the audit event\'s transaction, not beside it: a second connection never sees a value without its event', async () => {
    const location = await backend.freshLocation();
    const store = await backend.open(location);
    const other = await backend.open(location);
    try {
      const at = new Date().toISOString();
      await flagStore(store).change({ flag: 'BATCH_SIZE', scope: 'global', valueJson: '40', actor: 'ann', reason, at });
      await refuseInserts(store, 'flag_events');
      // Statements outside the transaction go through another connection, as PostgreSQL's pool sends them: on SQLite's
      // one connection a write beside the transaction would land inside it and roll back with it, hiding the fault.
      const { queries } = store;
      const apart: QueryLayer = { backend: queries.backend, db: other.queries.db, transaction: (work, options) => queries.transaction(work, options), keyedReads: (work) => queries.keyedReads(work), anyOf: (column, values) => queries.anyOf(column, values), contains: (column, text) => queries.contains(column, text) };
      await expect(flagStore({ queries: apart }).change({ flag: 'BATCH_SIZE', scope: 'global', valueJson: '10', actor: 'bo', reason, at })).rejects.toThrow(/audit write refused/);
      await expect(flagStore({ queries: apart }).change({ flag: 'ENABLE_SNAPSHOTS', scope: 'kill', valueJson: 'false', actor: 'bo', reason, at })).rejects.toThrow(/audit write refused/);
      await expect(flagStore({ queries: apart }).change({ flag: 'BATCH_SIZE', scope: 'global', valueJson: null, actor: 'bo', reason, at })).rejects.toThrow(/audit write refused/);
      // Read back through a store of its own on the same database: the value, its last writer and the trail are as before.
      const fresh = await backend.open(location);
      try {
        expect((await flagStore(fresh).values()).map((v) => [v.flag, v.scope, v.valueJson, v.updatedBy])).toEqual([['BATCH_SIZE', 'global', '40', 'ann']]);
        expect((await flagStore(fresh).history()).map((e) => [e.oldJson, e.newJson, e.actor])).toEqual([[null, '40', 'ann']]);
      } finally {
        await fresh.close();
      }
    } finally {
      await other.close();
      await store.close();
    }
  }, 60_000);

  it('puts back an earlier value with one revert, itself audited', async () => {
    await withStore(async (store) => {
      await setFlag(store, { flag: 'BATCH_SIZE', value: 100, reason });
      const change = await setFlag(store, { flag: 'BATCH_SIZE', value: 5, reason: 'experiment' });
      const revert = await revertFlagEvent(store, change.id, { reason: 'experiment over', operator: 'ops' });
      expect(revert).toMatchObject({ oldJson: '5', newJson: '100', actor: 'ops' });
      expect((await evaluateFlag(store, 'BATCH_SIZE')).value).toBe(100);
      await expect(revertFlagEvent(store, 9999, { reason })).rejects.toMatchObject({ code: 'NOT_FOUND' });
      await expect(revertFlagEvent(store, change.id, { reason: undefined })).rejects.toMatchObject({ code: 'USAGE' });
    });
  });

  it('stores the flags in force with the run and takes the baseline path for a task with batch processing off', async () => {
    await withStore(async (store) => {
      await setFlag(store, { flag: 'ENABLE_BATCH_PROCESSING', value: false, scope: 'task:hourly', reason });
      await setFlag(store, { flag: 'BATCH_SIZE', value: 7, reason });
      const canary = await runFlaggedUpdate({ store, source: arraySource(hearingRecords(20)), task: 'daily' });
      // ADAPTIVE_BATCHES (on by default): 7, then 14 of which 13 are left.
      expect(canary.summary).toMatchObject({ mode: 'batch', batchSize: 7, batches: { total: 2 } });
      expect(canary.summary.flags).toMatchObject({ ENABLE_BATCH_PROCESSING: true, BATCH_SIZE: 7, ADAPTIVE_BATCHES: true, ADAPTIVE_BATCH_CEILING: 5000 });
      await setFlag(store, { flag: 'ADAPTIVE_BATCHES', value: false, scope: 'task:fixed', reason });
      const fixed = await runFlaggedUpdate({ store, source: arraySource(hearingRecords(20, 700)), task: 'fixed' });
      expect(fixed.summary).toMatchObject({ mode: 'batch', batchSize: 7, batches: { total: 3 } });
      const baseline = await runFlaggedUpdate({ store, source: arraySource(hearingRecords(20, 500)), task: 'hourly' });
      expect(baseline.summary.mode).toBe('all-or-nothing');
      expect((await store.getRun(baseline.summary.runId))!.flags).toMatchObject({ ENABLE_BATCH_PROCESSING: false });
      const explicit = await runFlaggedUpdate({ store, source: arraySource(hearingRecords(5, 900)), task: 'hourly', mode: 'batch', batchSize: 2 });
      expect(explicit.summary).toMatchObject({ mode: 'batch', batchSize: 2 });
    });
  });
});
