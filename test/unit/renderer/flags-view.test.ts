// @vitest-environment happy-dom
import { flushPromises } from '@vue/test-utils';
import { afterEach, describe, expect, it } from 'vitest';
import FlagsView from '../../../renderer/src/views/FlagsView.vue';
import { ApiError } from '../../../renderer/src/client/index.js';
import type { TaskView } from '../../../shared/api-operations.js';
import { fakeClient } from './fake-client.js';
import { flagView } from './fixtures.js';
import { mountWith } from './mount.js';

afterEach(() => {
  document.body.innerHTML = '';
});

describe('the Flags page', () => {
  it('says who killed a flag, when, and the value it holds down in the page\'s own words: a minute-precise time and "on", as the scope column writes it', async () => {
    const killedAt = '2026-11-27T09:15:42.123Z';
    const killed = flagView({
      name: 'ENABLE_RECORD_ISOLATION',
      scopes: [{ scope: 'task:daily', value: true, updatedAt: '2026-11-20T08:00:00.000Z', updatedBy: 'Ada' }, { scope: 'kill', value: false, updatedAt: killedAt, updatedBy: 'Bo' }],
      inForce: { value: false, reason: 'DISABLED', scope: 'kill', killed: `killed by Bo at ${killedAt}, over task:daily's true`, kill: { by: 'Bo', at: killedAt, over: { scope: 'task:daily', value: true } } },
      killedAt,
    });
    const client = fakeClient({ 'flags.list': () => [killed], 'tasks.list': () => [] });
    const wrapper = mountWith(FlagsView, client);
    await flushPromises();
    const row = wrapper.get('tr[data-flag="ENABLE_RECORD_ISOLATION"]');
    expect(row.get('[data-testid="in-force"]').text()).toBe("off (killed by Bo at 2026-11-27 09:15, over task:daily's on)");
    expect(row.text()).toContain('task:daily = on');
  });

  it('says the task scopes are missing because the tasks could not be read, and reads them again on request', async () => {
    let tasks: () => TaskView[] = () => {
      throw new ApiError('SOURCE_UNREADABLE', 'the tasks table cannot be read');
    };
    const client = fakeClient({ 'flags.list': () => [flagView()], 'tasks.list': () => tasks() });
    const wrapper = mountWith(FlagsView, client);
    await flushPromises();
    expect(wrapper.get('[data-testid="flags-tasks-error"]').text()).toMatch(/^The scheduled tasks could not be read, so no task's own scope is offered: the tasks table cannot be read/);
    tasks = () => [];
    await wrapper.get('[data-testid="flags-tasks-error"] button').trigger('click');
    await flushPromises();
    expect(wrapper.find('[data-testid="flags-tasks-error"]').exists()).toBe(false);
  });

  it('writes a number flag\'s default, range and values with thousands separators ("5,000", not "5000")', async () => {
    const ceiling = flagView({ name: 'ADAPTIVE_BATCH_CEILING', type: 'integer', kind: 'operational', defaultValue: 5000, min: 1, max: 100_000, inForce: { value: 5000, reason: 'DEFAULT' } });
    const wrapper = mountWith(FlagsView, fakeClient({ 'flags.list': () => [ceiling], 'tasks.list': () => [] }));
    await flushPromises();
    const row = wrapper.get('tr[data-flag="ADAPTIVE_BATCH_CEILING"]');
    expect(row.findAll('td.value')[1]!.text()).toBe('5,000');
    expect(row.get('[data-testid="in-force"]').text()).toBe('5,000 (default)');
  });
});
