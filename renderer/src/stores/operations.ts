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
  let connected = false;

  function apply(operation: OperationView): void {
    if (operation.status === 'running') {
      running.value[operation.operationId] = operation;
      return;
    }
    delete running.value[operation.operationId];
    if ((operation.kind === 'rollback' || operation.kind === 'restore')) changedData.value += 1;
  }

  function connect(client: GatehouseClient): void {
    if (connected) return;
    connected = true;
    client.onOperationEvent((event) => apply(event.operation));
    void client.call('operations.active', {}).then((active) => active.forEach(apply), () => undefined);
  }

  return { running, changedData, connect, apply };
});

/** "Rollback of run 12: undoing hearings 40 %", for the sidebar. */
export function describeOperation(operation: OperationView): string {
  const progress = operation.total ? ` ${Math.floor((operation.done / operation.total) * 100)} %` : '';
  return `${LABELS[operation.kind]} of ${operation.target}: ${operation.phase}${progress}`;
}
