// @vitest-environment happy-dom
import { flushPromises } from '@vue/test-utils';
import { createPinia, setActivePinia } from 'pinia';
import { beforeEach, describe, expect, it } from 'vitest';
import type { OperationView } from '../../../shared/api.js';
import { describeOperation, useOperations } from '../../../renderer/src/stores/operations.js';
import { fakeClient } from './fake-client.js';

const dryRun: OperationView = {
  operationId: 'op-1', kind: 'rollback-preview', target: 'run 12', runId: 12, operator: 'Ada', status: 'running', phase: 'undoing hearings',
  done: 400, total: 1_000, startedAt: '2026-11-28T12:00:00.000Z', finishedAt: null, error: null,
};

describe('long operations in the console', () => {
  beforeEach(() => setActivePinia(createPinia()));

  it('picks up operations already running, follows their progress and drops them when they end', async () => {
    const client = fakeClient({ 'operations.active': () => [dryRun] });
    const operations = useOperations();
    operations.connect(client);
    await flushPromises();
    expect(Object.values(operations.running).map(describeOperation)).toEqual(['Dry run of a rollback of run 12: undoing hearings 40 %']);
    client.emitOperation({ type: 'operation-progress', operation: { ...dryRun, done: 900 } });
    expect(Object.values(operations.running).map(describeOperation)).toEqual(['Dry run of a rollback of run 12: undoing hearings 90 %']);
    client.emitOperation({ type: 'operation-finished', operation: { ...dryRun, status: 'done', phase: 'finished', finishedAt: '2026-11-28T12:00:20.000Z' } });
    expect(operations.running).toEqual({});
  });

  it('describes an operation without a known total by its phase alone', () => {
    expect(describeOperation({ ...dryRun, kind: 'restore', target: 'snapshot s-1', phase: 'verifying, then restoring', done: 0, total: null })).toBe('Restore of snapshot s-1: verifying, then restoring');
  });
});
