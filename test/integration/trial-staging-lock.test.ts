import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import Database from 'better-sqlite3';
import type pg from 'pg';
import { afterAll, describe, expect, it } from 'vitest';
import { createSnapshotOnRequest, listAttempts, listRestores, restoreSnapshot, rollback, undoJournal } from '../../main/backup/index.js';
import { runUpdate, STALE_LOCK_MS } from '../../main/engine/index.js';
import { isPostgresUrl, lockStaging, stagingCopyTarget, type Store } from '../../main/store/index.js';
import { parseTrialSpec, runTrials, seedSyntheticHistory, type TrialOutcome } from '../../main/trials/index.js';
import { testBackends, type TestBackend } from '../helpers/backends.js';
import { waitForCheckpoint } from '../helpers/checkpoints.js';
import { printed, runCli, startCli } from '../helpers/cli.js';
import { connectToPostgres, sessionsGone } from '../helpers/postgres.js';
import { arraySource } from '../helpers/records.js';

const backends = testBackends();
afterAll(() => Promise.all(backends.map((backend) => backend.cleanup())));

/**
 * Five weeks of daily runs in a session period, through the real engine, seeded once per backend for
 * the whole file (35 engine runs: seconds on SQLite, tens of seconds on a loaded PostgreSQL). A trial
 * never writes its source, so the tests' trials all read the one seeded history: SQLite tests each
 * get a byte-for-byte copy of the file (a closed database file is all of it), PostgreSQL tests share
 * its schema (a copy there costs as much as the seeding). A test that writes the source itself seeds
 * its own (ownSeededSource).
 */
async function seededSource(backend: TestBackend): Promise<string> {
  let seeded = seededOnce.get(backend.name);
  if (seeded === undefined) {
    seeded = ownSeededSource(backend);
    seededOnce.set(backend.name, seeded);
    // A seeding that failed (a test timed out under it) is tried again by the next test, not failed for every one after.
    seeded.catch(() => seededOnce.delete(backend.name));
  }
  if (backend.name !== 'sqlite') return seeded;
  const source = await backend.freshLocation();
  fs.copyFileSync(await seeded, source);
  return source;
}
const seededOnce = new Map<TestBackend['name'], Promise<string>>();

async function ownSeededSource(backend: TestBackend): Promise<string> {
  return seedInto(backend, await backend.freshLocation());
}

async function seedInto(backend: TestBackend, location: string): Promise<string> {
  const store = await backend.open(location);
  try {
    await seedSyntheticHistory(store, { days: 35, firstDay: new Date('2025-02-24T00:00:00Z') });
  } finally {
    await store.close();
  }
  return location;
}

async function ledgerOf(backend: TestBackend, staging: string) {
  const store = await backend.open(staging);
  try {
    return await store.trials.list();
  } finally {
    await store.close();
  }
}

async function stagingRestores(backend: TestBackend, staging: string) {
  const store = await backend.open(staging);
  try {
    return await listRestores(store);
  } finally {
    await store.close();
  }
}

/**
 * `gatehouse trial` held for good as it opens the location ending in `suffix` (the CLI's test seam),
 * once it says it is there; `kill` ends it with kill -9. Fails if the trial ends without getting there.
 */
async function trialHeldAtOpenOf(source: string, staging: string, suffix: string): Promise<{ kill(): Promise<void> }> {
  const { child, done } = startCli(['trial', '--db', source, '--staging', staging, '--control', '1', '--json'], { GATEHOUSE_TEST_FAULTS: '1', GATEHOUSE_HANG_OPEN: suffix });
  let stderr = '';
  const held = new Promise<void>((resolve) => {
    child.stderr.on('data', (chunk: Buffer) => {
      stderr += chunk.toString();
      if (stderr.includes('test seam: holding at the open of')) resolve();
    });
  });
  const ended = await Promise.race([held.then(() => null), done]);
  expect(ended, 'the trial ended before it reached the open it was to be held at').toBeNull();
  return {
    /** Once; again is a no-op, so a test's `finally` can make sure no held trial outlives it. */
    async kill() {
      if (child.exitCode !== null || child.signalCode !== null) return;
      child.kill('SIGKILL');
      expect(await done).toMatchObject({ signal: 'SIGKILL' });
      if (isPostgresUrl(staging)) await sessionsGone(staging);
    },
  };
}

async function trialKilledAtOpenOf(source: string, staging: string, suffix: string): Promise<void> {
  await (await trialHeldAtOpenOf(source, staging, suffix)).kill();
}

/** What a staging location ends with, as the CLI opens it: the file name, or the schema parameter. */
function openedAs(location: string): string {
  return isPostgresUrl(location) ? `schema=${new URL(location).searchParams.get('schema')}` : location;
}

describe.each(backends)('trial sessions sharing a staging target ($name)', (backend) => {
  it('refuses a second trial while one runs on the same staging target, naming who started the first, and every trial of the first stays in the ledger', async () => {
    const source = await seededSource(backend);
    const staging = await backend.freshLocation();
    let second: Promise<{ outcome: TrialOutcome } | { error: unknown }> | null = null;
    const first = await runTrials({
      source,
      staging,
      injections: ['spike', 'drop', 'spike'].map(parseTrialSpec),
      controls: 3,
      operator: 'Ada',
      // The second starts while the first has trials to go: it would copy a fresh staging over the first's.
      onProgress: ({ phase, done }) => {
        if (phase === 'trials' && done === 1 && second === null) {
          // Settled into a value at once: its refusal arrives while the first still runs.
          second = runTrials({ source, staging, injections: [parseTrialSpec('zero-volume')], controls: 1, operator: 'Grace' }).then((outcome) => ({ outcome }), (error: unknown) => ({ error }));
        }
      },
    });
    expect(second).not.toBeNull();
    expect(await second).toMatchObject({ error: { code: 'LOCK_HELD', message: expect.stringMatching(/in use by another trial started by Ada \(.*since \d{4}-/) } });

    expect(first.trials).toHaveLength(6);
    expect(first.ledger.trials).toBe(6);
    const ledger = await ledgerOf(backend, staging);
    expect(ledger.map((trial) => trial.runId)).toEqual(first.trials.map((trial) => trial.runId));

    // Once the first has ended, the next session runs and keeps the whole ledger.
    const next = await runTrials({ source, staging, injections: [], controls: 1 });
    expect(next).toMatchObject({ keptTrials: 6, ledger: { trials: 7 } });
  }, 120_000);
});

describe.each(backends)('`gatehouse trial` on a staging target another trial holds ($name)', (backend) => {
  it('exits 5 (another run holds the lock), naming who started the first trial, while the first has a run checkpointed and goes on to finish', async () => {
    const source = await seededSource(backend);
    const staging = await backend.freshLocation();
    // The first trial stops after creating each run until it gets SIGUSR2: held with its first run committed, its second begun.
    const first = startCli(['trial', '--db', source, '--staging', staging, '--control', '2', '--json'], { GATEHOUSE_TEST_FAULTS: '1', GATEHOUSE_PAUSE_AFTER_RUN_CREATED: '1' });
    try {
      const firstRun = Number((await printed(first, /paused after creating run (\d+)\n/))[1]);
      const secondRunBegun = printed(first, new RegExp(`paused after creating run ${firstRun + 1}\\n`));
      first.child.kill('SIGUSR2');
      await secondRunBegun;
      await waitForCheckpoint(backend, staging, firstRun, (checkpoint) => checkpoint.batchSeq >= 1);

      const second = runCli(['trial', '--db', source, '--staging', staging, '--control', '1', '--json']);
      expect(second.code, second.stderr).toBe(5);
      expect(JSON.parse(second.stdout)).toMatchObject({ error: { code: 'LOCK_HELD', message: expect.stringMatching(new RegExp(`in use by another trial started by ${os.userInfo().username} \\(.*since \\d{4}-.*nothing was changed`)) } });

      first.child.kill('SIGUSR2');
      const done = await first.done;
      expect(done.code, done.stderr).toBe(0);
      expect(JSON.parse(done.stdout)).toMatchObject({ ledger: { trials: 2 } });
    } finally {
      if (first.child.exitCode === null && first.child.signalCode === null) first.child.kill('SIGKILL');
    }
  }, 120_000);
});

describe.each(backends)('a writer that meets a trial on staging ($name)', (backend) => {
  it('is refused, told whose trial run holds staging — not an anonymous update, nor a lock so old it is taken over', async () => {
    const source = await seededSource(backend);
    const staging = await backend.freshLocation();
    let refusal: Promise<unknown> | null = null;
    // Once the trial's run holds staging's writer lock (its first heartbeat with a run id), another writer tries staging.
    const open = async (location: string) => {
      const store = await backend.open(location);
      if (location !== staging) return store;
      const heartbeat = store.heartbeat.bind(store);
      store.heartbeat = async (now, runId) => {
        await heartbeat(now, runId);
        if (runId !== undefined && runId !== null) refusal ??= withOtherStore(staging, (other) => runUpdate({ store: other, source: arraySource([]) })).catch((error: unknown) => error);
        // The trial's run waits for the answer, so the other writer meets it holding the lock.
        await refusal;
      };
      return store;
    };
    await runTrials({ source, staging, injections: [], controls: 1, operator: 'Ada', open });
    expect(refusal).not.toBeNull();
    expect(await refusal).toMatchObject({ code: 'LOCK_HELD', message: expect.stringMatching(/^an update \(run \d+\) started by Ada at /) });
  }, 120_000);

  async function withOtherStore<T>(location: string, work: (store: Store) => Promise<T>): Promise<T> {
    const store = await backend.open(location);
    try {
      return await work(store);
    } finally {
      await store.close();
    }
  }
});

describe.each(backends)('a trial killed part-way ($name)', (backend) => {
  it('killed while the staging copy is built: the staging target and its ledger stay as they were, and the next trial copies afresh over the leftover', async () => {
    const source = await seededSource(backend);
    const staging = await backend.freshLocation();
    const first = await runTrials({ source, staging, injections: [parseTrialSpec('spike')], controls: 1 });
    const copying = stagingCopyTarget(staging);
    await trialKilledAtOpenOf(source, staging, openedAs(copying));
    if (backend.name === 'sqlite') expect(fs.existsSync(copying), 'the half-built copy').toBe(true);
    expect((await ledgerOf(backend, staging)).map((trial) => trial.runId)).toEqual(first.trials.map((trial) => trial.runId));

    const next = await runTrials({ source, staging, injections: [], controls: 1 });
    expect(next).toMatchObject({ keptTrials: 2, ledger: { trials: 3 } });
    if (backend.name === 'sqlite') {
      expect(fs.existsSync(copying)).toBe(false);
      expect(fs.existsSync(`${staging}.trial-lock`)).toBe(false);
    }
  }, 120_000);

  it('killed after the copy, before its first ledger row: the copy says it is one, so the next trial goes ahead', async () => {
    const source = await seededSource(backend);
    const staging = await backend.freshLocation();
    await trialKilledAtOpenOf(source, staging, openedAs(staging));
    // Runs (the source's) and no ledger: without its marker it would pass for someone's real database.
    expect(await ledgerOf(backend, staging)).toEqual([]);
    expect(await stagingRestores(backend, staging)).toEqual([expect.objectContaining({ operator: 'gatehouse trial', reason: expect.stringMatching(/^staging copy of /), hearingsBefore: 0 })]);

    const next = await runTrials({ source, staging, injections: [], controls: 1 });
    expect(next).toMatchObject({ keptTrials: 0, ledger: { trials: 1 } });
  }, 120_000);

  it('gives each fresh copy run ids above every run its ledger names, so no ledger row ever names two runs', async () => {
    const source = await seededSource(backend);
    const staging = await backend.freshLocation();
    const first = await runTrials({ source, staging, injections: [parseTrialSpec('drop')], controls: 2 });
    const second = await runTrials({ source, staging, injections: [], controls: 1 });
    const earlier = first.trials.map((trial) => trial.runId!);
    expect(second.trials[0]!.runId).toBeGreaterThan(Math.max(...earlier));
    const ledger = await ledgerOf(backend, staging);
    expect(new Set(ledger.map((trial) => trial.runId)).size).toBe(ledger.length);
  }, 120_000);
});

/**
 * A trial holds its staging database from the copy to its last ledger row, but the writer lock only
 * while one of its updates runs. A restore of staging (or a rollback there) between two of them
 * went ahead: the next trial copied over it, or the trials still to run were judged against the
 * restored history. Support's writers now refuse while a trial holds the target.
 */
describe.each(backends)('restoring or rolling back a staging database a trial is using ($name)', (backend) => {
  it('is refused, naming the trial, and goes ahead once the trial has stopped', async () => {
    const source = await seededSource(backend);
    const staging = await backend.freshLocation();
    const trial = await trialHeldAtOpenOf(source, staging, openedAs(staging));
    const store = await backend.open(staging);
    try {
      const snapshot = await createSnapshotOnRequest(store);
      const refused = /^cannot (restore|roll back run 1): .+ is the staging database of a trial started by .+ that is still running \(.*since .+\); nothing was changed$/;
      await expect(restoreSnapshot(store, { snapshotId: snapshot.id, reason: 'back to yesterday', operator: 'sam' })).rejects.toMatchObject({ code: 'LOCK_HELD', message: expect.stringMatching(refused) });
      await expect(rollback(store, { runId: 1, reason: 'a bad day', operator: 'sam', onConflict: 'force' })).rejects.toMatchObject({ code: 'LOCK_HELD', message: expect.stringMatching(refused) });
      expect(await listRestores(store)).toHaveLength(1);
      expect(await undoJournal(store).listEvents()).toEqual([]);

      await trial.kill();
      await expect(restoreSnapshot(store, { snapshotId: snapshot.id, reason: 'back to yesterday', operator: 'sam' })).resolves.toMatchObject({ event: { operator: 'sam' } });
    } finally {
      await trial.kill();
      await store.close();
    }
  }, 120_000);
});

describe('a trial interrupted mid-way (SQLite)', () => {
  it('leaves a lock naming a dead process, which the next trial takes over', async () => {
    const [backend] = backends;
    const source = await seededSource(backend!);
    const staging = await backend!.freshLocation();
    const dead = spawnSync(process.execPath, ['-e', '']).pid!;
    fs.writeFileSync(`${staging}.trial-lock`, JSON.stringify({ pid: dead, host: os.hostname(), since: '2026-01-01T00:00:00.000Z' }));
    const outcome = await runTrials({ source, staging, injections: [], controls: 1 });
    expect(outcome.ledger.trials).toBe(1);
    expect(fs.existsSync(`${staging}.trial-lock`)).toBe(false);
  }, 60_000);
});

/**
 * A trial on another computer sharing the staging folder: its pid cannot be looked up from here, so
 * its lock file was held for good, even months after that computer stopped. The writer lock's rule
 * now holds for it too: a holder elsewhere is alive while its heartbeat is fresh (STALE_LOCK_MS).
 */
describe('a staging lock held from another host (SQLite)', () => {
  const lastBeat = new Date('2026-03-02T09:00:00.000Z');
  const after = (ms: number) => () => new Date(lastBeat.getTime() + ms);

  it('is refused while its heartbeat is within the stale window, and taken over once it is older', async () => {
    const [backend] = backends;
    const source = await seededSource(backend!);
    const staging = await backend!.freshLocation();
    fs.writeFileSync(`${staging}.trial-lock`, JSON.stringify({ pid: 4242, host: 'nas-client-7', since: '2026-03-02T08:00:00.000Z', operator: 'ada', heartbeatAt: lastBeat.toISOString() }));
    await expect(runTrials({ source, staging, injections: [], controls: 1, lockClock: after(STALE_LOCK_MS) })).rejects.toMatchObject({
      code: 'LOCK_HELD',
      message: `staging ${staging} is in use by another trial started by ada (pid 4242 on nas-client-7, since 2026-03-02T08:00:00.000Z); nothing was changed`,
    });
    expect(fs.existsSync(staging)).toBe(false);

    const outcome = await runTrials({ source, staging, injections: [], controls: 1, lockClock: after(STALE_LOCK_MS + 1) });
    expect(outcome.ledger.trials).toBe(1);
    expect(fs.existsSync(`${staging}.trial-lock`)).toBe(false);
  }, 60_000);

  it("keeps its own heartbeat up while it holds staging, and at release leaves a lock another trial has taken over", async () => {
    const staging = await backends[0]!.freshLocation();
    const file = `${staging}.trial-lock`;
    let now = lastBeat;
    const lock = await lockStaging(staging, 'bo', { clock: () => now, staleAfterMs: STALE_LOCK_MS, heartbeatEveryMs: 5 });
    const heartbeat = () => (JSON.parse(fs.readFileSync(file, 'utf8')) as { heartbeatAt: string }).heartbeatAt;
    expect(heartbeat()).toBe(lastBeat.toISOString());
    now = after(STALE_LOCK_MS * 3)();
    await expect.poll(heartbeat, { timeout: 10_000 }).toBe(now.toISOString());

    // This process stood still past the stale window, and a trial elsewhere took staging over.
    const takenOver = JSON.stringify({ pid: 4242, host: 'nas-client-7', since: now.toISOString(), operator: 'ada', heartbeatAt: now.toISOString() });
    fs.writeFileSync(file, takenOver);
    await lock.release();
    expect(fs.readFileSync(file, 'utf8')).toBe(takenOver);
    fs.rmSync(file);
  });
});

describe('a dead trial\'s lock file that cannot be removed (SQLite)', () => {
  // Another user's lock file in a shared folder cannot be removed; run as root here, a folder in its place cannot either.
  it('is no trial holding the lock: exit 2 (not 5, not an unexpected error), naming the file and what to do, with nothing staged', async () => {
    const [backend] = backends;
    const source = await seededSource(backend!);
    const staging = await backend!.freshLocation();
    fs.mkdirSync(`${staging}.trial-lock`);
    const refused = runCli(['trial', '--db', source, '--staging', staging, '--control', '1']);
    expect(refused.code, refused.stderr).toBe(2);
    expect(refused.stderr).toContain(`gatehouse: staging ${staging} is locked by ${staging}.trial-lock, which names no running trial, and this trial cannot remove it (`);
    expect(refused.stderr).toContain(`check that no trial is running on it, then remove ${staging}.trial-lock yourself, or give this trial its own --staging target`);
    expect(fs.existsSync(staging)).toBe(false);
  }, 60_000);
});

/**
 * A PostgreSQL staging copy read the live source table by table in a READ COMMITTED transaction, so
 * a writer committing on the source meanwhile — a restore, whose one transaction replaces every
 * table — left staging with some tables from before it and some from after. The copy now reads one
 * consistent state. The source's writer is played by one SQL transaction across two tables, held
 * until the copy waits on the later one (a state, seen in pg_locks, not a time).
 */
describe.runIf(backends.some((backend) => backend.name === 'postgres'))('a PostgreSQL staging copy made while the source changes', () => {
  it('copies the source as one state: a change committed mid-copy is in staging whole or not at all', async () => {
    const backend = backends.find((candidate) => candidate.name === 'postgres')!;
    // Its own: this test commits a change on the source mid-copy.
    const source = await ownSeededSource(backend);
    const staging = await backend.freshLocation();
    const schema = new URL(source).searchParams.get('schema')!;
    const writer = await connectToPostgres();
    try {
      await writer.query('BEGIN');
      await writer.query(`LOCK TABLE "${schema}".undo_journal IN ACCESS EXCLUSIVE MODE`);
      const trial = startCli(['trial', '--db', source, '--staging', staging, '--control', '1', '--json'], { GATEHOUSE_TEST_FAULTS: '1', GATEHOUSE_LOCK_WAIT_MS: '600000' });
      await copyWaitingOn(writer, `"${schema}".undo_journal`, trial.done);
      await writer.query(`UPDATE "${schema}".runs SET error = 'changed mid-copy' WHERE id = 1`);
      await writer.query(`UPDATE "${schema}".undo_journal SET after_hash = 'changed mid-copy' WHERE id = (SELECT min(id) FROM "${schema}".undo_journal)`);
      await writer.query('COMMIT');
      const ended = await trial.done;
      expect(ended.code, ended.stderr).toBe(0);
    } finally {
      await writer.end();
    }
    const store = await backend.open(staging);
    try {
      const run = await store.queries.db.selectFrom('runs').select('error').where('id', '=', 1).executeTakeFirstOrThrow();
      const journal = await store.queries.db.selectFrom('undoJournal').select('afterHash').orderBy('id').limit(1).executeTakeFirstOrThrow();
      // Whole or not at all: the copy holds off writers that lock whole tables until it has its snapshot, so here it reads the change whole.
      expect([[null, false], ['changed mid-copy', true]]).toContainEqual([run.error, journal.afterHash === 'changed mid-copy']);
    } finally {
      await store.close();
    }
  }, 120_000);
});

/** Resolves once another session waits for a lock on `table`: the trial's copy has got that far. Fails if the trial ends first. */
async function copyWaitingOn(client: pg.Client, table: string, ended: Promise<unknown>): Promise<void> {
  let over = false;
  void ended.then(() => (over = true));
  for (;;) {
    const { rows } = await client.query<{ n: string }>('SELECT count(*) AS n FROM pg_locks WHERE relation = $1::regclass AND NOT granted', [table]);
    if (Number(rows[0]!.n) > 0) return;
    if (over) throw new Error('the trial ended before its copy reached the locked table');
    await new Promise((resolve) => setImmediate(resolve));
  }
}

/** How many trial-session attempts `staging` holds still open, read without opening it as a Store (which would migrate a schema the copy is about to replace). */
async function openSessionAttempts(staging: string): Promise<number> {
  const query = `SELECT count(*) AS n FROM writer_attempts WHERE outcome IS NULL AND operation LIKE 'a trial session%'`;
  if (!isPostgresUrl(staging)) {
    if (!fs.existsSync(staging)) return 0;
    const db = new Database(staging, { readonly: true, fileMustExist: true });
    try {
      return Number((db.prepare(query).get() as { n: number }).n);
    } catch {
      return 0;
    } finally {
      db.close();
    }
  }
  const client = await connectToPostgres();
  try {
    const schema = new URL(staging).searchParams.get('schema')!;
    await client.query(`SELECT set_config('search_path', $1, false)`, [`"${schema}"`]);
    return Number((await client.query<{ n: string }>(query)).rows[0]!.n);
  } catch {
    return 0;
  } finally {
    await client.end();
  }
}

describe.each(backends)('a trial session killed with its process ($name)', (backend) => {
  it('leaves its attempt in the staging target it wrote, settled unfinished by the next trial, which keeps it; the source gains none', async () => {
    const source = await seededSource(backend);
    const staging = await backend.freshLocation();
    const { child, done } = startCli(['trial', '--db', source, '--staging', staging, '--control', '20', '--inject', 'spike', '--inject', 'drop', '--inject', 'zero-volume', '--json']);
    for (let attempt = 0; (await openSessionAttempts(staging)) === 0; attempt++) {
      expect(attempt, 'the trial never recorded its session').toBeLessThan(1_200);
      expect(child.exitCode, 'the trial ended before it could be killed').toBeNull();
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
    child.kill('SIGKILL');
    expect(await done).toMatchObject({ signal: 'SIGKILL' });
    if (isPostgresUrl(staging)) await sessionsGone(staging);

    await runTrials({ source, staging, injections: [], controls: 1, operator: 'bo' });
    const store = await backend.open(staging);
    const sourceStore = await backend.open(source);
    try {
      const sessions = (await listAttempts(store)).filter((attempt) => attempt.operation.startsWith('a trial session'));
      expect(sessions).toEqual([
        expect.objectContaining({ operation: expect.stringMatching(/^a trial session of 1 trial from /), operator: 'bo', outcome: 'succeeded' }),
        expect.objectContaining({ operation: expect.stringMatching(/^a trial session of 23 trials from /), outcome: 'unfinished', detail: expect.stringMatching(/killed or crashed/) }),
      ]);
      expect(await listAttempts(sourceStore)).toEqual([]);
    } finally {
      await store.close();
      await sourceStore.close();
    }
  }, 180_000);
});

describe.each(backends)('the trial after one killed with its first trial in the ledger ($name)', (backend) => {
  it('says the killed session was settled unfinished and how many of its trials the ledger keeps, in its JSON and its text', async () => {
    const source = await seededSource(backend);
    const staging = await backend.freshLocation();
    // Held after creating each run: once its second run is created, the first trial's ledger row is written.
    const first = startCli(['trial', '--db', source, '--staging', staging, '--control', '3', '--json'], { GATEHOUSE_TEST_FAULTS: '1', GATEHOUSE_PAUSE_AFTER_RUN_CREATED: '1' });
    try {
      const firstRun = Number((await printed(first, /paused after creating run (\d+)\n/))[1]);
      const secondRun = printed(first, new RegExp(`paused after creating run ${firstRun + 1}\\n`));
      first.child.kill('SIGUSR2');
      await secondRun;
      expect(await ledgerOf(backend, staging)).toHaveLength(1);
    } finally {
      first.child.kill('SIGKILL');
    }
    expect(await first.done).toMatchObject({ signal: 'SIGKILL' });
    if (isPostgresUrl(staging)) await sessionsGone(staging);

    const json = runCli(['trial', '--db', source, '--staging', staging, '--control', '1', '--json']);
    expect(json.code, json.stderr).toBe(0);
    expect(JSON.parse(json.stdout).settledSessions).toEqual([expect.objectContaining({ operation: expect.stringMatching(/^a trial session of 3 trials from /), trialsFinished: 1 })]);
    const text = runCli(['trial', '--db', source, '--staging', staging, '--control', '1']);
    expect(text.code, text.stderr).toBe(0);
    // Settled once: the trial after that one has nothing to say about it.
    expect(text.stdout).not.toMatch(/an earlier session/);
  }, 180_000);
});
