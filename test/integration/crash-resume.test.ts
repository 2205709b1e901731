import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  comparableMetrics,
  fingerprint,
  hearingsWrittenTwice,
  killAndResumeUntilDone,
  listRuns,
  MID_RUN_KILLS,
  updateWithSignal,
  writerLockFree,
  writerLockRows,
  type RunRow,
} from '../../bench/kill-resume.js';
import type { Fingerprint } from '../../bench/domain-rows.js';
import { testBackends, type TestBackend } from '../helpers/backends.js';

/**
 * Crash safety through the built CLI (run `npm run build` first, as `npm test` does), on every
 * backend: SQLite files in temp folders, and on PostgreSQL one schema per database, dropped
 * afterwards. On PostgreSQL a killed CLI's session dies with it, which frees its advisory lock;
 * the next `update --resume ID` finds the run left `running` and marks it interrupted first.
 */
const SOURCE = 'synthetic:seed=7,count=20000';

/**
 * At least this many kills per backend. How many kills one 20,000-record run absorbs depends on
 * the machine's speed, so the suite chains fresh databases (seed after seed) until the total is
 * reached; each chain is checked against the clean run on its own.
 */
const KILLS_PER_BACKEND: Record<TestBackend['name'], { kills: number; firstSeed: number }> = {
  sqlite: { kills: 22, firstSeed: 101 },
  postgres: { kills: 20, firstSeed: 303 },
};

/** When SIGTERM arrives: as the run's second batch commits, well into the run and far from its end. */
const SIGTERM_AT = { batches: 2 };

const SLOW_START = { NODE_OPTIONS: `--require ${path.resolve('test/fixtures/slow-start.cjs')}` };

function expectAccounted(metrics: Record<string, number>): void {
  expect(metrics.fetched).toBe(metrics.added! + metrics.updated! + metrics.unchanged! + metrics.quarantined!);
}

describe.each(testBackends())('kill -9 at seeded random moments on $name, then update --resume', (backend) => {
  let cleanDb: string;
  let cleanRun: RunRow;
  let cleanFingerprint: Fingerprint;

  beforeAll(async () => {
    cleanDb = await backend.freshLocation();
    const exit = await updateWithSignal(cleanDb, SOURCE, [], null);
    expect(exit.code, exit.stderr).toBe(0);
    cleanRun = listRuns(cleanDb)[0]!;
    cleanFingerprint = await fingerprint(cleanDb);
    expect(cleanRun.metrics).toMatchObject({ fetched: 20_000, added: 20_000 });
  }, 120_000);
  afterAll(() => backend.cleanup());

  it(`after ${KILLS_PER_BACKEND[backend.name].kills}+ kills over fresh runs, each database equals a clean run of the same 20,000 records`, async () => {
    const { kills: target, firstSeed } = KILLS_PER_BACKEND[backend.name];
    let total = 0;
    for (let seed = firstSeed; total < target; seed += 1) {
      const db = await backend.freshLocation();
      const chain = await killAndResumeUntilDone({ db, source: SOURCE, kills: target - total, seed, ...MID_RUN_KILLS });
      total += chain.kills;
      expect(chain.runs).toHaveLength(1);
      // Every kill landed in a run that existed: each left it `running` for the next attempt to resume.
      expect(chain.orphansResumed).toBe(chain.kills);
      expect(chain.run.status).toBe('success');
      expect(await fingerprint(db)).toEqual(cleanFingerprint);
      expect(await hearingsWrittenTwice(db)).toEqual([]);
      expectAccounted(chain.run.metrics);
      expect(comparableMetrics(chain.run.metrics)).toEqual(comparableMetrics(cleanRun.metrics));
      // A kill that hit the process as it closed a finished run leaves a dead writer's lock, which the next writer takes over.
      if (chain.lateKills === 0) expect(await writerLockFree(db)).toBe(true);
      expect(seed - firstSeed).toBeLessThan(10);
    }
    expect(total).toBeGreaterThanOrEqual(target);
  }, 400_000);

  it('on SIGTERM finishes the batch, marks the run interrupted, releases the lock, exits 143, and resumes to the same result', async () => {
    const db = await backend.freshLocation();
    const stopped = await updateWithSignal(db, SOURCE, ['--no-snapshot'], 'SIGTERM', SIGTERM_AT);
    expect(stopped.code, stopped.stderr).toBe(143);
    const summary = JSON.parse(stopped.stdout) as RunRow;
    expect(summary.status).toBe('interrupted');
    expect(summary.metrics.fetched).toBeGreaterThan(0);
    expect(summary.metrics.fetched).toBeLessThan(20_000);
    expectAccounted(summary.metrics);
    expect(listRuns(db)[0]).toMatchObject({ runId: summary.runId, status: 'interrupted' });
    expect(await writerLockRows(db)).toEqual([]);
    expect(await writerLockFree(db)).toBe(true);
    const resumed = await updateWithSignal(db, SOURCE, ['--resume', String(summary.runId)], null);
    expect(resumed.code, resumed.stderr).toBe(0);
    expect(JSON.parse(resumed.stdout)).toMatchObject({ runId: summary.runId, status: 'success' });
    expect(await fingerprint(db)).toEqual(cleanFingerprint);
    expect(await hearingsWrittenTwice(db)).toEqual([]);
  }, 120_000);

  it('times each kill from the run\'s first checkpoint, so a process that starts slowly is still killed mid-run', async () => {
    const db = await backend.freshLocation();
    const chain = await killAndResumeUntilDone({ db, source: SOURCE, kills: 3, seed: 5, ...MID_RUN_KILLS, env: SLOW_START });
    expect(chain).toMatchObject({ kills: 3, orphansResumed: 3, runs: [{ status: 'success' }] });
    expect(await fingerprint(db)).toEqual(cleanFingerprint);
    expect(await hearingsWrittenTwice(db)).toEqual([]);
  }, 120_000);

  it('refuses to resume a run that finished, and one that does not exist', async () => {
    const finished = await updateWithSignal(cleanDb, SOURCE, ['--resume', String(cleanRun.runId)], null);
    expect(finished.code).toBe(2);
    expect(finished.stderr).toMatch(/run 1 is success; only an interrupted run can be resumed/);
    const missing = await updateWithSignal(cleanDb, SOURCE, ['--resume', '42'], null);
    expect(missing.code).toBe(2);
    expect(missing.stderr).toMatch(/run 42 does not exist/);
  });
});
