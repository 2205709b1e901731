// @vitest-environment happy-dom
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { flushPromises, mount } from '@vue/test-utils';
import { afterEach, describe, expect, it } from 'vitest';
import BatchTimeline from '../../../renderer/src/components/BatchTimeline.vue';
import RunDetail from '../../../renderer/src/views/RunDetail.vue';
import { BATCH_STATUSES } from '../../../shared/run.js';
import { fakeClient } from './fake-client.js';
import { batch, quarantined, runDetail } from './fixtures.js';
import { mountWith } from './mount.js';

// A path, not a URL: under happy-dom the global URL is the DOM's, which fs does not take.
const STYLESHEET = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../../renderer/src/styles.css');
const batches = [batch(1), batch(2, 'isolated'), batch(3, 'failed'), batch(4, 'rolled_back')];

function mountTimeline(selected: number | null = null) {
  return mount(BatchTimeline, { props: { batches, selected }, attachTo: document.body });
}

describe('the batch timeline', () => {
  afterEach(() => {
    document.body.innerHTML = '';
    document.head.innerHTML = '';
  });

  it('draws one bar per batch, in order, each marked with its status', () => {
    const bars = mountTimeline().findAll('button.bar');
    expect(bars.map((b) => b.attributes('data-batch'))).toEqual(['1', '2', '3', '4']);
    expect(bars.map((b) => b.attributes('data-status'))).toEqual(['committed', 'isolated', 'failed', 'rolled_back']);
    expect(bars.map((b) => b.classes().find((c) => c.startsWith('batch-')))).toEqual(['batch-committed', 'batch-isolated', 'batch-failed', 'batch-rolled_back']);
  });

  it('gives every batch status its own colour in the stylesheet', () => {
    const style = document.createElement('style');
    style.textContent = fs.readFileSync(STYLESHEET, 'utf8');
    document.head.append(style);
    const bars = mountTimeline().findAll('button.bar');
    const colours = bars.map((b) => getComputedStyle(b.element).backgroundColor);
    expect(colours.every((c) => c !== '' && c !== 'transparent' && c !== 'rgba(0, 0, 0, 0)')).toBe(true);
    expect(new Set(colours).size).toBe(BATCH_STATUSES.length);
  });

  it('tells the counts of a batch on hover and to screen readers', () => {
    const failed = mountTimeline().get('[data-batch="3"]');
    expect(failed.attributes('title')).toBe(failed.attributes('aria-label'));
    expect(failed.attributes('title')).toMatch(/^Batch 3: failed — 50 planned, 0 written, .*0 quarantined, 0 retries, 120 ms — constraint violation$/);
    expect(mountTimeline().get('[data-batch="2"]').attributes('title')).toContain('3 quarantined');
  });

  it('opens a batch on click and shows which one is open', async () => {
    const wrapper = mountTimeline(2);
    expect(wrapper.findAll('button.bar').map((b) => b.attributes('aria-pressed'))).toEqual(['false', 'true', 'false', 'false']);
    await wrapper.get('[data-batch="3"]').trigger('click');
    expect(wrapper.emitted('select')).toEqual([[3]]);
  });

  it('moves between batches with the arrow keys, focus following', async () => {
    const wrapper = mountTimeline(1);
    const bars = wrapper.findAll('button.bar');
    (bars[0]!.element as HTMLElement).focus();
    await bars[0]!.trigger('keydown', { key: 'ArrowRight' });
    expect(document.activeElement).toBe(bars[1]!.element);
    await bars[1]!.trigger('keydown', { key: 'ArrowRight' });
    await bars[2]!.trigger('keydown', { key: 'ArrowLeft' });
    expect(wrapper.emitted('select')).toEqual([[2], [3], [2]]);
    expect(document.activeElement).toBe(bars[1]!.element);
  });

  it('stays put at either end and ignores other keys', async () => {
    const wrapper = mountTimeline();
    const bars = wrapper.findAll('button.bar');
    await bars[0]!.trigger('keydown', { key: 'ArrowLeft' });
    await bars[3]!.trigger('keydown', { key: 'ArrowRight' });
    await bars[1]!.trigger('keydown', { key: 'x' });
    expect(wrapper.emitted('select')).toBeUndefined();
  });
});

describe('opening a batch on the run page', () => {
  afterEach(() => {
    document.body.innerHTML = '';
  });

  it('shows the quarantined records of the clicked batch with their reasons', async () => {
    const client = fakeClient({
      'runs.get': ({ runId }) => runDetail(runId, batches, { status: 'partial' }),
      'quarantine.list': () => [quarantined(1, 2, 'date 2026-02-30 does not exist'), quarantined(2, 3, 'chamber missing'), quarantined(3, null, 'not JSON')],
      'rollback.events': () => [],
    });
    const wrapper = mountWith(RunDetail, client, { props: { runId: 7 } });
    await flushPromises();
    expect(wrapper.text()).toContain('Batches (4)');

    await wrapper.get('[data-batch="3"]').trigger('click');
    await flushPromises();
    const panel = wrapper.get('section[aria-label="Batch 3"]');
    expect(panel.text()).toContain('constraint violation');
    expect(panel.text()).toContain('chamber missing');
    expect(panel.text()).not.toContain('date 2026-02-30');
    expect(client.callsOf('quarantine.list')).toEqual([{ runId: 7, limit: 5_000 }]);

    await wrapper.get('[data-batch="1"]').trigger('click');
    await flushPromises();
    expect(wrapper.get('section[aria-label="Batch 1"]').text()).toContain('No record of this batch was quarantined.');
    wrapper.unmount();
  });

  it('says so when the quarantine cannot be read', async () => {
    const client = fakeClient({ 'runs.get': ({ runId }) => runDetail(runId, batches), 'rollback.events': () => [] });
    const wrapper = mountWith(RunDetail, client, { props: { runId: 7 } });
    await flushPromises();
    await wrapper.get('[data-batch="3"]').trigger('click');
    await flushPromises();
    expect(wrapper.get('section[aria-label="Batch 3"] [role="alert"]').text()).toContain('no answer for quarantine.list');
    wrapper.unmount();
  });
});
