import type { Migration } from './index.js';

/**
 * Sensitivity settings per task (issue 10 item 7), versioned and audited like flags: every save
 * is a new numbered version of the task's whole settings with who, why and when; the latest
 * version is the one in force. The versions are the audit, so they outlive restores.
 */
export const migration008: Migration = {
  version: 8,
  name: 'sensitivity versions',
  sql: (d) => `
CREATE TABLE sensitivity_versions (
id ${d.id},
task TEXT NOT NULL,
version INTEGER NOT NULL,
settings_json ${d.json} NOT NULL,
operator TEXT NOT NULL,
reason TEXT NOT NULL CHECK (length(trim(reason)) > 0),
at ${d.time} NOT NULL,
UNIQUE (task, version)
);
`,
};
