import type { TaskEventView } from '../../shared/api-operations.js';

type AuditedTask = TaskEventView['after'];

const FIELDS: { key: keyof AuditedTask; label: string; show: (task: AuditedTask) => string }[] = [
  { key: 'cron', label: 'cron', show: (t) => t.cron },
  { key: 'source', label: 'source', show: (t) => t.source },
  { key: 'lookbackDays', label: 'lookback', show: (t) => `${t.lookbackDays} d` },
  { key: 'enabled', label: 'enabled', show: (t) => (t.enabled ? 'yes' : 'no') },
];

/**
 * What one task event changed, as people read it: every setting when the task was added, only
 * the settings that differ (before → after) when it was edited. An edit that changed nothing
 * (saving the same values) says so rather than showing an empty cell.
 */
export function taskChanges(event: TaskEventView): string[] {
  const { before, after } = event;
  if (before === null) return FIELDS.map((field) => `${field.label} ${field.show(after)}`);
  const changed = FIELDS.filter((field) => before[field.key] !== after[field.key]).map((field) => `${field.label} ${field.show(before)} → ${field.show(after)}`);
  return changed.length > 0 ? changed : ['no setting changed'];
}
