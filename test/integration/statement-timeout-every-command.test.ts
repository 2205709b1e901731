import { afterAll, describe, expect, it } from 'vitest';
import { createApi, createInProcessEngineHost, dispatch, memoryPreferences } from '../../main/api/index.js';
import { createSnapshotOnRequest } from '../../main/backup/index.js';
import { runUpdate } from '../../main/engine/index.js';
import { openStore } from '../../main/store/index.js';
import { withStoreAt } from '../helpers/backends.js';
import { tester } from '../helpers/callers.js';
import { runCli } from '../helpers/cli.js';
import { availablePostgresBackend, connectToPostgres, testRunTag } from '../helpers/postgres.js';
import { arraySource, hearingRecords } from '../helpers/records.js';
import { dropSlowRole, slowRoleOn } from '../helpers/slow-role.js';

const backend = await availablePostgresBackend();

/** A role whose statement_timeout (1s) every write to the tables below outlasts: their trigger sleeps 3s for this role only. */
const role = `gh_cmd_timeout_${testRunTag()}_${process.pid}`;

const CANCELED = 'the PostgreSQL server canceled a statement (canceling statement due to statement timeout)';
const CANCELED_READ = new RegExp(`^cannot use database postgres://\\S+: ${CANCELED.replace(/[()]/g, '\\$&')}$`);

/** The role whose reads outlast its statement_timeout (1s) behind another session's lock. */
const readerRole = `${role}_reads`;
const HINT = "the server's statement_timeout for the role or database Gatehouse connects as (SHOW statement_timeout) is shorter than this takes";

/**
 * Only a rollback and a restore said a statement PostgreSQL canceled (statement_timeout,
 * pg_cancel_backend) as such. A flag change, a task's change, a snapshot taken or deleted ended as
 * "gatehouse: unexpected error: canceling statement due to statement timeout", exit 1 (INTERNAL in
 * the console), and an update's run stopped as "the database stayed unreachable or busy after
 * retries", when it was neither and a resume fails alike until the setting is raised.
 */
describe.skipIf(backend === null)('every command past PostgreSQL\'s statement_timeout', () => {
  afterAll(async () => {
    await backend?.cleanup();
    await dropSlowRole(role);
    await dropSlowRole(readerRole);
  });

  it('is refused as canceled by the server, with the setting to raise, on the command line and in the console alike', async () => {
    const location = await backend!.freshLocation();
    const snapshot = await withStoreAt(backend!, location, async (store) => {
      await runUpdate({ store, source: arraySource(hearingRecords(3, 730000)) });
      return (await createSnapshotOnRequest(store)).id;
    });
    expect(runCli(['tasks', 'add', 'nightly', '--cron', '0 2 * * *', '--source', 'synthetic:seed=1,count=5', '--db', location]).code).toBe(0);
    const db = await slowRoleOn(location, role, ['hearings', 'flag_values', 'scheduled_tasks', 'snapshots']);

    const commands = [
      ['flags', 'set', 'ENABLE_RECORD_ISOLATION', 'false', '--reason', 'r', '--operator', 'sam'],
      ['tasks', 'disable', 'nightly', '--reason', 'r'],
      ['backups', 'create'],
      ['backups', 'delete', '--id', snapshot, '--reason', 'r', '--force'],
    ];
    const said = commands.map((args) => {
      const done = runCli([...args, '--db', db]);
      return { command: args.slice(0, 2).join(' '), code: done.code, said: done.stderr.split('\n').slice(0, 2) };
    });
    expect(said).toEqual(commands.map((args) => ({
      command: args.slice(0, 2).join(' '),
      code: 2,
      said: [expect.stringMatching(new RegExp(`^gatehouse: cannot use database .*: ${CANCELED.replace(/[()]/g, '\\$&')}$`)), expect.stringContaining(`  hint: ${HINT}`)],
    })));

    // Not retried: the same statement would be canceled again, five timeouts and the backoff later (9.5 s here).
    const updated = runCli(['update', '--source', 'synthetic:seed=3,count=3', '--no-snapshot', '--db', db]);
    expect(updated.code).toBe(130);
    expect(updated.stderr).not.toContain('retrying');
    expect(updated.stdout).toContain('error: the PostgreSQL server canceled a statement (its statement_timeout for the role Gatehouse connects as, or an administrator\'s pg_cancel_backend): canceling statement due to statement timeout; if its statement_timeout (SHOW statement_timeout) ended it, raise that for the role (ALTER ROLE … SET statement_timeout = 0) before resuming; nothing was blamed on a record — resume with --resume 2');

    const store = await openStore(db);
    try {
      const api = createApi({ store, engine: createInProcessEngineHost({ location: db }), transport: 'http', preferences: memoryPreferences({}) });
      const answers = [
        await dispatch(api, 'flags.set', { flag: 'ENABLE_RECORD_ISOLATION', value: false, scope: 'global', reason: 'r' }, tester),
        await dispatch(api, 'backups.create', {}, tester),
      ];
      for (const answer of answers) {
        expect(answer).toEqual({ ok: false, error: { code: 'DB_NOT_WRITABLE', message: expect.stringContaining(CANCELED), hint: expect.stringContaining(HINT) } });
      }
    } finally {
      await store.close();
    }
  });

  /**
   * Reads made outside withStore — the anomalies list, the backtest, a trial's copy of its source —
   * ended as "unexpected error: canceling statement due to statement timeout", exit 1, or as
   * "cannot reach PostgreSQL", exit 6, from a server that answered; the console's History page
   * showed a marker kind unavailable with the bare line. A session outside Gatehouse holding a lock
   * on the tables read (a DBA's LOCK TABLE) makes each read outlast the role's statement_timeout.
   */
  it('says a read the server canceled as every command says it, on the command line and in the console alike', async () => {
    const location = await backend!.freshLocation();
    await withStoreAt(backend!, location, (store) => runUpdate({ store, source: arraySource(hearingRecords(3, 740000)) }));
    const db = await slowRoleOn(location, readerRole, []);
    const schema = new URL(location).searchParams.get('schema')!;
    const holder = await connectToPostgres();
    try {
      await holder.query('BEGIN');
      await holder.query(`LOCK TABLE "${schema}".runs, "${schema}".flag_events IN ACCESS EXCLUSIVE MODE`);
      const staging = new URL(db);
      staging.searchParams.set('schema', `${schema}_staging`);
      const commands = [['anomalies', 'list'], ['backtest'], ['trial', '--staging', staging.toString(), '--inject', 'drop']];
      const said = commands.map((args) => {
        const done = runCli([...args, '--db', db, '--json']);
        return { command: args[0], code: done.code, error: JSON.parse(done.stdout) as { error: unknown } };
      });
      expect(said).toEqual(commands.map((args) => ({ command: args[0], code: 2, error: { error: { code: 'DB_NOT_WRITABLE', message: expect.stringMatching(CANCELED_READ), hint: expect.stringContaining(HINT) } } })));

      const store = await openStore(db);
      try {
        const api = createApi({ store, engine: createInProcessEngineHost({ location: db }), transport: 'http', preferences: memoryPreferences({}) });
        expect(await dispatch(api, 'anomalies.list', {}, tester)).toEqual({ ok: false, error: said[0]!.error.error });
        expect(await dispatch(api, 'history.annotations', {}, tester)).toEqual({ ok: true, data: { events: [], unavailable: [{ kind: 'flag', why: expect.stringMatching(CANCELED_READ) }] } });
      } finally {
        await store.close();
      }
    } finally {
      await holder.end();
    }
  });
});
