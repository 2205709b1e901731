// @vitest-environment happy-dom
import { flushPromises } from '@vue/test-utils';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import FlagEditor from '../../../renderer/src/components/FlagEditor.vue';
import { ApiError } from '../../../renderer/src/client/index.js';
import type { FlagView } from '../../../shared/api-operations.js';
import { fakeClient, type FakeClient } from './fake-client.js';
import { flagView } from './fixtures.js';
import { mountWith } from './mount.js';

const SCOPES = ['global', 'task:nightly'];

/** As the server answers: the actor is the session's operator, never something the form sent. */
function flagEvent(input: { flag: string; scope: string; value?: unknown; reason: string }) {
  return { id: 1, flag: input.flag, scope: input.scope, oldValue: true, newValue: (input.value ?? null) as boolean | null, operator: 'Ada', reason: input.reason, at: '2026-11-28T12:00:00.000Z', revertsEventId: null, changed: true };
}

function editor(client: FakeClient, flag: FlagView = flagView()) {
  const wrapper = mountWith(FlagEditor, client, { props: { flag, scopes: SCOPES } });
  const save = () => wrapper.get('button[type="submit"]');
  return { wrapper, save, remove: () => wrapper.get('button:not([type="submit"])') };
}

describe('the flag editor', () => {
  let client: FakeClient;
  beforeEach(() => {
    window.localStorage.clear();
    client = fakeClient({ 'flags.set': flagEvent, 'flags.unset': flagEvent });
  });
  afterEach(() => {
    document.body.innerHTML = '';
  });

  it('keeps Save disabled and says why until there is a reason', async () => {
    const { wrapper, save } = editor(client);
    expect(save().attributes('disabled')).toBeDefined();
    expect(wrapper.text()).toContain('A reason is needed before saving.');

    expect(save().attributes('disabled')).toBeDefined();
    await wrapper.get('textarea[name="reason"]').setValue('   \n ');
    expect(save().attributes('disabled')).toBeDefined();

    await wrapper.get('textarea[name="reason"]').setValue('incident 42: writes stall');
    expect(save().attributes('disabled')).toBeUndefined();
    expect(wrapper.text()).not.toContain('are needed before saving');
  });

  it('refuses to send a change without a reason even when the form is submitted (Enter key)', async () => {
    const { wrapper } = editor(client);
    await wrapper.get('textarea[name="reason"]').setValue('  ');
    await wrapper.get('form').trigger('submit');
    await flushPromises();
    expect(client.calls).toEqual([]);
    expect(wrapper.emitted('saved')).toBeUndefined();
  });

  it('has no operator field: it shows the name the server will record', () => {
    const { wrapper } = editor(client);
    expect(wrapper.find('input[name="operator"]').exists()).toBe(false);
    expect(wrapper.get('[data-testid="operator-note"]').text()).toBe('Recorded as Ada.');
  });

  it('sends the typed value, the scope and the reason, then reports it saved', async () => {
    const { wrapper, save } = editor(client);
    await wrapper.get('select[name="scope"]').setValue('task:nightly');
    await wrapper.get('select[name="value"]').setValue('false');
    await wrapper.get('textarea[name="reason"]').setValue('incident 42: writes stall');
    expect(save().text()).toBe('Save for task:nightly');
    await save().trigger('submit');
    await flushPromises();

    expect(client.callsOf('flags.set')).toEqual([{ flag: 'ENABLE_BATCH_PROCESSING', scope: 'task:nightly', value: false, reason: 'incident 42: writes stall', expected: null }]);
    expect(wrapper.emitted('saved')).toHaveLength(1);
  });

  it('offers a kill for an on/off flag only, and says what a kill does before it is saved', async () => {
    const killable = mountWith(FlagEditor, client, { props: { flag: flagView(), scopes: ['global', 'kill', 'task:nightly'] } });
    expect(killable.findAll('select[name="scope"] option').map((o) => o.text())).toEqual(['global', 'kill', 'task:nightly']);
    expect(killable.find('[data-testid="kill-note"]').exists()).toBe(false);
    await killable.get('select[name="scope"]').setValue('kill');
    expect(killable.get('[data-testid="kill-note"]').text()).toBe('A kill holds ENABLE_BATCH_PROCESSING off for every task and manual run, whatever their own values, until the kill value is removed.');
    await killable.get('textarea[name="reason"]').setValue('incident 42: writes stall');
    await killable.get('form').trigger('submit');
    await flushPromises();
    expect(client.callsOf('flags.set')).toEqual([{ flag: 'ENABLE_BATCH_PROCESSING', scope: 'kill', value: false, reason: 'incident 42: writes stall', expected: null }]);

    const number = flagView({ name: 'BATCH_SIZE', type: 'integer', kind: 'operational', defaultValue: 50, inForce: { value: 50, reason: 'DEFAULT' } });
    const knob = mountWith(FlagEditor, client, { props: { flag: number, scopes: ['global', 'kill', 'task:nightly'] } });
    expect(knob.findAll('select[name="scope"] option').map((o) => o.text())).toEqual(['global', 'task:nightly']);
  });

  it('kills an on/off flag at its killed position, whatever value the editor opened with: no value to pick that the server would refuse', async () => {
    // Support kills what is on: the editor opens on the value in force (on), and a kill that sent it was refused.
    const on = mountWith(FlagEditor, client, { props: { flag: flagView(), scopes: ['global', 'kill'] } });
    expect((on.get('select[name="value"]').element as HTMLSelectElement).value).toBe('true');
    await on.get('select[name="scope"]').setValue('kill');
    expect(on.find('select[name="value"]').exists()).toBe(false);
    expect(on.get('[data-testid="kill-value"]').text()).toBe('Value off (false), as every kill of ENABLE_BATCH_PROCESSING holds it');
    await on.get('textarea[name="reason"]').setValue('incident 43');
    await on.get('form').trigger('submit');
    await flushPromises();

    // A kill switch is killed on.
    const pause = flagView({ name: 'PAUSE_SCHEDULED_RUNS', kind: 'kill-switch', defaultValue: false, inForce: { value: false, reason: 'DEFAULT' } });
    const off = mountWith(FlagEditor, client, { props: { flag: pause, scopes: ['global', 'kill'] } });
    await off.get('select[name="scope"]').setValue('kill');
    expect(off.get('[data-testid="kill-value"]').text()).toBe('Value on (true), as every kill of PAUSE_SCHEDULED_RUNS holds it');
    await off.get('textarea[name="reason"]').setValue('stop the scheduler');
    await off.get('form').trigger('submit');
    await flushPromises();
    expect(client.callsOf('flags.set')).toEqual([
      { flag: 'ENABLE_BATCH_PROCESSING', scope: 'kill', value: false, reason: 'incident 43', expected: null },
      { flag: 'PAUSE_SCHEDULED_RUNS', scope: 'kill', value: true, reason: 'stop the scheduler', expected: null },
    ]);

    // Back on another scope, the value is the operator's to choose again.
    await on.get('select[name="scope"]').setValue('global');
    expect((on.get('select[name="value"]').element as HTMLSelectElement).value).toBe('true');
  });

  it('sends an integer flag as a number', async () => {
    const flag = flagView({ name: 'BATCH_SIZE', type: 'integer', kind: 'operational', defaultValue: 50, min: 1, max: 10_000, inForce: { value: 50, reason: 'DEFAULT' } });
    const { wrapper } = editor(client, flag);
    expect(wrapper.text()).toContain('Default 50, 1–10,000.');
    expect((wrapper.get('input[name="value"]').element as HTMLInputElement).value).toBe('50');
    await wrapper.get('input[name="value"]').setValue('200');
    await wrapper.get('textarea[name="reason"]').setValue('bigger batches for the backfill');
    await wrapper.get('form').trigger('submit');
    await flushPromises();
    expect(client.callsOf('flags.set')).toMatchObject([{ flag: 'BATCH_SIZE', value: 200 }]);
  });

  it('shows the server refusal and stays open', async () => {
    client = fakeClient({
      'flags.set': () => {
        throw new ApiError('INPUT_INVALID', 'BATCH_SIZE must be at most 10000', 'pick a smaller batch');
      },
    });
    const { wrapper } = editor(client);
    await wrapper.get('textarea[name="reason"]').setValue('try');
    await wrapper.get('form').trigger('submit');
    await flushPromises();
    expect(wrapper.get('[role="alert"]').text()).toBe('BATCH_SIZE must be at most 10000 — pick a smaller batch');
    expect(wrapper.emitted('saved')).toBeUndefined();
    expect(wrapper.get('button[type="submit"]').attributes('disabled')).toBeUndefined();
  });

  it('only offers removing a value for a scope that has one', async () => {
    const flag = flagView({ scopes: [{ scope: 'task:nightly', value: false, updatedAt: '2026-11-27T08:00:00.000Z', updatedBy: 'grace' }] });
    const { wrapper, remove } = editor(client, flag);
    await wrapper.get('textarea[name="reason"]').setValue('back to the default');
    expect(wrapper.text()).toContain('Stored for global: nothing (falls back)');
    expect(remove().attributes('disabled')).toBeDefined();

    await wrapper.get('select[name="scope"]').setValue('task:nightly');
    expect(wrapper.text()).toContain('Stored for task:nightly: off');
    await remove().trigger('click');
    await flushPromises();
    expect(client.callsOf('flags.unset')).toEqual([{ flag: 'ENABLE_BATCH_PROCESSING', scope: 'task:nightly', reason: 'back to the default', expected: false }]);
    expect(wrapper.emitted('saved')).toHaveLength(1);
  });


  it('says since when a killed flag has been held, and nothing of the kind for a flag that is not killed', async () => {
    const killed = flagView({
      scopes: [{ scope: 'kill', value: false, updatedAt: '2026-11-27T09:15:00.000Z', updatedBy: 'Bo' }],
      inForce: { value: false, reason: 'DISABLED', scope: 'kill', killed: 'killed by Bo at 2026-11-27T09:15:00.000Z' },
      killedAt: '2026-11-27T09:15:00.000Z',
    });
    expect(editor(client, killed).wrapper.get('[data-testid="killed-at"]').text()).toBe('Killed since 2026-11-27 09:15: held off for every task and manual run until the kill value is removed.');
    const pause = flagView({ name: 'PAUSE_SCHEDULED_RUNS', kind: 'kill-switch', defaultValue: false, killedAt: '2026-11-28T00:00:00.000Z' });
    expect(editor(client, pause).wrapper.get('[data-testid="killed-at"]').text()).toContain('held on for every task');
    expect(editor(client).wrapper.find('[data-testid="killed-at"]').exists()).toBe(false);
  });

  it('cancels without calling the API', async () => {
    const { wrapper } = editor(client);
    await wrapper.findAll('button').find((b) => b.text() === 'Cancel')!.trigger('click');
    expect(wrapper.emitted('cancel')).toHaveLength(1);
    expect(client.calls).toEqual([]);
  });
});
