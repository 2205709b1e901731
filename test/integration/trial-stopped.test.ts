import fs from 'node:fs';
import { afterAll, describe, expect, it } from 'vitest';
import { listAttempts } from '../../main/backup/index.js';
import { seedSyntheticHistory } from '../../main/trials/index.js';
import { testBackends, withStoreAt } from '../helpers/backends.js';
import { printed, startCli } from '../helpers/cli.js';
import { dropSchemas } from '../helpers/postgres.js';
import { trialStagingFor } from '../helpers/trial-staging.js';

/**
 * Ctrl-C to `gatehouse trial` stops it as it stops `update`: the trial run under way ends
 * interrupted with the signal as its reason, its trial goes into the ledger as not judged, no other
 * trial starts, the session's attempt row ends `stopped` (not `failed`) with the same reason, and staging is free for the
 * next trial. Before, Node's default ended the process mid-run: the staging run and the session
 * stayed `running` for every reader of staging. The seam GATEHOUSE_PAUSE_AFTER_RUN_CREATED holds the
 * first trial's run just after its row is created, until SIGUSR2.
 */
const SEAM = { GATEHOUSE_TEST_FAULTS: '1', GATEHOUSE_PAUSE_AFTER_RUN_CREATED: '1' };

const backends = testBackends();
const schemas: string[] = [];
afterAll(async () => {
  await Promise.all(backends.map((backend) => backend.cleanup()));
  await dropSchemas(schemas);
});

describe.each(backends)('a trial stopped with a signal, on $name', (backend) => {
  for (const signal of ['SIGINT', 'SIGTERM'] as const) {
    it(`ends its run and its session interrupted, naming the ${signal}, and leaves staging free`, async () => {
      const source = await backend.freshLocation();
      await withStoreAt(backend, source, (store) => seedSyntheticHistory(store, { days: 3, firstDay: new Date('2025-03-03T00:00:00Z') }));
      const staging = trialStagingFor(backend, source, schemas);
      const trial = startCli(['trial', '--db', source, '--staging', staging, '--control', '1', '--inject', 'spike', '--json'], SEAM);
      let again: ReturnType<typeof startCli> | null = null;
      try {
        const [, runId] = await printed(trial, /paused after creating run (\d+)/);
        const asked = printed(trial, new RegExp(`${signal}: stopping the trial run under way`));
        trial.child.kill(signal);
        await asked;
        trial.child.kill('SIGUSR2');
        const { code, stdout, stderr } = await trial.done;
        expect(stderr).not.toMatch(/unexpected error/);
        expect(code, stderr).toBe(130);
        const stop = `by ${signal} to gatehouse trial \\(pid ${trial.child.pid}\\)`;
        const { error } = JSON.parse(stdout) as { error: { code: string; message: string } };
        expect(error.code).toBe('INTERRUPTED');
        expect(error.message).toMatch(new RegExp(`^trial session stopped ${stop} after 1 of 2 trials; the other 1 did not start$`));
        await withStoreAt(backend, staging, async (store) => {
          // The run: interrupted with the signal as its reason; nothing left `running`.
          // Its reason says what carries on: nothing resumes a trial run (its source lived in the session), a new trial does.
          expect(await store.getRun(Number(runId))).toMatchObject({ status: 'interrupted', error: expect.stringMatching(new RegExp(`^stopped ${stop} after the last committed batch — a trial run is not resumed: run the trial again$`)) });
          expect((await store.listRuns({ limit: 100 })).filter((run) => run.status === 'running')).toEqual([]);
          // The trial: in the ledger, judged by no rule, with the run's reason.
          const ledger = await store.trials.list();
          expect(ledger).toHaveLength(1);
          expect(ledger[0]).toMatchObject({ kind: 'control', runId: Number(runId), notJudged: expect.stringMatching(new RegExp(`run ${runId} interrupted — stopped ${stop}`)) });
          // The session: ended stopped (the analyst asked; nothing failed), with the same reason as the command printed.
          const [session] = await listAttempts(store);
          expect(session).toMatchObject({ outcome: 'stopped', detail: error.message });
        });
        if (backend.name === 'sqlite') expect(fs.existsSync(`${staging}.trial-lock`)).toBe(false);
        // Staging free: the next trial takes it, and its ledger keeps the stopped trial.
        again = startCli(['trial', '--db', source, '--staging', staging, '--control', '1', '--json']);
        const next = await again.done;
        expect(next.code, next.stderr).toBe(0);
        expect(JSON.parse(next.stdout)).toMatchObject({ ledger: { trials: 2, notJudged: 1 } });
      } finally {
        trial.child.kill('SIGKILL');
        again?.child.kill('SIGKILL');
      }
    }, 90_000);
  }
});
