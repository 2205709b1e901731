import fs from 'node:fs';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { listAttempts } from '../../main/backup/index.js';
import type { RunningServer } from '../../main/api/index.js';
import type { TrialJobView } from '../../shared/api-validation.js';
import { testBackends, withStoreAt } from '../helpers/backends.js';
import { runCli, servedUrl, startCli } from '../helpers/cli.js';
import { callApi } from '../helpers/console-http.js';
import { dropSchemas } from '../helpers/postgres.js';
import { trialStagingFor } from '../helpers/trial-staging.js';

/**
 * `gatehouse serve` stopped (SIGTERM, SIGINT) while a staging trial runs in its worker: the worker
 * was ended mid-run, so the trial's run and its session's attempt row stayed `running` in staging
 * for good. Now the trial stops as Ctrl-C to `gatehouse trial` stops it — its run interrupted at the
 * batch boundary with the shutdown as its reason, its session closed with that reason — and then the
 * server exits. A real `serve` process, a trial started over HTTP, on both backends.
 */
const API_TOKEN = 'serve-shutdown-trial-token';
const bearer = { Authorization: `Bearer ${API_TOKEN}` };

const backends = testBackends();
const schemas: string[] = [];
const started: ReturnType<typeof startCli>[] = [];
afterEach(() => {
  for (const served of started.splice(0)) served.child.kill('SIGKILL');
});
afterAll(async () => {
  await Promise.all(backends.map((backend) => backend.cleanup()));
  await dropSchemas(schemas);
});

async function api<T>(server: RunningServer, method: string, body: unknown): Promise<T> {
  const { status, result } = await callApi<T>(server, method, body, bearer);
  if (!result.ok) throw new Error(`${method} failed (HTTP ${status}): ${result.error.code} ${result.error.message}`);
  return result.data;
}

describe.each(backends)('gatehouse serve shut down during a staging trial, on $name', (backend) => {
  for (const signal of ['SIGTERM', 'SIGINT'] as const) {
    it(`ends the trial's run interrupted and its session closed, naming the ${signal}, before it exits`, async () => {
      const source = await backend.freshLocation();
      // A history run of 4,000 hearings: each trial run is about as long, hundreds of batches.
      const seeded = runCli(['update', '--db', source, '--source', 'synthetic:seed=11,count=4000', '--json']);
      expect(seeded.code, seeded.stderr).toBe(0);
      const staging = trialStagingFor(backend, source, schemas);
      const served = startCli(['serve', '--db', source, '--port', '0'], { GATEHOUSE_API_TOKEN: API_TOKEN });
      started.push(served);
      const url = await servedUrl(served);
      const server = { port: Number(url.port), url: url.toString() } as RunningServer;
      // The console names a staging schema of its own PostgreSQL database by its name alone.
      const stagingField = backend.name === 'sqlite' ? staging : new URL(staging).searchParams.get('schema');
      const job = await api<TrialJobView>(server, 'trials.run', { controls: 2, staging: stagingField });
      await expect.poll(async () => (await api<TrialJobView>(server, 'trials.job', { jobId: job.jobId })).phase, { timeout: 60_000 }).toBe('trials');
      // The first trial's run, once it has committed a batch.
      const runningRun = () => withStoreAt(backend, staging, async (store) => {
        const [run] = (await store.listRuns({ limit: 10 })).filter((listed) => listed.status === 'running');
        return run && (await store.getCheckpoint(run.runId)) ? run.runId : null;
      });
      await expect.poll(runningRun, { timeout: 60_000, interval: 50 }).not.toBeNull();
      const runId = (await runningRun())!;

      served.child.kill(signal);
      const ended = await served.done;
      expect(ended.code, ended.stderr).toBe(0);

      const stop = `as gatehouse serve (pid ${served.child.pid}) shut down on ${signal}`;
      await withStoreAt(backend, staging, async (store) => {
        expect(await store.getRun(runId)).toMatchObject({ status: 'interrupted', error: `stopped ${stop} after the last committed batch — a trial run is not resumed: run the trial again` });
        expect((await store.listRuns({ limit: 100 })).filter((run) => run.status === 'running')).toEqual([]);
        const ledger = await store.trials.list();
        expect(ledger).toEqual([expect.objectContaining({ kind: 'control', runId, notJudged: expect.stringContaining(`run ${runId} interrupted — stopped ${stop}`) })]);
        const [session] = await listAttempts(store);
        expect(session).toMatchObject({ outcome: 'stopped', endedAt: expect.any(String), detail: `trial session stopped ${stop} after 1 of 2 trials; the other 1 did not start` });
      });
      if (backend.name === 'sqlite') expect(fs.existsSync(`${staging}.trial-lock`)).toBe(false);
    }, 150_000);
  }
});
