import { createHook } from 'node:async_hooks';
import Database from 'better-sqlite3';
import { afterAll, describe, expect, it } from 'vitest';
import { runUpdate } from '../../main/engine/index.js';
import { openSource } from '../../main/sources/index.js';
import { sqliteBackend } from '../helpers/backends.js';
import { printed, startCli } from '../helpers/cli.js';

/** The CLI's wait for another writer, shortened (GATEHOUSE_LOCK_WAIT_MS, honoured only with GATEHOUSE_TEST_FAULTS=1). */
const SHORT_WAIT = { GATEHOUSE_TEST_FAULTS: '1', GATEHOUSE_LOCK_WAIT_MS: '1000' };

describe('Ctrl-C to gatehouse update while a sqlite3 shell keeps its file busy', () => {
  const backend = sqliteBackend();
  afterAll(() => backend.cleanup());

  it('ends the wait: the run stops interrupted, exit 130, with no retry after the signal, and its committed batch stands', async () => {
    const location = await backend.freshLocation();
    const shell = new Database(location, { timeout: 30_000 });
    const update = startCli(['update', '--db', location, '--source', 'synthetic:seed=81,count=20000', '--batch-size', '50', '--no-snapshot', '--json'], SHORT_WAIT);
    try {
      // The shell's transaction begins once the run has committed a batch: the run holds the lock and waits on the file.
      for (;;) {
        const ready = shell.prepare("SELECT count(*) AS n FROM sqlite_master WHERE name = 'batches'").get() as { n: number };
        if (ready.n > 0 && (shell.prepare("SELECT count(*) AS n FROM batches WHERE status = 'committed'").get() as { n: number }).n > 0) break;
        await new Promise((resolve) => setTimeout(resolve, 10));
      }
      shell.prepare('BEGIN IMMEDIATE').run();
      await printed(update, /database busy .*retrying in/);
      update.child.kill('SIGINT');
      const { code, stdout, stderr } = await update.done;
      expect(code, stderr).toBe(130);
      // Before: the series went on to its fifth retry, each a lock wait, and only then stopped (~40 s with the default wait).
      expect(stderr).not.toMatch(/retry 5 of 5/);
      expect(JSON.parse(stdout)).toMatchObject({ status: 'interrupted', batches: { succeeded: expect.any(Number) } });
      shell.prepare('ROLLBACK').run();
      expect((shell.prepare("SELECT count(*) AS n FROM batches WHERE status = 'committed'").get() as { n: number }).n).toBeGreaterThan(0);
    } finally {
      update.child.kill('SIGKILL');
      if (shell.inTransaction) shell.prepare('ROLLBACK').run();
      shell.close();
    }
  }, 60_000);
});

describe('a run stopped while it waits to retry a busy database, on sqlite', () => {
  const backend = sqliteBackend();
  afterAll(() => backend.cleanup());

  it('leaves no timer of its wait running once it has returned: a stopped process is not kept up to wait it out', async () => {
    const location = await backend.freshLocation();
    const store = await backend.open(location, { lockWaitMs: 100 });
    const shell = new Database(location);
    const controller = new AbortController();
    // The timers created while the run ran and still pending once it returned: others (vitest's, an earlier test's) are not its.
    const pending = new Set<number>();
    const timers = createHook({
      init: (asyncId, type) => { if (type === 'Timeout') pending.add(asyncId); },
      destroy: (asyncId) => { pending.delete(asyncId); },
    });
    try {
      timers.enable();
      const summary = await runUpdate({
        store, source: await openSource('synthetic:seed=137,count=200'), batchSize: 50, signal: controller.signal,
        betweenBatches: async () => {
          if (!shell.inTransaction) shell.prepare('BEGIN IMMEDIATE').run();
          return null;
        },
        // The operator's Ctrl-C, as the run says it will wait: its wait is the run's own (no `sleep` given), as the CLI's is.
        onEvent: (event) => {
          if (event.type === 'warning' && /retrying in/.test(event.message)) controller.abort('by SIGINT to the test');
        },
      });
      // A cleared timer's destroy is reported on the next turn of the event loop.
      await new Promise((resolve) => setImmediate(resolve));
      timers.disable();
      expect(summary).toMatchObject({ status: 'interrupted', error: expect.stringMatching(/^stopped by SIGINT to the test while waiting: /) });
      // Before: the retry's backoff timer stayed pending after the run returned, holding `gatehouse update` open until it fired.
      expect([...pending]).toEqual([]);
    } finally {
      timers.disable();
      if (shell.inTransaction) shell.prepare('ROLLBACK').run();
      shell.close();
      await store.close();
    }
  }, 30_000);
});
