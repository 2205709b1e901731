// @vitest-environment happy-dom
import { createPinia, setActivePinia } from 'pinia';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { flushPromises } from '@vue/test-utils';
import { pace, useLiveRuns } from '../../../renderer/src/stores/live.js';
import RunDetail from '../../../renderer/src/views/RunDetail.vue';
import { fakeClient } from './fake-client.js';
import { batch, metrics, runDetail, runSummary } from './fixtures.js';
import { mountWith } from './mount.js';
import { withStatusReasons } from '../../../shared/run.js';

const T0 = Date.parse('2026-11-28T12:00:00.000Z');

describe('the live runs store', () => {
  beforeEach(() => {
    setActivePinia(createPinia());
    // Only the clock is faked: rates are computed from Date.now(), nothing here waits on timers.
    vi.useFakeTimers({ toFake: ['Date'] });
    vi.setSystemTime(T0);
  });
  afterEach(() => vi.useRealTimers());

  it('subscribes to the event stream once and adopts the runs already in progress', async () => {
    const client = fakeClient({ 'runs.active': () => [{ runId: 4, startedAt: '2026-11-28T11:59:50.000Z', expectedRecords: 500, metrics: metrics({ fetched: 100 }), elapsedMs: 10_000 }] });
    const live = useLiveRuns();
    live.connect(client);
    live.connect(client);
    await flushPromises();

    expect(client.listenerCount()).toBe(1);
    expect(client.callsOf('runs.active')).toHaveLength(1);
    expect(live.isActive(4)).toBe(true);
    expect(pace(live.runs[4]!)).toEqual({ perSecond: 10, etaSeconds: 40 });
  });

  it('still listens for events when the list of active runs cannot be read', async () => {
    const client = fakeClient(); // no answer for runs.active: the call fails
    const live = useLiveRuns();
    live.connect(client);
    await flushPromises();
    client.emit({ type: 'run-started', runId: 9, mode: 'batch', batchSize: 50, expectedRecords: null });
    expect(live.isActive(9)).toBe(true);
  });

  it('knows when the event stream drops, so the sidebar can say runs shown may be stale, and when it is back', () => {
    const client = fakeClient({ 'runs.active': () => [] });
    const live = useLiveRuns();
    live.connect(client);
    expect(live.streamLost).toBe(false);
    client.emitStreamStatus(false);
    client.emitStreamStatus(false);
    expect(live.streamLost).toBe(true);
    client.emitStreamStatus(true);
    expect(live.streamLost).toBe(false);
  });

  it('adds each finished batch and updates the counts, the rate and the ETA', () => {
    const client = fakeClient({ 'runs.active': () => [] });
    const live = useLiveRuns();
    live.connect(client);
    client.emit({ type: 'run-started', runId: 7, mode: 'batch', batchSize: 50, expectedRecords: 1_000 });
    expect(pace(live.runs[7]!)).toEqual({ perSecond: null, etaSeconds: null });

    vi.setSystemTime(T0 + 5_000);
    client.emit({ type: 'batch-finished', runId: 7, batch: batch(1), metrics: metrics({ fetched: 100, added: 80 }) });
    vi.setSystemTime(T0 + 10_000);
    client.emit({ type: 'batch-finished', runId: 7, batch: batch(2, 'isolated'), metrics: metrics({ fetched: 200, added: 150, quarantined: 3 }) });

    const run = live.runs[7]!;
    expect(run.batches.map((b) => [b.seq, b.status])).toEqual([[1, 'committed'], [2, 'isolated']]);
    expect(run.metrics.quarantined).toBe(3);
    expect(pace(run)).toEqual({ perSecond: 20, etaSeconds: 40 });
  });

  it('takes the elapsed time from progress events and gives no ETA when the total is unknown', () => {
    const live = useLiveRuns();
    live.apply({ type: 'run-started', runId: 3, mode: 'batch', batchSize: 50, expectedRecords: null });
    live.apply({ type: 'progress', runId: 3, metrics: metrics({ fetched: 300 }), elapsedMs: 6_000 });
    expect(pace(live.runs[3]!)).toEqual({ perSecond: 50, etaSeconds: null });
  });

  it('never reports a negative ETA when the run reads more than expected', () => {
    const live = useLiveRuns();
    live.apply({ type: 'run-started', runId: 3, mode: 'batch', batchSize: 50, expectedRecords: 100 });
    live.apply({ type: 'progress', runId: 3, metrics: metrics({ fetched: 150 }), elapsedMs: 3_000 });
    expect(pace(live.runs[3]!).etaSeconds).toBe(0);
  });

  it('marks a run finished and counts it, so lists know to reload', () => {
    const live = useLiveRuns();
    live.apply({ type: 'run-started', runId: 5, mode: 'batch', batchSize: 50, expectedRecords: 150 });
    live.apply({ type: 'run-finished', runId: 5, summary: runSummary(5) });
    expect(live.isActive(5)).toBe(false);
    expect(live.finishedCount).toBe(1);
    expect(live.runs[5]!.metrics.fetched).toBe(150);
  });

  it('ignores events of runs it never saw start', () => {
    const live = useLiveRuns();
    live.apply({ type: 'batch-finished', runId: 99, batch: batch(1), metrics: metrics({ fetched: 50 }) });
    live.apply({ type: 'run-finished', runId: 99, summary: runSummary(99) });
    expect(live.runs[99]).toBeUndefined();
    expect(live.finishedCount).toBe(0);
  });

  it('counts a run another process started or ended as a change, and follows nothing it did not see here', async () => {
    let stored = [runSummary(1)];
    const client = fakeClient({ 'runs.list': () => stored.map(withStatusReasons) });
    const live = useLiveRuns();
    await live.lookForOtherWriters(client); // the baseline: what the views load
    expect([live.finishedCount, live.othersMoved]).toEqual([0, 0]);

    stored = [runSummary(2, { status: 'running', finishedAt: null }), ...stored];
    await live.lookForOtherWriters(client);
    expect([live.finishedCount, live.othersMoved]).toEqual([1, 1]);
    await live.lookForOtherWriters(client); // still writing: its page reloads, the lists do not
    expect([live.finishedCount, live.othersMoved]).toEqual([1, 2]);

    stored = [runSummary(2, { status: 'partial' }), runSummary(1)];
    await live.lookForOtherWriters(client);
    expect([live.finishedCount, live.othersMoved]).toEqual([2, 3]);
    await live.lookForOtherWriters(client);
    expect([live.finishedCount, live.othersMoved]).toEqual([2, 3]);
    expect(live.runs[2]).toBeUndefined();
  });

  it('counts a run another process writes among the runs in progress, from the first look until it ends', async () => {
    let stored = [runSummary(3, { status: 'running', finishedAt: null }), runSummary(1)];
    const client = fakeClient({ 'runs.list': () => stored.map(withStatusReasons) });
    const live = useLiveRuns();
    live.apply({ type: 'run-started', runId: 4, mode: 'batch', batchSize: 50, expectedRecords: 150 });
    expect(live.activeCount).toBe(1);
    await live.lookForOtherWriters(client);
    expect([live.othersRunning, live.activeCount]).toEqual([[3], 2]);
    // This server's own run, stored as running too, is counted once.
    stored = [runSummary(4, { status: 'running', finishedAt: null }), ...stored];
    await live.lookForOtherWriters(client);
    expect([live.othersRunning, live.activeCount]).toEqual([[3], 2]);
    stored = [runSummary(4, { status: 'running', finishedAt: null }), runSummary(3, { status: 'interrupted' }), runSummary(1)];
    await live.lookForOtherWriters(client);
    expect([live.othersRunning, live.activeCount]).toEqual([[], 1]);
  });

  it('names a stored run whose status another process changed, one this console ran included, so its page reads it again', async () => {
    let stored = [runSummary(2, { status: 'interrupted' }), runSummary(1)];
    const client = fakeClient({ 'runs.list': () => stored.map(withStatusReasons) });
    const live = useLiveRuns();
    live.apply({ type: 'run-started', runId: 1, mode: 'batch', batchSize: 50, expectedRecords: 150 });
    live.apply({ type: 'run-finished', runId: 1, summary: runSummary(1) });
    await live.lookForOtherWriters(client);
    await live.lookForOtherWriters(client);
    expect([live.statusMoved, live.othersMoved]).toEqual([[], 0]);
    // A teammate's console rolls back both: the run it did not run here, and the one it did.
    stored = [runSummary(2, { status: 'rolled_back' }), runSummary(1, { status: 'rolled_back' })];
    await live.lookForOtherWriters(client);
    expect([live.statusMoved, live.othersMoved, live.finishedCount]).toEqual([[2, 1], 1, 2]);
    await live.lookForOtherWriters(client);
    expect(live.statusMoved).toEqual([]);
  });

  it('finishes a run it follows from the stored row when the run-finished event was lost', async () => {
    const client = fakeClient({ 'runs.list': () => [withStatusReasons(runSummary(5, { status: 'partial' }))] });
    const live = useLiveRuns();
    live.apply({ type: 'run-started', runId: 5, mode: 'batch', batchSize: 50, expectedRecords: 150 });
    await live.lookForOtherWriters(client);
    expect(live.isActive(5)).toBe(false);
    expect(live.runs[5]!.summary?.status).toBe('partial');
    expect(live.finishedCount).toBe(1);
  });

  it('keeps only the five latest warnings', () => {
    const live = useLiveRuns();
    for (let i = 1; i <= 7; i++) live.apply({ type: 'warning', runId: null, message: `warning ${i}` });
    expect(live.warnings).toEqual(['warning 3', 'warning 4', 'warning 5', 'warning 6', 'warning 7']);
  });
});

describe('the run page while a run is live', () => {
  beforeEach(() => {
    vi.useFakeTimers({ toFake: ['Date'] });
    vi.setSystemTime(T0);
  });
  afterEach(() => vi.useRealTimers());

  it('shows records read, records/s and the ETA, and the batches as they arrive', async () => {
    const client = fakeClient({ 'runs.get': ({ runId }) => runDetail(runId, [], { status: 'running', finishedAt: null }), 'rollback.events': () => [] });
    const wrapper = mountWith(RunDetail, client, { props: { runId: 7 } });
    const live = useLiveRuns();
    live.connect(client);
    client.emit({ type: 'run-started', runId: 7, mode: 'batch', batchSize: 50, expectedRecords: 1_000 });
    await flushPromises();
    expect(wrapper.get('[data-testid="live-progress"]').text()).toContain('0 of 1,000 records read');
    expect(wrapper.text()).toContain('Waiting for the first batch…');

    vi.setSystemTime(T0 + 10_000);
    client.emit({ type: 'batch-finished', runId: 7, batch: batch(1), metrics: metrics({ fetched: 100 }) });
    client.emit({ type: 'batch-finished', runId: 7, batch: batch(2, 'failed'), metrics: metrics({ fetched: 200 }) });
    await flushPromises();

    const progress = wrapper.get('[data-testid="live-progress"]').text();
    expect(progress).toContain('200 of 1,000 records read');
    expect(progress).toContain('20 records/s');
    expect(progress).toContain('ETA 40.0 s');
    expect(wrapper.get('.batch-timeline').attributes('data-total')).toBe('2');
    expect(wrapper.get('[data-testid="next-failed"]').text()).toBe('Next failed (1)');
    wrapper.unmount();
  });

  it('writes a rate in the thousands with its separator, as it writes the records read beside it', async () => {
    const client = fakeClient({ 'runs.get': ({ runId }) => runDetail(runId, [], { status: 'running', finishedAt: null }), 'rollback.events': () => [] });
    const wrapper = mountWith(RunDetail, client, { props: { runId: 7 } });
    const live = useLiveRuns();
    live.connect(client);
    client.emit({ type: 'run-started', runId: 7, mode: 'batch', batchSize: 50, expectedRecords: 20_000 });
    vi.setSystemTime(T0 + 10_000);
    client.emit({ type: 'batch-finished', runId: 7, batch: batch(1), metrics: metrics({ fetched: 12_960 }) });
    await flushPromises();

    const progress = wrapper.get('[data-testid="live-progress"]').text();
    expect(progress).toContain('12,960 of 20,000 records read');
    expect(progress).toContain('1,296 records/s');
    wrapper.unmount();
  });

  it('keeps the stored batches and adds the streamed ones when the page is opened (or reloaded) mid-run', async () => {
    // The page reads batches 1–3 from the database; the stream it joined late only carries 4 and on.
    const client = fakeClient({ 'runs.get': ({ runId }) => runDetail(runId, [batch(1), batch(2, 'isolated'), batch(3)], { status: 'running', finishedAt: null }), 'rollback.events': () => [] });
    const wrapper = mountWith(RunDetail, client, { props: { runId: 7 } });
    const live = useLiveRuns();
    live.apply({ type: 'run-started', runId: 7, mode: 'batch', batchSize: 50, expectedRecords: 1_000 });
    await flushPromises();
    const timeline = () => wrapper.get('.batch-timeline');
    expect(timeline().attributes('data-total')).toBe('3');

    for (const seq of [4, 5, 6, 7]) {
      live.apply({ type: 'batch-finished', runId: 7, batch: batch(seq), metrics: metrics({ fetched: seq * 50 }) });
      await flushPromises();
      expect(timeline().attributes('data-total')).toBe(String(seq));
    }
    expect(wrapper.get('[data-testid="next-isolated"]').text()).toBe('Next isolated (1)');
    expect(wrapper.get('h3').text()).toBe('Batches (7)');
    wrapper.unmount();
  });

  it('says, once a run stopped from this page has stopped, which batches it kept', async () => {
    let stored: { status: 'running' | 'interrupted'; batches: ReturnType<typeof batch>[] } = { status: 'running', batches: [] };
    const client = fakeClient({
      'runs.get': ({ runId }) => runDetail(runId, stored.batches, { status: stored.status, metrics: metrics({ fetched: 150, added: 110, updated: 30, quarantined: 3 }) }),
      'runs.cancel': () => ({ cancelled: true }),
      'rollback.events': () => [],
    });
    const wrapper = mountWith(RunDetail, client, { props: { runId: 7 } });
    const live = useLiveRuns();
    live.apply({ type: 'run-started', runId: 7, mode: 'batch', batchSize: 50, expectedRecords: 1_000 });
    live.apply({ type: 'batch-finished', runId: 7, batch: batch(1), metrics: metrics({ fetched: 50 }) });
    await flushPromises();
    await wrapper.get('[data-testid="live-progress"] button').trigger('click');
    await flushPromises();
    expect(wrapper.get('[data-testid="stop-note"]').text()).toMatch(/^Stopping after the batch in progress/);

    stored = { status: 'interrupted', batches: [batch(1), batch(2), batch(3, 'isolated')] };
    live.apply({ type: 'run-finished', runId: 7, summary: runSummary(7, { status: 'interrupted' }) });
    await flushPromises();
    expect(wrapper.find('[data-testid="live-progress"]').exists()).toBe(false);
    expect(wrapper.get('[data-testid="stop-note"]').text()).toBe(
      'Stopped as asked after batch 3: the 3 committed batches stay (110 added, 30 updated, 3 quarantined); nothing after them was written, and the run can be resumed.',
    );
    wrapper.unmount();
  });

  it('drops the live panel and reloads the stored run when the run finishes', async () => {
    let status: 'running' | 'partial' = 'running';
    const client = fakeClient({ 'runs.get': ({ runId }) => runDetail(runId, [batch(1), batch(2, 'failed')], { status }), 'rollback.events': () => [] });
    const wrapper = mountWith(RunDetail, client, { props: { runId: 7 } });
    const live = useLiveRuns();
    live.apply({ type: 'run-started', runId: 7, mode: 'batch', batchSize: 50, expectedRecords: 100 });
    await flushPromises();
    expect(wrapper.find('[data-testid="live-progress"]').exists()).toBe(true);

    status = 'partial';
    live.apply({ type: 'run-finished', runId: 7, summary: runSummary(7, { status: 'partial' }) });
    await flushPromises();
    expect(wrapper.find('[data-testid="live-progress"]').exists()).toBe(false);
    expect(wrapper.get('h2').text()).toContain('partial');
    expect(client.callsOf('runs.get')).toHaveLength(2);
    wrapper.unmount();
  });
});
