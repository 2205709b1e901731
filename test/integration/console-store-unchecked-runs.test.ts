import { afterAll, describe, expect, it } from 'vitest';
import { openConsoleStore } from '../../main/api/index.js';
import { testBackends } from '../helpers/backends.js';
import { dropSlowRole, slowRoleOn } from '../helpers/slow-role.js';

const ROLE = 'gh_whypartial_settle';

/**
 * `gatehouse serve` checks for runs a killed process left running as it opens its store. On a
 * PostgreSQL whose statement_timeout cancels that check, it said only "runs left running were not
 * checked: canceling statement due to statement timeout": not what it means, nor what to change.
 */
describe.each(testBackends().filter((backend) => backend.name === 'postgres'))('a console whose check for runs left running is canceled, on $name', (backend) => {
  afterAll(async () => {
    await dropSlowRole(ROLE);
    await backend.cleanup();
  });

  it('opens all the same, and says what was not checked, what it means and which setting to raise', async () => {
    const location = await backend.freshLocation();
    const owner = await backend.open(location);
    // A run its process left running: settling it is a write to runs, which the slow role's statement_timeout cancels.
    await owner.createRun({ mode: 'batch', batchSize: 50, task: null, source: 'crafted', startedAt: '2026-12-01T00:00:00.000Z', pid: 999_999, host: 'gone', flags: {}, resumedFrom: null });
    await owner.close();
    const slow = await slowRoleOn(location, ROLE, ['runs']);
    const warnings: string[] = [];
    const store = await openConsoleStore(slow, (line) => warnings.push(line));
    await store.close();
    expect(warnings).toHaveLength(1);
    expect(warnings[0]).toMatch(/^runs left running by a process that died were not checked: cannot use database .*: the PostgreSQL server canceled a statement \(canceling statement due to statement timeout\)\. Such a run stays stored as running .* until the next update or rollback takes the writer lock and marks it interrupted; the server's statement_timeout .*\(ALTER ROLE … SET statement_timeout = 0\)/);
  });
});
