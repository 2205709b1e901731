import type { Migration } from './index.js';

/**
 * A task's Run (the console's, `tasks run`, its schedule) resumes its interrupted run and then starts
 * a new one. The console told that story from its own memory only — a reload, another window or a
 * restarted `gatehouse serve` lost it — so the runs' rows keep it: on the resumed run, the batches it
 * had committed when it was last resumed and why the new run after it could not start; on the new
 * run, the run whose resume it followed. Null: a run recorded before this, or one no resume touched.
 */
export const migration039: Migration = {
  version: 39,
  name: 'runs tell a task resume',
  sql: (d) => `ALTER TABLE runs ADD COLUMN resumed_after_batches INTEGER;
ALTER TABLE runs ADD COLUMN follow_up_error TEXT;
ALTER TABLE runs ADD COLUMN after_resume_of ${d.long};`,
};
