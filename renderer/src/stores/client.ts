import { inject, type InjectionKey } from 'vue';
import type { GatehouseClient } from '../client/index.js';

export const CLIENT_KEY: InjectionKey<GatehouseClient> = Symbol('gatehouse-client');

export function useClient(): GatehouseClient {
  const client = inject(CLIENT_KEY);
  if (!client) throw new Error('no Gatehouse client provided');
  return client;
}
