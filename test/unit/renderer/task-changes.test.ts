import { describe, expect, it } from 'vitest';
import type { TaskEventView } from '../../../shared/api-operations.js';
import { taskChanges } from '../../../renderer/src/task-changes.js';

const task = { cron: '0 2 * * *', source: 'synthetic:seed=1,count=5', lookbackDays: 7, enabled: true };
const event = (before: TaskEventView['before'], after: TaskEventView['after']): TaskEventView => ({ id: 1, task: 'nightly', action: before ? 'edited' : 'added', before, after, operator: 'ann', at: '2026-11-01T09:00:00.000Z' });

describe('what a task event changed, as the task history shows it', () => {
  it('lists every setting of a task when it was added', () => {
    expect(taskChanges(event(null, task))).toEqual(['cron 0 2 * * *', 'source synthetic:seed=1,count=5', 'lookback 7 d', 'enabled yes']);
  });

  it('lists only the settings an edit changed, before → after', () => {
    expect(taskChanges(event(task, { ...task, enabled: false, lookbackDays: 3 }))).toEqual(['lookback 7 d → 3 d', 'enabled yes → no']);
  });

  it('says an edit that saved the same values changed nothing, rather than showing an empty cell', () => {
    expect(taskChanges(event(task, { ...task }))).toEqual(['no setting changed']);
  });
});
