// @vitest-environment happy-dom
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { flushPromises, mount, type VueWrapper } from '@vue/test-utils';
import { afterEach, describe, expect, it } from 'vitest';
import { defineComponent, h, ref } from 'vue';
import BatchTimeline from '../../../renderer/src/components/BatchTimeline.vue';
import { drawPlan, fullView, layoutBatches, nextWith, viewOfBar, barsInView, tickStep } from '../../../renderer/src/charts/timeline.js';
import { QUARANTINE_PAGE_SIZE } from '../../../renderer/src/components/QuarantinePages.vue';
import RunDetail from '../../../renderer/src/views/RunDetail.vue';
import { BATCH_STATUSES, type BatchRecord, type BatchStatus } from '../../../shared/run.js';
import { fakeClient } from './fake-client.js';
import { batch, quarantineAnswer, quarantined, runDetail } from './fixtures.js';
import { mountWith } from './mount.js';

// A path, not a URL: under happy-dom the global URL is the DOM's, which fs does not take.
const STYLESHEET = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../../renderer/src/styles.css');
const T0 = Date.parse('2026-11-20T10:00:00.000Z');

/** Batches one after another: each takes `durationOf(seq)` ms, with a 5 ms gap before the next. */
function sequence(count: number, statusOf: (seq: number) => BatchStatus = () => 'committed', durationOf: (seq: number) => number = () => 20): BatchRecord[] {
  const batches: BatchRecord[] = [];
  let clock = T0;
  for (let seq = 1; seq <= count; seq++) {
    clock += 5 + durationOf(seq);
    batches.push(batch(seq, statusOf(seq), { durationMs: durationOf(seq), finishedAt: new Date(clock).toISOString() }));
  }
  return batches;
}

const four = sequence(4, (seq) => BATCH_STATUSES[seq - 1]!, (seq) => seq * 100);

describe('the batch timeline geometry', () => {
  it('makes each bar as wide as its batch took, from start to finish, in batch order', () => {
    const bars = layoutBatches([...four].reverse());
    expect(bars.map((b) => b.seq)).toEqual([1, 2, 3, 4]);
    expect(bars.map((b) => b.end - b.start)).toEqual([100, 200, 300, 400]);
    expect(bars[1]!.start - bars[0]!.end).toBe(5);
  });

  it('draws 10,000 batches with no more rectangles than pixel columns, and never hides a failure', () => {
    const bars = layoutBatches(sequence(10_000, (seq) => (seq === 6_543 ? 'failed' : seq % 1_000 === 0 ? 'isolated' : 'committed')));
    const plan = drawPlan(bars, fullView(bars), 800);
    expect(plan.length).toBeLessThanOrEqual(800);
    expect(plan.filter((r) => r.status === 'failed')).toHaveLength(1);
    expect(plan.filter((r) => r.status === 'isolated')).toHaveLength(10);
  });

  it('draws single batches with their own width once zoomed in', () => {
    const bars = layoutBatches(sequence(10_000));
    const view = { min: bars[4_999]!.start, max: bars[5_002]!.end };
    const plan = drawPlan(bars, view, 1_000);
    expect(plan.map((r) => r.seq)).toEqual([5_000, 5_001, 5_002, 5_003]);
    expect(plan.every((r) => r.width > 200)).toBe(true);
  });

  it('zooms to exactly one batch', () => {
    const bars = layoutBatches(sequence(400));
    expect(barsInView(bars, viewOfBar(bars[199]!)).map((b) => b.seq)).toEqual([200]);
  });

  it('zooms to exactly one batch when back-to-back batches seem to overlap by a rounded millisecond', () => {
    // Batch 2 finished 3 ms after batch 1 and is recorded as 4 ms long: rounding, not overlap.
    const batches = [batch(1, 'committed', { durationMs: 4, finishedAt: new Date(T0 + 4).toISOString() }), batch(2, 'committed', { durationMs: 4, finishedAt: new Date(T0 + 7).toISOString() })];
    const bars = layoutBatches(batches);
    expect(bars[1]).toMatchObject({ start: T0 + 4, end: T0 + 7 });
    expect(barsInView(bars, viewOfBar(bars[1]!)).map((b) => b.seq)).toEqual([2]);
    expect(barsInView(bars, viewOfBar(bars[0]!)).map((b) => b.seq)).toEqual([1]);
  });

  it('zooms to exactly one batch that took a single millisecond', () => {
    const batches = [1, 2, 3].map((seq) => batch(seq, 'committed', { durationMs: 1, finishedAt: new Date(T0 + seq).toISOString() }));
    expect(barsInView(layoutBatches(batches), viewOfBar(layoutBatches(batches)[1]!)).map((b) => b.seq)).toEqual([2]);
  });

  it('finds the next and previous failed batch, wrapping around', () => {
    const bars = layoutBatches(sequence(50, (seq) => ([7, 30].includes(seq) ? 'failed' : 'committed')));
    expect(nextWith(bars, null, ['failed'], 1)?.seq).toBe(7);
    expect(nextWith(bars, 7, ['failed'], 1)?.seq).toBe(30);
    expect(nextWith(bars, 30, ['failed'], 1)?.seq).toBe(7);
    expect(nextWith(bars, 7, ['failed'], -1)?.seq).toBe(30);
    expect(nextWith(bars, 7, ['isolated'], 1)).toBeNull();
  });

  it('spaces axis ticks at 1, 2 or 5 times a power of ten', () => {
    expect(tickStep(14_500, 8)).toBe(2_000);
    expect(tickStep(300, 10)).toBe(50);
    expect(tickStep(1, 4)).toBe(0.5);
  });
});

describe('the batch timeline', () => {
  afterEach(() => {
    document.body.innerHTML = '';
    document.head.innerHTML = '';
  });

  /** The parent owns the selection, as RunDetail does; `chosen` records every select. */
  function mountTimeline(batches: BatchRecord[] = four, initial: number | null = null) {
    const chosen: number[] = [];
    const Host = defineComponent(() => {
      const selected = ref<number | null>(initial);
      return () => h(BatchTimeline, { batches, selected: selected.value, onSelect: (seq: number) => chosen.push((selected.value = seq)) });
    });
    return Object.assign(mount(Host, { attachTo: document.body }), { chosen });
  }
  const button = (wrapper: VueWrapper, name: RegExp) => wrapper.findAll('button').find((b) => name.test(b.text()))!;

  it('is one canvas and one tab stop however many batches there are', () => {
    const wrapper = mountTimeline(sequence(10_000));
    expect(wrapper.findAll('canvas')).toHaveLength(2);
    expect(wrapper.element.querySelectorAll('*').length).toBeLessThan(40);
    expect(wrapper.findAll('[tabindex="0"]')).toHaveLength(1);
    expect(wrapper.get('canvas[role="img"]').attributes('aria-label')).toBe('Batch timeline: 10,000 batches over 4 min 10 s, 10,000 committed; showing 10,000.');
  });

  it('says how many batches failed or were isolated, and jumps to the next one', async () => {
    const wrapper = mountTimeline(sequence(40, (seq) => (seq === 12 ? 'failed' : [3, 25].includes(seq) ? 'isolated' : 'committed')));
    expect(button(wrapper, /^Next failed/).text()).toBe('Next failed (1)');
    await button(wrapper, /^Next isolated/).trigger('click');
    await button(wrapper, /^Next isolated/).trigger('click');
    await button(wrapper, /^Next failed/).trigger('click');
    expect(wrapper.chosen).toEqual([3, 25, 12]);
    expect(wrapper.get('[data-testid="timeline-selected"]').text()).toMatch(/^Batch 12: failed — 50 planned, 0 written, .* — constraint violation$/);
  });

  it('zooms to the open batch and back out to the whole run', async () => {
    const wrapper = mountTimeline(sequence(400), 200);
    const root = () => wrapper.get('.batch-timeline');
    expect(root().attributes('data-visible-batches')).toBe('400');
    await button(wrapper, /^Zoom to batch 200$/).trigger('click');
    expect(root().attributes('data-visible-batches')).toBe('1');
    await button(wrapper, /^Zoom out$/).trigger('click');
    expect(Number(root().attributes('data-visible-batches'))).toBeGreaterThan(1);
    await button(wrapper, /^Fit all$/).trigger('click');
    expect(root().attributes('data-visible-batches')).toBe('400');
  });

  it('moves between batches and zooms with the keyboard, keeping the open batch in view', async () => {
    const wrapper = mountTimeline(sequence(100, (seq) => (seq === 90 ? 'failed' : 'committed')), 50);
    const frame = wrapper.get('.timeline-frame');
    for (const key of ['ArrowRight', 'ArrowLeft', 'ArrowLeft', 'z', 'f', 'Home', 'End']) await frame.trigger('keydown', { key });
    expect(wrapper.chosen).toEqual([51, 50, 49, 90, 1, 100]);
    const root = wrapper.get('.batch-timeline');
    expect(root.attributes('data-visible-batches')).toBe('1');
    await frame.trigger('keydown', { key: '0' });
    expect(root.attributes('data-visible-batches')).toBe('100');
  });

  it('ignores other keys', async () => {
    const wrapper = mountTimeline();
    await wrapper.get('.timeline-frame').trigger('keydown', { key: 'x' });
    expect(wrapper.chosen).toEqual([]);
  });

  it('gives every batch status its own colour in the stylesheet', () => {
    const style = document.createElement('style');
    style.textContent = fs.readFileSync(STYLESHEET, 'utf8');
    document.head.append(style);
    const swatches = mountTimeline().findAll('.legend .swatch');
    const colours = swatches.map((s) => getComputedStyle(s.element).backgroundColor);
    expect(colours.every((c) => c !== '' && c !== 'transparent' && c !== 'rgba(0, 0, 0, 0)')).toBe(true);
    expect(new Set(colours).size).toBe(BATCH_STATUSES.length);
  });
});

describe('opening a batch on the run page', () => {
  afterEach(() => {
    document.body.innerHTML = '';
  });

  it('shows the quarantined records of the chosen batch with their reasons, reading each batch once', async () => {
    const client = fakeClient({
      'runs.get': ({ runId }) => runDetail(runId, four, { status: 'partial' }),
      'quarantine.list': quarantineAnswer([quarantined(1, 2, 'date 2026-02-30 does not exist'), quarantined(2, 3, 'chamber missing'), quarantined(3, null, 'not JSON')]),
      'rollback.events': () => [],
    });
    const wrapper = mountWith(RunDetail, client, { props: { runId: 7 } });
    await flushPromises();
    expect(wrapper.text()).toContain('Batches (4)');

    await wrapper.get('[data-testid="next-failed"]').trigger('click');
    await flushPromises();
    const panel = wrapper.get('section[aria-label="Batch 3"]');
    expect(panel.text()).toContain('constraint violation');
    expect(panel.text()).toContain('chamber missing');
    expect(panel.text()).not.toContain('date 2026-02-30');
    expect(client.callsOf('quarantine.list')).toEqual([{ runId: 7, batchSeq: 3, limit: QUARANTINE_PAGE_SIZE }]);

    await wrapper.get('.timeline-frame').trigger('keydown', { key: 'Home' });
    await flushPromises();
    expect(wrapper.get('section[aria-label="Batch 1"]').text()).toContain('No record of this batch was quarantined.');
    await wrapper.get('[data-testid="next-failed"]').trigger('click');
    await flushPromises();
    expect(wrapper.get('section[aria-label="Batch 3"]').text()).toContain('chamber missing');
    expect(client.callsOf('quarantine.list')).toHaveLength(2);
    wrapper.unmount();
  });

  it('shows every quarantined record of a batch late in a big run, a page at a time', async () => {
    // 5,200 rejected in batch 1 and 250 in batch 2: a read of the whole run's first 5,000 never reaches batch 2.
    const entries = Array.from({ length: 5_450 }, (_, i) => quarantined(i + 1, i < 5_200 ? 1 : 2, i < 5_200 ? 'date missing' : `chamber missing ${i + 1}`));
    const batches = [batch(1, 'committed', { quarantined: 5_200 }), batch(2, 'committed', { quarantined: 250 })];
    const client = fakeClient({ 'runs.get': ({ runId }) => runDetail(runId, batches, { status: 'partial' }), 'quarantine.list': quarantineAnswer(entries), 'rollback.events': () => [] });
    const wrapper = mountWith(RunDetail, client, { props: { runId: 7 } });
    await flushPromises();
    await wrapper.get('.timeline-frame').trigger('keydown', { key: 'End' });
    await flushPromises();
    const panel = () => wrapper.get('section[aria-label="Batch 2"]');
    expect(panel().findAll('.quarantine-entry')).toHaveLength(QUARANTINE_PAGE_SIZE);
    expect(panel().get('[data-testid="quarantine-shown"]').text()).toBe('Quarantined records shown: 100 of 250.');
    while (panel().find('button.load-more').exists()) {
      await panel().get('button.load-more').trigger('click');
      await flushPromises();
    }
    const rows = panel().findAll('.quarantine-entry');
    expect(rows).toHaveLength(250);
    expect(rows.every((row) => row.text().includes('chamber missing'))).toBe(true);
    expect(new Set(rows.map((row) => row.text())).size).toBe(250);
    expect(panel().get('[data-testid="quarantine-shown"]').text()).toBe('Quarantined records shown: all 250.');
    wrapper.unmount();
  });

  it('reads a batch by itself when the run quarantined more than one read holds, so earlier batches do not crowd it out', async () => {
    // As the server pages: the batch filter applies in SQL, before the limit.
    const stored = [...Array.from({ length: 5_000 }, (_, i) => quarantined(i + 1, 2, 'title missing')), quarantined(5_001, 3, 'chamber missing'), quarantined(5_002, null, 'not JSON')];
    const client = fakeClient({
      'runs.get': ({ runId }) => runDetail(runId, four, { status: 'partial' }),
      'quarantine.list': ({ batchSeq, limit }) => stored.filter((e) => batchSeq === undefined || e.batchSeq === batchSeq).slice(0, limit),
      'rollback.events': () => [],
    });
    const wrapper = mountWith(RunDetail, client, { props: { runId: 7 } });
    await flushPromises();
    await wrapper.get('[data-testid="next-failed"]').trigger('click');
    await flushPromises();
    expect(wrapper.get('section[aria-label="Batch 3"]').text()).toContain('chamber missing');
    expect(client.callsOf('quarantine.list').every((call) => call.batchSeq !== undefined)).toBe(true);

    await wrapper.get('details.panel').trigger('toggle');
    await flushPromises();
    expect(wrapper.get('details.panel').text()).toContain('not JSON');
    wrapper.unmount();
  });

  it('says so when the quarantine cannot be read', async () => {
    const client = fakeClient({ 'runs.get': ({ runId }) => runDetail(runId, four), 'rollback.events': () => [] });
    const wrapper = mountWith(RunDetail, client, { props: { runId: 7 } });
    await flushPromises();
    await wrapper.get('[data-testid="next-failed"]').trigger('click');
    await flushPromises();
    expect(wrapper.get('section[aria-label="Batch 3"] [role="alert"]').text()).toContain('no answer for quarantine.list');
    wrapper.unmount();
  });
});
