import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { runCli } from '../helpers/cli.js';
import { tempFolderEachTest } from '../helpers/temp-folder.js';

const folder = tempFolderEachTest('gatehouse-counts-');

const HEARING = { eventId: '1', congress: 118, chamber: 'House', type: 'Hearing', meetingStatus: 'Scheduled', title: 'Farm bill', date: '2024-01-01T10:00:00Z', updateDate: '2024-01-01T10:00:00Z', committees: [{ systemCode: 'hsag00', name: 'Agriculture' }] };

/** One good hearing, then `broken` lines that are not JSON: each is quarantined as unreadable. */
function fileWithUnreadableLines(broken: number): string {
  const file = path.join(folder(), 'meetings.ndjson');
  const lines = [JSON.stringify(HEARING), ...Array.from({ length: broken }, (_, i) => `{not json ${i}`)];
  fs.writeFileSync(file, `${lines.join('\n')}\n`);
  return file;
}

describe('counts a user reads on the terminal', () => {
  it('groups thousands alike in the warnings and the summary of one update: "1,016 fetched", "1,015 quarantined", "1,005 more"', () => {
    const db = path.join(folder(), 'gatehouse.db');
    const update = runCli(['update', '--db', db, '--source', `file:${fileWithUnreadableLines(1015)}`]);
    expect(update.code).toBe(3);
    expect(update.stderr).toContain('1,005 more unreadable records not shown here, all quarantined');
    expect(update.stdout).toContain('  1,016 fetched: 1 added, 0 updated, 0 unchanged, 1,015 quarantined\n');
    const backups = runCli(['backups', 'list', '--db', db]);
    expect(backups.stdout).toMatch(/^1 snapshot, \d{1,3}(,\d{3})+ bytes in total$/m);
  });
});
