import os from 'node:os';
import { afterEach, describe, expect, it } from 'vitest';
import { dispatch } from '../../main/api/index.js';
import type { Store } from '../../main/store/index.js';
import { testBackends } from '../helpers/backends.js';
import { tester } from '../helpers/callers.js';
import { runCli } from '../helpers/cli.js';
import { openConsoleApi, type ConsoleApi } from '../helpers/console-api.js';
import { dispatchedPerTest, walkPages as walk } from '../helpers/console-http.js';

/** Lists that had a limit and no cursor: older items past one page could not be reached. */
let c: ConsoleApi;

/**
 * Runs still going, as a writer leaves them: stored `running` by this process, which holds the writer
 * lock (a run whose writer let go of the lock reads as stopped). The store releases it as it closes.
 */
async function holdWriterLock(store: Store): Promise<void> {
  const lock = await store.acquireWriterLock({ runId: null, pid: process.pid, host: os.hostname() }, { now: new Date(), staleAfterMs: 120_000 });
  expect(lock).toMatchObject({ acquired: true });
}

function openRun(store: Store, run: { task: string; startedAt: string }): Promise<number> {
  return store.createRun({ mode: 'batch', batchSize: 50, ...run, source: 'crafted', pid: process.pid, host: os.hostname(), flags: {}, resumedFrom: null });
}

function cliJson(args: string[]): unknown {
  const result = runCli([...args, '--db', c.location, '--json']);
  expect(result.code, result.stderr).toBe(0);
  return JSON.parse(result.stdout);
}

describe('keyset pages of rollouts and sensitivity versions', () => {
  afterEach(() => c.close());

  it('walks rollouts newest first a page at a time, the same on the CLI, and refuses a bad cursor', async () => {
    c = await openConsoleApi('gatehouse-keyset-');
    await c.call('tasks.add', { name: 'canary-feed', cron: '0 6 * * *', source: 'synthetic:seed=1,count=5' });
    for (const name of ['first', 'second', 'third']) {
      const started = await c.call('rollouts.start', { name, flagChanges: [{ flag: 'ENABLE_BATCH_PROCESSING', value: false }], canaryTask: 'canary-feed', reason: name });
      await c.call('rollouts.abort', { rolloutId: started.id, reason: 'next one' });
    }
    const firstPage = await c.call('rollouts.list', { limit: 2 });
    const secondPage = await c.call('rollouts.list', { limit: 2, after: firstPage.at(-1)!.id });
    expect([...firstPage, ...secondPage].map((r) => r.name)).toEqual(['third', 'second', 'first']);
    expect((await c.call('rollouts.list', {})).map((r) => r.name)).toEqual(['third', 'second', 'first']);
    expect(cliJson(['rollout', 'list', '--limit', '2', '--after', String(firstPage.at(-1)!.id)])).toEqual(secondPage);
    await expect(c.call('rollouts.list', { after: 0 })).rejects.toThrow(/INPUT_INVALID/);
    await expect(c.call('rollouts.list', { limit: 501 })).rejects.toThrow(/INPUT_INVALID/);
    expect(runCli(['rollout', 'list', '--after', '-1', '--db', c.location]).code).toBe(2);
  });

  it('walks a task\'s sensitivity versions newest first a page at a time', async () => {
    c = await openConsoleApi('gatehouse-keyset-');
    await c.call('tasks.add', { name: 'daily', cron: '0 6 * * *', source: 'synthetic:seed=1,count=5' });
    for (const minSignals of [1, 2, 3]) await c.call('sensitivity.save', { task: 'daily', settings: { metrics: {}, minSignals }, reason: `${minSignals} signals` });
    const firstPage = await c.call('sensitivity.history', { task: 'daily', limit: 2 });
    const secondPage = await c.call('sensitivity.history', { task: 'daily', limit: 2, after: firstPage.at(-1)!.id });
    expect([...firstPage, ...secondPage].map((v) => v.reason)).toEqual(['3 signals', '2 signals', '1 signals']);
    expect(await c.call('sensitivity.history', { task: 'daily', after: secondPage[0]!.id })).toEqual([]);
  });
});

const anomaly = { metric: 'fetched', rule: 'crafted', value: 1, expected: null, low: null, high: null, score: 5, message: 'odd' };

/** A finished run as the engine records one; with `anomalous`, the validator flagged it (each one its own anomaly). */
async function storeFinishedRun(store: Store, startedAt: string, options: { task?: string | null; anomalous?: boolean } = {}): Promise<number> {
  const runId = await store.createRun({ mode: 'batch', batchSize: 50, task: options.task ?? null, source: 'crafted', startedAt, pid: process.pid, host: 'test', flags: {}, resumedFrom: null });
  const validation = options.anomalous ? { verdict: 'anomalous' as const, method: 'crafted', historySize: 30, anomalies: [anomaly] } : null;
  const metrics = { fetched: 10, added: 1, updated: 1, unchanged: 8, quarantined: 0, durationMs: 5 };
  await store.finishRun(runId, { status: 'success', finishedAt: startedAt, metrics, batchCounts: { total: 1, succeeded: 1, failed: 0, isolated: 0 }, validation, error: null });
  return runId;
}

const day = (n: number) => `2026-03-${String(n).padStart(2, '0')}T06:00:00.000Z`;

/**
 * history.metrics, anomalies.list and trials.list had a limit and no cursor: past one page the
 * older history, anomalies and trials could not be reached, and a second call repeated the first page.
 */
describe.each(testBackends())('keyset pages of the history, the anomalies and the trial ledger ($name)', (backend) => {
  const opened = dispatchedPerTest(backend);
  const call: typeof opened.call = (method, input) => opened.call(method, input);

  it('walks a task\'s finished runs back a page at a time, each run once, drawn oldest first; runs of one instant in id order', async () => {
    const nightly: number[] = [];
    for (const n of [1, 2, 3, 4]) nightly.push(await storeFinishedRun(opened.store, day(n), { task: 'nightly' }));
    await storeFinishedRun(opened.store, day(5), { task: 'other' });
    nightly.push(await storeFinishedRun(opened.store, day(6), { task: 'nightly' }), await storeFinishedRun(opened.store, day(6), { task: 'nightly' }));
    await openRun(opened.store, { task: 'nightly', startedAt: day(7) });
    await holdWriterLock(opened.store);

    const firstPage = await call('history.metrics', { task: 'nightly', limit: 2 });
    expect(firstPage.map((p) => p.runId)).toEqual(nightly.slice(-2));
    const pages = await walk((after) => call('history.metrics', { task: 'nightly', limit: 2, after }), (page) => Math.min(...page.map((p) => p.runId)), 2);
    expect(pages.map((p) => p.runId).sort((a, b) => a - b)).toEqual(nightly);
    expect(await call('history.metrics', { task: 'nightly', after: nightly[0]! })).toEqual([]);
  });

  it('walks the anomalies newest first a page at a time, open ones filtered before the page is cut, the same on the CLI', async () => {
    const anomalous: number[] = [];
    for (const n of [1, 2, 3]) anomalous.push(await storeFinishedRun(opened.store, day(n), { anomalous: true }));
    await storeFinishedRun(opened.store, day(4));
    // Two anomalies of one instant keep one order: the raising run's id.
    anomalous.push(await storeFinishedRun(opened.store, day(5), { anomalous: true }), await storeFinishedRun(opened.store, day(5), { anomalous: true }));
    const newestFirst = [...anomalous].reverse();

    const pages = await walk((after) => call('anomalies.list', { limit: 2, after }), (page) => page.at(-1)!.runId, 2);
    expect(pages.map((a) => a.runId)).toEqual(newestFirst);

    await call('anomalies.mark', { runId: anomalous[3]!, as: 'confirmed', reason: 'a bad feed' });
    const openPage = await call('anomalies.list', { open: true, limit: 2, after: anomalous[4]! });
    expect(openPage.map((a) => a.runId)).toEqual([anomalous[2]!, anomalous[1]!]);

    const cli = runCli(['anomalies', 'list', '--open', '--limit', '2', '--after', String(anomalous[4]!), '--db', opened.location, '--json']);
    expect(cli.code, cli.stderr).toBe(0);
    expect(JSON.parse(cli.stdout)).toEqual(openPage);
    expect(runCli(['anomalies', 'list', '--after', '0', '--db', opened.location]).code).toBe(2);
    const missing = await dispatch(opened.api, 'anomalies.list', { after: 9_999 }, tester);
    expect(missing).toMatchObject({ ok: false, error: { code: 'NOT_FOUND', message: 'run 9999 does not exist' } });
  });

  it('counts every run of the overview\'s window, past the 2,000 it once read and filtered afterwards', async () => {
    const manyRuns = 2_050;
    const start = Date.parse(day(1));
    let lastRunId = 0;
    for (let i = 0; i < manyRuns; i++) {
      const startedAt = new Date(start + i * 1_000).toISOString();
      lastRunId = await openRun(opened.store, { task: 'hourly', startedAt });
    }
    await holdWriterLock(opened.store);
    await storeFinishedRun(opened.store, day(1).replace('06:00', '05:00'));
    const overview = await call('overview.get', { windowDays: 1 });
    expect(overview.runsInWindow).toBe(manyRuns + 1);
    expect(overview.runsByStatus).toEqual({ running: manyRuns, success: 1 });
    expect(overview.recentRuns).toHaveLength(10);
    expect(overview.lastRun!.runId).toBe(lastRunId + 1);
  });

  it('walks the staging trial ledger newest first a page at a time, read in SQL', async () => {
    const stagingLocation = await backend.freshLocation();
    const staging = await backend.open(stagingLocation);
    const recorded: number[] = [];
    try {
      for (const label of ['a', 'b', 'c', 'd', 'e']) {
        const trial = await staging.trials.record({ session: 's1', at: day(1), source: 'test', label, kind: 'spike', level: 'run', magnitude: null, runId: null, caught: true, caughtBy: [], verdict: null, detail: null });
        recorded.push(trial.id);
      }
    } finally {
      await staging.close();
    }
    const stagingName = backend.name === 'postgres' ? new URL(stagingLocation).searchParams.get('schema')! : stagingLocation;
    const pages = await walk(async (after) => (await call('trials.list', { staging: stagingName, limit: 2, after })).trials, (page) => page.at(-1)!.id, 2);
    expect(pages.map((t) => t.id)).toEqual([...recorded].reverse());
    expect((await call('trials.list', { staging: stagingName, limit: 500 })).trials.map((t) => t.label)).toEqual(['e', 'd', 'c', 'b', 'a']);
  });
});
