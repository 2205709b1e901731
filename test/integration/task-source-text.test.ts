import { afterAll, describe, expect, it } from 'vitest';
import { testBackends, withStoreAt } from '../helpers/backends.js';
import { runCli } from '../helpers/cli.js';

describe.each(testBackends())('a task\'s source holding control characters ($name)', (backend) => {
  afterAll(() => backend.cleanup());

  it('tasks add and edit refuse one (exit 2, naming it), and show and list print one stored before the rule as escapes, on one line', async () => {
    const db = await backend.freshLocation();
    const added = runCli(['tasks', 'add', 'nightly', '--cron', '0 3 * * *', '--source', 'file:/data/in.json\u001b[2J', '--db', db]);
    expect(added.code).toBe(2);
    expect(added.stderr).toContain('contains the control character U+001B (ESC) at character 19');
    expect(runCli(['tasks', 'add', 'nightly', '--cron', '0 3 * * *', '--source', 'file:/data/in.json', '--db', db]).code).toBe(0);
    const edited = runCli(['tasks', 'edit', 'nightly', '--source', 'file:/data/in\tout.json', '--db', db]);
    expect(edited.code).toBe(2);
    expect(edited.stderr).toContain('contains the control character U+0009 (tab) at character 14');

    await withStoreAt(backend, db, (store) => store.queries.db.updateTable('scheduledTasks').set({ source: 'file:/data/in.json\u001b[2J\ngatehouse: error: forged' }).where('name', '=', 'nightly').execute());
    const shown = runCli(['tasks', 'show', 'nightly', '--db', db]);
    expect(shown.code, shown.stderr).toBe(0);
    expect(shown.stdout).not.toContain('\u001b');
    expect(shown.stdout.trim().split('\n')).toEqual([expect.stringMatching(/^task nightly: "0 3 \* \* \*" file:\/data\/in\.json\\x1b\[2J\\x0agatehouse: error: forged lookback 7d/)]);
    const listed = runCli(['tasks', 'list', '--db', db]);
    expect(listed.code, listed.stderr).toBe(0);
    expect(listed.stdout).not.toContain('\u001b');
    expect(listed.stdout).toContain('file:/data/in.json\\x1b[2J\\x0agatehouse: error: forged');
  }, 60_000);
});
