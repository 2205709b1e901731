/** Mounting a renderer component the way main.ts wires the app: a fresh Pinia and the client. */
import { mount, type ComponentMountingOptions } from '@vue/test-utils';
import { createPinia, setActivePinia, type Pinia } from 'pinia';
import type { Component } from 'vue';
import { CLIENT_KEY } from '../../../renderer/src/stores/client.js';
import type { FakeClient } from './fake-client.js';

export function mountWith<C extends Component>(component: C, client: FakeClient, options: ComponentMountingOptions<C> = {} as ComponentMountingOptions<C>) {
  const pinia: Pinia = createPinia();
  setActivePinia(pinia);
  return mount(component, {
    ...options,
    attachTo: document.body,
    global: { plugins: [pinia], provide: { [CLIENT_KEY as symbol]: client } },
  });
}
