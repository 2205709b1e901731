// @vitest-environment happy-dom
import { flushPromises, type VueWrapper } from '@vue/test-utils';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import RunsView from '../../../renderer/src/views/RunsView.vue';
import { filterFromQuery, listInput } from '../../../renderer/src/runs-filter.js';
import { useLiveRuns } from '../../../renderer/src/stores/live.js';
import { useOperations } from '../../../renderer/src/stores/operations.js';
import type { ApiParsedInput } from '../../../shared/api.js';
import { withStatusReasons, type RunSummary } from '../../../shared/run.js';
import { fakeClient, type FakeClient } from './fake-client.js';
import { metrics, runSummary } from './fixtures.js';
import { mountWith } from './mount.js';

const anomalous = { verdict: 'anomalous' as const, method: 'm', historySize: 20, anomalies: [] };
const ok = { verdict: 'ok' as const, method: 'm', historySize: 20, anomalies: [] };

function hashChanged(): Promise<void> {
  return new Promise((resolve) => window.addEventListener('hashchange', () => resolve(), { once: true }));
}

/** A server that answers runs.list from `stored` with the filters the SQL applies (status, verdict). */
function serverOf(stored: () => RunSummary[]): FakeClient {
  return fakeClient({
    'runs.list': (input: ApiParsedInput<'runs.list'>) =>
      stored().filter((run) => (!input.status || input.status.includes(run.status)) && (!input.verdict || input.verdict.includes(run.validation?.verdict ?? 'ok'))).map(withStatusReasons),
    'runs.tasks': () => [],
    'operations.active': () => [],
    'runs.active': () => [],
    'runs.sourceDefaults': () => ({ synthetic: 'synthetic:seed=1,count=500', congress: null }),
  });
}

function shownRows(wrapper: VueWrapper): string[] {
  return wrapper.findAll('tbody tr').map((row) => row.findAll('th, td').map((cell) => cell.text()).join(' | '));
}

async function mountRuns(client: FakeClient): Promise<VueWrapper> {
  const wrapper = mountWith(RunsView, client);
  useLiveRuns().connect(client);
  useOperations().connect(client);
  await flushPromises();
  return wrapper;
}

describe('the runs filter in the URL', () => {
  it('turns the query into the runs.list input, days inclusive, and drops values the API would refuse', () => {
    const filter = filterFromQuery(new URLSearchParams('status=rolled_back&verdict=anomalous&task=(by hand)&since=2026-11-01&until=2026-11-30&search=%20doubled%20'));
    expect(listInput(filter, 100, 40)).toEqual({
      limit: 100, after: 40, status: ['rolled_back'], verdict: ['anomalous'], task: null,
      since: '2026-11-01T00:00:00.000Z', until: '2026-12-01T00:00:00.000Z', search: 'doubled',
    });
    expect(listInput(filterFromQuery(new URLSearchParams('status=exploded&verdict=meh&since=2026-13-45&until=2026-02-31&search=')), 50)).toEqual({ limit: 50 });
  });
});

describe('the Runs list', () => {
  beforeEach(() => {
    window.location.hash = '#/runs';
  });
  afterEach(() => {
    document.body.innerHTML = '';
  });

  it('shows verdict and task columns and filters to anomalous runs in one click, kept in the URL', async () => {
    const runs = [runSummary(3, { validation: anomalous, task: 'nightly' }), runSummary(2, { validation: ok }), runSummary(1, { validation: anomalous })];
    const client = serverOf(() => runs);
    const wrapper = await mountRuns(client);
    expect(shownRows(wrapper)[0]).toMatch(/^Run 3 \| success \| anomalous \| nightly \| .* \| 150$/);
    expect(shownRows(wrapper)).toHaveLength(3);

    const changed = hashChanged();
    await wrapper.findAll('button').find((b) => b.text() === 'Anomalous only')!.trigger('click');
    await changed;
    await flushPromises();
    expect(window.location.hash).toBe('#/runs?verdict=anomalous');
    expect(client.callsOf('runs.list').at(-1)).toEqual({ limit: 100, verdict: ['anomalous'] });
    expect(shownRows(wrapper).map((row) => row.split(' | ')[0])).toEqual(['Run 3', 'Run 1']);
    expect(wrapper.get('a.run-link').attributes('href')).toBe('#/runs/3?verdict=anomalous');
  });

  it('reads older runs a page at a time after the last one shown, and stops offering more at a short page', async () => {
    const stored = Array.from({ length: 150 }, (_, i) => runSummary(150 - i, { validation: ok }));
    const client = fakeClient({
      'runs.list': (input: ApiParsedInput<'runs.list'>) => stored.filter((run) => input.after === undefined || run.runId < input.after).slice(0, input.limit).map(withStatusReasons),
      'runs.tasks': () => [],
      'operations.active': () => [],
      'runs.active': () => [],
      'runs.sourceDefaults': () => ({ synthetic: 'synthetic:seed=1,count=500', congress: null }),
    });
    const wrapper = await mountRuns(client);
    expect(shownRows(wrapper)).toHaveLength(100);

    await wrapper.get('button.load-more').trigger('click');
    await flushPromises();
    expect(client.callsOf('runs.list').at(-1)).toEqual({ limit: 100, after: 51 });
    expect(shownRows(wrapper).map((row) => row.split(' | ')[0])).toEqual(stored.map((run) => `Run ${run.runId}`));
    expect(wrapper.find('button.load-more').exists()).toBe(false);
  });

  it('flips a row to rolled back when a rollback ends on the event stream, without a reload', async () => {
    const runs = [runSummary(5, { validation: anomalous })];
    const client = serverOf(() => runs);
    const wrapper = await mountRuns(client);
    expect(shownRows(wrapper)[0]).toContain('success');
    runs[0] = { ...runs[0]!, status: 'rolled_back' };
    const operation = { operationId: 'op1', kind: 'rollback' as const, target: 'run 5', runId: 5, phase: 'done', done: 1, total: 1, startedAt: '2026-11-28T12:00:00.000Z', finishedAt: '2026-11-28T12:00:01.000Z', error: null };
    client.emitOperation({ type: 'operation-finished', operation: { ...operation, status: 'done' } });
    await flushPromises();
    expect(shownRows(wrapper)[0]).toContain('rolled back');
  });

  it('says beside each partial badge why the run is partial, in the words of `runs list`, its error on hover; nothing beside a partial run with no reason kept', async () => {
    const moved = { code: 'LISTING_MOVED' as const, count: 2, message: 'Congress.gov\'s listing moved while it was read; it was still moving on the last of 3 passes', windowCovered: false as const };
    const error = 'Congress.gov\'s listing was still moving on the last of 3 passes over committee-meeting/119/house: meetings may be missing, so its window is not counted as covered (a task\'s next run lists it again)';
    const reconciliation = { ok: false, checks: [{ name: 'hearings stored', ok: false, detail: '1 missing' }], problems: ['1 missing'] };
    const runs = [
      runSummary(4, { status: 'partial', error, sourceWarnings: [moved] }),
      runSummary(3, { status: 'partial', metrics: metrics({ fetched: 150, added: 100, quarantined: 50, duplicates: 1 }), batches: { total: 3, succeeded: 2, failed: 1, isolated: 0 } }),
      runSummary(2, { status: 'partial', reconciliation }),
      runSummary(1, { status: 'partial', error: 'batch 2 failed' }),
    ];
    const wrapper = await mountRuns(serverOf(() => runs));
    const rows = shownRows(wrapper);
    expect(rows[0]).toContain('partial listing incomplete, meetings may be missing');
    expect(rows[1]).toContain('partial 50 of 150 records quarantined (1 duplicate), 1 of 3 batches failed');
    expect(rows[2]).toContain('partial reconciliation after the last batch failed (hearings stored)');
    const reasons = wrapper.findAll('[data-testid="run-status-reasons"]');
    expect(reasons).toHaveLength(3);
    expect(reasons[0]!.attributes('title')).toBe(error);
  });

  it('counts a running run’s records live from the stream', async () => {
    const runs = [runSummary(8, { status: 'running', metrics: metrics() })];
    const client = serverOf(() => runs);
    const wrapper = await mountRuns(client);
    client.emit({ type: 'run-started', runId: 8, mode: 'batch', batchSize: 50, expectedRecords: 5_000 });
    client.emit({ type: 'progress', runId: 8, metrics: metrics({ fetched: 2_048 }), elapsedMs: 900 });
    await flushPromises();
    expect(wrapper.get('tr[data-run-id="8"] [data-testid="run-records"]').text()).toBe('2,048');
  });

  it('moves focus between runs with j and k and documents the keys', async () => {
    const client = serverOf(() => [runSummary(3), runSummary(2), runSummary(1)]);
    const wrapper = await mountRuns(client);
    const table = wrapper.get('table');
    await table.trigger('keydown', { key: 'j' });
    expect(document.activeElement?.textContent).toBe('Run 3');
    await table.trigger('keydown', { key: 'j' });
    await table.trigger('keydown', { key: 'ArrowDown' });
    await table.trigger('keydown', { key: 'ArrowDown' });
    expect(document.activeElement?.textContent).toBe('Run 1');
    await table.trigger('keydown', { key: 'k' });
    expect(document.activeElement?.textContent).toBe('Run 2');
    expect(wrapper.get('#runs-keys').text()).toContain('t jumps to its batch timeline');
  });

  it('keeps a long list of runs one Tab stop: the run focused last, else the open one, else the newest', async () => {
    const client = serverOf(() => Array.from({ length: 100 }, (_, i) => runSummary(100 - i)));
    const wrapper = await mountRuns(client);
    const stops = () => wrapper.findAll('a.run-link').filter((link) => link.attributes('tabindex') === '0').map((link) => link.text());
    expect(stops()).toEqual(['Run 100']);
    const table = wrapper.get('table');
    await table.trigger('keydown', { key: 'j' });
    await table.trigger('keydown', { key: 'j' });
    expect(document.activeElement?.textContent).toBe('Run 99');
    expect(stops()).toEqual(['Run 99']);
    await table.trigger('keydown', { key: 'End' });
    expect(document.activeElement?.textContent).toBe('Run 1');
    expect(stops()).toEqual(['Run 1']);
    await table.trigger('keydown', { key: 'Home' });
    expect(stops()).toEqual(['Run 100']);
    wrapper.unmount();

    window.location.hash = '#/runs/40';
    const opened = await mountRuns(client);
    expect(opened.findAll('a.run-link').filter((link) => link.attributes('tabindex') === '0').map((link) => link.text())).toEqual(['Run 40']);
    opened.unmount();
    window.location.hash = '';
  });
});
