import { defineStore } from 'pinia';
import { ref } from 'vue';
import type { CallerView } from '../../../shared/api.js';
import type { GatehouseClient } from '../client/index.js';

/**
 * Who is at the console, as the server records it in every audit row — never typed per change.
 * The desktop app is the OS user; a browser session names itself once (the naming prompt), and the
 * server binds that name to the session.
 */
export const useOperator = defineStore('operator', () => {
  /** The name audit rows carry; null while a browser session has not named itself (or before loading). */
  const name = ref<string | null>(null);
  const identity = ref<CallerView['identity'] | null>(null);
  const canName = ref(false);
  /** The naming prompt is open. */
  const asking = ref(false);
  let waiting: ((named: boolean) => void)[] = [];

  function adopt(view: CallerView): void {
    name.value = view.operator;
    identity.value = view.identity;
    canName.value = view.canName;
  }

  async function connect(client: GatehouseClient): Promise<void> {
    adopt(await client.call('session.get', {}));
  }

  function settle(named: boolean): void {
    asking.value = false;
    const done = waiting;
    waiting = [];
    done.forEach((resolve) => resolve(named));
  }

  /** Names this browser session on the server (once); the prompt calls it. */
  async function nameSession(client: GatehouseClient, typed: string): Promise<void> {
    adopt(await client.call('session.name', { name: typed }));
    settle(true);
  }

  /** True once the server knows who acts; asks for a name first when this session has none. */
  function ensureNamed(): Promise<boolean> {
    if (name.value !== null) return Promise.resolve(true);
    asking.value = true;
    return new Promise((resolve) => waiting.push(resolve));
  }

  return { name, identity, canName, asking, adopt, connect, nameSession, ensureNamed, dismiss: () => settle(false) };
});
