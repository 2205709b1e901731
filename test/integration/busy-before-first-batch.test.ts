import { afterAll, describe, expect, it } from 'vitest';
import { runUpdate } from '../../main/engine/index.js';
import { openSource } from '../../main/sources/index.js';
import { testBackends, withStoreAt, type TestBackend } from '../helpers/backends.js';
import { printed, startCli } from '../helpers/cli.js';
import { outsideSession } from '../helpers/outside-session.js';

/**
 * The database turns busy just after `gatehouse update` created its run and before its first batch
 * (the lock's heartbeat, the snapshot's note on the run): the run ends as it would mid-run —
 * interrupted, resumable, exit 130 — not as "unexpected error: database is locked" with its row left
 * `running`. The seam GATEHOUSE_PAUSE_AFTER_RUN_CREATED holds the run at that moment until SIGUSR2.
 */
const SEAM = { GATEHOUSE_TEST_FAULTS: '1', GATEHOUSE_LOCK_WAIT_MS: '300', GATEHOUSE_PAUSE_AFTER_RUN_CREATED: '1' };

/** A session outside Gatehouse that keeps the run's writes waiting — on PostgreSQL the writer lock's row too: its heartbeat is the run's first write once the row exists. */
function stuckSession(backend: TestBackend, location: string) {
  return outsideSession(backend, location, (schema) => `${schema}.runs, ${schema}.writer_lock IN EXCLUSIVE MODE`);
}

describe.each(testBackends())('a database busy between the run\'s creation and its first batch, on $name', (backend) => {
  afterAll(() => backend.cleanup());

  for (const stop of [null, 'SIGINT'] as const) {
    it(`ends the run interrupted and resumable, exit 130${stop ? `, naming the ${stop} that ended its wait` : ''}`, async () => {
      const location = await backend.freshLocation();
      const source = 'synthetic:seed=135,count=120';
      const update = startCli(['update', '--db', location, '--source', source, '--batch-size', '50', '--no-snapshot', '--json'], SEAM);
      let stuck: Awaited<ReturnType<typeof stuckSession>> | null = null;
      let resume: ReturnType<typeof startCli> | null = null;
      try {
        const [, runId] = await printed(update, /paused after creating run (\d+)/);
        stuck = await stuckSession(backend, location);
        await stuck.take();
        const retrying = printed(update, /retrying in/);
        update.child.kill('SIGUSR2');
        await retrying;
        if (stop) update.child.kill(stop);
        const { code, stdout, stderr } = await update.done;
        // Before: "unexpected error: database is locked", exit 1, the run row left `running`.
        expect(stderr).not.toMatch(/unexpected error/);
        expect(code, stderr).toBe(130);
        const summary = JSON.parse(stdout) as { runId: number; status: string; error: string; batches: { succeeded: number } };
        expect(summary).toMatchObject({ runId: Number(runId), status: 'interrupted', batches: { succeeded: 0 } });
        // The session keeps the run's end from being written too: said once, the reason's ending as every interrupted run's.
        expect(summary.error).toMatch(new RegExp(`; the run's end could not be recorded either; nothing was blamed on a record — resume with --resume ${runId}$`));
        expect(summary.error.match(/resume with|nothing was blamed/g)).toHaveLength(2);
        expect(summary.error).toMatch(/the database stayed unreachable or busy after retries/);
        // The stop is the run's reason, beside the fault it waited on, whether or not its end could be written.
        if (stop) expect(summary.error).toMatch(new RegExp(`^stopped by ${stop} to gatehouse update \\(pid \\d+\\) while waiting: `));
        await stuck.letGo();
        // Nothing half-written and the writer lock free: the resume takes the lock and writes every record.
        resume = startCli(['update', '--db', location, '--source', source, '--resume', runId!, '--no-snapshot', '--json'], { GATEHOUSE_TEST_FAULTS: '1' });
        const resumed = await resume.done;
        expect(resumed.code, resumed.stderr).toBe(0);
        expect(JSON.parse(resumed.stdout)).toMatchObject({ runId: Number(runId), status: 'success', metrics: { fetched: 120, added: 120 } });
      } finally {
        update.child.kill('SIGKILL');
        resume?.child.kill('SIGKILL');
        await stuck?.letGo();
      }
    }, 60_000);
  }
});

/**
 * What an outside session can hold while a resume reads back what its run took (the eventIds it
 * wrote, the keys it handled, its quarantine). On PostgreSQL a DBA's VACUUM FULL or ALTER TABLE
 * (ACCESS EXCLUSIVE on hearings) stops those reads, and nothing else. On SQLite no session can stop a
 * reader of a WAL file another connection has open (each holds a shared lock on it, so no exclusive
 * lock is granted): its sqlite3 shell's BEGIN IMMEDIATE stops the resume's first write instead.
 */
function stuckResume(backend: TestBackend, location: string) {
  if (backend.name === 'sqlite') return stuckSession(backend, location);
  return outsideSession(backend, location, (schema) => `${schema}.hearings IN ACCESS EXCLUSIVE MODE`);
}

describe.each(testBackends())('a database busy between a resume\'s reopening of its run and its first batch, on $name', (backend) => {
  afterAll(() => backend.cleanup());

  it('ends the run interrupted with its reason, exit 130, and a second resume finishes it', async () => {
    const location = await backend.freshLocation();
    const source = 'synthetic:seed=137,count=120';
    // The run to resume: stopped after its first batch of 50.
    const stopped = await withStoreAt(backend, location, async (store) => {
      const controller = new AbortController();
      return runUpdate({
        store, source: await openSource(source), batchSize: 50, signal: controller.signal,
        betweenBatches: async () => {
          controller.abort('by SIGINT to the test');
          return null;
        },
      });
    });
    expect(stopped).toMatchObject({ status: 'interrupted', batches: { succeeded: 1 } });
    const runId = String(stopped.runId);
    const resume = startCli(['update', '--db', location, '--source', source, '--resume', runId, '--no-snapshot', '--json'], SEAM);
    let stuck: Awaited<ReturnType<typeof stuckResume>> | null = null;
    let again: ReturnType<typeof startCli> | null = null;
    try {
      await printed(resume, new RegExp(`paused after reopening run ${runId}\\b`));
      stuck = await stuckResume(backend, location);
      await stuck.take();
      resume.child.kill('SIGUSR2');
      const { code, stdout, stderr } = await resume.done;
      // Before, on PostgreSQL: the LOCK_HELD refusal ("another run holds the lock"), exit 5, the run reopened left `running`, no reason stored.
      expect(stderr).not.toMatch(/unexpected error/);
      expect(code, stderr).toBe(130);
      const summary = JSON.parse(stdout) as { runId: number; status: string; error: string };
      expect(summary).toMatchObject({ runId: stopped.runId, status: 'interrupted' });
      expect(summary.error).toMatch(new RegExp(`^the database stayed unreachable or busy after retries: .*nothing was blamed on a record — resume with --resume ${runId}$`));
      await stuck.letGo();
      // Where the database could take the run's end (PostgreSQL: only reads were held), the row says so; else the next writer does.
      if (backend.name === 'postgres') {
        const row = await withStoreAt(backend, location, (store) => store.getRun(stopped.runId));
        expect(row).toMatchObject({ status: 'interrupted', error: summary.error });
      }
      again = startCli(['update', '--db', location, '--source', source, '--resume', runId, '--no-snapshot', '--json'], { GATEHOUSE_TEST_FAULTS: '1' });
      const resumed = await again.done;
      expect(resumed.code, resumed.stderr).toBe(0);
      // Nothing written twice: the three segments add up to one run over the 120 records.
      expect(JSON.parse(resumed.stdout)).toMatchObject({ runId: stopped.runId, status: 'success', metrics: { fetched: 120, added: 120, quarantined: 0 } });
    } finally {
      resume.child.kill('SIGKILL');
      again?.child.kill('SIGKILL');
      await stuck?.letGo();
    }
  }, 60_000);
});

describe.each(testBackends())('a stopped run whose end the database will not take, on $name', (backend) => {
  afterAll(() => backend.cleanup());

  it('says both: the stop that ended it, then that its end could not be recorded, with the resume once', async () => {
    const location = await backend.freshLocation();
    const store = await backend.open(location, { lockWaitMs: 300 });
    const stuck = await stuckSession(backend, location);
    const controller = new AbortController();
    try {
      // At the first batch boundary the operator stops the run and an outside session takes the database.
      const summary = await runUpdate({
        store, source: await openSource('synthetic:seed=136,count=400'), batchSize: 50, signal: controller.signal, sleep: async () => {},
        betweenBatches: async () => {
          controller.abort('by SIGINT to the test');
          await stuck.take();
          return null;
        },
      });
      expect(summary.status).toBe('interrupted');
      // Before: "the run's end could not be recorded: …" alone, the stop that ended the run gone from the reason.
      expect(summary.error).toMatch(new RegExp(`^stopped by SIGINT to the test after the last committed batch; the run's end could not be recorded: the database stayed unreachable or busy after retries: .*; nothing was blamed on a record — resume with --resume ${summary.runId}$`));
      expect(summary.error!.match(/resume with/g)).toHaveLength(1);
    } finally {
      await stuck.letGo();
      await store.close();
    }
  }, 30_000);
});
