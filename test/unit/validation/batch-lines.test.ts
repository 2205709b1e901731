import { describe, expect, it } from 'vitest';
import { createBatchJudge, FORGOTTEN_AFTER_DAYS } from '../../../main/validation/index.js';
import { validationResultSchema } from '../../../shared/validation.js';
import { SESSION_TUESDAY, caseAt, cleanHistory } from './fixtures.js';

describe('validate --batch line handler', () => {
  const days = cleanHistory('house-40');
  const clean = caseAt(days, SESSION_TUESDAY);
  const spiked = caseAt(days, SESSION_TUESDAY, { kind: 'spike', magnitude: 6 });

  it('judges a run up to FORGOTTEN_AFTER_DAYS after its history on a band, and from then on calls the history stale', () => {
    const judge = createBatchJudge();
    const latest = Date.parse(clean.history[clean.history.length - 1]!.startedAt);
    const after = (days: number) => JSON.parse(judge.judgeLine(JSON.stringify({ ...spiked, current: { ...spiked.current, startedAt: new Date(latest + days * 86_400_000).toISOString() } }), 1));
    const judged = after(FORGOTTEN_AFTER_DAYS - 1);
    expect(judged.method).toBe('regime-walk-v2');
    for (const band of Object.values(judged.bands) as { expected: number; low: number; high: number }[]) expect(band.high).toBeGreaterThanOrEqual(band.expected);
    expect(after(FORGOTTEN_AFTER_DAYS)).toMatchObject({ verdict: 'insufficient_history', method: 'stale-history', anomalies: [], bands: {}, state: { regime: 'young', since: null } });
    // A spike is no spike against a history nothing of which still holds, however large.
    expect(after(40_000).verdict).toBe('insufficient_history');
  });

  it('refuses a negative count beside the required ones (rolledBack, fetchErrors, duplicates, a harness\'s own inserted) by its field, and judges the lines after it', () => {
    const judge = createBatchJudge();
    const withMetrics = (where: 'current' | 'history', extra: Record<string, number>) =>
      where === 'current'
        ? { ...clean, current: { ...clean.current, metrics: { ...clean.current.metrics, ...extra } } }
        : { ...clean, history: clean.history.map((run, i) => (i === 3 ? { ...run, metrics: { ...run.metrics, ...extra } } : run)) };
    const lines = [
      withMetrics('current', { rolledBack: -3 }),
      withMetrics('history', { inserted: -5 }),
      withMetrics('current', { fetchErrors: 1.5 }),
      withMetrics('current', { duplicates: -1, rolledBack: 0, inserted: 7 }),
      clean,
    ];
    const answers = lines.map((line, i) => JSON.parse(judge.judgeLine(JSON.stringify(line), i + 1)));
    expect(answers.slice(0, 4).map((answer) => answer.error?.message ?? answer.verdict)).toEqual([
      'line 1: current.metrics.rolledBack: Too small: expected number to be >=0',
      'line 2: history[3].metrics.inserted: Too small: expected number to be >=0',
      'line 3: current.metrics.fetchErrors: Invalid input: expected int, received number',
      'line 4: current.metrics.duplicates: Too small: expected number to be >=0',
    ]);
    expect(answers[4]).toEqual(JSON.parse(createBatchJudge().judgeLine(JSON.stringify(clean), 5)));
    // Zero and a harness's own non-negative count are judged.
    expect(JSON.parse(judge.judgeLine(JSON.stringify(withMetrics('current', { rolledBack: 0, inserted: 7 })), 6)).verdict).toBe(answers[4].verdict);
  });

  it('judges a line under its own sensitivity, and refuses one naming a task when no database gives its settings', () => {
    const judge = createBatchJudge();
    const untuned = JSON.parse(judge.judgeLine(JSON.stringify(spiked), 1));
    const deaf = JSON.parse(judge.judgeLine(JSON.stringify({ ...spiked, sensitivity: { metrics: { fetched: 'off', added: 'off', updated: 'off', mix: 'off', quarantine: 'off', duration: 'off' } } }), 2));
    const fromTask = createBatchJudge({}, { inForce: new Map([['weekly', { metrics: { fetched: 'off', added: 'off', updated: 'off', mix: 'off', quarantine: 'off', duration: 'off' }, minSignals: 1 }]]), defaultTask: 'weekly' });
    expect(untuned.verdict).toBe('anomalous');
    expect(deaf.verdict).toBe('ok');
    expect(JSON.parse(fromTask.judgeLine(JSON.stringify(spiked), 1))).toEqual(deaf);
    expect(JSON.parse(fromTask.judgeLine(JSON.stringify({ ...spiked, task: 'daily' }), 2)).error.message).toBe('line 2: task: unknown task "daily": no scheduled task or stored run has that name in the database');
    expect(JSON.parse(judge.judgeLine(JSON.stringify({ ...spiked, task: 'weekly' }), 3)).error.message).toMatch(/^line 3: task: "weekly"'s sensitivity is kept in a database: give --db DB/);
    expect(JSON.parse(judge.judgeLine(JSON.stringify({ ...spiked, sensitivity: { minSignals: 9 } }), 4)).error.message).toMatch(/^line 4: sensitivity\.minSignals: /);
  });

  it('refuses a task name holding any control character, NUL as ESC, even when the line gives its own sensitivity', () => {
    const judge = createBatchJudge({}, { inForce: new Map([['weekly', { metrics: {}, minSignals: 2 }]]) });
    const settings = { metrics: {}, minSignals: 2 };
    const answers = ['week\u0000ly', 'week\u001bly'].map((task, i) => JSON.parse(judge.judgeLine(JSON.stringify({ ...clean, task, sensitivity: settings }), i + 1)));
    expect(answers.map((answer) => answer.error?.message ?? answer.verdict)).toEqual([
      'line 1: task: contains the control character U+0000 (NUL) at character 5',
      'line 2: task: contains the control character U+001B (ESC) at character 5',
    ]);
  });

  it('answers every line in order, with an error line in place of each bad one', () => {
    const judge = createBatchJudge();
    const input = [
      JSON.stringify(clean),
      '{"history": [',
      JSON.stringify(spiked),
      JSON.stringify({ history: clean.history, current: { startedAt: 'yesterday', metrics: clean.current.metrics } }),
      JSON.stringify({ history: [{ startedAt: '2024-01-01T06:00:00Z', metrics: { fetched: 'many' } }], current: clean.current }),
      '',
      JSON.stringify(clean),
      JSON.stringify({ history: clean.history, current: { startedAt: '1', metrics: clean.current.metrics } }),
      '   \t',
    ];
    const output = input.map((line, i) => JSON.parse(judge.judgeLine(line, i + 1)));
    expect(validationResultSchema.parse(output[0]).verdict).toBe('ok');
    expect(output[1].error.code).toBe('INPUT_INVALID');
    expect(output[1].error.message).toMatch(/^line 2: not valid JSON/);
    expect(validationResultSchema.parse(output[2]).verdict).toBe('anomalous');
    // The path names the field once; the reason follows it, not a second "startedAt must be…".
    expect(output[3].error.message).toBe('line 4: current.startedAt: "yesterday" is not an ISO 8601 date or date and time (YYYY-MM-DD, YYYY-MM-DDTHH:MM[:SS][zone])');
    expect(output[4].error.message).toMatch(/^line 5: history\[0\]\.metrics\.fetched:/);
    expect(output[5].error.message).toMatch(/^line 6: empty line/);
    expect(output[6]).toEqual(output[0]);
    // Date.parse reads "1" as the year 2001; it is not a date a harness meant.
    expect(output[7].error.message).toBe('line 8: current.startedAt: "1" is not an ISO 8601 date or date and time (YYYY-MM-DD, YYYY-MM-DDTHH:MM[:SS][zone])');
    expect(output[8].error.message).toMatch(/^line 9: empty line/);
  });

  it('fills in the metrics a foreign harness may not track, and still refuses a run without its volumes', () => {
    type Entry = { startedAt: string; metrics: Record<string, number> };
    const judge = createBatchJudge();
    const judged = (line: unknown, n: number) => JSON.parse(judge.judgeLine(JSON.stringify(line), n));
    const volumes = ({ fetched, added, updated }: Record<string, number>) => ({ fetched: fetched!, added: added!, updated: updated! });
    const sparse = (entry: Entry, extra: Record<string, number> = {}) => ({ startedAt: entry.startedAt, metrics: { ...volumes(entry.metrics), ...extra } });
    const completed = (entry: Entry) => {
      const { fetched, added, updated } = volumes(entry.metrics);
      return sparse(entry, { unchanged: fetched - added - updated, quarantined: 0, durationMs: 0 });
    };
    for (const [n, source] of [clean, spiked].entries()) {
      const fromSparse = judged({ history: source.history.map((e) => sparse(e)), current: sparse(source.current) }, n + 1);
      expect(fromSparse).toEqual(judged({ history: source.history.map(completed), current: completed(source.current) }, n + 1));
      expect(validationResultSchema.parse(fromSparse).verdict).toBe(n === 0 ? 'ok' : 'anomalous');
    }
    const timed = (fraction: number) => (e: Entry) => sparse(e, { durationMs: e.metrics.durationMs! + fraction });
    expect(judged({ history: clean.history.map(timed(0.4)), current: timed(0.4)(clean.current) }, 3)).toEqual(judged({ history: clean.history.map(timed(0)), current: timed(0)(clean.current) }, 3));
    const withoutFetched = { startedAt: clean.current.startedAt, metrics: { added: 1, updated: 1 } };
    expect(judged({ history: clean.history, current: withoutFetched }, 4).error.message).toMatch(/^line 4: current\.metrics\.fetched:/);
  });

  it('judges a run of a thousand million million records as anomalous, in its own line', () => {
    const judge = createBatchJudge();
    const huge = { ...clean.current, metrics: { ...clean.current.metrics, fetched: 1e15, unchanged: 1e15 } };
    const lines = [JSON.stringify({ history: clean.history, current: huge }), JSON.stringify(clean)];
    const [first, second] = lines.map((line, i) => validationResultSchema.parse(JSON.parse(judge.judgeLine(line, i + 1))));
    expect(first!.verdict).toBe('anomalous');
    expect(first!.anomalies.map((a) => a.metric)).toContain('fetched');
    expect(second!.verdict).toBe('ok');
  });

  it('gives every anomaly a numeric score when more records are new or updated than were fetched', () => {
    const judge = createBatchJudge();
    const overcounted = [
      { fetched: 5, added: 30, updated: 15 },
      { fetched: 5, added: 7, updated: 15 },
      { fetched: 7, added: 1e9, updated: 0 },
    ];
    for (const [i, counts] of overcounted.entries()) {
      const current = { ...clean.current, metrics: { ...clean.current.metrics, ...counts } };
      const line = judge.judgeLine(JSON.stringify({ history: clean.history, current }), i + 1);
      // The schema wants a number: a NaN score printed as null fails it.
      const result = validationResultSchema.parse(JSON.parse(line));
      expect(result.verdict).toBe('anomalous');
      expect(result.anomalies.map((a) => a.metric)).toContain('addedShare');
    }
  });

  it('gives the same verdicts whether consecutive lines share a history or not', () => {
    const shared = createBatchJudge();
    const lines = [JSON.stringify(clean), JSON.stringify(spiked), JSON.stringify(clean)];
    const reused = lines.map((line, i) => shared.judgeLine(line, i + 1));
    const fresh = lines.map((line, i) => createBatchJudge().judgeLine(line, i + 1));
    expect(reused).toEqual(fresh);
  });

  it('answers a day-by-day replay (each line the one before plus a few runs) as it answers each line alone, bad runs and bad lines among them', () => {
    const runs = [...clean.history, clean.current];
    const upTo = (count: number) => runs.slice(0, count);
    const at = (count: number, extra: Record<string, unknown> = {}) => JSON.stringify({ ...extra, history: upTo(count), current: runs[count] });
    const start = runs.length - 30;
    const lines = [
      at(start),
      at(start + 1),
      at(start + 1, { id: 'again' }),
      at(start + 4),
      // A bad run among the added ones: refused as it would be alone, and the next line is not built on it.
      JSON.stringify({ history: [...upTo(start + 5), { ...runs[start + 5], metrics: { fetched: -1, added: 0, updated: 0 } }], current: runs[start + 6] }),
      at(start + 6),
      JSON.stringify({ history: upTo(start + 7), current: { ...runs[start + 7], metrics: { fetched: 'many' } } }),
      at(start + 8, { sensitivity: { minSignals: 9 } }),
      at(start + 9),
      at(start + 18),
      at(start + 17),
      JSON.stringify({ history: 'none', current: runs[start + 19] }),
      at(start + 20),
    ];
    const replayed = createBatchJudge();
    const answers = lines.map((line, i) => replayed.judgeLine(line, i + 1));
    expect(answers).toEqual(lines.map((line, i) => createBatchJudge().judgeLine(line, i + 1)));
    expect(answers.map((answer) => (JSON.parse(answer) as { error?: unknown }).error === undefined)).toEqual([true, true, true, true, false, true, false, false, true, true, true, false, true]);
  });
});
