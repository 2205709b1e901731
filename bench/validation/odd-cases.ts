import type { SensitivitySettings } from '../../shared/validation.js';
import { generateHistory, SYNTHETIC_ORGANISATIONS } from '../../main/validation/index.js';

/**
 * Batch lines an outside benchmark may send that Gatehouse's own harness never generates: odd but
 * valid histories (answered with a verdict that must equal the live judge's) and bad lines
 * (answered with an error line carrying the case id, without disturbing the lines around them).
 */

export interface OddCase {
  id: string;
  /** The NDJSON line as sent. */
  line: string;
  /** `verdict`: a valid case the live judge can be asked about too; `error`: bad input, refused on its own line. */
  answer: 'verdict' | 'error';
  /**
   * A case judged for a task with these settings in force: the line gives them as "sensitivity",
   * and, without them, is judged again with `--db --task` over a database where they were saved.
   */
  task?: { name: string; settings: SensitivitySettings };
}

/** The task the sensitivity cases are judged for. */
export const ODD_TASK = 'outside-nightly';

type Run = { startedAt: string; metrics: Record<string, unknown> } & Record<string, unknown>;

const DAY_MS = 86_400_000;

/** `days` daily runs of the busiest synthetic organisation, from a seeded draw: a history like a real feed's. */
function dailyRuns(days: number, seed = 7): Run[] {
  const profile = SYNTHETIC_ORGANISATIONS[0]!;
  return generateHistory(profile, { seed, days, start: '2024-01-08' }).map((day) => ({ startedAt: day.entry.startedAt, metrics: { ...day.entry.metrics } }));
}

function shifted(runs: readonly Run[], days: number): Run[] {
  return runs.map((run) => ({ ...run, startedAt: new Date(Date.parse(run.startedAt) + days * DAY_MS).toISOString() }));
}

/** The day after the last run, with the metrics given (or the median day's). */
function nextRun(runs: readonly Run[], metrics?: Record<string, unknown>): Run {
  const last = runs[runs.length - 1]!;
  const typical = [...runs].sort((a, b) => (a.metrics.fetched as number) - (b.metrics.fetched as number))[Math.floor(runs.length / 2)]!;
  return { startedAt: new Date(Date.parse(last.startedAt) + DAY_MS).toISOString(), metrics: metrics ?? { ...typical.metrics } };
}

const inZone = (iso: string, offsetHours: number): string => {
  const local = new Date(Date.parse(iso) + offsetHours * 3_600_000).toISOString().slice(0, 19);
  const sign = offsetHours < 0 ? '-' : '+';
  return `${local}${sign}${String(Math.abs(offsetHours)).padStart(2, '0')}:00`;
};

const spikeOf = (run: Run): Run => ({ ...run, metrics: { ...run.metrics, fetched: (run.metrics.fetched as number) * 8 + 50 } });

/** US daylight saving time (second Sunday of March to first Sunday of November), near enough for a 07:00 UTC run. */
function isSummerInNewYork(iso: string): boolean {
  const date = new Date(iso);
  const year = date.getUTCFullYear();
  const nthSunday = (month: number, nth: number) => {
    const first = new Date(Date.UTC(year, month, 1));
    return Date.UTC(year, month, 1 + ((7 - first.getUTCDay()) % 7) + 7 * (nth - 1), 7);
  };
  return date.getTime() >= nthSunday(2, 2) && date.getTime() < nthSunday(10, 1);
}

export function oddCases(): OddCase[] {
  const year = dailyRuns(200);
  const current = nextRun(year);
  const cases: OddCase[] = [];
  const valid = (id: string, history: readonly unknown[], judged: unknown, extra: Record<string, unknown> = {}) =>
    cases.push({ id, line: JSON.stringify({ id, ...extra, history, current: judged }), answer: 'verdict' });
  const invalid = (id: string, line: string) => cases.push({ id, line, answer: 'error' });
  const forTask = (id: string, history: readonly unknown[], judged: unknown, settings: SensitivitySettings) =>
    cases.push({ id, line: JSON.stringify({ id, sensitivity: settings, history, current: judged }), answer: 'verdict', task: { name: ODD_TASK, settings } });

  valid('steady-year', year, current);
  valid('spike', year, spikeOf(current));
  valid('empty-history', [], current);
  valid('one-run', year.slice(-1), current);
  valid('two-runs', year.slice(-2), current);
  valid('newest-first', [...year].reverse(), current);
  valid('duplicate-dates', [...year.slice(0, 120), ...year.slice(60, 120), ...year.slice(120)], current);
  valid('offset-zones', year.map((run, i) => ({ ...run, startedAt: inZone(run.startedAt, i % 2 === 0 ? 5 : -8) })), { ...current, startedAt: inZone(current.startedAt, -3) });
  valid('zoneless-times', year.map((run) => ({ ...run, startedAt: run.startedAt.replace(/\.\d{3}Z$/, '') })), { ...current, startedAt: current.startedAt.replace(/\.\d{3}Z$/, '') });
  valid('gap-of-months', [...year.slice(0, 100), ...shifted(year.slice(100), 120)], nextRun(shifted(year, 120)));
  valid('far-future', year, { ...current, startedAt: '2099-06-01T07:00:00Z' });
  valid('history-after-current', [...year, ...shifted(year.slice(-30), 60)], current);
  valid('current-before-history', year, { ...current, startedAt: '2023-01-02T07:00:00Z' });
  valid('metrics-left-out', year.map((run) => ({ startedAt: run.startedAt, metrics: { fetched: run.metrics.fetched, added: run.metrics.added, updated: run.metrics.updated } })), { startedAt: current.startedAt, metrics: { fetched: current.metrics.fetched, added: current.metrics.added, updated: current.metrics.updated } });
  valid('fractional-duration', year, { ...current, metrics: { ...current.metrics, durationMs: 1234.56 } });
  valid('extra-fields', year.map((run) => ({ ...run, note: 'x', metrics: { ...run.metrics, retries: 2 } })), { ...current, runId: 9 }, { source: 'elsewhere' });
  valid('zero-runs-only', year.map((run) => ({ ...run, metrics: { fetched: 0, added: 0, updated: 0 } })), current);
  // More new and updated records than fetched: judged (a share anomaly), not refused — a harness may inject into a part alone.
  valid('parts-above-fetched', year.slice(-60), { ...current, metrics: { fetched: 10, added: 50, updated: 50 } });
  valid('offset-zones-spike', year.map((run) => ({ ...run, startedAt: inZone(run.startedAt, 9) })), { startedAt: inZone(current.startedAt, 9), metrics: { ...current.metrics, fetched: (current.metrics.fetched as number) * 8 + 50 } });
  valid('longer-than-live-reads', dailyRuns(2400, 11), nextRun(dailyRuns(2400, 11)));
  valid('one-over-live-reads', dailyRuns(2001, 13), nextRun(dailyRuns(2001, 13)));
  // Gaps: years are judged on a band the gap has widened; past FORGOTTEN_AFTER_DAYS the history is stale.
  valid('gap-of-8-years', year, { ...current, startedAt: new Date(Date.parse(current.startedAt) + 3000 * DAY_MS).toISOString() });
  valid('gap-of-74-years', year, { ...current, startedAt: new Date(Date.parse(current.startedAt) + 27_028 * DAY_MS).toISOString() });
  // A history with 74 years inside it once never finished its walk (the baselines' squared weights underflowed).
  valid('gap-inside-history', [...shifted(year.slice(0, 100), -27_028), ...year], current);
  valid('several-runs-a-day', year.flatMap((run) => [0, 3, 9].map((hours) => ({ ...run, startedAt: new Date(Date.parse(run.startedAt) + hours * 3_600_000).toISOString() }))), current);
  valid('same-instant-twice', year.flatMap((run, i) => (i % 7 === 0 ? [run, run] : [run])), current);
  valid('shuffled', [...year].sort((a, b) => ((a.metrics.fetched as number) % 7) - ((b.metrics.fetched as number) % 7) || a.startedAt.localeCompare(b.startedAt)), current);
  valid('midnight-utc', year.map((run) => ({ ...run, startedAt: `${run.startedAt.slice(0, 10)}T00:00:00Z` })), { ...current, startedAt: `${current.startedAt.slice(0, 10)}T00:00:00Z` });
  // New York local times across the March and November clock changes: -05:00 in winter, -04:00 in summer.
  valid('dst-offsets', dailyRuns(330).map((run) => ({ ...run, startedAt: inZone(run.startedAt, isSummerInNewYork(run.startedAt) ? -4 : -5) })), nextRun(dailyRuns(330)));
  valid('huge-counts', year.map((run) => ({ ...run, metrics: { fetched: 1e9, added: 4e8, updated: 1e8 } })), { ...current, metrics: { fetched: 1e9 + 12_345, added: 4e8, updated: 1e8 } });
  valid('largest-exact-counts', year.map((run) => ({ ...run, metrics: { fetched: 2 ** 53 - 1, added: 2 ** 52, updated: 2 ** 50 } })), { ...current, metrics: { fetched: 2 ** 53 - 1, added: 1, updated: 1 } });
  valid('quarantined-above-fetched', year, { ...current, metrics: { fetched: 10, added: 1, updated: 1, quarantined: 50 } });
  valid('constant-history', year.map((run) => ({ ...run, metrics: { fetched: 100, added: 10, updated: 5, durationMs: 1000 } })), { ...current, metrics: { fetched: 100, added: 10, updated: 5, durationMs: 1000 } });
  valid('constant-history-moves', year.map((run) => ({ ...run, metrics: { fetched: 100, added: 10, updated: 5, durationMs: 1000 } })), { ...current, metrics: { fetched: 160, added: 10, updated: 5, durationMs: 1000 } });
  valid('three-runs', year.slice(-3), current);
  valid('three-runs-spike', year.slice(-3), spikeOf(current));

  // A task tuned away from the defaults: the verdict must be the tuned one, not the default's.
  const spike = spikeOf(current);
  forTask('spike-volumes-off', year, spike, { metrics: { fetched: 'off', added: 'off', updated: 'off' }, minSignals: 1 });
  forTask('spike-three-signals', year, spike, { metrics: {}, minSignals: 3 });
  forTask('steady-year-high', year, current, { metrics: { fetched: 'high', added: 1.5, mix: 'high' }, minSignals: 1 });

  const good = (metrics: Record<string, unknown>) => JSON.stringify({ history: year.slice(-60), current: { ...current, metrics } });
  const withId = (id: string, line: string) => line.replace(/^\{/, `{"id":${JSON.stringify(id)},`);
  invalid('negative-count', withId('negative-count', good({ fetched: -5, added: 1, updated: 1 })));
  invalid('nan-text', withId('nan-text', good({ fetched: 'NaN', added: 1, updated: 1 })));
  invalid('nan-literal', `{"id":"nan-literal","history":[],"current":{"startedAt":"2026-03-06","metrics":{"fetched":NaN,"added":1,"updated":1}}}`);
  invalid('huge-count', withId('huge-count', good({ fetched: 1e300, added: 1, updated: 1 })));
  invalid('fractional-count', withId('fractional-count', good({ fetched: 10.5, added: 1, updated: 1 })));
  invalid('missing-current', JSON.stringify({ id: 'missing-current', history: year.slice(-5) }));
  invalid('missing-metrics', JSON.stringify({ id: 'missing-metrics', history: [], current: { startedAt: current.startedAt } }));
  invalid('impossible-date', JSON.stringify({ id: 'impossible-date', history: year.slice(-5), current: { ...current, startedAt: '2026-02-30' } }));
  invalid('history-not-array', JSON.stringify({ id: 'history-not-array', history: {}, current }));
  invalid('truncated-line', '{"id":"truncated-line","history":[');
  invalid('empty-line', '');
  invalid('not-an-object', '[1,2]');
  invalid('count-past-exact', withId('count-past-exact', good({ fetched: 2 ** 53, added: 1, updated: 1 })));
  invalid('negative-duration', withId('negative-duration', good({ fetched: 10, added: 1, updated: 1, durationMs: -5 })));
  invalid('bad-sensitivity', JSON.stringify({ id: 'bad-sensitivity', sensitivity: { metrics: { fetched: 'loud' } }, history: year.slice(-5), current }));
  invalid('task-without-db', JSON.stringify({ id: 'task-without-db', task: ODD_TASK, history: year.slice(-5), current }));
  return cases;
}
