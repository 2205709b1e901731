import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { listAttempts } from '../../main/backup/index.js';
import { openStore } from '../../main/store/index.js';
import { tester } from '../helpers/callers.js';
import { openConsoleApi, type ConsoleApi } from '../helpers/console-api.js';

/**
 * A trial job started from the console and stopped by the console's shutdown: its session's attempt
 * row ended `stopped`, as one `gatehouse trial` stops with Ctrl-C, but the job the console reads
 * back (trials.job, in memory) said `failed`, as if something had gone wrong.
 */
let opened: ConsoleApi;

beforeAll(async () => {
  opened = await openConsoleApi('gatehouse-console-trial-stopped-', { demoDays: 30 });
});

afterAll(() => opened.close());

describe('a console trial job stopped by the console shutting down', () => {
  it('ends stopped, not failed, saying why and how far it got, as its attempt row does', async () => {
    const { api, engine, folder } = opened;
    const started = await api['trials.run']({ injections: [], controls: 20, seedHistoryDays: 0, sweep: false, repeat: 1 }, tester);
    await expect.poll(async () => (await api['trials.job']({ jobId: started.jobId }, tester))?.phase, { timeout: 60_000, interval: 5 }).toBe('trials');

    await engine.close('as the console shut down');

    const job = (await api['trials.job']({ jobId: started.jobId }, tester))!;
    expect(job).toMatchObject({ status: 'stopped', phase: 'finished', finishedAt: expect.any(String), error: { code: 'INTERRUPTED', message: expect.stringMatching(/^trial session stopped as the console shut down /) } });
    const staging = await openStore(path.join(folder, 'gatehouse.staging.db'));
    try {
      expect((await listAttempts(staging))[0]).toMatchObject({ outcome: 'stopped', detail: job.error!.message });
    } finally {
      await staging.close();
    }
  }, 120_000);
});
