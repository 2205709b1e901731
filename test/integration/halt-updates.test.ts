import { execFileSync } from 'node:child_process';
import Database from 'better-sqlite3';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it, vi } from 'vitest';
import type { RunSummary } from '../../shared/run.js';
import { createApi, createInProcessEngineHost, dispatch } from '../../main/api/index.js';
import { memoryPreferences } from '../../main/api/preferences.js';
import { flagStore, setFlag } from '../../main/flags/index.js';
import { sqliteBackend, testBackends, withStoreAt, type TestBackend } from '../helpers/backends.js';
import { operatorCaller } from '../helpers/callers.js';
import { printed, runCli, startCli } from '../helpers/cli.js';
import { FAKE_API_KEY, isDetailRequest, startFakeCongress, stopAtDetail } from '../helpers/congress-server.js';
import { domainFingerprint } from '../helpers/domain-rows.js';
import { countedQueries } from '../helpers/counted-queries.js';
import { arraySource, hearingRecord, hearingRecords } from '../helpers/records.js';
import { runFlaggedUpdate } from '../../main/scheduler/index.js';

const RECORDS = 1000;
const SOURCE = `synthetic:seed=21,count=${RECORDS}`;
const REASON = 'incident 42: upstream sends bad dates';

/** A new database at `backend`, with fixed batches of 200 (5 of SOURCE's): a halt set after the first lands before the last. */
async function configured(backend: TestBackend): Promise<string> {
  const db = await backend.freshLocation();
  await withStoreAt(backend, db, async (store) => {
    for (const [flag, value] of [['BATCH_SIZE', '200'], ['ADAPTIVE_BATCHES', 'false']] as const) await setFlag(store, { flag, value, scope: 'global', reason: 'test setup', operator: 'setup' });
  });
  return db;
}

const update = (db: string, ...more: string[]) => ['update', '--db', db, '--source', SOURCE, '--no-snapshot', '--json', ...more];
const flags = (db: string, ...args: string[]) => runCli(['flags', ...args, '--db', db]);

/**
 * `gatehouse update` of SOURCE held once its first batch has committed, before it reads the flags for
 * the next (the GATEHOUSE_PAUSE_AFTER_BATCH seam): a halt set meanwhile from another process meets a
 * run under way with a batch committed, a state reached at once rather than raced for over 20,000
 * records. `goOn` lets it carry on; `stop` kills it if the test ended first.
 */
async function updateHeldAfterFirstBatch(db: string, ...more: string[]) {
  const folder = fs.mkdtempSync(path.join(os.tmpdir(), 'gatehouse-halt-held-'));
  const fifo = path.join(folder, 'pause');
  execFileSync('mkfifo', [fifo]);
  const running = startCli(update(db, ...more), { GATEHOUSE_TEST_FAULTS: '1', GATEHOUSE_PAUSE_AFTER_BATCH: '1', GATEHOUSE_PAUSE_FIFO: fifo });
  const stop = async () => {
    if (running.child.exitCode === null && running.child.signalCode === null) running.child.kill('SIGKILL');
    await running.done;
    fs.rmSync(folder, { recursive: true, force: true });
  };
  await printed(running, /test seam: paused at batch 1 committed\n/).catch(async (error: unknown) => {
    await stop();
    throw error;
  });
  const goOn = async () => {
    fs.writeFileSync(fifo, 'go on\n');
    return running.done;
  };
  return { goOn, stop };
}

/** The summary of an update held after its first batch while HALT_UPDATES is set on `scope` by `operator`. */
async function haltedWhileHeld(db: string, scope: string, operator: string, ...more: string[]): Promise<RunSummary> {
  const running = await updateHeldAfterFirstBatch(db, ...more);
  try {
    const set = flags(db, 'set', 'HALT_UPDATES', 'true', '--scope', scope, '--reason', REASON, '--operator', operator);
    expect(set.code, set.stderr).toBe(0);
    return JSON.parse((await running.goOn()).stdout) as RunSummary;
  } finally {
    await running.stop();
  }
}

/** Until a halt request waits beside the SQLite database `db` (a flag writer waiting for the run's write lock). */
async function haltRequested(db: string): Promise<void> {
  await vi.waitFor(() => expect(fs.readdirSync(`${db}.writer-notes`).some((name) => name.endsWith('.note'))).toBe(true), { timeout: 30_000, interval: 20 });
}

/**
 * `gatehouse update` from a fake Congress.gov of five recent meetings whose second detail is never
 * answered: resolves once the run has fetched its first record and waits on the source, far from a
 * window's end. The caller stops the run and closes the server (`end`).
 */
async function updateWaitingOnSource(backend: TestBackend, mode: 'batch' | 'all-or-nothing') {
  const recent = new Date(Date.now() - 86_400_000).toISOString();
  const server = await startFakeCongress({ house: Array.from({ length: 5 }, (_, i) => hearingRecord(830000 + i, { updateDate: recent })) });
  const db = await configured(backend);
  const waitingOnSource = new Promise<void>((resolve) => stopAtDetail(server, 2, resolve));
  const running = startCli(['update', '--db', db, '--source', `congress:${server.baseUrl}`, '--mode', mode, '--no-snapshot', '--json'], { GATEHOUSE_CONGRESS_API_KEY: FAKE_API_KEY });
  const end = async () => {
    running.child.kill('SIGKILL');
    await running.done;
    await server.close();
  };
  await waitingOnSource.catch(async (error: unknown) => {
    await end();
    throw error;
  });
  return { server, db, running, end };
}

describe.each(testBackends())('HALT_UPDATES stops updates under way and refuses new ones ($name)', (backend) => {
  afterAll(() => backend.cleanup());

  it('set from another process, it stops a running update after a committed batch as interrupted, saying who and why; lifted, the resume reaches a clean run\'s rows', async () => {
    // The run the halted one is to end up as, alone on a database of its own: under way beside the rest of the test.
    const clean = await configured(backend);
    const lone = startCli(update(clean));

    const db = await configured(backend);
    const stopped = await haltedWhileHeld(db, 'kill', 'support-sam');
    expect(stopped.status).toBe('interrupted');
    expect(stopped.error).toMatch(/^stopped by HALT_UPDATES \(scope kill\), set by support-sam at \S+: "incident 42: upstream sends bad dates", after the last committed batch — resume with --resume 1$/);
    expect(stopped.flagChanges).toEqual([expect.objectContaining({ flag: 'HALT_UPDATES', value: true, killedBy: 'support-sam', reason: REASON, at: 'batch', applied: true })]);
    // The batches it committed are kept: every hearing they wrote is stored, the rest is not.
    await withStoreAt(backend, db, async (store) => {
      const run = (await store.getRun(1))!;
      expect(run.batchList.length).toBeGreaterThan(0);
      expect(run.batchList.every((batch) => batch.status === 'committed')).toBe(true);
      expect(stopped.metrics.added).toBeGreaterThan(0);
      expect(stopped.metrics.added).toBeLessThan(RECORDS);
      expect(run.batchList.reduce((sum, batch) => sum + batch.written, 0)).toBe(stopped.metrics.added);
    });

    // While it is on, a new run and the resume are refused in words: who, why, and how to lift it.
    for (const [args, what] of [[update(db), 'no update starts'], [update(db, '--resume', '1'), 'run 1 is not resumed']] as const) {
      const refused = runCli(args);
      expect(refused.code).not.toBe(0);
      expect(refused.stderr).toContain(`updates are halted, ${what}: HALT_UPDATES (scope kill), set by support-sam at`);
      expect(refused.stderr).toContain(REASON);
      expect(refused.stderr).toContain('gatehouse flags unset HALT_UPDATES --scope kill');
    }

    const lifted = flags(db, 'unset', 'HALT_UPDATES', '--scope', 'kill', '--reason', 'incident 42 over');
    expect(lifted.code, lifted.stderr).toBe(0);
    const resumed = runCli(update(db, '--resume', '1'));
    expect(resumed.code, resumed.stderr).toBe(0);
    expect((JSON.parse(resumed.stdout) as RunSummary).status).toBe('success');
    const loneEnded = await lone.done;
    expect(loneEnded.code, loneEnded.stderr).toBe(0);
    expect(await domainFingerprint(db)).toEqual(await domainFingerprint(clean));
  }, 180_000);

  it('set on a task\'s scope mid-run, the run\'s summary records the halt as it records a kill: scope, who, when, why (update --json and runs show alike)', async () => {
    const db = await configured(backend);
    const stopped = await haltedWhileHeld(db, 'task:daily', 'ops-bo', '--task', 'daily');
    expect(stopped.status).toBe('interrupted');
    const halt = { flag: 'HALT_UPDATES', value: true, killedBy: 'ops-bo', killedAt: expect.any(String), reason: REASON, at: 'batch', batch: stopped.batches.total + 1, applied: true, scope: 'task:daily', effect: expect.stringContaining('the run stopped before batch') };
    expect(stopped.flagChanges).toEqual([halt]);
    const shown = runCli(['runs', 'show', '1', '--db', db, '--json']);
    expect(shown.code, shown.stderr).toBe(0);
    expect((JSON.parse(shown.stdout) as RunSummary).flagChanges).toEqual([halt]);
  }, 120_000);

  it('an all-or-nothing update under way is stopped by it before it commits: its one transaction rolled back whole, interrupted, naming the halt; the flag stored and audited', async () => {
    const db = await configured(backend);
    const fifo = path.join(os.tmpdir(), `gatehouse-halt-${process.pid}-${backend.name}`);
    execFileSync('mkfifo', [fifo]);
    try {
      // Held as record 100 is written inside the one transaction, until the halt is on its way.
      const running = startCli(['update', '--db', db, '--source', 'synthetic:seed=21,count=600', '--mode', 'all-or-nothing', '--no-snapshot', '--json'], { GATEHOUSE_TEST_FAULTS: '1', GATEHOUSE_PAUSE_FIFO: fifo, GATEHOUSE_PAUSE_WRITE: '115100', GATEHOUSE_LOCK_WAIT_MS: '300' });
      await printed(running, /test seam: paused at /);
      const setting = startCli(['flags', 'set', 'HALT_UPDATES', 'true', '--scope', 'global', '--reason', REASON, '--operator', 'support-sam', '--db', db, '--json']);
      // PostgreSQL stores it at once; on SQLite it waits for the run's write lock, its halt request left beside the database for the run.
      await (backend.name === 'sqlite' ? haltRequested(db) : setting.done);
      fs.writeFileSync(fifo, 'go on\n');
      const [ended, set] = await Promise.all([running.done, setting.done]);
      expect(set.code, set.stderr).toBe(0);
      const summary = JSON.parse(ended.stdout) as RunSummary;
      expect(summary.status).toBe('interrupted');
      expect(summary.error).toMatch(/^stopped by HALT_UPDATES \(scope global\), set by support-sam at \S+: "incident 42: upstream sends bad dates"; nothing was committed — resume with --resume 1$/);
      const halt = expect.objectContaining({ flag: 'HALT_UPDATES', scope: 'global', killedBy: 'support-sam', killedAt: JSON.parse(set.stdout).at, reason: REASON, batch: null, applied: true, effect: expect.stringContaining('rolled back whole') });
      expect(summary.flagChanges).toEqual([halt]);
      await withStoreAt(backend, db, async (store) => {
        expect((await store.loadHearings(['115000', '115100', '115599'])).size).toBe(0);
        expect((await store.getRun(1))!.flagChanges).toEqual([halt]);
      });
      const history = flags(db, 'history', 'HALT_UPDATES', '--json');
      expect(JSON.parse(history.stdout)).toEqual([expect.objectContaining({ flag: 'HALT_UPDATES', scope: 'global', operator: 'support-sam', reason: REASON, oldValue: null, newValue: true })]);
      expect(fs.existsSync(`${db}.writer-notes`)).toBe(false);
    } finally {
      fs.rmSync(fifo, { force: true });
    }
  }, 120_000);

  it('reads the kills and HALT_UPDATES in one query at each batch boundary: one more batch, one more read of the flags', async () => {
    const flagReads = async (count: number) => {
      const db = await configured(backend);
      return withStoreAt(backend, db, async (store) => {
        await setFlag(store, { flag: 'BATCH_SIZE', value: '50', scope: 'global', reason: 'test setup', operator: 'setup' });
        const { result, statements } = await countedQueries(store, () => runFlaggedUpdate({ store, source: arraySource(hearingRecords(count, 300000)), task: null, snapshots: false }));
        expect(result.summary.status).toBe('success');
        return { batches: result.summary.batches.total, reads: statements.filter((s) => /from "flag_values"/i.test(s.sql)).length };
      });
    };
    const one = await flagReads(40);
    const five = await flagReads(250);
    expect([one.batches, five.batches]).toEqual([1, 5]);
    expect(five.reads - one.reads).toBe(4);
  }, 60_000);

  it('halted for one task, that task\'s runs are refused and manual runs go on; its audit trail has every change', async () => {
    const db = await configured(backend);
    const set = flags(db, 'set', 'HALT_UPDATES', 'on', '--scope', 'task:daily', '--reason', 'daily feed broken', '--operator', 'ops-bo');
    expect(set.code, set.stderr).toBe(0);
    const daily = runCli(update(db, '--task', 'daily'));
    expect(daily.code).not.toBe(0);
    expect(daily.stderr).toContain('updates are halted, no update starts: HALT_UPDATES (scope task:daily), set by ops-bo at');
    expect(daily.stderr).toContain('"daily feed broken"');
    const manual = runCli(['update', '--db', db, '--source', 'synthetic:seed=21,count=50', '--no-snapshot', '--json']);
    expect(manual.code, manual.stderr).toBe(0);
    const history = flags(db, 'history', 'HALT_UPDATES', '--json');
    expect(history.code, history.stderr).toBe(0);
    expect(JSON.parse(history.stdout)).toEqual([expect.objectContaining({ flag: 'HALT_UPDATES', scope: 'task:daily', operator: 'ops-bo', reason: 'daily feed broken', newValue: true })]);
  }, 60_000);

  it('from the console: flags.set halts updates (audited as the operator), Start run is refused in the console\'s words, the Flags page lists it as a kill switch', async () => {
    const db = await configured(backend);
    const store = await backend.open(db);
    const engine = createInProcessEngineHost({ location: db });
    try {
      const api = createApi({ store, engine, transport: 'http', databaseLocation: db, preferences: memoryPreferences({}) });
      const set = await dispatch(api, 'flags.set', { flag: 'HALT_UPDATES', scope: 'global', value: true, reason: 'incident 44' }, operatorCaller('dana'));
      expect(set).toMatchObject({ ok: true });
      const started = await dispatch(api, 'runs.start', { source: 'synthetic:seed=2,count=30', task: null }, operatorCaller('dana'));
      expect(started).toMatchObject({
        ok: false,
        error: { code: 'CONFLICT', message: expect.stringMatching(/^updates are halted, no update starts: HALT_UPDATES \(scope global\), set by dana at \S+: "incident 44"$/), hint: expect.stringContaining('Flags page (HALT_UPDATES, scope global)') },
      });
      const listed = await dispatch(api, 'flags.list', {}, operatorCaller('dana'));
      expect(listed).toMatchObject({ ok: true, data: expect.arrayContaining([expect.objectContaining({ name: 'HALT_UPDATES', kind: 'kill-switch', description: expect.stringContaining('Stop updates'), inForce: expect.objectContaining({ value: true }) })]) });
      expect(await store.reports.runs({})).toEqual([]);
    } finally {
      await engine.close();
      await store.close();
    }
  }, 60_000);

  it('bad inputs: a reason missing, a scope naming no task, set twice, unset while no run is under way', async () => {
    const db = await configured(backend);
    const noReason = flags(db, 'set', 'HALT_UPDATES', 'true', '--scope', 'kill');
    expect(noReason.code).not.toBe(0);
    expect(noReason.stderr).toMatch(/reason/);
    const badScope = flags(db, 'set', 'HALT_UPDATES', 'true', '--scope', 'task:', '--reason', 'x');
    expect(badScope.code).not.toBe(0);
    expect(badScope.stderr).toContain('--scope must be "global", "kill" or "task:NAME", got "task:"');
    for (let i = 0; i < 2; i++) expect(flags(db, 'set', 'HALT_UPDATES', 'true', '--scope', 'kill', '--reason', `twice ${i}`, '--operator', 'first').code).toBe(0);
    const refused = runCli(update(db));
    // Set twice: still the first setter's, with the newest reason given.
    expect(refused.stderr).toContain('set by first at');
    expect(refused.stderr).toContain('"twice 1"');
    const off = flags(db, 'unset', 'HALT_UPDATES', '--scope', 'kill', '--reason', 'no run to stop');
    expect(off.code, off.stderr).toBe(0);
    const small = runCli(['update', '--db', db, '--source', 'synthetic:seed=21,count=50', '--no-snapshot', '--json']);
    expect(small.code, small.stderr).toBe(0);
  }, 60_000);
});

describe('HALT_UPDATES on SQLite: a halt request never stored stops no run', () => {
  const backend = sqliteBackend();
  afterAll(() => backend.cleanup());

  it('with a slow source (a Congress.gov detail that does not answer), the all-or-nothing run takes the request within the flag change\'s wait: it stops, rolls back, and the halt is stored', async () => {
    const { db, running, end } = await updateWaitingOnSource(backend, 'all-or-nothing');
    try {
      const set = await startCli(['flags', 'set', 'HALT_UPDATES', 'true', '--scope', 'global', '--reason', REASON, '--operator', 'support-sam', '--db', db, '--json'], { GATEHOUSE_TEST_FAULTS: '1', GATEHOUSE_LOCK_WAIT_MS: '2000' }).done;
      expect(set.code, set.stderr).toBe(0);
      const summary = JSON.parse((await running.done).stdout) as RunSummary;
      expect(summary.status).toBe('interrupted');
      expect(summary.error).toMatch(/^stopped by HALT_UPDATES \(scope global\), set by support-sam at \S+: "incident 42: upstream sends bad dates"; nothing was committed — resume with --resume 1$/);
      expect(summary.flagChanges).toEqual([expect.objectContaining({ flag: 'HALT_UPDATES', scope: 'global', killedBy: 'support-sam', killedAt: JSON.parse(set.stdout).at, batch: null, applied: true })]);
      await withStoreAt(backend, db, async (store) => expect((await store.loadHearings(['830000'])).size).toBe(0));
      expect(fs.existsSync(`${db}.writer-notes`)).toBe(false);
    } finally {
      await end();
    }
  }, 30_000);

  it('taken by a run that then never lets the database go, the flag change waits for it to stop a bounded time and says so, storing nothing', async () => {
    const db = await configured(backend);
    // Another connection's write transaction holds the file, as a run stopping would, and never ends.
    const holder = new Database(db);
    holder.exec('BEGIN IMMEDIATE');
    try {
      const setting = startCli(['flags', 'set', 'HALT_UPDATES', 'true', '--scope', 'kill', '--reason', REASON, '--db', db], { GATEHOUSE_TEST_FAULTS: '1', GATEHOUSE_LOCK_WAIT_MS: '800' });
      await haltRequested(db);
      // Taken as a run takes it (WriterNotes: one rename), well within the writer's first wait.
      const folder = `${db}.writer-notes`;
      const note = fs.readdirSync(folder).find((name) => name.endsWith('.note'))!;
      fs.renameSync(path.join(folder, note), path.join(folder, note.replace(/\.note$/, '.taken')));
      const refused = await setting.done;
      expect(refused.code).not.toBe(0);
      expect(refused.stderr).toMatch(/cannot write now: the run holding the database took the request to halt it, but had not let the database go \d+ s after it was asked to stop; HALT_UPDATES was not stored, nothing was changed/);
    } finally {
      holder.exec('ROLLBACK');
      holder.close();
    }
    await withStoreAt(backend, db, async (store) => expect(await flagStore(store).history({ flag: 'HALT_UPDATES' })).toEqual([]));
    expect(fs.existsSync(`${db}.writer-notes`)).toBe(false);
  }, 30_000);

  it('left by a flag writer killed while it waited for the write lock, or overdue, it stops no later all-or-nothing run and is cleared', async () => {
    const db = await configured(backend);
    // Another connection's write transaction holds the file: `flags set` leaves its request and waits; killed there, it never stores the halt.
    const holder = new Database(db);
    holder.exec('BEGIN IMMEDIATE');
    const setting = startCli(['flags', 'set', 'HALT_UPDATES', 'true', '--scope', 'kill', '--reason', 'never stored', '--db', db]);
    try {
      await haltRequested(db);
    } finally {
      setting.child.kill('SIGKILL');
      await setting.done;
      holder.exec('ROLLBACK');
      holder.close();
    }
    await withStoreAt(backend, db, async (store) => {
      // And one whose writer lives on, past the wait it was left for.
      store.writerNotes!.leave({ flag: 'HALT_UPDATES', scope: 'global', valueJson: 'true', updatedAt: new Date().toISOString(), updatedBy: 'slow-sue', reason: 'overdue' }, new Date(Date.now() - 1));
      const { summary } = await runFlaggedUpdate({ store, source: arraySource(hearingRecords(300, 300000)), task: null, mode: 'all-or-nothing', snapshots: false });
      expect(summary).toMatchObject({ status: 'success', mode: 'all-or-nothing', flagChanges: [] });
      expect(summary.metrics.added).toBe(300);
      expect(await flagStore(store).history({ flag: 'HALT_UPDATES' })).toEqual([]);
    });
    expect(fs.existsSync(`${db}.writer-notes`)).toBe(false);
  }, 60_000);
});


describe.each(testBackends())('HALT_UPDATES stored reaches a run waiting on a slow source ($name)', (backend) => {
  afterAll(() => backend.cleanup());
  // On SQLite an all-or-nothing run holds the file while it reads: a halt can be neither stored nor lifted meanwhile, and reaches it as a request (the describe above).
  const slowSourceModes = backend.name === 'sqlite' ? (['batch'] as const) : (['batch', 'all-or-nothing'] as const);

  it.each(slowSourceModes)('%s: set while a Congress.gov detail is held, it stops the run as interrupted naming the halt, without waiting for that detail', async (mode) => {
    // The second detail is held until the test ends: a run that ends first did not wait for it (nor time it out and ask again).
    const { server, db, running, end } = await updateWaitingOnSource(backend, mode);
    try {
      const set = runCli(['flags', 'set', 'HALT_UPDATES', 'true', '--scope', 'global', '--reason', REASON, '--operator', 'support-sam', '--db', db, '--json']);
      expect(set.code, set.stderr).toBe(0);
      const summary = JSON.parse((await running.done).stdout) as RunSummary;
      expect(server.requests.filter(isDetailRequest)).toHaveLength(2);
      expect(summary.status).toBe('interrupted');
      expect(summary.error).toMatch(/^stopped by HALT_UPDATES \(scope global\), set by support-sam at \S+: "incident 42: upstream sends bad dates"[,;] /);
      expect(summary.flagChanges).toEqual([expect.objectContaining({ flag: 'HALT_UPDATES', scope: 'global', killedBy: 'support-sam', applied: true })]);
      // Batch mode keeps the batch it committed at the boundary the halt was read at (the detail fetched before it); all-or-nothing keeps nothing.
      await withStoreAt(backend, db, async (store) => expect((await store.loadHearings(['830000'])).size).toBe(mode === 'batch' ? 1 : 0));
    } finally {
      await end();
    }
  }, 60_000);

  it.each(slowSourceModes)('%s: a halt lifted again before the run read the flags stops nothing: the run goes on to success', async (mode) => {
    const db = await configured(backend);
    await withStoreAt(backend, db, async (store) => {
      await withStoreAt(backend, db, async (support) => {
        const records = hearingRecords(20, 840000);
        let liftedBeforeRead!: () => void;
        const lifted = new Promise<void>((resolve) => (liftedBeforeRead = resolve));
        // The run's look at the halts stored finds one, which support lifts before the run reads the flags as a safe point does.
        const watched = new Proxy(store, {
          get(target, property) {
            if (property !== 'haltsStored') {
              const value = Reflect.get(target, property, target) as unknown;
              return typeof value === 'function' ? value.bind(target) : value;
            }
            return async () => {
              await setFlag(support, { flag: 'HALT_UPDATES', value: 'true', scope: 'global', reason: REASON, operator: 'support-sam' });
              const stored = await target.haltsStored();
              await setFlag(support, { flag: 'HALT_UPDATES', value: 'false', scope: 'global', reason: 'false alarm', operator: 'support-sam' });
              liftedBeforeRead();
              return stored;
            };
          },
        });
        // Half the records, then the source waits until the halt was seen and lifted.
        const source = { ...arraySource(records), async *items() {
          for (let position = 0; position < records.length; position += 1) {
            if (position === 10) await lifted;
            yield { position, raw: records[position] };
          }
        } };
        const { summary } = await runFlaggedUpdate({ store: watched, source, task: null, mode, snapshots: false });
        expect(summary).toMatchObject({ status: 'success', flagChanges: [] });
        expect(summary.metrics.added).toBe(20);
      });
    });
  }, 60_000);
});
