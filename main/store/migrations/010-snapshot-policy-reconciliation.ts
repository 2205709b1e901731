import type { Migration } from './index.js';

/**
 * Snapshots by policy and the cross-batch reconciliation: each run records the schema version it
 * ran under (a schema change makes a snapshot due), the snapshot decision with its reason, and the
 * result of reconciling what it wrote. All nullable: runs from before this migration have neither.
 */
export const migration010: Migration = {
  version: 10,
  name: 'snapshot policy and reconciliation',
  sql: (d) => `
ALTER TABLE runs ADD COLUMN schema_version INTEGER;
ALTER TABLE runs ADD COLUMN snapshot_json ${d.json};
ALTER TABLE runs ADD COLUMN reconciliation_json ${d.json};
`,
};
