// @vitest-environment happy-dom
import { flushPromises } from '@vue/test-utils';
import { afterEach, describe, expect, it } from 'vitest';
import FlagsView from '../../../renderer/src/views/FlagsView.vue';
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
});
