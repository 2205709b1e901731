// @vitest-environment happy-dom
import { flushPromises } from '@vue/test-utils';
import { afterEach, describe, expect, it } from 'vitest';
import CanaryPanel from '../../../renderer/src/components/CanaryPanel.vue';
import { fakeClient } from './fake-client.js';
import { mountWith } from './mount.js';

describe('the canary comparison', () => {
  afterEach(() => {
    document.body.innerHTML = '';
  });

  it('offers the first scheduled task once the task list arrives, not a made-up name', async () => {
    const wrapper = mountWith(CanaryPanel, fakeClient(), { props: { tasks: [] } });
    const field = () => (wrapper.get('input[name=canary-task]').element as HTMLInputElement).value;
    expect(field()).toBe('');
    await wrapper.setProps({ tasks: ['nightly-house', 'nightly-senate'] });
    await flushPromises();
    expect(field()).toBe('nightly-house');
  });

  it('keeps a task the operator typed before the list arrived', async () => {
    const wrapper = mountWith(CanaryPanel, fakeClient(), { props: { tasks: [] } });
    await wrapper.get('input[name=canary-task]').setValue('weekly');
    await wrapper.setProps({ tasks: ['nightly-house'] });
    await flushPromises();
    expect((wrapper.get('input[name=canary-task]').element as HTMLInputElement).value).toBe('weekly');
  });
});
