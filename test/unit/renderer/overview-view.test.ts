// @vitest-environment happy-dom
import { flushPromises, type VueWrapper } from '@vue/test-utils';
import { afterEach, describe, expect, it } from 'vitest';
import OverviewView from '../../../renderer/src/views/OverviewView.vue';
import type { ActiveRun, Overview } from '../../../shared/api.js';
import { withStatusReasons } from '../../../shared/run.js';
import { useLiveRuns } from '../../../renderer/src/stores/live.js';
import { fakeClient, type FakeClient } from './fake-client.js';
import { metrics, runSummary } from './fixtures.js';
import { mountWith } from './mount.js';

/** The overview as the server answers it while run 3 (60,000 records expected) has read its first 102. */
function overviewWith(activeRuns: ActiveRun[]): Overview {
  return {
    database: { backend: 'sqlite', location: '/tmp/gatehouse.db', hearings: 3_000 },
    windowDays: 30,
    recentRuns: [runSummary(3, { status: 'running', finishedAt: null, metrics: metrics({ fetched: 102, updated: 100, quarantined: 2 }), batches: { total: 1, succeeded: 1, failed: 0, isolated: 0 } }), runSummary(2)].map(withStatusReasons),
    runsInWindow: 1_204,
    runsByStatus: {},
    batchSuccessRate: 1,
    recordsCommittedShare: 1,
    quarantinedInWindow: 75,
    openAnomalies: 1_001,
    trials: null,
    anomalousRuns: [],
    activeRuns,
    lastRun: null,
    nextTasks: [],
  };
}

const RUN_3: ActiveRun = { runId: 3, startedAt: '2026-12-06T05:31:00.000Z', expectedRecords: 60_000, metrics: metrics({ fetched: 102, updated: 100, quarantined: 2 }), elapsedMs: 400 };

function serverOf(activeRuns: ActiveRun[]): FakeClient {
  return fakeClient({ 'overview.get': () => overviewWith(activeRuns), 'runs.active': () => activeRuns });
}

/** The lines under "Running now" (none when the panel is not shown). */
function runningNow(wrapper: VueWrapper): string[] {
  const panel = wrapper.findAll('.panel').find((p) => p.find('h2').text() === 'Running now');
  return panel ? panel.findAll('li').map((li) => li.text()) : [];
}

/** A Recent runs row's cells, found by its run id. */
function recentRow(wrapper: VueWrapper, runId: number): string[] {
  const row = wrapper.findAll('tbody tr').find((tr) => tr.find('td').text() === String(runId));
  return row!.findAll('td').map((cell) => cell.text());
}

async function mountOverview(client: FakeClient): Promise<VueWrapper> {
  const wrapper = mountWith(OverviewView, client);
  useLiveRuns().connect(client);
  await flushPromises();
  return wrapper;
}

describe('the Overview while runs are going', () => {
  afterEach(() => {
    document.body.innerHTML = '';
  });

  it('counts a running run’s records as the stream reports them, not as they stood when the page loaded', async () => {
    const client = serverOf([RUN_3]);
    const wrapper = await mountOverview(client);
    expect(runningNow(wrapper)).toEqual(['Run 3 — 102 of 60,000 records read']);

    client.emit({ type: 'progress', runId: 3, metrics: metrics({ fetched: 6_356, added: 3_322, updated: 2_978, quarantined: 56 }), elapsedMs: 7_500 });
    await flushPromises();
    expect(runningNow(wrapper)).toEqual(['Run 3 — 6,356 of 60,000 records read']);
    expect(recentRow(wrapper, 3).slice(3, 7)).toEqual(['6,356', '3,322', '2,978', '56']);
  });

  it('lists under Running now a run that started after the page loaded', async () => {
    const client = serverOf([]);
    const wrapper = await mountOverview(client);
    expect(runningNow(wrapper)).toEqual([]);

    client.emit({ type: 'run-started', runId: 4, mode: 'batch', batchSize: 100, expectedRecords: 12_000 });
    client.emit({ type: 'progress', runId: 4, metrics: metrics({ fetched: 1_500 }), elapsedMs: 900 });
    await flushPromises();
    expect(runningNow(wrapper)).toEqual(['Run 4 — 1,500 of 12,000 records read']);
  });

  it('writes its counts with thousands separators', async () => {
    const wrapper = await mountOverview(serverOf([]));
    expect(wrapper.get('[data-testid=runs-in-window]').text()).toBe('1,204');
    expect(wrapper.get('[data-testid=open-anomalies]').text()).toBe('1,001');
  });
});

describe('the Overview\'s recent runs', () => {
  afterEach(() => {
    document.body.innerHTML = '';
  });

  it('says beside a partial run\'s badge why it is partial, as the Runs page and `runs list` say it', async () => {
    const moved = { code: 'LISTING_MOVED' as const, count: 2, message: 'Congress.gov\'s listing moved while it was read', windowCovered: false as const };
    const recentRuns = [runSummary(5, { status: 'partial', metrics: metrics({ fetched: 150, added: 149, quarantined: 1, fetchErrors: 1 }), sourceWarnings: [moved] }), runSummary(4)].map(withStatusReasons);
    const client = fakeClient({ 'overview.get': () => ({ ...overviewWith([]), recentRuns }), 'runs.active': () => [] });
    const wrapper = await mountOverview(client);
    expect(recentRow(wrapper, 5)[2]).toBe('partial 1 of 150 records quarantined (1 not fetched); listing incomplete, meetings may be missing');
    expect(recentRow(wrapper, 4)[2]).toBe('success');
  });
});
