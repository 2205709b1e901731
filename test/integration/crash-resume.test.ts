import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  comparableMetrics,
  hearingsWrittenTwice,
  killAndResumeUntilDone,
  listRuns,
  sqliteFingerprint,
  updateWithSignal,
  writerLockRows,
  type RunRow,
} from '../../bench/kill-resume.js';

/**
 * Crash safety (SQLite, through the built CLI: run `npm run build` first, as `npm test` does).
 * PostgreSQL's crash behaviour is the server's transaction guarantee plus the same checkpoint
 * code; this suite kills the process that owns a SQLite file, which is where the danger is.
 */
const SOURCE = 'synthetic:seed=7,count=20000';
const folder = fs.mkdtempSync(path.join(os.tmpdir(), 'gatehouse-crash-'));
const cleanDb = path.join(folder, 'clean.db');
let cleanRun: RunRow;
let cleanFingerprint: ReturnType<typeof sqliteFingerprint>;

function expectAccounted(metrics: Record<string, number>): void {
  expect(metrics.fetched).toBe(metrics.added! + metrics.updated! + metrics.unchanged! + metrics.quarantined!);
}

describe('kill -9 at seeded random moments, then update --resume', () => {
  beforeAll(async () => {
    const exit = await updateWithSignal(cleanDb, SOURCE, [], null, 0);
    expect(exit.code, exit.stderr).toBe(0);
    cleanRun = listRuns(cleanDb)[0]!;
    cleanFingerprint = sqliteFingerprint(cleanDb);
  }, 120_000);
  afterAll(() => fs.rmSync(folder, { recursive: true, force: true }));

  it.each([
    [11, 101],
    [11, 202],
  ])('after %i kills (seed %i) the database equals a clean run of the same 20,000 records', async (kills, seed) => {
    const db = path.join(folder, `killed-${seed}.db`);
    const chain = await killAndResumeUntilDone({ db, source: SOURCE, kills, seed, minMs: 200, maxMs: 1_100 });
    expect(chain.kills).toBe(kills);
    expect(chain.runs).toHaveLength(1);
    expect(chain.run.status).toBe('success');
    expect(sqliteFingerprint(db)).toEqual(cleanFingerprint);
    expect(hearingsWrittenTwice(db)).toEqual([]);
    expectAccounted(chain.run.metrics);
    expect(comparableMetrics(chain.run.metrics)).toEqual(comparableMetrics(cleanRun.metrics));
    expect(cleanRun.metrics).toMatchObject({ fetched: 20_000, added: 20_000 });
  }, 180_000);

  it('on SIGTERM finishes the batch, marks the run interrupted, releases the lock, exits 143, and resumes to the same result', async () => {
    const db = path.join(folder, 'sigterm.db');
    const stopped = await updateWithSignal(db, SOURCE, ['--no-snapshot'], 'SIGTERM', 1_500);
    expect(stopped.code, stopped.stderr).toBe(143);
    const summary = JSON.parse(stopped.stdout) as RunRow;
    expect(summary.status).toBe('interrupted');
    expect(summary.metrics.fetched).toBeGreaterThan(0);
    expect(summary.metrics.fetched).toBeLessThan(20_000);
    expectAccounted(summary.metrics);
    expect(listRuns(db)[0]).toMatchObject({ runId: summary.runId, status: 'interrupted' });
    expect(writerLockRows(db)).toEqual([]);
    const resumed = await updateWithSignal(db, SOURCE, ['--resume', String(summary.runId)], null, 0);
    expect(resumed.code, resumed.stderr).toBe(0);
    expect(JSON.parse(resumed.stdout)).toMatchObject({ runId: summary.runId, status: 'success' });
    expect(sqliteFingerprint(db)).toEqual(cleanFingerprint);
  }, 120_000);

  it('refuses to resume a run that finished, and one that does not exist', async () => {
    const finished = await updateWithSignal(cleanDb, SOURCE, ['--resume', String(cleanRun.runId)], null, 0);
    expect(finished.code).toBe(2);
    expect(finished.stderr).toMatch(/run 1 is success; only an interrupted run can be resumed/);
    const missing = await updateWithSignal(cleanDb, SOURCE, ['--resume', '42'], null, 0);
    expect(missing.code).toBe(2);
    expect(missing.stderr).toMatch(/run 42 does not exist/);
  });
});
