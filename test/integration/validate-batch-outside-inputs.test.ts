import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { liveAgreement, storeHistory, type CaseAgreement } from '../../bench/validation/live-agreement.js';
import { ODD_TASK, oddCases } from '../../bench/validation/odd-cases.js';
import { runEntrySchema, saveSensitivity } from '../../main/validation/index.js';
import { testBackends, type TestBackend } from '../helpers/backends.js';
import { CLI, runCli } from '../helpers/cli.js';

/**
 * `gatehouse validate --batch` fed what an outside benchmark generates, not what Gatehouse's own
 * harness does: the real CLI, answered line by line, each verdict the one `update`'s judge gives
 * over the same history stored in a database.
 */

interface Answer {
  id?: unknown;
  verdict?: string;
  historySize?: number;
  anomalies?: { metric: string; changeId?: string }[];
  error?: { code: string; message: string };
}

const cases = oddCases();
const batchOf = (lines: string[]) => runCli(['validate', '--batch'], { input: `${lines.join('\n')}\n` });
const answersOf = (stdout: string) => stdout.trimEnd().split('\n').map((line) => JSON.parse(line) as Answer);

/**
 * liveAgreement over every odd case, each over a fresh database of `backend`. On PostgreSQL the
 * cost is round trips (thousands of stored runs a case, each its own statements), so the cases go
 * in interleaved shares side by side, each share its own batch of lines and its own fresh schemas,
 * and come back in the cases' order: every case is judged and compared exactly as in one pass.
 * SQLite, in process and bound by this process's CPU, gains nothing from that and keeps one pass
 * (one batch of every line).
 */
async function agreementOf(backend: TestBackend): Promise<CaseAgreement[]> {
  const fresh = () => backend.freshLocation();
  if (backend.name === 'sqlite') return liveAgreement(cases, fresh);
  const shares = Array.from({ length: POSTGRES_SHARES }, (_, share) => cases.filter((_, index) => index % POSTGRES_SHARES === share));
  const answered = (await Promise.all(shares.map((share) => liveAgreement(share, fresh)))).flat();
  return cases.flatMap((c) => answered.filter((result) => result.id === c.id || result.id === `${c.id} (--db --task)`));
}
const POSTGRES_SHARES = 4;

describe.each(testBackends())('validate --batch agrees with the live judge on odd inputs ($name)', (backend) => {
  afterAll(() => backend.cleanup());

  it('answers every odd but valid case as update judges it from the store, and refuses every bad one on its own line', async () => {
    const results = await agreementOf(backend);
    expect(results.filter((result) => !result.agrees)).toEqual([]);
    // A task's case is answered twice: with its settings on the line, and from the database with --db --task.
    const expected = cases.flatMap((c) => [{ id: c.id, answer: c.answer }, ...(c.task ? [{ id: `${c.id} (--db --task)`, answer: c.answer }] : [])]);
    expect(results.map(({ id, answer }) => ({ id, answer }))).toEqual(expected);
  }, 240_000);
});

describe.each(testBackends())('validate --db --task: a task\'s sensitivity in force ($name)', (backend) => {
  afterAll(() => backend.cleanup());
  const spike = JSON.parse(cases.find((c) => c.id === 'spike-volumes-off')!.line) as { history: unknown[]; current: unknown };
  const plain = JSON.stringify({ history: spike.history, current: spike.current });
  let db: string;

  beforeAll(async () => {
    db = await backend.freshLocation();
    const store = await backend.open(db);
    try {
      await storeHistory(store, spike.history.map((entry) => runEntrySchema.parse(entry)), ODD_TASK);
      await saveSensitivity(store, { task: ODD_TASK, settings: { metrics: { fetched: 'off', added: 'off', updated: 'off' }, minSignals: 1 }, reason: 'volumes are noisy', operator: 'test' });
    } finally {
      await store.close();
    }
  }, 120_000);

  const volumeAlarms = (answer: Answer) => answer.anomalies!.filter((a) => ['fetched', 'added', 'updated'].includes(a.metric)).length;

  it('judges each line for --task, or the task a line names, under the settings saved for it; a line\'s own settings win', () => {
    const lines = [
      plain,
      JSON.stringify({ id: 'named', task: ODD_TASK, history: spike.history, current: spike.current }),
      JSON.stringify({ id: 'own', sensitivity: { metrics: {} }, history: spike.history, current: spike.current }),
      JSON.stringify({ id: 'unknown', task: 'no-such-task', history: spike.history, current: spike.current }),
      JSON.stringify({ id: 'blank', task: '  ', history: spike.history, current: spike.current }),
    ];
    const untuned = answersOf(batchOf([plain]).stdout)[0]!;
    expect(volumeAlarms(untuned)).toBeGreaterThan(0);
    const run = runCli(['validate', '--batch', '--db', db, '--task', ODD_TASK], { input: `${lines.join('\n')}\n` });
    expect({ code: run.code, stderr: run.stderr }).toEqual({ code: 0, stderr: '' });
    const [tuned, named, own, unknown, blank] = answersOf(run.stdout);
    expect(volumeAlarms(tuned!)).toBe(0);
    expect(named).toEqual({ id: 'named', ...tuned });
    expect(own).toEqual({ id: 'own', ...untuned });
    expect(unknown!.error!.message).toBe('line 4 (id "unknown"): task: unknown task "no-such-task": no scheduled task or stored run has that name in the database');
    expect(blank!.error!.message).toMatch(/^line 5 \(id "blank"\): task: /);
  }, 120_000);

  it('judges --history FILE --current FILE for --task as --batch does', () => {
    const folder = fs.mkdtempSync(path.join(os.tmpdir(), 'gatehouse-validate-task-'));
    try {
      fs.writeFileSync(path.join(folder, 'history.json'), JSON.stringify(spike.history));
      fs.writeFileSync(path.join(folder, 'current.json'), JSON.stringify(spike.current));
      const single = runCli(['validate', '--history', path.join(folder, 'history.json'), '--current', path.join(folder, 'current.json'), '--db', db, '--task', ODD_TASK, '--json']);
      const batch = runCli(['validate', '--batch', '--db', db, '--task', ODD_TASK], { input: `${plain}\n` });
      expect(single.code).toBe(0);
      expect(JSON.parse(single.stdout)).toEqual(JSON.parse(batch.stdout));
    } finally {
      fs.rmSync(folder, { recursive: true, force: true });
    }
  }, 120_000);

  it('refuses an unknown --task, and --task with no database, before reading a line', () => {
    const unknown = runCli(['validate', '--batch', '--db', db, '--task', 'no-such-task'], { input: `${plain}\n` });
    expect({ code: unknown.code, stdout: unknown.stdout }).toEqual({ code: 2, stdout: '' });
    expect(unknown.stderr).toContain('unknown task "no-such-task"');
    const nowhere = runCli(['validate', '--batch', '--task', ODD_TASK], { input: `${plain}\n`, env: { GATEHOUSE_DB: '' } });
    expect({ code: nowhere.code, stdout: nowhere.stdout }).toEqual({ code: 2, stdout: '' });
    expect(nowhere.stderr).toContain('no database given');
  });
});

describe('validate --batch on inputs it never generated', () => {
  const byId = new Map(cases.map((c) => [c.id, c]));
  let run: ReturnType<typeof batchOf>;
  let answers: Answer[];
  beforeAll(() => {
    run = batchOf(cases.map((c) => c.line));
    answers = answersOf(run.stdout);
  });

  it('answers one line per case, in order, and exits 0 with bad lines among them', () => {
    expect({ code: run.code, stderr: run.stderr }).toEqual({ code: 0, stderr: '' });
    expect(answers).toHaveLength(cases.length);
    cases.forEach((c, i) => expect(answers[i]!.error === undefined ? 'verdict' : 'error').toBe(c.answer));
  });

  it('repeats each case id on its answer, and a bad case names its line and id in the message', () => {
    cases.forEach((c, i) => {
      if (c.line.startsWith('{"id"')) expect(answers[i]!.id).toBe(c.id);
    });
    const negative = answers[cases.indexOf(byId.get('negative-count')!)]!;
    expect(negative).toEqual({ id: 'negative-count', error: { code: 'INPUT_INVALID', message: expect.stringMatching(/^line \d+ \(id "negative-count"\): current\.metrics\.fetched: /) } });
    // A line cut short is not JSON, but the id it starts with is still readable.
    expect(answers[cases.indexOf(byId.get('truncated-line')!)]).toMatchObject({ id: 'truncated-line', error: { message: expect.stringMatching(/^line \d+ \(id "truncated-line"\): not valid JSON/) } });
  });

  it('judges against the latest 2,000 runs before the judged one, as update reads them, and names every date in UTC', () => {
    expect(answers[cases.indexOf(byId.get('longer-than-live-reads')!)]!.historySize).toBe(2000);
    const zoned = answers[cases.indexOf(byId.get('offset-zones-spike')!)]!;
    expect(zoned.verdict).toBe('anomalous');
    for (const anomaly of zoned.anomalies!) if (anomaly.changeId) expect(anomaly.changeId).toMatch(/:\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/);
  });

  it('never answers NaN, Infinity or a negative or upside-down band, whatever the counts', () => {
    type Verdict = { id?: unknown; bands: Record<string, { expected: number; low: number; high: number }>; anomalies: Record<string, number | null>[] };
    const verdicts = answers.filter((answer) => answer.error === undefined) as unknown as Verdict[];
    for (const answer of verdicts) {
      const numbers = [...Object.values(answer.bands).flatMap((band) => [band.expected, band.low, band.high]), ...answer.anomalies.flatMap((a) => [a.value, a.expected, a.low, a.high, a.score])];
      for (const value of numbers) if (value !== null) expect(Number.isFinite(value) && value! >= 0, `${String(answer.id)}: ${String(value)}`).toBe(true);
      for (const band of Object.values(answer.bands)) expect(band.low, String(answer.id)).toBeLessThanOrEqual(band.high);
    }
    const of = (id: string) => answers[cases.indexOf(byId.get(id)!)]!;
    // Three runs are enough for the fallback to answer (issue 10); a 2^53 count or a negative duration is refused.
    expect(of('three-runs').verdict).toBe('ok');
    expect(of('three-runs-spike').verdict).toBe('anomalous');
    expect(of('count-past-exact').error!.message).toMatch(/current\.metrics\.fetched: Too big/);
    expect(of('negative-duration').error!.message).toMatch(/current\.metrics\.durationMs: Too small/);
  });

  it('calls a history decades older than the run stale, and still judges one with such a gap inside it', () => {
    const of = (id: string) => answers[cases.indexOf(byId.get(id)!)]! as Answer & { method: string; bands: object; state: { description: string } };
    expect(of('gap-of-74-years')).toMatchObject({ verdict: 'insufficient_history', method: 'stale-history', historySize: 200, anomalies: [], bands: {} });
    expect(of('gap-of-74-years').state.description).toBe('a stale history: its latest run (2024-07-25) is 74 years before this one, and nothing learnt from it still holds');
    expect(of('gap-of-8-years')).toMatchObject({ verdict: 'ok', method: 'regime-walk-v2' });
    expect(of('gap-inside-history')).toMatchObject({ verdict: 'ok', historySize: 300 });
    // The same pair from files says so in words, not "too little history".
    const { history, current } = JSON.parse(byId.get('gap-of-74-years')!.line) as { history: unknown; current: unknown };
    const folder = fs.mkdtempSync(path.join(os.tmpdir(), 'gatehouse-validate-stale-'));
    try {
      fs.writeFileSync(path.join(folder, 'history.json'), JSON.stringify(history));
      fs.writeFileSync(path.join(folder, 'current.json'), JSON.stringify(current));
      const single = runCli(['validate', '--history', path.join(folder, 'history.json'), '--current', path.join(folder, 'current.json')]);
      expect(single.stdout).toBe(`insufficient_history — stale-history, 200 earlier runs\n  ${of('gap-of-74-years').state.description}.\n`);
    } finally {
      fs.rmSync(folder, { recursive: true, force: true });
    }
  });

  it('refuses an id that is neither text nor a number, and answers a numeric id as given', () => {
    const steady = JSON.parse(byId.get('steady-year')!.line) as Record<string, unknown>;
    const lines = [{ ...steady, id: { case: 1 } }, { ...steady, id: 17 }, { ...steady, id: null }].map((line) => JSON.stringify(line));
    const [object, numeric, nullId] = answersOf(batchOf(lines).stdout);
    expect(object!.error!.message).toBe('line 1: id must be text or a number, got {"case":1}');
    expect(numeric).toMatchObject({ id: 17, verdict: 'ok' });
    expect(nullId!.error!.message).toBe('line 3: id must be text or a number, got null');
  });

  it('judges each line as it would alone, even right after a line whose history differs from it in one bad value', () => {
    type Line = { history: { metrics: Record<string, unknown> }[] } & Record<string, unknown>;
    const steady = JSON.parse(byId.get('steady-year')!.line) as Line;
    const withEntry = (id: string, change: (entry: Line['history'][number]) => object): string =>
      JSON.stringify({ ...steady, id, history: steady.history.map((entry, i) => (i === 10 ? change(entry) : entry)) });
    const base = withEntry('base', (entry) => ({ ...entry, metrics: { ...entry.metrics, fetched: 0, added: 0, updated: 0, unchanged: 0, quarantined: 0 } }));
    // Each bad line once mixed into the same history fingerprint as `base`, and was judged as base.
    const bad = [
      withEntry('huge', (entry) => ({ ...entry, metrics: { ...entry.metrics, fetched: 1e300, added: 0, updated: 0, unchanged: 0, quarantined: 0 } })),
      withEntry('empty-review', (entry) => ({ ...entry, metrics: { ...entry.metrics, fetched: 0, added: 0, updated: 0, unchanged: 0, quarantined: 0 }, review: '' })),
      withEntry('weight-as-text', (entry) => ({ ...entry, metrics: { ...entry.metrics, fetched: 0, added: 0, updated: 0, unchanged: 0, quarantined: 0 }, weight: '0.5' })),
    ];
    const alone = bad.map((line) => answersOf(batchOf([line]).stdout)[0]!);
    expect(alone.map((answer) => answer.error?.code)).toEqual(['INPUT_INVALID', 'INPUT_INVALID', 'INPUT_INVALID']);
    const afterBase = answersOf(batchOf(bad.flatMap((line) => [base, line])).stdout);
    expect(afterBase.filter((_, i) => i % 2 === 1).map((answer) => answer.error?.message.replace(/^line \d+/, 'line 1'))).toEqual(alone.map((answer) => answer.error!.message));
  });

  it('says in --help what a line holds, what a bad line gets and what each exit code means', () => {
    const help = runCli(['validate', '--help']);
    expect(help.code).toBe(0);
    expect(help.stdout).toContain('A line may carry "id"');
    expect(help.stdout).toMatch(/exit codes: 0 every line answered \(error lines included\); 2 usage error/);
    expect(help.stdout).toContain('latest 2,000 count');
  });

  it('answers a line before the next one is written: a long batch streams instead of waiting for its end', async () => {
    const child = spawn(process.execPath, [CLI, 'validate', '--batch']);
    const lines = [byId.get('steady-year')!.line, byId.get('spike')!.line];
    let stdout = '';
    let onData = () => {};
    child.stdout.setEncoding('utf8');
    child.stdout.on('data', (chunk: string) => {
      stdout += chunk;
      onData();
    });
    const answered = (count: number) =>
      new Promise<void>((resolve) => {
        onData = () => {
          if (stdout.split('\n').length > count) resolve();
        };
        onData();
      });
    child.stdin.write(`${lines[0]}\n`);
    await answered(1);
    expect(answersOf(stdout)).toMatchObject([{ id: 'steady-year', verdict: 'ok' }]);
    child.stdin.end(`${lines[1]}\n`);
    const [code] = (await once(child, 'close')) as [number];
    expect(code).toBe(0);
    expect(answersOf(stdout).map((a) => a.id)).toEqual(['steady-year', 'spike']);
  });
});
