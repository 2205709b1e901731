// @vitest-environment happy-dom
import { flushPromises } from '@vue/test-utils';
import { afterEach, describe, expect, it } from 'vitest';
import { ApiError } from '../../../renderer/src/client/index.js';
import TasksPanel from '../../../renderer/src/components/TasksPanel.vue';
import type { TaskView } from '../../../shared/api-operations.js';
import { fakeClient } from './fake-client.js';
import { mountWith } from './mount.js';

const daily: TaskView = {
  name: 'daily', cron: '0 6 * * *', source: 'synthetic:seed=1,count=200', lookbackDays: 7, enabled: true,
  createdAt: '2026-11-01T00:00:00.000Z', updatedAt: '2026-11-01T00:00:00.000Z', lastFiredAt: null, lastRunId: null, consecutiveFailures: 0, retryAt: null, nextRunAt: '2026-12-05T06:00:00.000Z', scheduleProblem: null,
};

/** tasks.list and tasks.edit as the server answers them: an edit from a stale view is refused (CONFLICT). */
function taskServer(stored: TaskView) {
  return fakeClient({
    'tasks.list': () => [stored],
    'tasks.edit': ({ name, expected, ...change }) => {
      const changed = Object.entries(expected ?? {}).find(([field, value]) => stored[field as keyof TaskView] !== value);
      if (changed) throw new ApiError('CONFLICT', `task ${name}'s ${changed[0]} is ${String(stored[changed[0] as keyof TaskView])} now (changed by bo): nothing was changed`);
      Object.assign(stored, change);
      return stored;
    },
  });
}

/** Disable or Enable on a row, then the reason the switch asks for, then the switch itself. */
async function switchWithReason(wrapper: ReturnType<typeof mountWith>, button: string, reason: string): Promise<void> {
  await wrapper.get(`button[aria-label="${button}"]`).trigger('click');
  await flushPromises();
  const form = wrapper.get('[data-testid=task-switch]');
  // No reason, no switch: the button waits for one.
  expect(form.get('button[type=submit]').attributes('disabled')).toBeDefined();
  await form.get('textarea').setValue(reason);
  await form.trigger('submit');
  await flushPromises();
}

describe('the scheduled tasks panel', () => {
  afterEach(() => {
    document.body.innerHTML = '';
  });

  it('after an edit refused because someone changed the task meanwhile, shows the task as it is now, so the next try is not refused again', async () => {
    const stored = { ...daily };
    const client = taskServer(stored);
    const wrapper = mountWith(TasksPanel, client);
    await flushPromises();
    // Bo disables the task from another window.
    stored.enabled = false;
    await switchWithReason(wrapper, 'Disable task daily', 'feed broken');
    expect(wrapper.get('[role=alert]').text()).toContain('task daily\'s enabled is false now (changed by bo)');
    expect(wrapper.get('tr[data-task=daily] .badge').text()).toBe('disabled');

    await switchWithReason(wrapper, 'Enable task daily', 'feed fixed');
    expect(client.callsOf('tasks.edit')).toEqual([
      { name: 'daily', enabled: false, reason: 'feed broken', expected: { enabled: true } },
      { name: 'daily', enabled: true, reason: 'feed fixed', expected: { enabled: false } },
    ]);
    expect(wrapper.find('[data-testid=task-switch]').exists()).toBe(false);
    expect(wrapper.get('tr[data-task=daily] .badge').text()).toBe('enabled');
    expect(wrapper.find('[role=alert]').exists()).toBe(false);
  });

  it('keeps an edit refused for a change made meanwhile in the form, and saves it on a second try against the task as now shown', async () => {
    const stored = { ...daily };
    const client = taskServer(stored);
    const wrapper = mountWith(TasksPanel, client);
    await flushPromises();
    await wrapper.get('button[aria-label="Edit task daily"]').trigger('click');
    stored.cron = '0 7 * * *';
    await wrapper.get('input[name=task-lookback]').setValue('14');
    await wrapper.get('form').trigger('submit');
    await flushPromises();
    expect(wrapper.get('[role=alert]').text()).toContain('cron is 0 7 * * * now');
    expect(wrapper.get('tr[data-task=daily] td.value').text()).toBe('0 7 * * *');
    expect((wrapper.get('input[name=task-lookback]').element as HTMLInputElement).value).toBe('14');

    await wrapper.get('input[name=task-cron]').setValue('0 7 * * *');
    await wrapper.get('form').trigger('submit');
    await flushPromises();
    const fields = { cron: '0 7 * * *', source: daily.source, lookbackDays: 14 };
    expect(client.callsOf('tasks.edit').at(-1)).toEqual({ name: 'daily', ...fields, expected: { cron: '0 7 * * *', source: daily.source, lookbackDays: 7 } });
    expect(stored).toMatchObject(fields);
  });

  it('says a task is backing off after failures, with its next try, and nothing for a task that is not', async () => {
    const failing: TaskView = { ...daily, name: 'feed', consecutiveFailures: 3, retryAt: '2099-01-01T06:40:00.000Z', nextRunAt: '2099-01-01T06:40:00.000Z' };
    const wrapper = mountWith(TasksPanel, fakeClient({ 'tasks.list': () => [daily, failing] }));
    await flushPromises();
    expect(wrapper.get('tr[data-task=feed] [data-testid=task-backoff]').text()).toBe('backing off after 3 failures in a row; next try 2099-01-01 06:40');
    expect(wrapper.find('tr[data-task=daily] [data-testid=task-backoff]').exists()).toBe(false);
  });
});
