import fs from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { dispatch } from '../../main/api/index.js';
import { operatorCaller, tester } from '../helpers/callers.js';
import type { Store } from '../../main/store/index.js';
import type { ApiHandlers } from '../../shared/api.js';
import type { TrialJobView } from '../../shared/api-validation.js';
import { failure, openConsoleApi, type ConsoleApi } from '../helpers/console-api.js';

let opened: ConsoleApi;
let folder: string;
let location: string;
let store: Store;
let api: ApiHandlers;

/** One demo history (30 daily runs, a spike among them) serves every test; each test reads or adds its own rows. */
beforeAll(async () => {
  opened = await openConsoleApi('gatehouse-api-validation-', { demoDays: 30 });
  ({ folder, location, store, api } = opened);
});

afterAll(async () => {
  await opened?.close();
});

async function finishedJob(jobId: string): Promise<TrialJobView> {
  for (;;) {
    const job = await api['trials.job']({ jobId }, tester);
    if (job && job.status !== 'running') return job;
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

describe('the validator in the console API', () => {
  it('draws an expected band for every run but a first load, young histories included', async () => {
    const bands = await dispatch(api, 'history.bands', { limit: 400 }, tester);
    expect(bands.ok).toBe(true);
    const rows = (bands as { ok: true; data: { runId: number; method: string; bands: Record<string, { low: number; high: number; expected: number }> }[] }).data;
    expect(rows[0]).toMatchObject({ method: 'first-load', bands: {} });
    expect(rows.slice(3).every((row) => row.bands.fetched !== undefined)).toBe(true);
    expect(rows.some((row) => row.method === 'median-fallback')).toBe(true);
    const walked = rows.filter((row) => row.method === 'regime-walk-v2');
    expect(walked.length).toBeGreaterThan(0);
    const band = walked.at(-1)!.bands.fetched!;
    expect(band.low).toBeLessThanOrEqual(band.expected);
    expect(band.high).toBeGreaterThanOrEqual(band.expected);
  });

  it('lists anomalous runs, marks one expected with its reason kind and leaves it out of the open list', async () => {
    const open = await api['anomalies.list']({ open: true, limit: 100 }, tester);
    expect(open.length).toBeGreaterThan(0);
    const target = open[0]!;
    const review = await dispatch(api, 'anomalies.mark', { runId: target.runId, as: 'expected', reasonKind: 'known-event', reason: 'markup week' }, operatorCaller('dana'));
    expect(review).toMatchObject({ ok: true, data: { runId: target.runId, action: 'expected', reasonKind: 'known-event', reason: 'markup week', operator: 'dana' } });
    const all = await api['anomalies.list']({ open: false, limit: 100 }, tester);
    expect(all.find((run) => run.runId === target.runId)).toMatchObject({ review: 'expected', reviews: [{ action: 'expected', operator: 'dana' }] });
    expect((await api['anomalies.list']({ open: true, limit: 100 }, tester)).map((run) => run.runId)).not.toContain(target.runId);
    const overview = await api['overview.get']({ windowDays: 365 }, tester);
    expect(overview.openAnomalies).toBe(open.length - 1);
  });

  it('refuses a mark without a reason, an expected mark without a reason kind and a mark of a clean run', async () => {
    const [anomalous] = await api['anomalies.list']({ open: false, limit: 1 }, tester);
    expect(failure(await dispatch(api, 'anomalies.mark', { runId: anomalous!.runId, as: 'confirmed', reason: '   ' }, tester)).code).toBe('INPUT_INVALID');
    expect(failure(await dispatch(api, 'anomalies.mark', { runId: anomalous!.runId, as: 'expected', reason: 'Mondays' }, tester)).message).toMatch(/needs a reason kind/);
    expect(failure(await dispatch(api, 'anomalies.mark', { runId: anomalous!.runId, as: 'expected', reasonKind: 'lunar', reason: 'x' }, tester)).code).toBe('INPUT_INVALID');
    const clean = (await store.listRuns({ limit: 100 })).find((run) => run.validation?.verdict === 'ok');
    expect(failure(await dispatch(api, 'anomalies.mark', { runId: clean!.runId, as: 'confirmed', reason: 'looks odd' }, tester)).code).toBe('CONFLICT');
    expect(failure(await dispatch(api, 'anomalies.mark', { runId: 99_999, as: 'confirmed', reason: 'x' }, tester)).code).toBe('NOT_FOUND');
  });

  it('refuses to accept a run that is not held', async () => {
    const [latest] = await store.listRuns({ limit: 1 });
    const error = failure(await dispatch(api, 'runs.accept', { runId: latest!.runId, reason: 'fine by me' }, tester));
    expect(error.code).toBe('CONFLICT');
    expect(error.message).toMatch(/only a held run can be accepted/);
    expect(failure(await dispatch(api, 'runs.accept', { runId: latest!.runId, reason: '' }, tester)).code).toBe('INPUT_INVALID');
  });
});

describe('trials in the console API', () => {
  it('offers the run- and record-level kinds and a staging file beside the database', async () => {
    const kinds = await api['trials.kinds']({}, tester);
    expect(kinds.backend).toBe('sqlite');
    expect(kinds.defaultStaging).toBe(path.join(folder, 'gatehouse.staging.db'));
    expect(kinds.kinds.find((k) => k.kind === 'spike')).toMatchObject({ level: 'run', defaultMagnitude: 4 });
    expect(kinds.kinds.find((k) => k.kind === 'bad-date')).toMatchObject({ level: 'record', defaultMagnitude: 0.2, meaning: expect.stringContaining('above 0 and at most 1') });
    expect(kinds.kinds.find((k) => k.kind === 'spike')?.meaning).toContain('above 1 and at most 100');
  });

  it('refuses an unknown kind, a bad magnitude, nothing to try and a staging target that is the source', async () => {
    expect(failure(await dispatch(api, 'trials.run', { injections: [{ kind: 'meteor' }] }, tester)).message).toMatch(/unknown kind "meteor"/);
    expect(failure(await dispatch(api, 'trials.run', { injections: [{ kind: 'spike', magnitude: -2 }] }, tester)).code).toBe('USAGE');
    // A kind is a kind: `spike:0x10` is no spike of 16 (it once was: the handler joined kind and magnitude into CLI text).
    expect(failure(await dispatch(api, 'trials.run', { injections: [{ kind: 'spike:0x10' }] }, tester)).message).toMatch(/unknown kind "spike:0x10"/);
    expect(failure(await dispatch(api, 'trials.run', { injections: [{ kind: 'spike', magnitude: '10' }] }, tester)).code).toBe('INPUT_INVALID');
    expect(failure(await dispatch(api, 'trials.run', { injections: [{ kind: 'bad-date', magnitude: 3 }] }, tester)).message).toMatch(/at most 1/);
    expect(failure(await dispatch(api, 'trials.run', { injections: [{ kind: 'drop', magnitude: 1 }] }, tester)).message).toMatch(/a drop of 1 injects no anomaly; a drop magnitude is at least 0 and below 1/);
    expect(failure(await dispatch(api, 'trials.run', { injections: [{ kind: 'mix-shift', magnitude: 0 }] }, tester)).message).toMatch(/a mix-shift of 0 injects no anomaly/);
    expect(failure(await dispatch(api, 'trials.run', { injections: [], controls: 0 }, tester)).message).toMatch(/nothing to try/);
    expect(failure(await dispatch(api, 'trials.run', { injections: [{ kind: 'spike' }], staging: location }, tester)).message).toMatch(/is the source database/);
    expect(failure(await dispatch(api, 'trials.run', { injections: [{ kind: 'spike' }], staging: path.join(folder, 'missing', 'x.db') }, tester)).message).toMatch(/does not exist/);
    fs.mkdirSync(path.join(folder, 'a-folder'));
    expect(failure(await dispatch(api, 'trials.run', { injections: [{ kind: 'spike' }], staging: path.join(folder, 'a-folder') }, tester))).toMatchObject({ code: 'USAGE', message: expect.stringMatching(/is a folder/) });
    expect(fs.existsSync(path.join(folder, 'gatehouse.staging.db'))).toBe(false);
  });

  it('runs a spike and a control on a staging copy in the background, never writing the source, and reports the ledger', async () => {
    const before = fs.readFileSync(location);
    const runsBefore = (await store.listRuns({ limit: 1_000 })).length;
    const empty = await api['trials.summary']({}, tester);
    expect(empty).toMatchObject({ trials: 0, detectionRate: null });
    const started = await api['trials.run']({ injections: [{ kind: 'spike', magnitude: 5 }], controls: 1, seedHistoryDays: 0, sweep: false, repeat: 1 }, tester);
    expect(started.status).toBe('running');
    const job = await finishedJob(started.jobId);
    expect(job.error).toBeNull();
    expect(job).toMatchObject({ status: 'done', done: 2, total: 2 });
    const spike = job.trials.find((t) => t.kind === 'spike')!;
    expect(spike.caught).toBe(true);
    expect(spike.caughtBy.some((by) => by.startsWith('validator:'))).toBe(true);
    expect((await store.listRuns({ limit: 1_000 })).length).toBe(runsBefore);
    expect(fs.readFileSync(location).equals(before)).toBe(true);

    const summary = await api['trials.summary']({}, tester);
    expect(summary).toMatchObject({ trials: 2, injected: 1, caught: 1, detectionRate: 1, controls: 1 });
    expect((await api['trials.list']({ limit: 10 }, tester)).trials).toHaveLength(2);
    expect((await api['overview.get']({ windowDays: 30 }, tester)).trials).toMatchObject({ injected: 1, caught: 1, detectionRate: 1 });

    const markdown = await api['reports.trial']({ format: 'md' }, tester);
    expect(markdown.text).toContain('spike');
    const out = path.join(folder, 'trial-report.html');
    const html = await api['reports.trial']({ format: 'html', savePath: out }, tester);
    expect(html.savedTo).toBe(out);
    expect(fs.readFileSync(out, 'utf8')).toMatch(/^<!doctype html>/);
    expect(failure(await dispatch(api, 'reports.trial', { format: 'html', savePath: path.join(folder, 'report.md') }, tester)).code).toBe('USAGE');
    expect(failure(await dispatch(api, 'reports.trial', { format: 'md', savePath: 'relative.md' }, tester)).code).toBe('USAGE');
  });

  it('sweeps a kind over its magnitudes from the console and keeps detection per magnitude in the ledger, beside false positives with their n', async () => {
    const started = await api['trials.run']({ injections: [{ kind: 'duration-blowup', magnitude: 99 }], controls: 1, seedHistoryDays: 0, sweep: true, repeat: 1 }, tester);
    expect(started.total).toBe(6);
    const job = await finishedJob(started.jobId);
    expect(job.error).toBeNull();
    expect(job.trials.filter((t) => t.kind === 'duration-blowup').map((t) => t.magnitude)).toEqual([1.2, 1.5, 2, 3, 5]);
    const rows = (await api['trials.summary']({}, tester)).byMagnitude.filter((r) => r.kind === 'duration-blowup');
    expect(rows.map((r) => [r.magnitude, r.injected])).toEqual([[1.2, 1], [1.5, 1], [2, 1], [3, 1], [5, 1]]);
    // Only the slow-run rule may catch a slower run; whatever else fires is not this kind's catch.
    expect(job.trials.flatMap((t) => (t.level === 'control' ? [] : t.caughtBy)).every((by) => by === 'validator:slow-run')).toBe(true);
    expect(rows.every((r) => r.caught <= r.injected && r.detectionInterval !== null)).toBe(true);
    expect(rows.every((r) => r.controls >= 1 && r.falsePositiveInterval !== null)).toBe(true);
    const overview = (await api['overview.get']({ windowDays: 30 }, tester)).trials!;
    expect(overview.detectionInterval).not.toBeNull();
    expect(overview.controls).toBeGreaterThan(0);
  });
});
