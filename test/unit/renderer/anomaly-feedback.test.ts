// @vitest-environment happy-dom
import { flushPromises, type VueWrapper } from '@vue/test-utils';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import AnomalyFeedback from '../../../renderer/src/components/AnomalyFeedback.vue';
import { ApiError } from '../../../renderer/src/client/index.js';
import type { AnomalousRunView } from '../../../shared/api-validation.js';
import { fakeClient, type FakeClient, type Handlers } from './fake-client.js';
import { anomalousRun } from './fixtures.js';
import { mountWith } from './mount.js';

const review = { id: 5, runId: 31, reasonKind: null, reason: 'r', operator: 'ada', at: '2026-11-28T12:00:00.000Z' };

const answers: Handlers = {
  'anomalies.mark': ({ runId, as, reasonKind, reason }) => ({ ...review, runId, action: as, reasonKind: reasonKind ?? null, reason, operator: 'Ada' }),
  'runs.accept': ({ runId, reason }) => ({ runId, status: 'success', review: { ...review, runId, action: 'accepted', reason, operator: 'Ada' } }),
};

function buttonNamed(wrapper: VueWrapper, text: string) {
  const button = wrapper.findAll('button').find((b) => b.text() === text);
  if (!button) throw new Error(`no button "${text}" in: ${wrapper.text()}`);
  return button;
}

const buttonTexts = (wrapper: VueWrapper) => wrapper.findAll('.anomaly-head ~ .row-actions button').map((b) => b.text());

describe('anomaly feedback', () => {
  let client: FakeClient;
  const render = (run: AnomalousRunView = anomalousRun()) => mountWith(AnomalyFeedback, client, { props: { run } });

  beforeEach(() => {
    window.localStorage.clear();
    client = fakeClient(answers);
  });
  afterEach(() => {
    document.body.innerHTML = '';
  });

  it('shows an anomaly whose run support rolled back as rolled back, by whom, with nothing left to mark', () => {
    const rolledBack = { runIds: [31], eventId: 4, operator: 'support-ann', at: '2026-11-20T09:00:00.000Z', reason: 'a resent backlog' };
    const wrapper = render(anomalousRun({ status: 'rolled_back', rolledBack }));
    expect(wrapper.get('[data-testid="review-state"]').text()).toBe('rolled back');
    expect(wrapper.get('[data-testid="rolled-back-note"]').text()).toMatch(/^rolled back by support-ann .*: “a resent backlog”$/);
    expect(buttonTexts(wrapper)).toEqual([]);
  });

  it('shows an open anomaly with what was unusual and the two ways to mark it', () => {
    const wrapper = render();
    expect(wrapper.get('a').text()).toBe('Run 31');
    expect(wrapper.get('a').attributes('href')).toBe('#/runs/31');
    expect(wrapper.get('[data-testid="review-state"]').text()).toBe('open');
    expect(wrapper.get('.reasons').text()).toBe('fetched (band): fetched 900 is far above the usual 100–200');
    expect(buttonTexts(wrapper)).toEqual(['Expected…', 'Confirmed…']);
    expect(wrapper.find('form').exists()).toBe(false);
  });

  it('marks a run expected with the pattern that explains it, once a reason is given', async () => {
    const wrapper = render();
    await buttonNamed(wrapper, 'Expected…').trigger('click');
    expect(wrapper.text()).toContain('Expected: the run stays in the validator\'s training history.');
    expect(buttonNamed(wrapper, 'Mark expected').attributes('disabled')).toBeDefined();
    expect(wrapper.text()).toContain('A reason is needed.');

    await wrapper.get('select[name="reason-kind"]').setValue('known-event');
    await wrapper.get('textarea[name="review-reason"]').setValue('committee markup week');
    expect(buttonNamed(wrapper, 'Mark expected').attributes('disabled')).toBeUndefined();
    await wrapper.get('form').trigger('submit');
    await flushPromises();

    expect(client.callsOf('anomalies.mark')).toEqual([{ runId: 31, as: 'expected', reasonKind: 'known-event', reason: 'committee markup week', expectedReviewId: null }]);
    expect(wrapper.emitted('changed')).toHaveLength(1);
    expect(wrapper.find('form').exists()).toBe(false);
  });

  it('marks a run confirmed without a pattern', async () => {
    const wrapper = render();
    await buttonNamed(wrapper, 'Confirmed…').trigger('click');
    expect(wrapper.find('select[name="reason-kind"]').exists()).toBe(false);
    await wrapper.get('textarea[name="review-reason"]').setValue('the source doubled rows');
    await wrapper.get('form').trigger('submit');
    await flushPromises();
    expect(client.callsOf('anomalies.mark')).toEqual([{ runId: 31, as: 'confirmed', reason: 'the source doubled rows', expectedReviewId: null }]);
  });

  it('sends nothing when the form is submitted with a blank reason', async () => {
    const wrapper = render();
    await buttonNamed(wrapper, 'Confirmed…').trigger('click');
    await wrapper.get('textarea[name="review-reason"]').setValue('   ');
    await wrapper.get('form').trigger('submit');
    await flushPromises();
    expect(client.calls).toEqual([]);
    expect(wrapper.emitted('changed')).toBeUndefined();
  });

  it('lets a held run be accepted, or sends the operator to its run page to roll it back', async () => {
    const wrapper = render(anomalousRun({ status: 'held' }));
    expect(buttonTexts(wrapper)).toEqual(['Expected…', 'Confirmed…', 'Accept…']);
    expect(wrapper.findAll('a').map((a) => a.text())).toContain('Roll back… (run page)');
    await buttonNamed(wrapper, 'Accept…').trigger('click');
    await wrapper.get('textarea[name="review-reason"]').setValue('checked by hand');
    await buttonNamed(wrapper, 'Accept run 31').trigger('submit');
    await flushPromises();
    expect(client.callsOf('runs.accept')).toEqual([{ runId: 31, reason: 'checked by hand' }]);
    expect(client.callsOf('anomalies.mark')).toEqual([]);
  });

  it('shows the latest review of a marked run and offers no second mark', () => {
    const wrapper = render(anomalousRun({ review: 'expected', reviews: [{ ...review, action: 'expected', reasonKind: 'weekly', reason: 'Monday backlog', operator: 'grace' }] }));
    expect(wrapper.get('[data-testid="review-state"]').text()).toBe('expected');
    expect(wrapper.get('[data-testid="review-note"]').text()).toBe('expected (weekly pattern) by grace: “Monday backlog”');
    expect(buttonTexts(wrapper)).toEqual([]);
  });

  it('shows the refusal and keeps the form with what was typed', async () => {
    client = fakeClient({ 'anomalies.mark': () => Promise.reject(new ApiError('CONFLICT', 'run 31 was already marked', 'reload the list')) });
    const wrapper = render();
    await buttonNamed(wrapper, 'Confirmed…').trigger('click');
    await wrapper.get('textarea[name="review-reason"]').setValue('real problem');
    await wrapper.get('form').trigger('submit');
    await flushPromises();
    expect(wrapper.get('[role="alert"]').text()).toBe('run 31 was already marked — reload the list');
    expect((wrapper.get('textarea[name="review-reason"]').element as HTMLTextAreaElement).value).toBe('real problem');
    expect(wrapper.emitted('changed')).toBeUndefined();
  });

  it('sends the newest mark it opened on, not one the list shows after a reload, and keeps the note when that is refused', async () => {
    const undone = [{ ...review, id: 7, action: 'confirmed' as const }, { ...review, id: 8, action: 'reopened' as const }, { ...review, id: 9, action: 'accepted' as const }];
    client = fakeClient({ 'anomalies.mark': () => Promise.reject(new ApiError('CONFLICT', 'run 31 was marked confirmed by bo at 2026-11-28T12:05:00.000Z ("feed doubled") after this mark was begun: someone reviewed it meanwhile; nothing was changed', 'the list now shows that review; mark the run again if it still needs it')) });
    const wrapper = render(anomalousRun({ reviews: undone }));
    await buttonNamed(wrapper, 'Expected…').trigger('click');
    await wrapper.get('textarea[name="review-reason"]').setValue('Monday catch-up');
    // The list reloads behind the open dialog with Bo's mark: the dialog still says what Ada saw.
    await wrapper.setProps({ run: anomalousRun({ review: 'confirmed', reviews: [...undone, { ...review, id: 10, action: 'confirmed', operator: 'bo' }] }) });
    await wrapper.get('form').trigger('submit');
    await flushPromises();
    expect(client.callsOf('anomalies.mark')).toEqual([{ runId: 31, as: 'expected', reasonKind: 'weekly', reason: 'Monday catch-up', expectedReviewId: 8 }]);
    expect(wrapper.get('[role="alert"]').text()).toContain('marked confirmed by bo at 2026-11-28T12:05:00.000Z');
    expect((wrapper.get('textarea[name="review-reason"]').element as HTMLTextAreaElement).value).toBe('Monday catch-up');
    expect(wrapper.emitted('changed')).toBeUndefined();
  });

  it('starts each action with an empty reason, and Cancel closes the form', async () => {
    const wrapper = render();
    await buttonNamed(wrapper, 'Expected…').trigger('click');
    await wrapper.get('textarea[name="review-reason"]').setValue('half-typed');
    await buttonNamed(wrapper, 'Confirmed…').trigger('click');
    expect((wrapper.get('textarea[name="review-reason"]').element as HTMLTextAreaElement).value).toBe('');
    await buttonNamed(wrapper, 'Cancel').trigger('click');
    expect(wrapper.find('form').exists()).toBe(false);
    expect(client.calls).toEqual([]);
  });
});
