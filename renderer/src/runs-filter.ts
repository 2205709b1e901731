import type { ApiInput } from '../../shared/api.js';
import { RUN_STATUSES, type RunStatus } from '../../shared/run.js';
import { VERDICTS, type Verdict } from '../../shared/validation.js';

/** The Runs list's filters as the URL keeps them (#/runs?verdict=anomalous&since=2026-11-01). */
export interface RunsFilter {
  status: RunStatus | '';
  verdict: Verdict | '';
  /** A task name; MANUAL_TASK for runs started by hand; '' for any. */
  task: string;
  source: string;
  /** Calendar days, YYYY-MM-DD, both included. */
  since: string;
  until: string;
  search: string;
}

export const MANUAL_TASK = '(by hand)';
export const FILTER_KEYS = ['status', 'verdict', 'task', 'source', 'since', 'until', 'search'] as const;
const DAY_MS = 86_400_000;
const CALENDAR_DAY = /^\d{4}-\d{2}-\d{2}$/;

/** Reads the filters from a URL query, dropping values the API would refuse (a hand-edited URL must not break the list). */
export function filterFromQuery(query: URLSearchParams): RunsFilter {
  const text = (key: string) => query.get(key)?.trim() ?? '';
  const day = (key: string) => (isCalendarDay(text(key)) ? text(key) : '');
  const status = text('status');
  const verdict = text('verdict');
  return {
    status: (RUN_STATUSES as readonly string[]).includes(status) ? (status as RunStatus) : '',
    verdict: (VERDICTS as readonly string[]).includes(verdict) ? (verdict as Verdict) : '',
    task: text('task').slice(0, 200),
    source: text('source').slice(0, 2_000),
    since: day('since'),
    until: day('until'),
    search: text('search').slice(0, 200),
  };
}

function isCalendarDay(text: string): boolean {
  const time = Date.parse(`${text}T00:00:00Z`);
  return CALENDAR_DAY.test(text) && !Number.isNaN(time) && new Date(time).toISOString().startsWith(text);
}

export function queryFromFilter(filter: RunsFilter): URLSearchParams {
  const query = new URLSearchParams();
  for (const key of FILTER_KEYS) if (filter[key].trim() !== '') query.set(key, filter[key].trim());
  return query;
}

/** The runs.list input: the server filters in SQL and pages by keyset (`after`). */
export function listInput(filter: RunsFilter, limit: number, after?: number): ApiInput<'runs.list'> {
  return {
    limit,
    ...(after === undefined ? {} : { after }),
    ...(filter.status ? { status: [filter.status] } : {}),
    ...(filter.verdict ? { verdict: [filter.verdict] } : {}),
    ...(filter.task ? { task: filter.task === MANUAL_TASK ? null : filter.task } : {}),
    ...(filter.source ? { source: filter.source } : {}),
    ...(filter.since ? { since: `${filter.since}T00:00:00.000Z` } : {}),
    ...(filter.until ? { until: new Date(Date.parse(`${filter.until}T00:00:00.000Z`) + DAY_MS).toISOString() } : {}),
    ...(filter.search ? { search: filter.search } : {}),
  };
}

export function isFiltered(filter: RunsFilter): boolean {
  return FILTER_KEYS.some((key) => filter[key] !== '');
}
