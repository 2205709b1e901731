// @vitest-environment happy-dom
import { flushPromises } from '@vue/test-utils';
import { createPinia, setActivePinia } from 'pinia';
import { beforeEach, describe, expect, it } from 'vitest';
import type { OperationView } from '../../../shared/api.js';
import { describeOperation } from '../../../renderer/src/announce.js';
import { useOperations } from '../../../renderer/src/stores/operations.js';
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

  it('tells a screen reader a rollback started, each new phase and each quarter done, and its end — not every percent', () => {
    const client = fakeClient({ 'operations.active': () => [] });
    const operations = useOperations();
    operations.connect(client);
    const rollback: OperationView = { ...dryRun, operationId: 'op-2', kind: 'rollback', phase: 'starting', done: 0, total: null };
    const heard: string[] = [];
    const step = (type: 'operation-started' | 'operation-progress' | 'operation-finished', change: Partial<OperationView>) => {
      client.emitOperation({ type, operation: { ...rollback, ...change } });
      if (heard.at(-1) !== operations.news) heard.push(operations.news);
    };
    step('operation-started', {});
    step('operation-progress', { phase: 'checking conflicts', done: 0, total: 1_000 });
    step('operation-progress', { phase: 'checking conflicts', done: 1_000, total: 1_000 });
    for (const done of [0, 90, 180, 260, 270, 499, 500, 740, 760, 990, 1_000]) step('operation-progress', { phase: 'undoing hearings', done, total: 1_000 });
    step('operation-finished', { status: 'done', phase: 'finished', done: 1_000, total: 1_000, finishedAt: '2026-11-28T12:01:00.000Z' });
    expect(heard).toEqual([
      'Rollback of run 12 started.',
      'Rollback of run 12: checking conflicts 0 %.',
      'Rollback of run 12: undoing hearings 0 %.',
      'Rollback of run 12: undoing hearings 26 %.',
      'Rollback of run 12: undoing hearings 50 %.',
      'Rollback of run 12: undoing hearings 76 %.',
      'Rollback of run 12 finished.',
    ]);
  });

  it('keeps quiet about a dry run (its dialog shows it) and about one already running when the console opened', async () => {
    const restore: OperationView = { ...dryRun, operationId: 'op-3', kind: 'restore', target: 'snapshot s-1', phase: 'verifying, then restoring', done: 0, total: null };
    const client = fakeClient({ 'operations.active': () => [restore] });
    const operations = useOperations();
    operations.connect(client);
    await flushPromises();
    client.emitOperation({ type: 'operation-started', operation: { ...dryRun, done: 0 } });
    client.emitOperation({ type: 'operation-progress', operation: { ...dryRun, phase: 'checking conflicts', done: 500 } });
    client.emitOperation({ type: 'operation-progress', operation: restore });
    expect(operations.news).toBe('');
    client.emitOperation({ type: 'operation-finished', operation: { ...restore, status: 'failed', phase: 'finished', error: 'disk full' } });
    expect(operations.news).toBe('Restore of snapshot s-1 failed: disk full.');
  });

  it('describes an operation without a known total by its phase alone', () => {
    expect(describeOperation({ ...dryRun, kind: 'restore', target: 'snapshot s-1', phase: 'verifying, then restoring', done: 0, total: null })).toBe('Restore of snapshot s-1: verifying, then restoring');
  });
});
