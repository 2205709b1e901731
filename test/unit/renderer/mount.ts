/** Mounting a renderer component the way main.ts wires the app: a fresh Pinia and the client. */
import { mount, type ComponentMountingOptions } from '@vue/test-utils';
import { createPinia, setActivePinia, type Pinia } from 'pinia';
import type { Component } from 'vue';
import type { CallerView } from '../../../shared/api.js';
import { CLIENT_KEY } from '../../../renderer/src/stores/client.js';
import { useOperator } from '../../../renderer/src/stores/operator.js';
import type { FakeClient } from './fake-client.js';

/** A browser session that has named itself, as most component tests need; pass another to test naming. */
export const NAMED_SESSION: CallerView = { operator: 'Ada', identity: 'session', canName: false };

export function mountWith<C extends Component>(component: C, client: FakeClient, options: ComponentMountingOptions<C> = {} as ComponentMountingOptions<C>, session: CallerView = NAMED_SESSION) {
  const pinia: Pinia = createPinia();
  setActivePinia(pinia);
  useOperator(pinia).adopt(session);
  return mount(component, {
    ...options,
    attachTo: document.body,
    global: { plugins: [pinia], provide: { [CLIENT_KEY as symbol]: client } },
  });
}
