import { defineStore } from 'pinia';
import { ref } from 'vue';
import type { OperationView } from '../../../shared/api.js';
import { describeEnd, operationProgress, operationStarted } from '../announce.js';
import type { GatehouseClient } from '../client/index.js';

/** Long operations in progress (rollback, restore, snapshots, trials), as the event stream tells them. */
export const useOperations = defineStore('operations', () => {
  const running = ref<Record<string, OperationView>>({});
  /** Bumped when a rollback or restore ends, so lists and run pages reload what it changed. */
  const changedData = ref(0);
  /**
   * News of the operations, in words, for the sidebar's live region: a start, a new phase, each
   * quarter done and the end (whose line vanishes from the list) — not every tick of progress.
   */
  const news = ref('');
  let connected = false;

  /** `started`: the stream's first event of it; one already running when the console opened was no news to anyone here. */
  function apply(operation: OperationView, started = false): void {
    const before = running.value[operation.operationId];
    // A dry run's answer is on screen in the dialog that asked for it: no news for the sidebar.
    const tell = operation.kind !== 'rollback-preview';
    if (operation.status === 'running') {
      const text = started ? operationStarted(operation) : before === undefined ? null : operationProgress(before, operation);
      if (tell && text !== null) news.value = text;
      running.value[operation.operationId] = operation;
      return;
    }
    if (tell) news.value = describeEnd(operation);
    delete running.value[operation.operationId];
    if ((operation.kind === 'rollback' || operation.kind === 'restore')) changedData.value += 1;
  }

  function connect(client: GatehouseClient): void {
    if (connected) return;
    connected = true;
    client.onOperationEvent((event) => apply(event.operation, event.type === 'operation-started'));
    void client.call('operations.active', {}).then((active) => active.forEach((operation) => apply(operation)), () => undefined);
  }

  return { running, changedData, news, connect, apply };
});
