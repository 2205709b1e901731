// @vitest-environment happy-dom
import { flushPromises, type VueWrapper } from '@vue/test-utils';
import { afterEach, describe, expect, it } from 'vitest';
import { ApiError } from '../../../renderer/src/client/index.js';
import RolloutsView from '../../../renderer/src/views/RolloutsView.vue';
import type { FlagView } from '../../../shared/api-operations.js';
import { fakeClient } from './fake-client.js';
import { flagView } from './fixtures.js';
import { mountWith } from './mount.js';

describe('the Rollouts page', () => {
  let wrapper: VueWrapper | undefined;
  afterEach(() => wrapper?.unmount());

  it('says why no rollout can be started when the flags cannot be read, instead of leaving the form out silently, and offers to read them again', async () => {
    let flags: () => FlagView[] = () => {
      throw new ApiError('SOURCE_UNREADABLE', 'the flags table cannot be read');
    };
    const client = fakeClient({
      'rollouts.get': () => null,
      'rollouts.list': () => [],
      'flags.list': () => flags(),
      'tasks.list': () => [],
    });
    wrapper = mountWith(RolloutsView, client);
    await flushPromises();
    expect(wrapper.text()).toContain('No rollout has been started.');
    expect(wrapper.find('form[aria-label="Start a rollout"]').exists()).toBe(false);
    const alert = wrapper.find('[role="alert"]');
    expect(alert.text()).toContain('A rollout cannot be started until the flags and tasks are read: the flags table cannot be read');

    flags = () => [flagView()];
    await alert.find('button').trigger('click');
    await flushPromises();
    expect(wrapper.find('[role="alert"]').exists()).toBe(false);
    expect(wrapper.find('form[aria-label="Start a rollout"]').exists()).toBe(true);
  });
});
