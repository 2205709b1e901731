import type { Migration } from './index.js';

/**
 * Guarded rollouts (main/rollouts/): one row per rollout holding where it stands, so a restarted
 * process resumes it from the database, and the ledger of every check and decision with the
 * evidence it saw. Both are audit: they outlive restores.
 */
export const migration007: Migration = {
  version: 7,
  name: 'guarded rollouts',
  sql: (d) => `
CREATE TABLE rollouts (
id ${d.id},
name TEXT NOT NULL,
state TEXT NOT NULL,
flag_changes_json ${d.json} NOT NULL,
canary_task TEXT,
stages_json ${d.json} NOT NULL,
stage_index INTEGER NOT NULL,
stage_started_at ${d.time} NOT NULL,
time_threshold ${d.real} NOT NULL,
auto_promote ${d.bool} NOT NULL,
applied_json ${d.json} NOT NULL,
operator TEXT NOT NULL,
reason TEXT NOT NULL CHECK (length(trim(reason)) > 0),
started_at ${d.time} NOT NULL,
updated_at ${d.time} NOT NULL
);

CREATE TABLE rollout_ledger (
id ${d.id},
rollout_id ${d.long} NOT NULL REFERENCES rollouts(id),
at ${d.time} NOT NULL,
stage TEXT NOT NULL,
kind TEXT NOT NULL,
decision TEXT,
operator TEXT NOT NULL,
reason TEXT NOT NULL,
run_id ${d.long},
evidence_json ${d.json} NOT NULL
);
CREATE INDEX rollout_ledger_by_rollout ON rollout_ledger(rollout_id, id);
`,
};
