// @vitest-environment happy-dom
import { flushPromises } from '@vue/test-utils';
import { afterEach, describe, expect, it } from 'vitest';
import FlagHistory from '../../../renderer/src/components/FlagHistory.vue';
import type { FlagEventView } from '../../../shared/api-operations.js';
import { fakeClient } from './fake-client.js';
import { mountWith } from './mount.js';

function flagEvent(id: number): FlagEventView {
  return { id, flag: 'BATCH_SIZE', scope: 'global', oldValue: id - 1, newValue: id, operator: 'Ada', reason: `change ${id}`, at: '2026-11-20T10:00:00.000Z', revertsEventId: null, changed: true };
}

/** flags.history answered as the flag store does: newest first, `after` the id of the last event of the page before. */
function historyOf(count: number) {
  const events = Array.from({ length: count }, (_, i) => flagEvent(count - i));
  return ({ limit, after }: { limit: number; after?: number }) => events.filter((e) => after === undefined || e.id < after).slice(0, limit);
}

describe('the flags audit history', () => {
  afterEach(() => {
    document.body.innerHTML = '';
  });

  it('reaches every change, older pages on demand, not only the latest 200', async () => {
    const client = fakeClient({ 'flags.history': historyOf(450) });
    const wrapper = mountWith(FlagHistory, client, { props: { version: 0 } });
    await flushPromises();
    const rows = () => wrapper.findAll('[data-testid="flag-history"] tbody tr');
    expect(rows()).toHaveLength(200);
    for (const expected of [400, 450]) {
      await wrapper.get('button.load-more').trigger('click');
      await flushPromises();
      expect(rows()).toHaveLength(expected);
    }
    expect(wrapper.find('button.load-more').exists()).toBe(false);
    expect(rows().at(-1)!.text()).toContain('change 1');
    expect(new Set(rows().map((row) => row.text())).size).toBe(450);
    wrapper.unmount();
  });

  it('says of a change that changed nothing (an unset of nothing, a revert done twice) that it did not, beside the recorded request', async () => {
    const unchanged: FlagEventView = { ...flagEvent(2), oldValue: null, newValue: null, revertsEventId: 1, changed: false };
    const wrapper = mountWith(FlagHistory, fakeClient({ 'flags.history': () => [unchanged, flagEvent(1)] }), { props: { version: 0 } });
    await flushPromises();
    const rows = wrapper.findAll('[data-testid="flag-history"] tbody tr');
    expect(rows[0]!.find('td.value').text()).toBe('unset → unset (reverts change 1) (no change: recorded as asked)');
    expect(rows[1]!.find('[data-testid="no-change"]').exists()).toBe(false);
    wrapper.unmount();
  });

  it('keeps the older pages open when a flag is set meanwhile, the new change on top', async () => {
    let count = 450;
    const client = fakeClient({ 'flags.history': (page: { limit: number; after?: number }) => historyOf(count)(page) });
    const wrapper = mountWith(FlagHistory, client, { props: { version: 0 } });
    await flushPromises();
    const rows = () => wrapper.findAll('[data-testid="flag-history"] tbody tr');
    await wrapper.get('button.load-more').trigger('click');
    await flushPromises();
    expect(rows()).toHaveLength(400);
    count = 451;
    await wrapper.setProps({ version: 1 });
    await flushPromises();
    expect(rows()).toHaveLength(400);
    expect(rows()[0]!.text()).toContain('change 451');
    expect(rows().at(-1)!.text()).toContain('change 52');
    await wrapper.get('button.load-more').trigger('click');
    await flushPromises();
    expect(rows()).toHaveLength(451);
    wrapper.unmount();
  });

  it('reverts once however often the confirmation is submitted while the revert is on its way', async () => {
    let answer: (event: FlagEventView) => void = () => undefined;
    const client = fakeClient({ 'flags.history': historyOf(3), 'flags.revert': () => new Promise<FlagEventView>((resolve) => (answer = resolve)) });
    const wrapper = mountWith(FlagHistory, client, { props: { version: 0 } });
    await flushPromises();
    await wrapper.get('[data-testid="flag-history"] tbody tr button').trigger('click');
    const dialog = wrapper.get('dialog form');
    await dialog.get('textarea[name="revert-reason"]').setValue('the batch size change broke the nightly run');
    await dialog.trigger('submit');
    await dialog.trigger('submit');
    await flushPromises();
    expect(client.callsOf('flags.revert')).toEqual([{ eventId: 3, reason: 'the batch size change broke the nightly run', expected: 3 }]);
    expect(dialog.get('button[type="submit"]').attributes('disabled')).toBeDefined();
    answer(flagEvent(4));
    await flushPromises();
    expect(wrapper.emitted('changed')).toHaveLength(1);
    wrapper.unmount();
  });

  it('reverting an older change says it replaces the later one and sends the value the trail shows now, so a change made since is refused', async () => {
    const client = fakeClient({ 'flags.history': historyOf(3), 'flags.revert': () => flagEvent(4) });
    const wrapper = mountWith(FlagHistory, client, { props: { version: 0 } });
    await flushPromises();
    await wrapper.findAll('[data-testid="flag-history"] tbody tr').at(-1)!.get('button').trigger('click');
    expect(wrapper.get('[data-testid="revert-replaces"]').text()).toContain('Replaces the value changed since: 3, set by Ada');
    const dialog = wrapper.get('dialog form');
    await dialog.get('textarea[name="revert-reason"]').setValue('back to before the first change');
    await dialog.trigger('submit');
    await flushPromises();
    expect(client.callsOf('flags.revert')).toEqual([{ eventId: 1, reason: 'back to before the first change', expected: 3 }]);
    wrapper.unmount();
  });
});
