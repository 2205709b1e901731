import { redactSecrets } from '../../../shared/redact.js';
import { MAX_LOOKBACK_DAYS } from '../../../shared/lookback.js';
import type { Migration } from './index.js';

/** Who the task trail names for the change this migration makes: no person made it. */
export const LOOKBACK_MIGRATION_OPERATOR = 'gatehouse upgrade (schema 22: lookback days brought into 1–90)';

/**
 * Tasks added before `tasks add|edit` checked the lookback could keep one outside 1–90; every run of
 * such a task failed as its source opened, tick after tick, until someone edited it. The nearest
 * valid lookback is set instead (0 → 1, 120 → 90), and each change is a task event like an edit's,
 * so the task's history says what it was, what it is now and that the upgrade changed it.
 */
export const migration022: Migration = {
  version: 22,
  name: 'task lookback in range',
  sql: () => '',
  backfill: async (db, _dialect, now) => {
    const outside = await db
      .selectFrom('scheduledTasks')
      .selectAll()
      .where((eb) => eb.or([eb('lookbackDays', '<', 1), eb('lookbackDays', '>', MAX_LOOKBACK_DAYS)]))
      .orderBy('name')
      .execute();
    const at = now.toISOString();
    for (const task of outside) {
      const lookbackDays = Math.min(MAX_LOOKBACK_DAYS, Math.max(1, task.lookbackDays));
      await db.updateTable('scheduledTasks').set({ lookbackDays, updatedAt: at }).where('name', '=', task.name).execute();
      // The shape of a task event's before and after (scheduler/task-store.ts) as it was when this migration landed.
      const audited = (days: number) => JSON.stringify({ cron: task.cron, source: redactSecrets(task.source), lookbackDays: days, enabled: task.enabled === 1 });
      await db
        .insertInto('taskEvents')
        .values({ task: task.name, action: 'edited', oldJson: audited(task.lookbackDays), newJson: audited(lookbackDays), operator: LOOKBACK_MIGRATION_OPERATOR, at })
        .execute();
    }
  },
};
