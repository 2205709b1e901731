import { defineStore } from 'pinia';
import { ref } from 'vue';
import type { OperationView } from '../../../shared/api.js';
import type { GatehouseClient } from '../client/index.js';

const LABELS: Record<OperationView['kind'], string> = {
  'rollback-preview': 'Dry run of a rollback',
  rollback: 'Rollback',
  restore: 'Restore',
  snapshot: 'Snapshot',
  verify: 'Verification',
  trials: 'Trials',
};

/** Long operations in progress (rollback, restore, snapshots, trials), as the event stream tells them. */
export const useOperations = defineStore('operations', () => {
  const running = ref<Record<string, OperationView>>({});
  /** Bumped when a rollback or restore ends, so lists and run pages reload what it changed. */
  const changedData = ref(0);
  /** The last operation that ended, in words, for the sidebar's live region: its line vanishes from the list. */
  const lastEnded = ref('');
  let connected = false;

  function apply(operation: OperationView): void {
    if (operation.status === 'running') {
      running.value[operation.operationId] = operation;
      return;
    }
    // A dry run's answer is on screen in the dialog that asked for it: no news for the sidebar.
    if (operation.kind !== 'rollback-preview') lastEnded.value = describeEnd(operation);
    delete running.value[operation.operationId];
    if ((operation.kind === 'rollback' || operation.kind === 'restore')) changedData.value += 1;
  }

  function connect(client: GatehouseClient): void {
    if (connected) return;
    connected = true;
    client.onOperationEvent((event) => apply(event.operation));
    void client.call('operations.active', {}).then((active) => active.forEach(apply), () => undefined);
  }

  return { running, changedData, lastEnded, connect, apply };
});

/** "Rollback of run 12: undoing hearings 40 %", for the sidebar. */
export function describeOperation(operation: OperationView): string {
  const progress = operation.total ? ` ${Math.floor((operation.done / operation.total) * 100)} %` : '';
  return `${LABELS[operation.kind]} of ${operation.target}: ${operation.phase}${progress}`;
}

/** "Rollback of run 12 finished." or "Restore of snapshot … failed: …". */
export function describeEnd(operation: OperationView): string {
  const what = `${LABELS[operation.kind]} of ${operation.target}`;
  return operation.status === 'failed' ? `${what} failed${operation.error ? `: ${operation.error}` : ''}.` : `${what} finished.`;
}
