// @vitest-environment happy-dom
import { flushPromises } from '@vue/test-utils';
import { afterEach, describe, expect, it } from 'vitest';
import { ApiError } from '../../../renderer/src/client/index.js';
import { useLiveRuns } from '../../../renderer/src/stores/live.js';
import { useOperator } from '../../../renderer/src/stores/operator.js';
import RunDetail from '../../../renderer/src/views/RunDetail.vue';
import BatchTimeline from '../../../renderer/src/components/BatchTimeline.vue';
import type { ApiOutput } from '../../../shared/api.js';
import { batch } from './fixtures.js';
import { fakeClient } from './fake-client.js';
import { mountWith } from './mount.js';

type Detail = ApiOutput<'runs.get'>;

function detail(overrides: Partial<Detail>): Detail {
  return {
    runId: 7, status: 'success', mode: 'batch', batchSize: 50, task: null, source: 'synthetic:seed=1,count=10',
    startedAt: '2026-06-30T08:00:00.000Z', finishedAt: '2026-06-30T08:00:01.000Z',
    metrics: { fetched: 10, added: 10, updated: 0, unchanged: 0, quarantined: 0, durationMs: 1000 },
    batches: { total: 0, succeeded: 0, failed: 0, isolated: 0 }, validation: null, error: null, backupId: null, batchList: [], resumable: false, rollbackRefusals: [], statusReasons: [],
    ...overrides,
  };
}

async function mountDetail(answer: Detail) {
  const client = fakeClient({ 'runs.get': () => answer, 'rollback.events': () => [], 'quarantine.list': () => [] });
  const wrapper = mountWith(RunDetail, client, { props: { runId: 7 } });
  await flushPromises();
  return wrapper;
}

describe('a run\'s page', () => {
  afterEach(() => {
    document.body.innerHTML = '';
  });

  it('says why a partial run is partial in the reasons runs.get gave with it, as `runs list` says them, not worked out again', async () => {
    // A reason the page could not work out from the counts shown: it can only have come with the run.
    const reasons = [{ code: 'QUARANTINED' as const, message: '3 of 120 records quarantined, 1 of 3 batches failed' }, { code: 'LISTING_INCOMPLETE' as const, message: 'listing incomplete, meetings may be missing' }];
    const wrapper = await mountDetail(detail({ status: 'partial', statusReasons: reasons }));
    expect(wrapper.get('[data-testid="run-detail-status-reasons"]').text()).toBe('Why partial: 3 of 120 records quarantined, 1 of 3 batches failed; listing incomplete, meetings may be missing.');
    // Failed for quarantining every record: its error says so already, and once is enough.
    const allQuarantined = 'all 10 records read were quarantined';
    const failed = await mountDetail(detail({ status: 'failed', error: allQuarantined, statusReasons: [{ code: 'ALL_QUARANTINED', message: allQuarantined }] }));
    expect(failed.find('[data-testid="run-detail-status-reasons"]').exists()).toBe(false);
    expect(failed.get('.form-error').text()).toBe(allQuarantined);
  });

  it('counts an open batch with thousands separators, and one retry as one', async () => {
    const big = batch(17, 'committed', { planned: 5_000, written: 4_987, added: 4_000, updated: 987, quarantined: 13, retries: 1, firstPosition: 51_200, lastPosition: 56_199 });
    const wrapper = await mountDetail(detail({ batchList: [big], batches: { total: 1, succeeded: 1, failed: 0, isolated: 0 } }));
    wrapper.findComponent(BatchTimeline).vm.$emit('select', 17);
    await flushPromises();
    expect(wrapper.get('section.batch-panel p').text().replace(/\s+/g, ' ')).toBe(
      '5,000 planned · 4,987 written · 4,000 added · 987 updated · 13 quarantined · 1 retry · 120 ms · source positions 51,200–56,199',
    );
  });

  it('says whether a snapshot was taken before the run and why', async () => {
    const wrapper = await mountDetail(detail({ snapshot: { taken: false, reason: 'no snapshot due: snapshot s1 is from today' } }));
    expect(wrapper.get('[data-testid="run-snapshot"]').text()).toBe('Snapshot: none — no snapshot due: snapshot s1 is from today');
    const taken = await mountDetail(detail({ backupId: 's2', snapshot: { taken: true, reason: 'asked for (--snapshot)' } }));
    expect(taken.get('[data-testid="run-snapshot"]').text()).toBe('Snapshot: taken (s2) — asked for (--snapshot)');
    expect(taken.find('[data-testid="run-integrity"]').exists()).toBe(false);
  });

  it('says how the database was checked before the run wrote, and why', async () => {
    const integrity = { check: 'skipped' as const, reason: 'the file is as the last verified run left it' };
    const wrapper = await mountDetail(detail({ snapshot: { taken: false, reason: 'no snapshot due', integrity } }));
    expect(wrapper.get('[data-testid="run-integrity"]').text()).toBe('Integrity check: skipped — the file is as the last verified run left it');
  });

  it('lists the reconciliation checks and marks the one that failed', async () => {
    const wrapper = await mountDetail(detail({
      status: 'partial',
      error: 'reconciliation after the last batch failed: hearings stored: 1 of 10 hearings the run wrote are no longer stored (e.g. 5)',
      reconciliation: {
        ok: false,
        checks: [
          { name: 'hearings stored', ok: false, detail: '1 of 10 hearings the run wrote are no longer stored (e.g. 5)' },
          { name: 'journal matches the writes', ok: true, detail: 'undo journal: 10 hearings; metrics: 10 written' },
        ],
        problems: ['hearings stored: 1 of 10 hearings the run wrote are no longer stored (e.g. 5)'],
      },
    }));
    const section = wrapper.get('[data-testid="run-reconciliation"]');
    expect(section.text()).toMatch(/^Reconciliation after the last batch: failed/);
    const items = section.findAll('li');
    expect(items.map((li) => li.text())).toEqual(['✗ hearings stored: 1 of 10 hearings the run wrote are no longer stored (e.g. 5)', '✓ journal matches the writes: undo journal: 10 hearings; metrics: 10 written']);
    expect(items[0]!.classes()).toContain('form-error');
  });
});

describe('a batch opened on a run\'s page', () => {
  afterEach(() => {
    document.body.innerHTML = '';
  });

  async function openFirstBatch(b: ReturnType<typeof batch>) {
    const wrapper = await mountDetail(detail({ status: 'partial', batchList: [b] }));
    await wrapper.get('.timeline-frame').trigger('keydown', { key: 'ArrowRight' });
    return wrapper.get('.batch-panel');
  }

  it('shows an isolated batch as committed with its records set aside, the database error as a muted reason, not as a failure', async () => {
    const panel = await openFirstBatch(batch(1, 'isolated', { quarantined: 1, error: 'CHECK constraint failed: hearings_court' }));
    expect(panel.get('[data-testid="batch-isolated"]').text()).toBe('Committed; 1 record set aside to quarantine (listed below). Reason: CHECK constraint failed: hearings_court');
    expect(panel.get('[data-testid="batch-isolated"]').classes()).toEqual(['subtle']);
    expect(panel.findAll('.form-error')).toEqual([]);
  });

  it('keeps a failed batch\'s error red', async () => {
    const panel = await openFirstBatch(batch(1, 'failed', { error: 'disk I/O error' }));
    expect(panel.get('[data-testid="batch-error"]').classes()).toContain('form-error');
    expect(panel.find('[data-testid="batch-isolated"]').exists()).toBe(false);
  });
});

describe('stopping a running run from its page', () => {
  afterEach(() => {
    document.body.innerHTML = '';
  });

  async function mountRunning(cancel: () => { cancelled: boolean }) {
    const client = fakeClient({ 'runs.get': () => detail({ status: 'running', finishedAt: null }), 'rollback.events': () => [], 'quarantine.list': () => [], 'runs.cancel': cancel });
    const wrapper = mountWith(RunDetail, client, { props: { runId: 7 } });
    useLiveRuns().apply({ type: 'run-started', runId: 7, mode: 'batch', batchSize: 50, expectedRecords: 100 });
    await flushPromises();
    const stop = wrapper.get('[data-testid="live-progress"] button');
    expect(stop.text()).toBe('Stop after this batch');
    await stop.trigger('click');
    await flushPromises();
    return wrapper.get('[data-testid="live-progress"]');
  }

  it('says the run will stop after its batch when the engine took the stop', async () => {
    const progress = await mountRunning(() => ({ cancelled: true }));
    expect(progress.get('[data-testid="stop-note"]').text()).toMatch(/^Stopping after the batch in progress/);
  });

  it('says so when this console\'s engine does not run it, rather than doing nothing', async () => {
    const progress = await mountRunning(() => ({ cancelled: false }));
    expect(progress.get('[data-testid="stop-note"]').text()).toBe('Run 7 is not running in this console\'s engine (it may have just finished, or another process runs it): stop it where it was started.');
  });

  it('asks an unnamed browser session for its name before stopping, and stops nothing when the prompt is dismissed', async () => {
    const client = fakeClient({
      'runs.get': () => detail({ status: 'running', finishedAt: null }),
      'rollback.events': () => [],
      'quarantine.list': () => [],
      'runs.cancel': () => ({ cancelled: true }),
      'session.name': ({ name }) => ({ operator: name, identity: 'session', canName: false }),
    });
    const wrapper = mountWith(RunDetail, client, { props: { runId: 7 } }, { operator: null, identity: 'session', canName: true });
    useLiveRuns().apply({ type: 'run-started', runId: 7, mode: 'batch', batchSize: 50, expectedRecords: 100 });
    await flushPromises();
    await wrapper.get('[data-testid="live-progress"] button').trigger('click');
    await flushPromises();
    const operator = useOperator();
    expect(operator.asking).toBe(true);
    expect(client.callsOf('runs.cancel')).toEqual([]);
    operator.dismiss();
    await flushPromises();
    expect(client.callsOf('runs.cancel')).toEqual([]);

    await wrapper.get('[data-testid="live-progress"] button').trigger('click');
    await flushPromises();
    expect(operator.asking).toBe(true);
    await operator.nameSession(client, 'Grace');
    await flushPromises();
    expect(client.callsOf('runs.cancel')).toEqual([{ runId: 7 }]);
  });

  it('shows a refused stop as an error', async () => {
    const progress = await mountRunning(() => {
      throw new ApiError('DB_UNREACHABLE', 'the database did not answer');
    });
    expect(progress.get('[role="alert"]').text()).toBe('The run could not be stopped: the database did not answer');
  });

  it('offers no "Try again" for a run that does not exist (asking again gives the same answer), and offers it when the database did not answer', async () => {
    const missing = mountWith(RunDetail, fakeClient({ 'runs.get': () => Promise.reject(new ApiError('NOT_FOUND', 'run 7 does not exist')) }), { props: { runId: 7 } });
    await flushPromises();
    expect(missing.get('.state-error[role="alert"]').text()).toBe('run 7 does not exist');
    expect(missing.findAll('button').filter((b) => b.text() === 'Try again')).toEqual([]);

    const unreachable = mountWith(RunDetail, fakeClient({ 'runs.get': () => Promise.reject(new ApiError('DB_UNREACHABLE', 'the database did not answer')) }), { props: { runId: 7 } });
    await flushPromises();
    expect(unreachable.get('.state-error[role="alert"]').text()).toContain('the database did not answer');
    expect(unreachable.findAll('button').filter((b) => b.text() === 'Try again')).toHaveLength(1);
  });

  it('tells a screen reader of a batch that fails while it watches, and of the run\'s end, but not of every second of progress', async () => {
    const client = fakeClient({ 'runs.get': () => detail({ status: 'running', finishedAt: null }), 'rollback.events': () => [], 'quarantine.list': () => [] });
    const wrapper = mountWith(RunDetail, client, { props: { runId: 7 } });
    const live = useLiveRuns();
    live.apply({ type: 'run-started', runId: 7, mode: 'batch', batchSize: 50, expectedRecords: 150 });
    await flushPromises();
    // Regions there before the news: one inserted together with its words is not read out.
    const alert = wrapper.get('[data-testid="run-batch-alert"]');
    expect(alert.attributes('role')).toBe('alert');
    expect(alert.text()).toBe('');
    const progress = wrapper.get('[data-testid="live-progress"]');
    expect(progress.attributes('aria-live')).toBeUndefined();
    expect(progress.attributes('role')).toBeUndefined();

    const metrics = { fetched: 100, added: 40, updated: 10, unchanged: 0, quarantined: 50, durationMs: 200 };
    live.apply({ type: 'batch-finished', runId: 7, batch: batch(1), metrics });
    live.apply({ type: 'batch-finished', runId: 7, batch: batch(2, 'failed', { quarantined: 50 }), metrics });
    await flushPromises();
    expect(wrapper.get('[data-testid="run-batch-alert"]').text()).toBe('Batch 2 failed: 0 of 50 records written, 50 quarantined (constraint violation).');

    const summary = { ...detail({ status: 'partial' }), metrics: { ...metrics, fetched: 150, added: 90 }, batches: { total: 3, succeeded: 2, failed: 1, isolated: 0 } };
    live.apply({ type: 'run-finished', runId: 7, summary });
    await flushPromises();
    expect(wrapper.get('[data-testid="run-ended-note"]').text()).toBe('Run 7 ended partial: 90 added, 10 updated, 50 quarantined; 1 of 3 batches failed.');
  });
});
