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

function buttonNamed(wrapper: VueWrapper, text: string, runId?: number) {
  const scope = runId === undefined ? wrapper : wrapper.get(`[data-anomalous-run="${runId}"]`);
  const button = scope.findAll('button').find((b) => b.text() === text);
  if (!button) throw new Error(`no button "${text}" in: ${wrapper.text()}`);
  return button;
}

const markOne = ({ runId, as, reasonKind, reason }: { runId: number; as: 'expected' | 'confirmed'; reasonKind?: string; reason: string }) => ({ id: 90, runId, action: as, reasonKind: reasonKind ?? null, reason, operator: 'Ada', at });

function answeringClient() {
  return fakeClient({
    'anomalies.mark': markOne,
    'anomalies.markMany': ({ runIds, as, reasonKind, reason }) => ({ reviews: runIds.map((runId, i) => ({ id: 100 + i, runId, action: as, reasonKind: reasonKind ?? null, reason, operator: 'Ada', at })) }),
    'anomalies.undoMarks': ({ reviewIds, reason }) => ({ reviews: reviewIds.map((id, i) => ({ id: 200 + i, runId: 31 + i, action: 'reopened' as const, reasonKind: null, reason, operator: 'Ada', at })) }),
  });
}

describe('bulk review', () => {
  afterEach(() => {
    document.body.innerHTML = '';
  });

  it('selects every visible open run at once and marks them confirmed with one reason in one call, based on each run\'s newest review as the dialog opened', async () => {
    const client = answeringClient();
    // Run 32 was marked and its mark undone (reopened): open again, with a review the bulk mark is based on.
    const reopened = { id: 77, runId: 32, action: 'reopened' as const, reasonKind: null, reason: 'wrong run', operator: 'Bo', at };
    const wrapper = mountWith(BulkReview, client, { props: { runs: [runs[0]!, { ...runs[1]!, reviews: [reopened] }, runs[2]!] } });
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
    expect(client.callsOf('anomalies.markMany')).toEqual([
      { runIds: [31, 32], as: 'confirmed', reason: 'the feed doubled rows', expectedReviews: [{ runId: 31, latestReviewId: null }, { runId: 32, latestReviewId: 77 }] },
    ]);
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
    expect(client.callsOf('anomalies.markMany')).toEqual([{ runIds: [32], as: 'expected', reasonKind: 'known-event', reason: 'recess week', expectedReviews: [{ runId: 32, latestReviewId: null }] }]);
    await buttonNamed(wrapper, 'Undo').trigger('click');
    await flushPromises();
    expect(client.callsOf('anomalies.undoMarks')).toEqual([{ reviewIds: [100], reason: 'undo of bulk mark expected: “recess week”' }]);
    expect(wrapper.get('[data-testid="bulk-result"]').text()).toBe('Undone: 1 run has its earlier review state back.');
  });

  it('undoes a mark whose reason filled its 2,000-character box: the undo quotes it cut to fit, and says so beside Undo', async () => {
    const client = answeringClient();
    const wrapper = mountWith(BulkReview, client, { props: { runs } });
    await wrapper.get('input[name="select-all-visible"]').setValue(true);
    await buttonNamed(wrapper, 'Mark selected expected…').trigger('click');
    // An emoji (two UTF-16 units) straddles the cut: it is left out whole, never split.
    const longReason = `${'r'.repeat(1_968)}🙂${'s'.repeat(30)}`;
    expect(longReason).toHaveLength(2_000);
    await wrapper.get('textarea[name="bulk-reason"]').setValue(longReason);
    await wrapper.get('form').trigger('submit');
    await flushPromises();
    expect(wrapper.get('[data-testid="undo-reason-shortened"]').text()).toBe('Undo records why as “undo of bulk mark expected: …” quoting only the first 1,968 characters of this mark\'s reason: a reason holds at most 2,000 characters.');
    await buttonNamed(wrapper, 'Undo').trigger('click');
    await flushPromises();
    expect(wrapper.find('[role="alert"]').exists()).toBe(false);
    expect(client.callsOf('anomalies.undoMarks')).toEqual([{ reviewIds: [100, 101], reason: `undo of bulk mark expected: “${'r'.repeat(1_968)}…”` }]);
    expect(wrapper.get('[data-testid="bulk-result"]').text()).toBe('Undone: 2 runs have their earlier review state back.');
  });

  it('says nothing about shortening when the undo quotes the whole reason', async () => {
    const client = answeringClient();
    const wrapper = mountWith(BulkReview, client, { props: { runs } });
    await wrapper.get('input[name="select-all-visible"]').setValue(true);
    await buttonNamed(wrapper, 'Mark selected expected…').trigger('click');
    await wrapper.get('textarea[name="bulk-reason"]').setValue('r'.repeat(1_970));
    await wrapper.get('form').trigger('submit');
    await flushPromises();
    expect(wrapper.find('[data-testid="undo-reason-shortened"]').exists()).toBe(false);
    await buttonNamed(wrapper, 'Undo').trigger('click');
    await flushPromises();
    expect(client.callsOf('anomalies.undoMarks')[0]!.reason).toBe(`undo of bulk mark expected: “${'r'.repeat(1_970)}”`);
  });

  it('after a review reloads the list, puts focus on the next open run, not the top of the page', async () => {
    const client = answeringClient();
    const open = [anomalousRun({ runId: 31 }), anomalousRun({ runId: 32 }), anomalousRun({ runId: 34 })];
    const wrapper = mountWith(BulkReview, client, { props: { runs: open } });
    const review = async (runId: number, left: ReturnType<typeof anomalousRun>[]) => {
      const opener = buttonNamed(wrapper, 'Expected…', runId);
      (opener.element as HTMLElement).focus();
      await opener.trigger('click');
      await wrapper.get('textarea[name="review-reason"]').setValue('recess week');
      await wrapper.get('form').trigger('submit');
      await flushPromises();
      // The list reloads without the run reviewed (the default: open anomalies only).
      await wrapper.setProps({ runs: left });
      await flushPromises();
      return document.activeElement?.closest('[data-anomalous-run]')?.getAttribute('data-anomalous-run');
    };
    expect(await review(32, [open[0]!, open[2]!])).toBe('34');
    // The last one in the list: the nearest open run before it.
    expect(await review(34, [open[0]!])).toBe('31');
    expect(client.callsOf('anomalies.mark')).toEqual([{ runId: 32, reason: 'recess week', as: 'expected', reasonKind: 'weekly', expectedReviewId: null }, { runId: 34, reason: 'recess week', as: 'expected', reasonKind: 'weekly', expectedReviewId: null }]);
  });

  it('keeps focus on the run reviewed when the list still shows it, and on the result of a bulk mark and its undo', async () => {
    const client = answeringClient();
    const wrapper = mountWith(BulkReview, client, { props: { runs } });
    const opener = buttonNamed(wrapper, 'Confirmed…', 31);
    (opener.element as HTMLElement).focus();
    await opener.trigger('click');
    await wrapper.get('textarea[name="review-reason"]').setValue('real drop');
    await wrapper.get('form').trigger('submit');
    await flushPromises();
    await wrapper.setProps({ runs: [anomalousRun({ runId: 31, review: 'confirmed' }), runs[1]!, runs[2]!] });
    await flushPromises();
    expect(document.activeElement?.closest('[data-anomalous-run]')?.getAttribute('data-anomalous-run')).toBe('32');

    await wrapper.get('input[name="select-all-visible"]').setValue(true);
    await buttonNamed(wrapper, 'Mark selected expected…').trigger('click');
    await wrapper.get('textarea[name="bulk-reason"]').setValue('recess week');
    await wrapper.get('form').trigger('submit');
    await flushPromises();
    expect(document.activeElement?.textContent).toBe('Undo');
    await buttonNamed(wrapper, 'Undo').trigger('click');
    await flushPromises();
    expect(document.activeElement?.getAttribute('data-testid')).toBe('bulk-result');
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
