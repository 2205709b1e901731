// @vitest-environment happy-dom
import { flushPromises, type VueWrapper } from '@vue/test-utils';
import { afterEach, describe, expect, it } from 'vitest';
import BulkReview from '../../../renderer/src/components/BulkReview.vue';
import { ApiError } from '../../../renderer/src/client/index.js';
import { fakeClient } from './fake-client.js';
import { anomalousRun } from './fixtures.js';
import { mountWith } from './mount.js';

const at = '2026-11-28T12:00:00.000Z';
const runs = [anomalousRun({ runId: 31 }), anomalousRun({ runId: 32 }), anomalousRun({ runId: 33, review: 'expected' })];

function buttonNamed(wrapper: VueWrapper, text: string) {
  const button = wrapper.findAll('button').find((b) => b.text() === text);
  if (!button) throw new Error(`no button "${text}" in: ${wrapper.text()}`);
  return button;
}

function answeringClient() {
  return fakeClient({
    'anomalies.markMany': ({ runIds, as, reasonKind, reason }) => ({ reviews: runIds.map((runId, i) => ({ id: 100 + i, runId, action: as, reasonKind: reasonKind ?? null, reason, operator: 'Ada', at })) }),
    'anomalies.undoMarks': ({ reviewIds, reason }) => ({ reviews: reviewIds.map((id, i) => ({ id: 200 + i, runId: 31 + i, action: 'reopened' as const, reasonKind: null, reason, operator: 'Ada', at })) }),
  });
}

describe('bulk review', () => {
  afterEach(() => {
    document.body.innerHTML = '';
  });

  it('selects every visible open run at once and marks them confirmed with one reason in one call', async () => {
    const client = answeringClient();
    const wrapper = mountWith(BulkReview, client, { props: { runs } });
    // The status region is there before the mark: a live region inserted with its words is not read out.
    const status = wrapper.get('[role="status"]');
    expect(status.text()).toBe('');
    expect(wrapper.findAll('input[name="select-run"]')).toHaveLength(2);
    await wrapper.get('input[name="select-all-visible"]').setValue(true);
    expect(wrapper.get('[data-testid="selected-count"]').text()).toBe('2 selected');
    await buttonNamed(wrapper, 'Mark selected confirmed…').trigger('click');
    expect(buttonNamed(wrapper, 'Mark 2 runs confirmed').attributes('disabled')).toBeDefined();
    await wrapper.get('textarea[name="bulk-reason"]').setValue('the feed doubled rows');
    await wrapper.get('form').trigger('submit');
    await flushPromises();
    expect(client.callsOf('anomalies.markMany')).toEqual([{ runIds: [31, 32], as: 'confirmed', reason: 'the feed doubled rows' }]);
    expect(status.get('[data-testid="bulk-result"]').text()).toContain('Marked 2 runs confirmed.');
    expect(wrapper.emitted('changed')).toHaveLength(1);
  });

  it('undoes the last bulk mark by its review ids, with a reason that names it', async () => {
    const client = answeringClient();
    const wrapper = mountWith(BulkReview, client, { props: { runs } });
    await wrapper.findAll('input[name="select-run"]')[1]!.setValue(true);
    await buttonNamed(wrapper, 'Mark selected expected…').trigger('click');
    await wrapper.get('select[name="bulk-reason-kind"]').setValue('known-event');
    await wrapper.get('textarea[name="bulk-reason"]').setValue('recess week');
    await wrapper.get('form').trigger('submit');
    await flushPromises();
    expect(client.callsOf('anomalies.markMany')).toEqual([{ runIds: [32], as: 'expected', reasonKind: 'known-event', reason: 'recess week' }]);
    await buttonNamed(wrapper, 'Undo').trigger('click');
    await flushPromises();
    expect(client.callsOf('anomalies.undoMarks')).toEqual([{ reviewIds: [100], reason: 'undo of bulk mark expected: “recess week”' }]);
    expect(wrapper.get('[data-testid="bulk-result"]').text()).toBe('Undone: 1 runs have their earlier review state back.');
  });

  it('says why the server refused and keeps the selection', async () => {
    const client = fakeClient({ 'anomalies.markMany': () => Promise.reject(new ApiError('CONFLICT', 'run 32 was not flagged anomalous')) });
    const wrapper = mountWith(BulkReview, client, { props: { runs } });
    await wrapper.get('input[name="select-all-visible"]').setValue(true);
    await buttonNamed(wrapper, 'Mark selected confirmed…').trigger('click');
    await wrapper.get('textarea[name="bulk-reason"]').setValue('bad');
    await wrapper.get('form').trigger('submit');
    await flushPromises();
    expect(wrapper.get('[role="alert"]').text()).toContain('run 32 was not flagged anomalous');
    expect(wrapper.get('[data-testid="selected-count"]').text()).toBe('2 selected');
  });
});
